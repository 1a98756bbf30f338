package dev.slipway.examples.orders;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Schema 1: one {@code customers.full_name} column. */
public final class FullNameCustomerStore implements CustomerStore {

    @Override
    public Customer insert(Connection connection, NewCustomer customer) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO customers (full_name, email) VALUES (?, ?) RETURNING id")) {
            insert.setString(1, customer.name());
            insert.setString(2, customer.email());
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                return new Customer(row.getLong(1), customer.name(), null, null, customer.email());
            }
        }
    }

    @Override
    public Optional<Customer> find(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, full_name, email FROM customers WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(read(row)) : Optional.empty();
            }
        }
    }

    @Override
    public List<Customer> list(Connection connection, long afterId, int limit) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, full_name, email FROM customers WHERE id > ? ORDER BY id LIMIT ?")) {
            select.setLong(1, afterId);
            select.setInt(2, limit);
            try (ResultSet rows = select.executeQuery()) {
                List<Customer> customers = new ArrayList<>();
                while (rows.next()) {
                    customers.add(read(rows));
                }
                return customers;
            }
        }
    }

    @Override
    public void checkReadable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT id, full_name, email FROM customers LIMIT 0");
        }
    }

    private static Customer read(ResultSet row) throws SQLException {
        return new Customer(row.getLong("id"), row.getString("full_name"), null, null, row.getString("email"));
    }
}
