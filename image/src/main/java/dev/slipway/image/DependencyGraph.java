package dev.slipway.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The direct runtime dependencies a library declares in its POM (embedded in the jar, or beside it
 * in a Maven repository), to tell whether an override changes the graph beyond the library itself.
 * Only literal versions and ${project.version} are resolved: enough to flag a change, not a resolver.
 */
final class DependencyGraph {
    private DependencyGraph() {
    }

    /** "adds g:a:v", "removes g:a:v", "changes g:a v1 → v2"; empty when either POM is unknown. */
    static List<String> changes(Path originalJar, Path replacementJar) {
        Optional<Map<String, String>> original = declaredDependencies(originalJar);
        Optional<Map<String, String>> replacement = declaredDependencies(replacementJar);
        List<String> changes = new ArrayList<>();
        if (original.isEmpty() || replacement.isEmpty()) {
            return changes;
        }
        for (Map.Entry<String, String> entry : replacement.get().entrySet()) {
            String before = original.get().get(entry.getKey());
            if (before == null) {
                changes.add("adds " + entry.getKey() + ":" + entry.getValue());
            } else if (!before.equals(entry.getValue())) {
                changes.add("changes " + entry.getKey() + " " + before + " → " + entry.getValue());
            }
        }
        for (Map.Entry<String, String> entry : original.get().entrySet()) {
            if (!replacement.get().containsKey(entry.getKey())) {
                changes.add("removes " + entry.getKey() + ":" + entry.getValue());
            }
        }
        return changes;
    }

    static Optional<Map<String, String>> declaredDependencies(Path jar) {
        try {
            Optional<byte[]> pom = embeddedPom(jar).or(() -> pomBeside(jar));
            return pom.isEmpty() ? Optional.empty() : Optional.of(parse(pom.get()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static Optional<byte[]> embeddedPom(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(file.entries())) {
                if (entry.getName().startsWith("META-INF/maven/") && entry.getName().endsWith("/pom.xml")) {
                    try (InputStream content = file.getInputStream(entry)) {
                        return Optional.of(content.readAllBytes());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<byte[]> pomBeside(Path jar) {
        String name = jar.getFileName().toString();
        Path pom = jar.resolveSibling(name.substring(0, name.length() - ".jar".length()) + ".pom");
        try {
            return Files.exists(pom) ? Optional.of(Files.readAllBytes(pom)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> parse(byte[] pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(pom));
        Element project = document.getDocumentElement();
        String projectVersion = childText(project, "version").orElse("");
        Map<String, String> dependencies = new TreeMap<>();
        for (Element section : children(project, "dependencies")) {
            for (Element dependency : children(section, "dependency")) {
                String scope = childText(dependency, "scope").orElse("compile");
                boolean optional = childText(dependency, "optional").orElse("false").equals("true");
                if (optional || scope.equals("test") || scope.equals("provided") || scope.equals("system")) {
                    continue;
                }
                String version = childText(dependency, "version").orElse("").replace("${project.version}", projectVersion);
                dependencies.put(childText(dependency, "groupId").orElse("") + ":"
                        + childText(dependency, "artifactId").orElse(""), version);
            }
        }
        return dependencies;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int index = 0; index < nodes.getLength(); index++) {
            Node node = nodes.item(index);
            if (node instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }

    private static Optional<String> childText(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0).getTextContent().trim());
    }
}
