package dev.slipway.schema;

/**
 * How a binary of one schema version logs in: {@code user} and {@code password} of the version's login role, whose
 * default search path is {@code schema} (the version's view schema). A binary that connects with them needs no
 * {@code currentSchema}/{@code search_path} connection parameter, so it works through PgBouncer in transaction
 * pooling mode. {@link #toString} hides the password.
 */
public record DatabaseCredentials(String user, String password, String schema) {
    @Override
    public String toString() {
        return "DatabaseCredentials[user=" + user + ", password=(hidden), schema=" + schema + "]";
    }
}
