package dev.slipway.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a thin patch image: the fixed base image plus exactly one layer holding the files that
 * differ by content, mode, owner or type from the base's filesystem, with deletions as OCI
 * whiteouts and parent directories carrying the base's attributes.
 *
 * <p>A patch always sits on the base it is given and refuses a base that is itself a patch, so
 * patches never stack. Changed files are copied to content-addressed paths and re-hashed there
 * before jib reads them: jib caches layers by path and modification time, and a file rewritten
 * with the same time must still ship its new bytes.
 */
public final class PatchBuilder {
    /** Label on every patched image naming the base digest it was patched onto. */
    public static final String PATCH_BASE_LABEL = "dev.slipway.image.patch-base";
    public static final String PATCH_LAYER_NAME = "patch";

    private final RegistryAccess access;
    private final ProgressListener progress;

    public PatchBuilder(RegistryAccess access, ProgressListener progress) {
        this.access = access;
        this.progress = progress;
    }

    public PatchBuilder(RegistryAccess access) {
        this(access, ProgressListener.none());
    }

    public PatchResult patch(PatchRequest request) {
        StoredImage base = Images.read(request.base(), access);
        String stackedOn = base.config().path("config").path("Labels").path(PATCH_BASE_LABEL).asText("");
        if (!stackedOn.isEmpty()) {
            throw new ImageException("refused: " + request.base() + " is itself a patch of " + stackedOn
                    + "; patch the fixed base image instead so that patches never stack");
        }
        Path staging = null;
        try {
            ImageFilesystem baseFilesystem = base.filesystem();
            LocalTree local = LocalTree.scan(request.sourceDirectory(), request.imageDirectory(), request.owner(), baseFilesystem);
            FilesystemDiff diff = FilesystemDiff.between(baseFilesystem, local.filesystem(), request.imageDirectory());
            staging = Files.createTempDirectory("slipway-patch-staging");
            PlannedLayer layer = planLayer(diff, local, baseFilesystem, staging);

            String baseDigest = request.base().kind() == BaseImage.Kind.REGISTRY ? base.digest() : base.configDigest();
            JibContainerization.ContainerSettings settings = new JibContainerization.ContainerSettings(
                    null, Map.of(), Map.of(PATCH_BASE_LABEL, request.base() + "@" + baseDigest));
            JibContainerization.Outcome outcome = new JibContainerization(access, progress).containerize(
                    request.base(), List.of(layer), settings, request.target(),
                    Images.mountableBaseLayers(request.base(), request.target(), access));
            return new PatchResult(Images.describe(request.target(), outcome, access),
                    paths(diff.added()), paths(diff.changed()), paths(diff.deleted()), base.rawLayers().size());
        } catch (IOException e) {
            throw new ImageException("patching " + request.base() + " from " + request.sourceDirectory() + " failed: "
                    + e.getMessage(), e);
        } finally {
            JibContainerization.deleteRecursively(staging);
        }
    }

    /**
     * The patch layer's entries: changed and added entries from content-addressed copies,
     * one whiteout per deleted subtree, and every parent directory with the base's attributes
     * (jib would otherwise add them as root 0755).
     */
    static PlannedLayer planLayer(FilesystemDiff diff, LocalTree local, ImageFilesystem base, Path staging)
            throws IOException {
        Map<String, PlannedLayer.Entry> entries = new LinkedHashMap<>();
        Path emptyDirectory = Files.createDirectories(staging.resolve("empty-directory"));
        Path emptyFile = Files.createFile(staging.resolve("empty-file"));
        List<ImageFile> shipped = new ArrayList<>(diff.added());
        shipped.addAll(diff.changed());
        for (ImageFile file : shipped) {
            FileOwner owner = new FileOwner(file.userId(), file.groupId());
            switch (file.type()) {
                case REGULAR -> entries.put(file.path(), new PlannedLayer.Entry(
                        stage(local.sources().get(file.path()), file, staging), file.path(), file.mode(), owner));
                case DIRECTORY -> entries.put(file.path(), new PlannedLayer.Entry(emptyDirectory, file.path(), file.mode(), owner));
                default -> throw new ImageException(local.sources().get(file.path()) + ": a " + file.type()
                        + " cannot go into a patch layer (jib-core writes regular files and directories only)");
            }
        }
        for (String deleted : diff.deletionRoots()) {
            String whiteout = Whiteouts.whiteoutFor(deleted);
            entries.put(whiteout, new PlannedLayer.Entry(emptyFile, whiteout, 0644, FileOwner.ROOT));
        }
        for (String path : new ArrayList<>(entries.keySet())) {
            for (String parent = ImagePaths.parent(path); !parent.equals("/"); parent = ImagePaths.parent(parent)) {
                if (entries.containsKey(parent)) {
                    continue;
                }
                String directory = parent;
                ImageFile attributes = base.get(directory).or(() -> local.filesystem().get(directory)).orElse(null);
                int mode = attributes == null ? 0755 : attributes.mode();
                FileOwner owner = attributes == null ? FileOwner.ROOT : new FileOwner(attributes.userId(), attributes.groupId());
                entries.put(directory, new PlannedLayer.Entry(emptyDirectory, directory, mode, owner));
            }
        }
        return new PlannedLayer(PATCH_LAYER_NAME, new ArrayList<>(entries.values()));
    }

    /** Copies a file to staging/<sha256> and checks the copy still has the scanned content. */
    private static Path stage(Path source, ImageFile expected, Path staging) throws IOException {
        Path staged = staging.resolve("content-" + expected.sha256());
        if (Files.exists(staged)) {
            return staged;
        }
        Path copying = staging.resolve("copying-" + expected.sha256());
        Files.copy(source, copying, StandardCopyOption.REPLACE_EXISTING);
        String actual;
        try (InputStream content = Files.newInputStream(copying)) {
            actual = ImageFilesystem.sha256(content);
        }
        if (!actual.equals(expected.sha256())) {
            throw new ImageException(source + " changed while the patch was being built; run it again");
        }
        Files.move(copying, staged, StandardCopyOption.ATOMIC_MOVE);
        return staged;
    }

    private static List<String> paths(List<ImageFile> files) {
        return files.stream().map(ImageFile::path).toList();
    }
}
