package dev.slipway.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Plans an application's layers, in this documented order (least to most frequently changed):
 * <ol>
 *   <li>{@code dependencies}: release dependency jars, in {@code <root>/libs/}</li>
 *   <li>{@code dependency <groupId:artifactId>}: one layer per isolated dependency (variants)</li>
 *   <li>{@code snapshot-dependencies}: -SNAPSHOT jars, in {@code <root>/libs/}</li>
 *   <li>{@code resources}: non-class files of the classes directory, in {@code <root>/resources/}</li>
 *   <li>{@code classes}: .class files in {@code <root>/classes/}, or the application jar in {@code <root>/}</li>
 * </ol>
 * Empty layers are left out. The entrypoint lists the classpath explicitly, in the given order.
 */
record ApplicationLayout(List<PlannedLayer> layers, List<String> entrypoint) {
    static final String DEPENDENCIES = "dependencies";
    static final String SNAPSHOT_DEPENDENCIES = "snapshot-dependencies";
    static final String RESOURCES = "resources";
    static final String CLASSES = "classes";

    static String isolatedLayerName(String artifact) {
        return "dependency " + artifact;
    }

    static ApplicationLayout plan(BuildRequest request) {
        Application application = request.application();
        String root = request.applicationRoot();
        List<PlannedLayer.Entry> releases = new ArrayList<>();
        List<PlannedLayer.Entry> snapshots = new ArrayList<>();
        List<PlannedLayer> isolated = new ArrayList<>();
        List<PlannedLayer.Entry> resources = new ArrayList<>();
        List<PlannedLayer.Entry> classes = new ArrayList<>();
        List<String> classpath = new ArrayList<>();
        Set<String> libraryNames = new HashSet<>();

        try {
            if (application.classesDirectory().isPresent()) {
                Path directory = application.classesDirectory().get();
                for (Path file : regularFilesBelow(directory)) {
                    String relative = directory.relativize(file).toString().replace('\\', '/');
                    boolean isClass = relative.endsWith(".class");
                    String imagePath = root + (isClass ? "/classes/" : "/resources/") + relative;
                    (isClass ? classes : resources).add(new PlannedLayer.Entry(file, imagePath, 0644, FileOwner.ROOT));
                }
                classpath.add(root + "/resources");
                classpath.add(root + "/classes");
            } else {
                Path jar = application.jar().orElseThrow();
                String imagePath = root + "/" + jar.getFileName();
                classes.add(new PlannedLayer.Entry(jar, imagePath, 0644, FileOwner.ROOT));
                classpath.add(imagePath);
            }

            for (String artifact : request.isolatedDependencies()) {
                isolated.add(new PlannedLayer(isolatedLayerName(artifact), List.of()));
            }
            for (Path jar : application.runtimeClasspath()) {
                String name = jar.getFileName().toString();
                if (!libraryNames.add(name)) {
                    throw new ImageException("two classpath jars are both named " + name + "; they would overwrite each other in "
                            + root + "/libs");
                }
                String imagePath = root + "/libs/" + name;
                PlannedLayer.Entry entry = new PlannedLayer.Entry(jar, imagePath, 0644, FileOwner.ROOT);
                classpath.add(imagePath);
                JarCoordinates coordinates = JarCoordinates.of(jar);
                Optional<Integer> isolatedIndex = isolatedIndex(request.isolatedDependencies(), coordinates);
                if (isolatedIndex.isPresent()) {
                    PlannedLayer layer = isolated.get(isolatedIndex.get());
                    List<PlannedLayer.Entry> entries = new ArrayList<>(layer.entries());
                    entries.add(entry);
                    isolated.set(isolatedIndex.get(), new PlannedLayer(layer.name(), entries));
                } else if (coordinates.isSnapshot() || name.contains("SNAPSHOT")) {
                    snapshots.add(entry);
                } else {
                    releases.add(entry);
                }
            }

            String mainClass = application.mainClass().orElseGet(() -> mainClassOf(application.jar()));
            List<String> entrypoint = new ArrayList<>();
            entrypoint.add(request.javaCommand());
            entrypoint.addAll(application.jvmFlags());
            entrypoint.add("-cp");
            entrypoint.add(String.join(":", classpath));
            entrypoint.add(mainClass);

            List<PlannedLayer> layers = new ArrayList<>();
            layers.add(new PlannedLayer(DEPENDENCIES, releases));
            layers.addAll(isolated);
            layers.add(new PlannedLayer(SNAPSHOT_DEPENDENCIES, snapshots));
            layers.add(new PlannedLayer(RESOURCES, resources));
            layers.add(new PlannedLayer(CLASSES, classes));
            return new ApplicationLayout(layers.stream().filter(layer -> !layer.entries().isEmpty()).toList(), entrypoint);
        } catch (IOException e) {
            throw new ImageException("cannot read the application: " + e.getMessage(), e);
        }
    }

    private static Optional<Integer> isolatedIndex(List<String> isolatedDependencies, JarCoordinates coordinates) {
        for (int index = 0; index < isolatedDependencies.size(); index++) {
            if (coordinates.matches(isolatedDependencies.get(index))) {
                return Optional.of(index);
            }
        }
        return Optional.empty();
    }

    private static List<Path> regularFilesBelow(Path directory) throws IOException {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String mainClassOf(Optional<Path> jar) {
        if (jar.isEmpty()) {
            throw new ImageException("no main class given");
        }
        try (JarFile file = new JarFile(jar.get().toFile())) {
            String mainClass = file.getManifest() == null ? null : file.getManifest().getMainAttributes().getValue("Main-Class");
            if (mainClass == null || mainClass.isBlank()) {
                throw new ImageException(jar.get() + " has no Main-Class in its manifest; give the main class explicitly");
            }
            return mainClass.trim();
        } catch (IOException e) {
            throw new ImageException(jar.get() + " is not a readable jar: " + e.getMessage(), e);
        }
    }
}
