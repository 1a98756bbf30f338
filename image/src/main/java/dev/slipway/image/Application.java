package dev.slipway.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Java application to put into an image: either a jar, or a Maven project's output directory
 * ({@code target/classes}), plus its runtime classpath (dependency jars, in classpath order).
 *
 * @param mainClass empty to take {@code Main-Class} from the application jar's manifest
 */
public record Application(Optional<Path> jar, Optional<Path> classesDirectory, List<Path> runtimeClasspath,
                          Optional<String> mainClass, List<String> jvmFlags) {

    public Application {
        jar = jar == null ? Optional.empty() : jar;
        classesDirectory = classesDirectory == null ? Optional.empty() : classesDirectory;
        mainClass = mainClass == null ? Optional.empty() : mainClass;
        runtimeClasspath = List.copyOf(Objects.requireNonNull(runtimeClasspath, "runtimeClasspath"));
        jvmFlags = jvmFlags == null ? List.of() : List.copyOf(jvmFlags);
        if (jar.isPresent() == classesDirectory.isPresent()) {
            throw new IllegalArgumentException("give either an application jar or a classes directory");
        }
    }

    /** A packaged application jar and its dependency jars. */
    public static Application jar(Path jar, List<Path> runtimeClasspath) {
        return new Application(Optional.of(jar), Optional.empty(), runtimeClasspath, Optional.empty(), List.of());
    }

    /** A compiled output directory (classes and resources together, as Maven leaves them) and its dependency jars. */
    public static Application classesDirectory(Path classesDirectory, List<Path> runtimeClasspath, String mainClass) {
        return new Application(Optional.empty(), Optional.of(classesDirectory), runtimeClasspath,
                Optional.of(mainClass), List.of());
    }

    public Application withMainClass(String className) {
        return new Application(jar, classesDirectory, runtimeClasspath, Optional.of(className), jvmFlags);
    }

    public Application withJvmFlags(List<String> flags) {
        return new Application(jar, classesDirectory, runtimeClasspath, mainClass, flags);
    }

    public Application withRuntimeClasspath(List<Path> classpath) {
        return new Application(jar, classesDirectory, classpath, mainClass, jvmFlags);
    }
}
