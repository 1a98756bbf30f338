package dev.slipway.cli;

import dev.slipway.image.Application;
import dev.slipway.image.BaseImage;
import dev.slipway.image.BuildRequest;
import dev.slipway.image.DependencyOverride;
import dev.slipway.image.ImageBuilder;
import dev.slipway.image.ImageResult;
import dev.slipway.image.ImageTarget;
import dev.slipway.image.LayerDifference;
import dev.slipway.image.LayerSummary;
import dev.slipway.image.PatchBuilder;
import dev.slipway.image.PatchRequest;
import dev.slipway.image.PatchResult;
import dev.slipway.image.ProgressListener;
import dev.slipway.image.RegistryAccess;
import dev.slipway.image.RegistryCredentials;
import dev.slipway.image.VariantBuilder;
import dev.slipway.image.VariantRequest;
import dev.slipway.image.VariantResult;
import dev.slipway.image.VariantsResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code slipway image ...}: OCI images without a Docker daemon (jib-core). */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Daemonless OCI images: layered builds, variants with one dependency overridden, thin patch layers.",
        subcommands = {ImageCommand.Build.class, ImageCommand.Variants.class, ImageCommand.Patch.class})
final class ImageCommand {

    /** Registry options shared by every image command. */
    static final class Registry {
        @Option(names = "--insecure", description = "Allow plain-HTTP registries on loopback (e.g. 127.0.0.1:5000).")
        boolean insecure;
        @Option(names = "--username", description = "Registry user (default: the Docker config's credentials).")
        String username;
        @Option(names = "--password-env", paramLabel = "VARIABLE",
                description = "Environment variable holding the registry password (never a command-line argument).")
        String passwordVariable;

        RegistryAccess access() {
            RegistryAccess access = insecure ? RegistryAccess.insecureLoopback() : RegistryAccess.standard();
            if (username != null) {
                String password = passwordVariable == null ? "" : System.getenv().getOrDefault(passwordVariable, "");
                access = access.withCredentials(new RegistryCredentials(username, password));
            }
            return access;
        }
    }

    /** What to build: a jar and its classpath, or a classes directory with a main class. */
    static final class Source {
        @Option(names = "--jar", paramLabel = "JAR", description = "The application jar (its manifest names the main class).")
        Path jar;
        @Option(names = "--classes", paramLabel = "DIR", description = "A compiled classes directory (with --main).")
        Path classes;
        @Option(names = "--main", paramLabel = "CLASS", description = "The main class.")
        String mainClass;
        @Option(names = "--classpath", paramLabel = "PATHS", split = ":",
                description = "Runtime dependencies: jars or directories of jars, separated by ':'.")
        List<Path> classpath = new ArrayList<>();
        @Option(names = "--base", required = true, paramLabel = "REF",
                description = "Base image: a registry reference, 'tar:FILE' (docker save format) or 'scratch'.")
        String base;

        Application application() throws IOException {
            List<Path> jars = new ArrayList<>();
            for (Path entry : classpath) {
                if (Files.isDirectory(entry)) {
                    try (Stream<Path> files = Files.list(entry)) {
                        files.filter(f -> f.toString().endsWith(".jar")).sorted().forEach(jars::add);
                    }
                } else {
                    jars.add(entry);
                }
            }
            if (jar != null) {
                Application application = Application.jar(jar, jars);
                return mainClass == null ? application : application.withMainClass(mainClass);
            }
            if (classes == null || mainClass == null) {
                throw new IllegalArgumentException("give --jar JAR, or --classes DIR with --main CLASS");
            }
            return Application.classesDirectory(classes, jars, mainClass);
        }
    }

    static BaseImage base(String reference) {
        if (reference.equals("scratch")) {
            return BaseImage.scratch();
        }
        if (reference.startsWith("tar:")) {
            return BaseImage.dockerArchive(Path.of(reference.substring(4)));
        }
        return BaseImage.registry(reference);
    }

    static ImageTarget target(String reference, Path tar) {
        return tar == null ? ImageTarget.registry(reference) : ImageTarget.dockerArchive(tar, reference);
    }

    /** A one-line progress bar on the terminal (silent when output is not a terminal). */
    static ProgressListener progressBar(PrintStream out) {
        if (System.console() == null) {
            return ProgressListener.none();
        }
        return update -> {
            int width = 30;
            int done = (int) Math.round(update.fractionDone() * width);
            String step = update.step().length() > 40 ? update.step().substring(0, 40) : update.step();
            synchronized (out) {
                out.printf(Locale.ROOT, "\r[%s%s] %3.0f%% %-40s", "#".repeat(done), " ".repeat(width - done),
                        update.fractionDone() * 100, step);
                out.flush();
            }
        };
    }

