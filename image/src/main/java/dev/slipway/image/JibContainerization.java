package dev.slipway.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.CredentialRetriever;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one place that speaks jib: turns planned layers and a container configuration into an
 * image in a registry or a tar. Everything is reproducible: fixed creation time and file times,
 * entries sorted by jib, and a fresh application-layer cache per build because jib's cache is
 * keyed by source path and modification time rather than content.
 */
final class JibContainerization {
    /** Jib's own default file time; fixed so that the same input gives the same digest. */
    static final Instant FILE_TIME = Instant.ofEpochSecond(1);
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private final RegistryAccess access;
    private final ProgressListener progress;

    JibContainerization(RegistryAccess access, ProgressListener progress) {
        this.access = access;
        this.progress = progress;
    }

    /** What jib reported after containerizing. */
    record Outcome(String digest, String imageId, long bytesPushed) {
    }

    /** Container settings beyond the layers; null entrypoint keeps the base image's. */
    record ContainerSettings(List<String> entrypoint, Map<String, String> environment, Map<String, String> labels) {
    }

    Outcome containerize(BaseImage base, List<PlannedLayer> layers, ContainerSettings settings, ImageTarget target,
                         Set<String> mountableBaseLayerDigests) {
        Path applicationCache = null;
        try {
            applicationCache = Files.createTempDirectory("slipway-jib-application-cache");
            JibContainerBuilder builder = switch (base.kind()) {
                case SCRATCH -> Jib.fromScratch();
                case REGISTRY -> Jib.from(registryImage(base.reference().orElseThrow()));
                case DOCKER_ARCHIVE -> Jib.from(TarImage.at(base.archive().orElseThrow()));
            };
            builder.setFormat(ImageFormat.Docker).setCreationTime(Instant.EPOCH);
            for (PlannedLayer layer : layers) {
                if (!layer.entries().isEmpty()) {
                    builder.addFileEntriesLayer(toJib(layer));
                }
            }
            if (settings.entrypoint() != null) {
                builder.setEntrypoint(settings.entrypoint());
            }
            settings.environment().forEach(builder::addEnvironmentVariable);
            settings.labels().forEach(builder::addLabel);

            Containerizer containerizer = target.isRegistry()
                    ? Containerizer.to(registryImage(target.reference()))
                    : Containerizer.to(TarImage.at(target.archive().orElseThrow()).named(target.reference()));
            PushAccounting accounting = new PushAccounting(mountableBaseLayerDigests);
            containerizer.setToolName("slipway")
                    .setApplicationLayersCache(applicationCache)
                    .setAllowInsecureRegistries(insecureAllowed(base, target))
                    .addEventHandler(ProgressEvent.class, event -> {
                        accounting.onProgress(event.getAllocation().getDescription(), event.getAllocation().getAllocationUnits());
                        progress.onProgress(new ProgressUpdate(event.getAllocation().getDescription(),
                                accounting.advance(event.getAllocation().getFractionOfRoot() * event.getUnits())));
                    })
                    .addEventHandler(LogEvent.class, event -> accounting.onLog(event.getMessage()));
            if (!target.isRegistry()) {
                Files.createDirectories(target.archive().orElseThrow().toAbsolutePath().getParent());
            }
            JibContainer container = builder.containerize(containerizer);
            // jib's last allocations may close after containerize returns: report completion ourselves
            progress.onProgress(new ProgressUpdate("stored " + target.reference(), 1.0));
            return new Outcome(container.getDigest().toString(), container.getImageId().toString(),
                    target.isRegistry() ? accounting.bytesPushed() : 0);
        } catch (IOException | java.util.concurrent.ExecutionException
                 | com.google.cloud.tools.jib.api.RegistryException
                 | com.google.cloud.tools.jib.api.CacheDirectoryCreationException
                 | com.google.cloud.tools.jib.api.InvalidImageReferenceException e) {
            throw new ImageException("building " + target.reference() + " on " + base + " failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while building " + target.reference(), e);
        } finally {
            deleteRecursively(applicationCache);
        }
    }

    private boolean insecureAllowed(BaseImage base, ImageTarget target) {
        // jib would fall back to HTTP for any host; we allow it only when every registry involved is loopback
        boolean targetLoopback = !target.isRegistry() || RegistryAccess.isLoopback(ImageReferences.registry(target.reference()));
        boolean baseLoopback = base.kind() != BaseImage.Kind.REGISTRY
                || RegistryAccess.isLoopback(ImageReferences.registry(base.reference().orElseThrow()));
        return access.allowInsecureRegistries() && targetLoopback && baseLoopback;
    }

    private RegistryImage registryImage(String reference) {
        ImageReference parsed = ImageReferences.parse(reference);
        RegistryImage image = RegistryImage.named(parsed);
        if (access.explicitCredentials().isPresent()) {
            RegistryCredentials credentials = access.explicitCredentials().get();
            image.addCredential(credentials.username(), credentials.password());
        } else {
            CredentialRetriever dockerConfig = CredentialRetrieverFactory.forImage(parsed, logEvent -> { }).dockerConfig();
            image.addCredentialRetriever(dockerConfig);
        }
        return image;
    }

    private static FileEntriesLayer toJib(PlannedLayer layer) {
        FileEntriesLayer.Builder builder = FileEntriesLayer.builder().setName(layer.name());
        // jib adds a missing parent as root 0755 when it meets a child first and then keeps that,
        // so directories must come before their contents for their own attributes to count
        List<PlannedLayer.Entry> sorted = layer.entries().stream()
                .sorted(Comparator.comparing(PlannedLayer.Entry::imagePath)).toList();
        for (PlannedLayer.Entry entry : sorted) {
            builder.addEntry(new FileEntry(entry.source(), AbsoluteUnixPath.get(entry.imagePath()),
                    FilePermissions.fromOctalString(String.format("%03o", entry.mode() & 0777)),
                    FILE_TIME, entry.owner().toString()));
        }
        return builder.build();
    }

    private static String describe(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        if (error instanceof java.util.concurrent.ExecutionException && error.getCause() != null) {
            cause = error.getCause();
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    static void deleteRecursively(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a leftover temporary directory is harmless; the build result is what matters
        }
    }

    /**
     * Counts the bytes jib actually sent: blobs it started pushing, less those its HEAD found
     * present ("already exists") and base layers the registry mounts from the base repository.
     */
    static final class PushAccounting {
        private final Set<String> mountable;
        private final Map<String, Long> pushedSizes = new HashMap<>();
        private final Set<String> skipped = new HashSet<>();
        private double fractionDone;

        PushAccounting(Set<String> mountable) {
            this.mountable = Set.copyOf(mountable);
        }

        synchronized void onProgress(String description, long allocationUnits) {
            if (description.startsWith("pushing blob ")) {
                Matcher matcher = DIGEST.matcher(description);
                if (matcher.find()) {
                    pushedSizes.put(matcher.group(), allocationUnits);
                }
            }
        }

        synchronized void onLog(String message) {
            if (message.contains("already exists")) {
                Matcher matcher = DIGEST.matcher(message);
                if (matcher.find()) {
                    skipped.add(matcher.group());
                }
            }
        }

        synchronized double advance(double fraction) {
            fractionDone = Math.min(1.0, fractionDone + fraction);
            return fractionDone;
        }

        synchronized long bytesPushed() {
            long total = 0;
            for (Map.Entry<String, Long> blob : pushedSizes.entrySet()) {
                if (!skipped.contains(blob.getKey()) && !mountable.contains(blob.getKey())) {
                    total += blob.getValue();
                }
            }
            return total;
        }
    }
}
