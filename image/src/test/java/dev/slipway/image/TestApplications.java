package dev.slipway.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds the test application: a tiny HTTP server ({@code demo.Main}) that answers with what its
 * "greeting" library ({@code org.example:greeting}) says, so a test can tell which library
 * version an image loaded.
 */
final class TestApplications {
    static final String LIBRARY_ARTIFACT = "org.example:greeting";
    static final String MAIN_CLASS = "demo.Main";

    private TestApplications() {
    }

    /** The library jar, saying {@code message}; built as a Maven artifact would be (with pom.properties). */
    static Path libraryJar(Path directory, String version, String message) throws IOException {
        Path sources = directory.resolve("library-src-" + version);
        write(sources.resolve("org/example/greeting/Greeting.java"), """
                package org.example.greeting;
                public final class Greeting {
                    public static String describe() { return "%s"; }
                }
                """.formatted(message));
        Path classes = compile(sources, directory.resolve("library-classes-" + version), List.of());
        write(classes.resolve("META-INF/maven/org.example/greeting/pom.properties"),
                "groupId=org.example\nartifactId=greeting\nversion=" + version + "\n");
        return jar(classes, directory.resolve("greeting-" + version + ".jar"), null);
    }

    /** Another dependency, so the dependencies layer is not just the library. */
    static Path helperJar(Path directory, String version) throws IOException {
        Path sources = directory.resolve("helper-src-" + version);
        write(sources.resolve("org/example/helper/Helper.java"), """
                package org.example.helper;
                public final class Helper {
                    public static String prefix() { return "greeting: "; }
                }
                """);
        Path classes = compile(sources, directory.resolve("helper-classes-" + version), List.of());
        write(classes.resolve("META-INF/maven/org.example/helper/pom.properties"),
                "groupId=org.example\nartifactId=helper\nversion=" + version + "\n");
        return jar(classes, directory.resolve("helper-" + version + ".jar"), null);
    }

    /** The application's compiled output directory (classes plus a resource), like Maven's target/classes. */
    static Path applicationClasses(Path directory, List<Path> classpath) throws IOException {
        Path sources = directory.resolve("app-src");
        write(sources.resolve("demo/Main.java"), """
                package demo;
                import com.sun.net.httpserver.HttpServer;
                import java.net.InetSocketAddress;
                import java.nio.charset.StandardCharsets;
                public final class Main {
                    public static void main(String[] arguments) throws Exception {
                        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
                        String answer = org.example.helper.Helper.prefix() + org.example.greeting.Greeting.describe();
                        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
                        server.createContext("/", exchange -> {
                            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                            exchange.sendResponseHeaders(200, body.length);
                            exchange.getResponseBody().write(body);
                            exchange.close();
                        });
                        server.start();
                        System.out.println("listening on " + port + ": " + answer);
                    }
                }
                """);
        Path classes = compile(sources, directory.resolve("app-classes"), classpath);
        write(classes.resolve("application.properties"), "name=demo\n");
        return classes;
    }

    static Path compile(Path sources, Path output, List<Path> classpath) throws IOException {
        Files.createDirectories(output);
        List<String> arguments = new ArrayList<>(List.of("--release", "17", "-d", output.toString()));
        if (!classpath.isEmpty()) {
            arguments.add("-cp");
            arguments.add(String.join(":", classpath.stream().map(Path::toString).toList()));
        }
        try (Stream<Path> walk = Files.walk(sources)) {
            walk.filter(path -> path.toString().endsWith(".java")).forEach(path -> arguments.add(path.toString()));
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int exitCode = compiler.run(null, null, null, arguments.toArray(String[]::new));
        if (exitCode != 0) {
            throw new IllegalStateException("javac failed for " + sources);
        }
        return output;
    }

    static Path jar(Path classes, Path jar, String mainClass) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        // the manifest is written as an ordinary entry with a fixed time: JarOutputStream would stamp
        // it with the current time, and the same sources must give the same jar bytes
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out)) {
            JarEntry manifestEntry = new JarEntry(JarFile.MANIFEST_NAME);
            manifestEntry.setTime(0);
            jarOut.putNextEntry(manifestEntry);
            manifest.write(jarOut);
            jarOut.closeEntry();
            for (Path file : files) {
                JarEntry entry = new JarEntry(classes.relativize(file).toString().replace('\\', '/'));
                entry.setTime(0);
                jarOut.putNextEntry(entry);
                jarOut.write(Files.readAllBytes(file));
                jarOut.closeEntry();
            }
        }
        return jar;
    }

    static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
