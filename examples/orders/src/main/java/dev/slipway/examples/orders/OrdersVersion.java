package dev.slipway.examples.orders;

/**
 * The three releases of the sample service built from this one code base. They share the HTTP
 * API; they differ in the schema version they read and, for 3.0.0, in a deliberate defect.
 */
public enum OrdersVersion {
    /** Reads schema 1: {@code customers.full_name}. */
    V1("1.0.0", 1, 0.0),
    /** Reads schema 2: {@code customers.first_name} and {@code customers.last_name}. */
    V2("2.0.0", 2, 0.0),
    /** A faulty build of 2.0.0: fails a share of API requests, for the automatic-rollback demo. */
    V3("3.0.0", 2, 0.3);

    private final String version;
    private final int schemaVersion;
    private final double defaultFaultRate;

    OrdersVersion(String version, int schemaVersion, double defaultFaultRate) {
        this.version = version;
        this.schemaVersion = schemaVersion;
        this.defaultFaultRate = defaultFaultRate;
    }

    /** The release version, e.g. {@code 2.0.0}; sent in every {@code X-Orders-Version} header. */
    public String version() {
        return version;
    }

    /** The database schema version this release reads. */
    public int schemaVersion() {
        return schemaVersion;
    }

    /** The storage layout of customers in this release's schema version. */
    public CustomerStore customerStore() {
        return schemaVersion == 1 ? new FullNameCustomerStore() : new SplitNameCustomerStore();
    }

    /**
     * The share of API requests this release fails on purpose. Only the faulty release injects
     * faults; a configured rate is ignored by the healthy ones so that a stray environment
     * variable cannot turn a good release bad.
     */
    public double faultRate(OrdersConfig config) {
        if (defaultFaultRate == 0.0) {
            return 0.0;
        }
        return config.faultRate() != null ? config.faultRate() : defaultFaultRate;
    }

    /** The slower answers and lock holding configured, for the faulty release only (none by default). */
    public Faults faults(OrdersConfig config) {
        return defaultFaultRate == 0.0 ? Faults.NONE : config.faults();
    }
}
