package dev.slipway.runtime.docker;

import dev.slipway.model.RunSpec;

import java.util.List;

/**
 * A release's {@code run.command} read the way of the container runtimes (docker, swarm):
 * {@code ["image:<reference>", args...]}. The image reference is everything after {@code image:} (a tag or a digest,
 * e.g. {@code orders:1.4.0} or {@code registry.example/orders@sha256:...}); the remaining items replace the image's
 * CMD, as in {@code docker run <image> args...}, and none keeps the image's own.
 *
 * @param arguments empty: run the image's CMD
 */
public record ImageCommand(String image, List<String> arguments) {
    public static final String PREFIX = "image:";

    public ImageCommand {
        arguments = List.copyOf(arguments);
    }

    /** @throws IllegalArgumentException naming the service and revision, and showing the expected form */
    public static ImageCommand of(String service, String revision, RunSpec run) {
        List<String> command = run == null ? List.of() : run.command();
        if (command.isEmpty() || !command.get(0).startsWith(PREFIX)) {
            String found = command.isEmpty() ? "an empty command" : "'" + command.get(0) + "'";
            throw new IllegalArgumentException(service + " " + revision + ": the docker and swarm runtimes need "
                    + "run.command[0] to name the image as '" + PREFIX + "<reference>' (e.g. [\"image:orders:1.4.0\", \"--verbose\"]), "
                    + "found " + found);
        }
        String image = command.get(0).substring(PREFIX.length()).trim();
        if (image.isEmpty() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(service + " " + revision + ": run.command[0] '" + command.get(0)
                    + "' is not an image reference");
        }
        return new ImageCommand(image, command.subList(1, command.size()));
    }
}
