package dev.slipway.examples.orders;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and writes orders; their layout is the same in every schema version. */
public final class OrderStore {

    /** PostgreSQL's SQLSTATE for foreign_key_violation. */
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    /**
     * Inserts the order and returns it with its new id, or empty when the customer does not
     * exist. The foreign key decides, rather than a prior lookup, so that a concurrent delete
     * cannot slip in between.
     */
    public Optional<Order> insert(Connection connection, long customerId, long amountCents) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO orders (customer_id, amount_cents) VALUES (?, ?) RETURNING id")) {
            insert.setLong(1, customerId);
            insert.setLong(2, amountCents);
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                return Optional.of(new Order(row.getLong(1), customerId, amountCents));
            }
        } catch (SQLException e) {
            if (FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public Optional<Order> find(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, customer_id, amount_cents FROM orders WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(read(row)) : Optional.empty();
            }
        }
    }

    /** A customer's orders with an id above {@code afterId}, in id order, at most {@code limit}. */
    public List<Order> listByCustomer(Connection connection, long customerId, long afterId, int limit)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, customer_id, amount_cents FROM orders WHERE customer_id = ? AND id > ? ORDER BY id LIMIT ?")) {
            select.setLong(1, customerId);
            select.setLong(2, afterId);
            select.setInt(3, limit);
            try (ResultSet rows = select.executeQuery()) {
                List<Order> orders = new ArrayList<>();
                while (rows.next()) {
                    orders.add(read(rows));
                }
                return orders;
            }
        }
    }

    /** Fails unless the schema has the orders table with every column used here. */
    public void checkReadable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT id, customer_id, amount_cents FROM orders LIMIT 0");
        }
    }

    private static Order read(ResultSet row) throws SQLException {
        return new Order(row.getLong("id"), row.getLong("customer_id"), row.getLong("amount_cents"));
    }
}
