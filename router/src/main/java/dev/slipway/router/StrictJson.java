package dev.slipway.router;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.Collection;
import java.util.List;

/**
 * Jackson, set up for the router's admin API and state file: it refuses what a lenient reader would guess at
 * (duplicate keys, unknown fields, text after the value, {@code null} for a value, a string where a number
 * belongs, {@code 1.5} for an integer, comments, leading zeros, nesting deeper than 32), because a mistyped
 * route table must fail loudly, not route traffic somewhere unexpected. Every error is an
 * {@link IllegalArgumentException} that names the field, e.g. {@code backends[0].weight: expected an integer,
 * got "ten"}.
 *
 * <p>Wire records mark the fields that must be present with {@link Required}; a field left out or {@code null} is
 * absent. Records check their values in their compact constructors and throw a {@link FieldError}, reported under
 * the record's own path.
 */
final class StrictJson {

    static final int MAX_DEPTH = 32;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfigDefaults(coercion -> {
                for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                        CoercionInputShape.Boolean, CoercionInputShape.String, CoercionInputShape.EmptyString)) {
                    coercion.setCoercion(shape, CoercionAction.Fail);
                }
            })
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private StrictJson() {
    }

    /** Reads {@code json}, which must be exactly one value of {@code type}. */
    static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(explain(e), e);
        }
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** A problem with one field of the record being built; reported as {@code <record path>.<field>: <problem>}. */
    static final class FieldError extends IllegalArgumentException {
        private final String field;
        private final String problem;

        FieldError(String field, String problem) {
            super(field + ": " + problem);
            this.field = field;
            this.problem = problem;
        }
    }

    private static String explain(JsonProcessingException failure) {
        if (failure instanceof ValueInstantiationException instantiation) {
            Throwable cause = instantiation.getCause();
            if (cause instanceof FieldError field) {
                return prefix(join(path(instantiation), field.field)) + field.problem;
            }
            return prefix(path(instantiation)) + (cause == null ? instantiation.getOriginalMessage() : cause.getMessage());
        }
        if (failure instanceof UnrecognizedPropertyException unknown) {
            return prefix(path(unknown)) + "unknown field (expected one of " + sorted(unknown.getKnownPropertyIds()) + ")";
        }
        if (failure instanceof InvalidNullException nullValue) {
            return prefix(path(nullValue)) + "expected " + describe(nullValue.getTargetType()) + ", got null";
        }
        if (failure instanceof MismatchedInputException trailing
                && trailing.getOriginalMessage().startsWith("Trailing token")) {
            return "invalid JSON" + at(trailing.getLocation()) + ": unexpected text after the value";
        }
        if (failure instanceof MismatchedInputException mismatch
                && mismatch.getOriginalMessage().startsWith("Missing required creator property")) {
            return prefix(path(mismatch)) + "missing";
        }
        if (failure instanceof MismatchedInputException mismatch) {
            String got = failure.getProcessor() instanceof JsonParser parser ? found(parser) : null;
            return prefix(path(mismatch)) + "expected " + describe(mismatch.getTargetType())
                    + (got == null ? "" : ", got " + got);
        }
        if (failure instanceof StreamReadException syntax) {
            String path = syntax.getProcessor() == null ? "" : path(syntax.getProcessor().getParsingContext());
            return prefix(path) + "invalid JSON" + at(syntax.getLocation()) + ": " + syntax.getOriginalMessage();
        }
        if (failure instanceof JsonMappingException mapping) {
            return prefix(path(mapping)) + mapping.getOriginalMessage();
        }
        return failure.getOriginalMessage();
    }

    /** {@code backends[0].endpoints[1]}: the field names and array indexes from the document's root. */
    private static String path(JsonMappingException failure) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : failure.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The same, for where the parser stands when it refused the text (e.g. a number out of range). */
    private static String path(JsonStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext level = context; level != null && !level.inRoot(); level = level.getParent()) {
            if (level.inObject() && level.getCurrentName() != null) {
                path.insert(0, (level.getParent() != null && level.getParent().inRoot() ? "" : ".")
                        + level.getCurrentName());
            } else if (level.inArray()) {
                path.insert(0, "[" + Math.max(0, level.getCurrentIndex()) + "]");
            }
        }
        return path.toString();
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static String prefix(String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    private static String at(JsonLocation location) {
        return location == null || location.getCharOffset() < 0 ? "" : " at offset " + location.getCharOffset();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "a value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == double.class || type == Double.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    /** What the parser stands on after a mismatch, as the user wrote it. */
    private static String found(JsonParser parser) {
        JsonToken token = parser.currentToken();
        if (token == null) {
            return "nothing";
        }
        try {
            return switch (token) {
                case START_OBJECT -> "an object";
                case START_ARRAY -> "an array";
                case VALUE_STRING -> write(parser.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> parser.getText();
                default -> null;
            };
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static List<String> sorted(Collection<Object> names) {
        return names.stream().map(String::valueOf).sorted().toList();
    }
}
