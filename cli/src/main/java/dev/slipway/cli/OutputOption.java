package dev.slipway.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * {@code -o, --output table|json|yaml}: the same choice on every command that shows data. {@code table} is the
 * human view; {@code json} and {@code yaml} are the API's document as it is, for scripts. {@code --json} stays as
 * the short form of {@code --output json}.
 */
final class OutputOption {
    /** Lowercase, as users type them and as completion offers them. */
    enum Format { table, json, yaml }

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "table (default), json or yaml.")
    Format format;

    @Option(names = "--json", description = "Same as --output json.")
    boolean json;

    Format format() {
        return json ? Format.json : format;
    }

    boolean isTable() {
        return format() == Format.table;
    }

    /** The document in the chosen format; {@code table} renders it with {@code table}. */
    String render(JsonNode document, Supplier<String> table) {
        return render(format(), document, table);
    }

    static String render(Format format, JsonNode document, Supplier<String> table) {
        return switch (format) {
            case table -> table.get();
            case json -> document.toPrettyString();
            case yaml -> yaml(document);
        };
    }

    private static String yaml(JsonNode document) {
        try {
            return YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build().writeValueAsString(document).stripTrailing();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
