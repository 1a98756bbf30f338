package dev.slipway.examples.orders;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes customers in one schema version's layout. Table names are unqualified: the
 * connection's search path points at the versioned view schema ({@code public_v1}, ...).
 */
public interface CustomerStore {

    /** Inserts the customer and returns it with its new id. */
    Customer insert(Connection connection, NewCustomer customer) throws SQLException;

    Optional<Customer> find(Connection connection, long id) throws SQLException;

    /** Customers with an id above {@code afterId}, in id order, at most {@code limit}. */
    List<Customer> list(Connection connection, long afterId, int limit) throws SQLException;

    /**
     * Fails unless the schema has every table and column this layout uses: a release must not
     * report ready against a schema it cannot read.
     */
    void checkReadable(Connection connection) throws SQLException;
}
