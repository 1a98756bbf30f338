package dev.slipway.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Maven coordinates of a classpath jar, read from its embedded {@code pom.properties} or from its
 * place in a Maven repository layout; {@code groupId} is empty when neither tells.
 */
record JarCoordinates(String groupId, String artifactId, String version) {

    static JarCoordinates parse(String coordinates) {
        String[] parts = coordinates.split(":");
        if (parts.length < 2 || parts.length > 3) {
            throw new ImageException("coordinates must be groupId:artifactId[:version], got " + coordinates);
        }
        return new JarCoordinates(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
    }

    static JarCoordinates of(Path jar) {
        List<Properties> embedded = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(file.entries())) {
                if (entry.getName().startsWith("META-INF/maven/") && entry.getName().endsWith("/pom.properties")) {
                    Properties properties = new Properties();
                    try (InputStream content = file.getInputStream(entry)) {
                        properties.load(content);
                    }
                    embedded.add(properties);
                }
            }
        } catch (IOException e) {
            throw new ImageException(jar + " is not a readable jar: " + e.getMessage(), e);
        }
        if (embedded.size() == 1) {
            Properties properties = embedded.get(0);
            return new JarCoordinates(properties.getProperty("groupId", ""), properties.getProperty("artifactId", ""),
                    properties.getProperty("version", ""));
        }
        return fromRepositoryLayout(jar);
    }

    /** ".../repository/org/postgresql/postgresql/42.6.0/postgresql-42.6.0.jar" → org.postgresql:postgresql:42.6.0. */
    private static JarCoordinates fromRepositoryLayout(Path jar) {
        Path absolute = jar.toAbsolutePath().normalize();
        String fileName = absolute.getFileName().toString();
        Path versionDirectory = absolute.getParent();
        Path artifactDirectory = versionDirectory == null ? null : versionDirectory.getParent();
        if (artifactDirectory != null) {
            String version = versionDirectory.getFileName().toString();
            String artifactId = artifactDirectory.getFileName().toString();
            if (fileName.startsWith(artifactId + "-" + version)) {
                String groupId = "";
                for (int index = 0; index < absolute.getNameCount(); index++) {
                    if (absolute.getName(index).toString().equals("repository")) {
                        groupId = absolute.subpath(index + 1, absolute.getNameCount() - 3).toString().replace('/', '.');
                        break;
                    }
                }
                return new JarCoordinates(groupId, artifactId, version);
            }
        }
        String stem = fileName.endsWith(".jar") ? fileName.substring(0, fileName.length() - 4) : fileName;
        int dash = stem.lastIndexOf('-');
        while (dash > 0 && !Character.isDigit(stem.charAt(dash + 1))) {
            dash = stem.lastIndexOf('-', dash - 1);
        }
        return dash > 0 ? new JarCoordinates("", stem.substring(0, dash), stem.substring(dash + 1))
                : new JarCoordinates("", stem, "");
    }

    /** Matches "groupId:artifactId"; a jar whose group is unknown matches on the artifact alone. */
    boolean matches(String artifact) {
        JarCoordinates wanted = parse(artifact);
        return artifactId.equals(wanted.artifactId) && (groupId.isEmpty() || groupId.equals(wanted.groupId));
    }

    boolean isSnapshot() {
        return version.endsWith("-SNAPSHOT") || version.matches(".*-\\d{8}\\.\\d{6}-\\d+");
    }

    String artifact() {
        return groupId + ":" + artifactId;
    }

    @Override
    public String toString() {
        return groupId + ":" + artifactId + ":" + version;
    }
}
