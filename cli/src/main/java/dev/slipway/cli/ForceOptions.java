package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --force --backup FILE|auto --reason TEXT}: runs an action the compatibility guard refuses, only with a backup
 * to return to; the running controller records both in the audit history. Every command the guard can refuse takes
 * them.
 */
final class ForceOptions {
    static final String AUTO = "auto";

    @Option(names = "--force",
            description = "Run even if the compatibility guard refuses; needs a backup (recorded in the audit history).")
    boolean force;

    @Option(names = "--backup", paramLabel = "FILE|auto",
            description = "With --force: an existing backup file, or auto (the default): the controller takes a pg_dump "
                    + "into .slipway/backups/ (needs Debian's postgresql-client).")
    String backup;

    @Option(names = "--reason", paramLabel = "TEXT", description = "With --force: why, for the audit history.")
    String reason;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The API's query parameters ({@code force=true&backup=...&reason=...}), or empty without {@code --force}.
     *
     * @throws CommandLine.ParameterException when {@code --backup} or {@code --reason} come without {@code --force}
     */
    String query() {
        if (!force) {
            if (backup != null || reason != null) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "--backup and --reason go with --force (they describe the override)");
            }
            return "";
        }
        String file = backup == null || backup.equals(AUTO) ? AUTO : Path.of(backup).toAbsolutePath().toString();
        return "force=true&backup=" + Queries.encode(file) + (reason == null ? "" : "&reason=" + Queries.encode(reason));
    }

    /** {@code path} with the force parameters added, if any. */
    String appendTo(String path) {
        String query = query();
        if (query.isEmpty()) {
            return path;
        }
        return path + (path.contains("?") ? "&" : "?") + query;
    }
}
