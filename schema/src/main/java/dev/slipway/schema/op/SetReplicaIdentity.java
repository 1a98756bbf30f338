package dev.slipway.schema.op;

import dev.slipway.model.SpecNode;

import java.util.List;

/**
 * Sets a table's replica identity (pgroll's {@code set_replica_identity}): {@code identity: {type: full | default |
 * nothing | index, index}}. As in pgroll it applies to the table itself at start, so both versions have it at once;
 * rollback leaves it as it is (the identity the table had before is not recorded, and it changes no data).
 */
public record SetReplicaIdentity(String table, String type, String index) implements Operation {

    public static SetReplicaIdentity parse(SpecNode node) {
        node.allowOnly("table", "identity");
        SpecNode identity = node.require("identity");
        identity.allowOnly("type", "index");
        String type = SqlText.choice(identity.require("type"), List.of("full", "default", "nothing", "index"));
        String index = identity.optional("index").map(SpecNode::string).filter(name -> !name.isBlank())
                .map(name -> SqlText.name(identity.require("index"))).orElse(null);
        if (type.equals("index") && index == null) {
            throw identity.error("missing required field 'index' (the replica identity index)");
        }
        return new SetReplicaIdentity(SqlText.name(node.require("table")), type, type.equals("index") ? index : null);
    }

    @Override public String kind() { return "set_replica_identity"; }

    @Override public String describe() { return "set_replica_identity " + table + " " + type; }

    @Override
    public void validate(SchemaSnapshot schema) {
        schema.requireTable(table);
        if (index != null && !schema.hasIndex(index)) {
            throw new InvalidOperationException("index " + index + " does not exist");
        }
    }

    @Override
    public void reshape(SchemaSnapshot schema) {
    }

    @Override
    public void start(MigrationContext context) {
        context.execute("ALTER TABLE " + context.table(table) + " REPLICA IDENTITY "
                + (index != null ? "USING INDEX " + Sql.ident(index) : SqlText.keyword(type)));
    }

    @Override
    public void complete(MigrationContext context) {
    }

    @Override
    public void rollback(MigrationContext context) {
    }
}
