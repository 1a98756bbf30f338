package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.environments.Environment;
import dev.slipway.environments.EnvironmentState;
import dev.slipway.environments.EnvironmentsParser;
import dev.slipway.environments.EnvironmentsSpec;
import dev.slipway.environments.PromotedRelease;
import dev.slipway.environments.Promotion;
import dev.slipway.environments.PromotionDecision;
import dev.slipway.environments.SoakGate;
import dev.slipway.environments.StableRelease;
import dev.slipway.model.ReleaseSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.model.SpecWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code slipway env status | promote}: environments (test, prod, ...) each run their own {@code slipway up};
 * a release reaches an environment from the one its promotion names, after a soak, optionally with approval.
 */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = "Environments: what each runs, and promotion of a soaked release from one to the next.",
        subcommands = {EnvCommand.Status.class, EnvCommand.Promote.class})
final class EnvCommand implements Runnable {
    /** Exit code of {@code promote} when only time is missing (the soak, or traffic to judge). */
    static final int WAITING = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class FileOption {
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", defaultValue = "environments.yaml",
                description = "The environments file (default: ${DEFAULT-VALUE}).")
        Path file;

        EnvironmentsSpec read() {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": no such file");
            }
            return EnvironmentsParser.parse(file);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Shows each environment's stable release and, for promotion targets, whether the source's"
                    + " release may go there now.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        FileOption file;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            EnvironmentsSpec environments = file.read();
            PrintWriter out = spec.commandLine().getOut();
            Instant now = Instant.now();
            for (Environment environment : environments.environments()) {
                Optional<EnvironmentState> state = tryRead(environments, environment);
                out.println(environment.name() + "  " + state.map(s -> describe(s, now))
                        .orElse("no controller (" + environment.stateDirectory() + ")"));
                if (environment.promotion().isPresent() && state.isPresent()) {
                    Promotion promotion = environment.promotion().get();
                    Optional<EnvironmentState> source = tryRead(environments, environments.require(promotion.from()));
                    out.println("  promotion from " + promotion.from() + ": " + source
                            .map(s -> decisionText(SoakGate.decide(environment.name(), promotion, s, state.get(), now, false)))
                            .orElse("no controller runs " + promotion.from()));
                }
            }
            out.flush();
            return 0;
        }

        private static Optional<EnvironmentState> tryRead(EnvironmentsSpec environments, Environment environment) {
            try {
                return Optional.of(read(environments, environment, client(environment)));
            } catch (IllegalStateException e) {
                return Optional.empty();
            }
        }

        private static String describe(EnvironmentState state, Instant now) {
            String stable = state.stable().map(s -> "stable " + s.version() + " " + s.readyReplicas() + "/" + s.replicas()
                    + " ready, since " + s.since() + " (" + Duration.between(s.since(), now).toSeconds() + " s)"
                    + (s.requests() >= 0 ? ", " + s.errors() + "/" + s.requests() + " errors" : ""))
                    .orElse("no release yet");
            return stable + state.rollingTo().map(v -> ", rolling out " + v).orElse("");
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Applies the source environment's stable release to TARGET once its soak holds: the",
                    "version, command (jar or image) and schema range move; TARGET keeps its replicas, probes,",
                    "strategy and environment variables. Exit 0: promoted or already there; 3: soak not over",
                    "(use --wait); 1: blocked (health, error rate, approval, a rollout in TARGET) or refused."})
    static final class Promote implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TARGET", description = "The environment to promote into, e.g. prod.")
        String target;

        @CommandLine.Mixin
        FileOption file;

        @Option(names = "--approve", description = "Approve the promotion (required when its rule says approval: true);"
                + " your user name goes into the target's audit history.")
        boolean approve;

        @Option(names = "--wait", description = "Wait while only time is missing (the soak, traffic to judge).")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "24h",
                description = "How long --wait waits at most (default: ${DEFAULT-VALUE}).")
        String timeout;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            EnvironmentsSpec environments = file.read();
            Environment targetEnvironment = environments.require(target);
            Promotion promotion = targetEnvironment.promotion().orElseThrow(() -> new IllegalArgumentException(
                    environments.file() + ": environment '" + target + "' has no promotion rule (promotion: {from: ..., soak: ...})"));
            Environment sourceEnvironment = environments.require(promotion.from());
            ApiClient sourceClient = client(sourceEnvironment);
            ApiClient targetClient = client(targetEnvironment);
            Instant deadline = Instant.now().plus(dev.slipway.model.Durations.parse(timeout));
            PrintWriter out = spec.commandLine().getOut();
            String lastReason = null;
            while (true) {
                EnvironmentState source = read(environments, sourceEnvironment, sourceClient);
                EnvironmentState targetState = read(environments, targetEnvironment, targetClient);
                PromotionDecision decision = SoakGate.decide(target, promotion, source, targetState, Instant.now(), approve);
                switch (decision.outcome()) {
                    case UP_TO_DATE -> {
                        out.println(decision.reason());
                        out.flush();
                        return 0;
                    }
                    case BLOCKED -> {
                        spec.commandLine().getErr().println("blocked: " + decision.reason());
                        spec.commandLine().getErr().flush();
                        return 1;
                    }
                    case PROMOTE -> {
                        return promote(source.stable().orElseThrow(), targetState, decision, promotion, targetEnvironment, targetClient);
                    }
                    case WAIT -> {
                        if (!await) {
                            out.println("not yet: " + decision.reason() + " (slipway env promote " + target + " --wait waits)");
                            out.flush();
                            return WAITING;
                        }
                        if (!decision.reason().equals(lastReason)) {
                            out.println("waiting: " + decision.reason());
                            out.flush();
                            lastReason = decision.reason();
                        }
                        if (Instant.now().isAfter(deadline)) {
                            spec.commandLine().getErr().println("error: gave up after " + timeout + ": " + decision.reason());
                            return WAITING;
                        }
                        // re-read often enough to notice a new candidate or lost health, rarely enough to be cheap
                        long untilReady = decision.readyAt().map(t -> Duration.between(Instant.now(), t).toMillis())
                                .orElse(2000L);
                        Thread.sleep(Math.max(100, Math.min(2000, untilReady)));
                    }
                }
            }
        }

        private int promote(StableRelease candidate, EnvironmentState targetState, PromotionDecision decision,
                            Promotion promotion, Environment targetEnvironment, ApiClient targetClient) {
            ReleaseSpec sourceRelease = SpecParser.parseRelease(target + ": release of " + candidate.version(),
                    candidate.release());
            Optional<ReleaseSpec> current = targetState.stable()
                    .map(s -> SpecParser.parseRelease(target + ": release of " + s.version(), s.release()));
            ReleaseSpec promoted = PromotedRelease.of(sourceRelease, current);
            String body = "service: " + targetClient.service() + "\nrelease:\n" + SpecWriter.release(promoted).lines()
                    .map(line -> "  " + line).collect(Collectors.joining("\n")) + "\n";
            // the audit history of the target names who promoted, from where, and why the gate let it through
            String actor = System.getProperty("user.name", "cli") + " via env promote from " + promotion.from()
                    + ": " + decision.reason();
            ApiClient.ApiResponse response = targetClient.as(actor)
                    .post("/api/v1/apply?file=" + Queries.encode("promotion to " + target), body);
            if (!response.ok()) {
                return ApiAnswers.exitCode(response, spec.commandLine().getErr());
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("promoting " + promoted.version() + " to " + target + ": " + decision.reason());
            out.println("(follow it with: slipway rollout status --watch --state-dir "
                    + targetEnvironment.stateDirectory() + ")");
            out.flush();
            return 0;
        }
    }

    static String decisionText(PromotionDecision decision) {
        return switch (decision.outcome()) {
            case PROMOTE -> "ready: " + decision.reason();
            case WAIT -> "waiting: " + decision.reason();
            case BLOCKED -> "blocked: " + decision.reason();
            case UP_TO_DATE -> "up to date: " + decision.reason();
        };
    }

    private static ApiClient client(Environment environment) {
        try {
            return ApiClient.fromStateDirectory(environment.stateDirectory());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("environment " + environment.name() + ": " + e.getMessage()
                    + " (state directory " + environment.stateDirectory() + ")", e);
        }
    }

    /** The environment's stable release and any rollout in progress, from its controller's API. */
    static EnvironmentState read(EnvironmentsSpec environments, Environment environment, ApiClient client) {
        if (!client.service().equals(environments.service())) {
            throw new IllegalStateException("environment " + environment.name() + " runs service '" + client.service()
                    + "', but " + environments.file() + " is about '" + environments.service() + "'");
        }
        ApiClient.ApiResponse stable = client.get("/api/v1/stable");
        if (stable.status() == 404) {
            JsonNode canary = client.get("/api/v1/status").body().path("canary");
            return new EnvironmentState(environment.name(), Optional.empty(),
                    canary.isObject() ? Optional.of(canary.path("version").asText()) : Optional.empty());
        }
        if (!stable.ok()) {
            throw new IllegalStateException("environment " + environment.name() + ": " + stable.error());
        }
        JsonNode body = stable.body();
        StableRelease release = new StableRelease(body.path("version").asText(), Instant.parse(body.path("since").asText()),
                body.path("replicas").asInt(), body.path("readyReplicas").asInt(),
                body.path("requests").isNull() ? -1 : body.path("requests").asLong(),
                body.path("errors").isNull() ? -1 : body.path("errors").asLong(), body.path("release").asText());
        Optional<String> rollingTo = body.path("rollingTo").isNull() ? Optional.empty()
                : Optional.of(body.path("rollingTo").asText());
        return new EnvironmentState(environment.name(), Optional.of(release), rollingTo);
    }
}
