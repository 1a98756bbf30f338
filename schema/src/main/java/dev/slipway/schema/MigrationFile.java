package dev.slipway.schema;

import dev.slipway.model.SpecException;
import dev.slipway.model.SpecNode;
import dev.slipway.schema.op.AddColumn;
import dev.slipway.schema.op.AlterColumn;
import dev.slipway.schema.op.CreateConstraint;
import dev.slipway.schema.op.CreateIndex;
import dev.slipway.schema.op.CreateTable;
import dev.slipway.schema.op.Dialect;
import dev.slipway.schema.op.DropColumn;
import dev.slipway.schema.op.DropConstraint;
import dev.slipway.schema.op.DropIndex;
import dev.slipway.schema.op.DropTable;
import dev.slipway.schema.op.Operation;
import dev.slipway.schema.op.RawSql;
import dev.slipway.schema.op.RenameColumn;
import dev.slipway.schema.op.RenameConstraint;
import dev.slipway.schema.op.RenameTable;
import dev.slipway.schema.op.SetReplicaIdentity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads migration files (YAML, or JSON since JSON is YAML) in Slipway's spelling or pgroll's, unchanged:
 * <pre>
 * version: 2                      # optional when the file name starts with it (002_split_name.yaml)
 * description: split customer name
 * operations:
 *   - add_column: {table: customers, column: {name: first_name, type: text}, up: "split_part(full_name, ' ', 1)"}
 * </pre>
 * The formats share most spellings and each operation accepts both. Where they disagree (a column without
 * {@code nullable} is nullable in Slipway's files, NOT NULL in pgroll's) the file's {@link Dialect} decides: a file
 * with Slipway's top-level {@code version} or {@code description} is Slipway's; one with pgroll's top-level
 * {@code name} or {@code version_schema}, or an operation only pgroll has ({@code sql},
 * {@code rename_constraint}, {@code set_replica_identity}, {@code drop_multicolumn_constraint}), is pgroll's;
 * any other JSON file is pgroll's, any other YAML file Slipway's. Every error names {@code file:line:column: path}; a field neither format knows is one.
 */
public final class MigrationFile {
    private static final Pattern LEADING_VERSION = Pattern.compile("^(\\d+)[_.-].*");
    private static final Pattern VERSION_SCHEMA = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern SLIPWAY_VERSION_SCHEMA = Pattern.compile("v\\d+(_pending)?");
    private static final Map<String, BiFunction<SpecNode, Dialect, Operation>> OPERATIONS = new LinkedHashMap<>();
    /** The operations only pgroll's format has: a file using one is read in pgroll's dialect. */
    private static final Set<String> PGROLL_OPERATIONS = Set.of("sql", "rename_constraint", "set_replica_identity",
            "drop_multicolumn_constraint");

    static {
        OPERATIONS.put("create_table", CreateTable::parse);
        OPERATIONS.put("add_column", AddColumn::parse);
        OPERATIONS.put("drop_column", (node, dialect) -> DropColumn.parse(node));
        OPERATIONS.put("rename_column", (node, dialect) -> RenameColumn.parse(node));
        OPERATIONS.put("alter_column", (node, dialect) -> AlterColumn.parse(node));
        OPERATIONS.put("create_index", (node, dialect) -> CreateIndex.parse(node));
        OPERATIONS.put("drop_index", (node, dialect) -> DropIndex.parse(node));
        OPERATIONS.put("create_constraint", (node, dialect) -> CreateConstraint.parse(node));
        OPERATIONS.put("drop_constraint", (node, dialect) -> DropConstraint.parse(node));
        OPERATIONS.put("drop_multicolumn_constraint", (node, dialect) -> DropConstraint.parseMultiColumn(node));
        OPERATIONS.put("rename_constraint", (node, dialect) -> RenameConstraint.parse(node));
        OPERATIONS.put("set_replica_identity", (node, dialect) -> SetReplicaIdentity.parse(node));
        OPERATIONS.put("drop_table", (node, dialect) -> DropTable.parse(node));
        OPERATIONS.put("rename_table", (node, dialect) -> RenameTable.parse(node));
        OPERATIONS.put("raw_sql", (node, dialect) -> RawSql.parse("raw_sql", node));
        OPERATIONS.put("sql", (node, dialect) -> RawSql.parse("sql", node));
    }

    private MigrationFile() {
    }

    /** The operation names a migration may use. */
    public static List<String> operationNames() {
        return List.copyOf(OPERATIONS.keySet());
    }

