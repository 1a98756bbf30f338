package dev.slipway.schema;

import dev.slipway.model.SpecException;
import dev.slipway.model.SpecNode;
import dev.slipway.schema.op.AddColumn;
import dev.slipway.schema.op.AlterColumn;
import dev.slipway.schema.op.CreateConstraint;
import dev.slipway.schema.op.CreateIndex;
import dev.slipway.schema.op.DropConstraint;
import dev.slipway.schema.op.DropIndex;
import dev.slipway.schema.op.DropTable;
import dev.slipway.schema.op.RawSql;
import dev.slipway.schema.op.RenameColumn;
import dev.slipway.schema.op.RenameTable;
import dev.slipway.schema.op.CreateTable;
import dev.slipway.schema.op.DropColumn;
import dev.slipway.schema.op.Operation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads migration files (YAML, or JSON since JSON is YAML) in pgroll's shape:
 * <pre>
 * version: 2                      # optional when the file name starts with it (002_split_name.yaml)
 * description: split customer name
 * operations:
 *   - add_column: {table: customers, column: {name: first_name, type: text}, up: "split_part(full_name, ' ', 1)"}
 * </pre>
 * Every error names {@code file:line:column: path}.
 */
public final class MigrationFile {
    private static final Pattern LEADING_VERSION = Pattern.compile("^(\\d+)[_.-].*");
    private static final Map<String, Function<SpecNode, Operation>> OPERATIONS = new LinkedHashMap<>();

    static {
        OPERATIONS.put("create_table", CreateTable::parse);
        OPERATIONS.put("add_column", AddColumn::parse);
        OPERATIONS.put("drop_column", DropColumn::parse);
        OPERATIONS.put("rename_column", RenameColumn::parse);
        OPERATIONS.put("alter_column", AlterColumn::parse);
        OPERATIONS.put("create_index", CreateIndex::parse);
        OPERATIONS.put("drop_index", DropIndex::parse);
        OPERATIONS.put("create_constraint", CreateConstraint::parse);
        OPERATIONS.put("drop_constraint", DropConstraint::parse);
        OPERATIONS.put("drop_table", DropTable::parse);
        OPERATIONS.put("rename_table", RenameTable::parse);
        OPERATIONS.put("raw_sql", RawSql::parse);
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
        root.allowOnly("version", "name", "description", "operations");
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
        for (SpecNode item : operationList.items()) {
            operations.add(parseOperation(item));
        }
        if (operations.isEmpty()) {
            throw operationList.error("a migration needs at least one operation");
        }
        Migration migration = new Migration(fileName, version, name, description, checksum, text, List.copyOf(operations));
        if (migration.opaque() && operations.size() > 1) {
            throw operationList.error("raw_sql has no expand phase and must be the only operation of its migration");
        }
        return migration;
    }

    private static Operation parseOperation(SpecNode item) {
        Map<String, SpecNode> fields = item.fields();
        item.allowOnly(OPERATIONS.keySet().toArray(String[]::new));
        if (fields.size() != 1) {
            throw item.error("each operation is a mapping with exactly one key, the operation name; found "
                    + (fields.isEmpty() ? "none" : String.join(", ", fields.keySet())));
        }
        Map.Entry<String, SpecNode> entry = fields.entrySet().iterator().next();
        return OPERATIONS.get(entry.getKey()).apply(entry.getValue());
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
