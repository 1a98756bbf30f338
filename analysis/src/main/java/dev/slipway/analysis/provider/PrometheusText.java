package dev.slipway.analysis.provider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal reader of the Prometheus text exposition format (samples only; comments skipped). */
public final class PrometheusText {

    /** One line: {@code name{label="value",...} 12.5}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private PrometheusText() {
    }

    public static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(trimmed, lineNumber));
        }
        return samples;
    }

    private static Sample parseLine(String line, int lineNumber) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        String rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            int position = brace + 1;
            while (line.charAt(position) != '}') {
                int equals = line.indexOf('=', position);
                String key = line.substring(position, equals).strip();
                if (line.charAt(equals + 1) != '"') {
                    throw new IllegalArgumentException("metrics line " + lineNumber + ": label " + key + " is not quoted");
                }
                StringBuilder value = new StringBuilder();
                int i = equals + 2;
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i);
                    if (c == '\\') {
                        char escaped = line.charAt(++i);
                        value.append(escaped == 'n' ? '\n' : escaped);
                    } else {
                        value.append(c);
                    }
                    i++;
                }
                labels.put(key, value.toString());
                position = i + 1;
                if (line.charAt(position) == ',') {
                    position++;
                }
            }
            rest = line.substring(position + 1).strip();
        } else {
            name = line.substring(0, space);
            rest = line.substring(space + 1).strip();
        }
        String valueText = rest.split("\\s+")[0];
        double value = switch (valueText) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(valueText);
        };
        return new Sample(name, labels, value);
    }
}