    public static Migration parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MigrationException("cannot read migration " + file + ": " + e.getMessage(), e);
        }
        return parse(file.getFileName().toString(), bytes);
    }

    /** Parses the bytes of a file named {@code fileName} (used in messages and to infer the version). */
    public static Migration parse(String fileName, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            return parse(fileName, text, sha256(bytes));
        } catch (SpecException e) {
            throw new MigrationException(e.getMessage(), e);
        }
    }

    private static Migration parse(String fileName, String text, String checksum) {
        SpecNode root = SpecNode.parse(fileName, text);
        root.allowOnly("version", "name", "description", "operations", "version_schema");
        Dialect dialect = dialect(root, fileName);
        String versionSchema = root.optional("version_schema").map(MigrationFile::versionSchema).orElse(null);
        Matcher leading = LEADING_VERSION.matcher(fileName);
        Integer fileVersion = leading.matches() ? Integer.valueOf(leading.group(1)) : null;
        int version;
        if (root.optional("version").isPresent()) {
            SpecNode versionNode = root.require("version");
            version = versionNode.integer(1, Integer.MAX_VALUE);
            if (fileVersion != null && fileVersion != version) {
                throw versionNode.error("version " + version + " does not match the file name's " + fileVersion);
            }
        } else if (fileVersion != null) {
            version = fileVersion;
        } else {
            throw root.error("missing required field 'version' (or start the file name with it, e.g. 002_split_name.yaml)");
        }
        String name = root.optional("name").map(SpecNode::nonBlankString).orElse(stripExtension(fileName));
        String description = root.optional("description").map(SpecNode::string).orElse("");
        SpecNode operationList = root.require("operations");
        List<Operation> operations = new ArrayList<>();
        Set<String> createdTables = new HashSet<>();
        for (SpecNode item : operationList.items()) {
            Operation operation = parseOperation(item, dialect);
            if (operation instanceof CreateTable created) createdTables.add(created.name());
            // pgroll's up/down duplicate columns for the old version's writers; a table made here has none.
            if (operation instanceof CreateConstraint constraint && constraint.up() != null
                    && createdTables.contains(constraint.table())) {
                operation = constraint.withoutDuplication();
            }
            operations.add(operation);
        }
        if (operations.isEmpty()) {
            throw operationList.error("a migration needs at least one operation");
        }
        Migration migration = new Migration(fileName, version, name, description, checksum, text, List.copyOf(operations),
                dialect, versionSchema);
        if (migration.opaque() && operations.size() > 1) {
            throw operationList.error("raw SQL that runs at start has no expand phase and must be the only operation of"
                    + " its migration (pgroll's 'sql' with onComplete: true may share one)");
        }
        return migration;
    }

    /**
     * pgroll's {@code version_schema}: the suffix of the schema its clients use ({@code <schema>_<version_schema>}).
     * A lower-case identifier, so clients can write it unquoted in a search path; never {@code vN} or
     * {@code vN_pending}, which would be Slipway's own schema of a version.
     */
    private static String versionSchema(SpecNode node) {
        String name = dev.slipway.schema.op.SqlText.name(node);
        if (!VERSION_SCHEMA.matcher(name).matches()) {
            throw node.error("'" + name + "' is not a schema name suffix (lower-case letters, digits and _, starting"
                    + " with a letter or _)");
        }
        if (SLIPWAY_VERSION_SCHEMA.matcher(name).matches()) {
            throw node.error("'" + name + "' is how Slipway names a version's own schema (<schema>_vN); choose another");
        }
        return name;
    }

    /**
     * Whose spelling a file follows, from its top-level fields and the operations it names; a file they leave open is
     * pgroll's when it is JSON (pgroll's own format, whose newest files have no {@code name}; Slipway's are YAML) and
     * Slipway's otherwise. Only the file's name and content decide, never its directory: complete and rollback read
     * the file again from the history, which keeps just those.
     */
    static Dialect dialect(SpecNode root, String fileName) {
        Dialect byContent = dialect(root);
        if (byContent == null) {
            return fileName.toLowerCase(java.util.Locale.ROOT).endsWith(".json") ? Dialect.PGROLL : Dialect.SLIPWAY;
        }
        return byContent;
    }

    /** The dialect a file's top-level fields and operations name, or null when they name none. */
    private static Dialect dialect(SpecNode root) {
        Map<String, SpecNode> fields = root.fields();
        if (fields.containsKey("version") || fields.containsKey("description")) return Dialect.SLIPWAY;
        if (fields.containsKey("name") || fields.containsKey("version_schema")) return Dialect.PGROLL;
        SpecNode operations = fields.get("operations");
        if (operations != null && operations.isSequence()) {
            for (SpecNode item : operations.items()) {
                if (item.isMapping() && item.fields().keySet().stream().anyMatch(PGROLL_OPERATIONS::contains)) {
                    return Dialect.PGROLL;
                }
            }
        }
        return null;
    }

    private static Operation parseOperation(SpecNode item, Dialect dialect) {
        Map<String, SpecNode> fields = item.fields();
        item.allowOnly(OPERATIONS.keySet().toArray(String[]::new));
        if (fields.size() != 1) {
            throw item.error("each operation is a mapping with exactly one key, the operation name; found "
                    + (fields.isEmpty() ? "none" : String.join(", ", fields.keySet())));
        }
        Map.Entry<String, SpecNode> entry = fields.entrySet().iterator().next();
        return OPERATIONS.get(entry.getKey()).apply(entry.getValue(), dialect);
    }

    private static String stripExtension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
