package dev.slipway.controller;

/** How replicas reach the service database: base JDBC URL (no currentSchema) and credentials. */
public record DatabaseTarget(String jdbcUrl, String user, String password) {
}