    static void printImage(String title, ImageResult image) {
        System.out.println();
        System.out.println(title + " " + image.reference() + "@" + image.digest());
        for (LayerSummary layer : image.layers()) {
            System.out.printf(Locale.ROOT, "  %-40s %s %,d bytes%n", layer.name(), layer.digest(), layer.size());
        }
        System.out.printf(Locale.ROOT, "  uploaded %,d bytes (blobs the registry already had were skipped)%n",
                image.bytesPushed());
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Builds a layered, reproducible image (dependencies / snapshot dependencies / resources / classes).")
    static final class Build implements Callable<Integer> {
        @Mixin Source source;
        @Mixin Registry registry;
        @Option(names = "--to", required = true, paramLabel = "REF", description = "The image reference to push (or name in the tar).")
        String to;
        @Option(names = "--tar", paramLabel = "FILE", description = "Write a docker-load tar instead of pushing.")
        Path tar;

        @Override
        public Integer call() throws Exception {
            BuildRequest request = BuildRequest.of(base(source.base), source.application(), target(to, tar));
            ImageResult image = new ImageBuilder(registry.access(), progressBar(System.out)).build(request);
            printImage("built", image);
            return 0;
        }
    }

    @Command(name = "variants", mixinStandardHelpOptions = true,
            description = {"Builds the image, then one variant per --override with that dependency replaced, and",
                    "verifies from the manifests that each variant differs in exactly that dependency's layer."})
    static final class Variants implements Callable<Integer> {
        @Mixin Source source;
        @Mixin Registry registry;
        @Option(names = "--to", required = true, paramLabel = "REF", description = "The original image reference, e.g. orders:2.0.0.")
        String to;
        @Option(names = "--override", required = true, paramLabel = "NAME=COORDINATES|NAME=GROUP:ARTIFACT=JAR",
                description = {"A variant: NAME=org.postgresql:postgresql:42.6.1-patched (from the local Maven repository)",
                        "or NAME=org.postgresql:postgresql=path/to/patched.jar. The variant is tagged <tag>-NAME."})
        List<String> overrides;

        @Override
        public Integer call() throws Exception {
            List<DependencyOverride> parsed = new ArrayList<>();
            for (String override : overrides) {
                int equals = override.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("--override " + override + ": expected NAME=COORDINATES or NAME=GROUP:ARTIFACT=JAR");
                }
                String name = override.substring(0, equals);
                String rest = override.substring(equals + 1);
                int jar = rest.indexOf('=');
                parsed.add(jar > 0 ? DependencyOverride.byLocalJar(name, rest.substring(0, jar), Path.of(rest.substring(jar + 1)))
                        : DependencyOverride.byCoordinates(name, rest));
            }
            BuildRequest original = BuildRequest.of(base(source.base), source.application(), ImageTarget.registry(to));
            VariantsResult result = new VariantBuilder(registry.access(), progressBar(System.out))
                    .build(VariantRequest.of(original, parsed));
            printImage("original", result.original());
            for (VariantResult variant : result.variants()) {
                printImage("variant " + variant.name(), variant.image());
                for (LayerDifference layer : variant.comparison().differingLayers()) {
                    System.out.println("  differs in layer " + layer.index() + " '" + layer.name() + "': "
                            + layer.originalFiles() + " -> " + layer.variantFiles());
                }
                variant.dependencyGraphChanges().forEach(change -> System.out.println("  dependency graph: " + change));
                System.out.println(variant.verified() ? "  verified: differs in exactly one layer (plus config and manifest)"
                        : "  NOT verified: the variant differs in more than the overridden dependency");
            }
            return result.allVerified() ? 0 : 1;
        }
    }

    @Command(name = "patch", mixinStandardHelpOptions = true,
            description = {"Adds ONE layer to a fixed base image holding exactly the files of DIR that differ from it",
                    "(by sha256, mode, owner, type); deletions become OCI whiteouts. Never stacked on an earlier patch."})
    static final class Patch implements Callable<Integer> {
        @Mixin Registry registry;
        @Option(names = "--base", required = true, paramLabel = "REF", description = "The fixed base image (registry reference or tar:FILE).")
        String base;
        @Option(names = "--from", required = true, paramLabel = "DIR", description = "The application tree as it should be.")
        Path from;
        @Option(names = "--dir", defaultValue = "/app", paramLabel = "PATH", description = "Where DIR lives in the image (default: ${DEFAULT-VALUE}).")
        String imageDirectory;
        @Option(names = "--to", required = true, paramLabel = "REF", description = "The patched image reference.")
        String to;
        @Option(names = "--tar", paramLabel = "FILE", description = "Write a docker-load tar instead of pushing.")
        Path tar;

        @Override
        public Integer call() throws Exception {
            PatchResult result = new PatchBuilder(registry.access(), progressBar(System.out))
                    .patch(PatchRequest.of(base(base), from, imageDirectory, target(to, tar)));
            printImage("patched", result.image());
            System.out.printf(Locale.ROOT, "  %d added, %d changed, %d deleted; %d base layers + 1%n",
                    result.added().size(), result.changed().size(), result.deleted().size(), result.baseLayerCount());
            result.added().forEach(path -> System.out.println("    + " + path));
            result.changed().forEach(path -> System.out.println("    ~ " + path));
            result.deleted().forEach(path -> System.out.println("    - " + path));
            return 0;
        }
    }

}
