package dev.slipway.schema.op;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SetReplicaIdentityTest extends OperationTestBase {

    @Test
    void theTableGetsTheIdentityAtStartForBothVersions() {
        givenVersion1();
        start("002_full.yaml", "name: 02_full\noperations: [{set_replica_identity: {table: customers, identity: {type: full}}}]");
        assertThat(single(dataSource, "SELECT relreplident FROM pg_class WHERE oid = 'customers'::regclass")).isEqualTo("f");
        execute(version(1), "UPDATE customers SET email = 'x@example.com' WHERE name = 'Grace'");
        engine.complete();
        assertThat(single(dataSource, "SELECT relreplident FROM pg_class WHERE oid = 'customers'::regclass")).isEqualTo("f");
    }

    @Test
    void anIndexIdentityNeedsAnIndexThatExists() {
        givenVersion1();
        assertThatThrownBy(() -> start("002_x.yaml", "operations: [{set_replica_identity: {table: customers, identity: {type: index}}}]"))
                .hasMessageContaining("002_x.yaml:1:66: operations[0].set_replica_identity.identity: missing required field 'index'");
        start("002_index.yaml", "operations: [{set_replica_identity: {table: customers, identity: {type: index, index: customers_pkey}}}]");
        assertThat(single(dataSource, "SELECT relreplident FROM pg_class WHERE oid = 'customers'::regclass")).isEqualTo("i");
    }
}
