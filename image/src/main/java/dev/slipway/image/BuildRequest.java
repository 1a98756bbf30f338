package dev.slipway.image;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@link ImageBuilder} needs for one image.
 *
 * @param applicationRoot where the application lives in the image ("/app")
 * @param javaCommand the java launcher in the base image ("java", found on the base's PATH)
 * @param isolatedDependencies "groupId:artifactId" of dependencies that get a layer of their own
 *                             (what makes variants differ in exactly one layer)
 */
public record BuildRequest(BaseImage base, Application application, ImageTarget target, String applicationRoot,
                           String javaCommand, Map<String, String> environment, List<String> isolatedDependencies) {

    public BuildRequest {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(target, "target");
        applicationRoot = ImagePaths.normalize(applicationRoot == null ? "/app" : applicationRoot);
        javaCommand = javaCommand == null ? "java" : javaCommand;
        environment = environment == null ? Map.of() : Map.copyOf(environment);
        isolatedDependencies = isolatedDependencies == null ? List.of() : List.copyOf(isolatedDependencies);
    }

    public static BuildRequest of(BaseImage base, Application application, ImageTarget target) {
        return new BuildRequest(base, application, target, "/app", "java", Map.of(), List.of());
    }

    public BuildRequest withTarget(ImageTarget newTarget) {
        return new BuildRequest(base, application, newTarget, applicationRoot, javaCommand, environment, isolatedDependencies);
    }

    public BuildRequest withApplication(Application newApplication) {
        return new BuildRequest(base, newApplication, target, applicationRoot, javaCommand, environment, isolatedDependencies);
    }

    public BuildRequest withIsolatedDependencies(List<String> artifacts) {
        return new BuildRequest(base, application, target, applicationRoot, javaCommand, environment, artifacts);
    }

    public BuildRequest withEnvironment(Map<String, String> variables) {
        return new BuildRequest(base, application, target, applicationRoot, javaCommand, variables, isolatedDependencies);
    }
}
