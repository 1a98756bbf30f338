package dev.slipway.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an application several times from the same source, each variant with one dependency
 * overridden, and proves the variants differ from the original in exactly the overridden
 * library's layer (plus config and manifest) by comparing the stored manifests.
 *
 * <p>Every overridden library gets a layer of its own in every image, the original included;
 * that is what makes "exactly one layer" possible.
 */
public final class VariantBuilder {
    private final RegistryAccess access;
    private final ImageBuilder builder;

    public VariantBuilder(RegistryAccess access, ProgressListener progress) {
        this.access = access;
        this.builder = new ImageBuilder(access, progress);
    }

    public VariantBuilder(RegistryAccess access) {
        this(access, ProgressListener.none());
    }

    public VariantsResult build(VariantRequest request) {
        List<String> isolated = request.overrides().stream().map(DependencyOverride::artifact).distinct().toList();
        BuildRequest original = request.original().withIsolatedDependencies(isolated);
        List<Path> classpath = original.application().runtimeClasspath();
        List<Path> replacements = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (DependencyOverride override : request.overrides()) {
            positions.add(positionOf(override.artifact(), classpath));
            replacements.add(resolve(override, request.localRepository()));
        }

        ImageResult originalImage = builder.build(original);
        StoredImage originalStored = Images.read(original.target(), originalImage.digest(), access);
        List<VariantResult> variants = new ArrayList<>();
        for (int index = 0; index < request.overrides().size(); index++) {
            DependencyOverride override = request.overrides().get(index);
            List<Path> variantClasspath = new ArrayList<>(classpath);
            Path replaced = variantClasspath.set(positions.get(index), replacements.get(index));
            BuildRequest variant = original
                    .withApplication(original.application().withRuntimeClasspath(variantClasspath))
                    .withTarget(original.target().withTagSuffix(override.variantName()));
            ImageResult variantImage = builder.build(variant);
            StoredImage variantStored = Images.read(variant.target(), variantImage.digest(), access);
            variants.add(new VariantResult(override.variantName(), override, variantImage,
                    compare(originalStored, variantStored), DependencyGraph.changes(replaced, replacements.get(index))));
        }
        return new VariantsResult(originalImage, variants);
    }

    /** Layer-by-layer comparison of two stored images, listing the files of each differing layer. */
    static ManifestComparison compare(StoredImage original, StoredImage variant) {
        List<LayerSummary> originalLayers = original.layers();
        List<LayerSummary> variantLayers = variant.layers();
        List<LayerDifference> differences = new ArrayList<>();
        int common = Math.min(originalLayers.size(), variantLayers.size());
        try {
            for (int index = 0; index < common; index++) {
                LayerSummary left = originalLayers.get(index);
                LayerSummary right = variantLayers.get(index);
                if (!left.digest().equals(right.digest())) {
                    differences.add(new LayerDifference(index, right.name(), left.digest(), right.digest(),
                            original.layerFiles(left.digest()), variant.layerFiles(right.digest())));
                }
            }
        } catch (IOException e) {
            throw new ImageException("cannot read layers to compare the variants: " + e.getMessage(), e);
        }
        return new ManifestComparison(differences, originalLayers.size() != variantLayers.size(),
                !original.configDigest().equals(variant.configDigest()));
    }

    private static int positionOf(String artifact, List<Path> classpath) {
        List<String> known = new ArrayList<>();
        for (int index = 0; index < classpath.size(); index++) {
            JarCoordinates coordinates = JarCoordinates.of(classpath.get(index));
            if (coordinates.matches(artifact)) {
                return index;
            }
            known.add(coordinates.toString());
        }
        throw new ImageException("cannot override " + artifact + ": it is not on the runtime classpath (" + String.join(", ", known) + ")");
    }

    private static Path resolve(DependencyOverride override, Path localRepository) {
        if (override.localJar().isPresent()) {
            Path jar = override.localJar().get();
            if (!Files.isRegularFile(jar)) {
                throw new ImageException("override jar for " + override.artifact() + " does not exist: " + jar);
            }
            return jar;
        }
        JarCoordinates coordinates = JarCoordinates.parse(override.coordinates().orElseThrow());
        Path jar = localRepository.resolve(coordinates.groupId().replace('.', '/')).resolve(coordinates.artifactId())
                .resolve(coordinates.version()).resolve(coordinates.artifactId() + "-" + coordinates.version() + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new ImageException(coordinates + " is not in the local Maven repository (looked for " + jar
                    + "); install it there first, e.g. mvn install:install-file");
        }
        return jar;
    }
}
