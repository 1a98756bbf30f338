package dev.slipway.cli;

import dev.slipway.controller.ConflictException;
import dev.slipway.controller.DatabaseTarget;
import dev.slipway.controller.RolloutController;
import dev.slipway.controller.ServiceStatus;
import dev.slipway.controller.TimelineEntry;
import dev.slipway.controller.guard.Backups;
import dev.slipway.controller.guard.GuardRefusedException;
import dev.slipway.controller.hooks.PolicyCheck;
import dev.slipway.controller.notify.EventNotifications;
import dev.slipway.controller.notify.WebhookNotifier;
import dev.slipway.model.RolloutPolicy;
import dev.slipway.model.ServiceSpec;
import dev.slipway.model.SpecParser;
import dev.slipway.router.TrafficRouter;
import dev.slipway.server.ApiServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code slipway up -f slipway.yaml}: runs one service's controller in the foreground — database, schema
 * engine, store, built-in router, runtime (local, docker or swarm), rollout controller and the local API — until
 * Ctrl-C.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Runs the controller of the service in slipway.yaml in the foreground: its database",
                "(embedded: a database named after the service, created if missing; or the JDBC URL as given),",
                "the built-in router on router.listen, replicas (local processes, docker containers or swarm",
                "services, as runtime says), and the API that the other commands (status, apply, rollout,",
                "schema) talk to. Stops everything on Ctrl-C/SIGTERM.",
                "",
                "After a restart it resumes what the store recorded. Then it applies the spec's release, but only",
                "if the guard allows it: on a fresh database no schema version is readable yet, so it prints the",
                "refusal and waits. Start the schema first (slipway schema start FILE), then slipway apply -f FILE.",
                "Relative paths in release.run.command resolve against the directory of slipway.yaml."})
final class UpCommand implements Callable<Integer> {
    private static final String ACTOR = "up";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The service spec (slipway.yaml).")
    Path file;

    @Option(names = "--state-dir", defaultValue = ".slipway", paramLabel = "DIR",
            description = "Where data, logs, process state and api.json live (default: ${DEFAULT-VALUE}).")
    Path stateDirectory;

    @Option(names = "--api-port", defaultValue = "0", paramLabel = "PORT",
            description = "Port of the local API on 127.0.0.1 (default: a free one; clients find it in api.json).")
    int apiPort;

    @Option(names = "--no-apply", description = "Do not apply the spec's release at start; wait for slipway apply.")
    boolean noApply;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The rollout policy of the spec applied last (up's own, then each slipway apply). */
    private final AtomicReference<RolloutPolicy> policy = new AtomicReference<>(RolloutPolicy.none());

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        ServiceSpec service = SpecParser.parse(file.toString(), Files.readString(file));
        PolicyCheck.check(service.policy(), file.toAbsolutePath().getParent(), System::getenv);
        Path state = stateDirectory.toAbsolutePath();
        StateDirectory.prepare(state);
        PrintStream out = System.out;
        ServiceStack stack = new ServiceStack();
        Thread shutdown = new Thread(stack::close, "slipway-up-shutdown");
        java.lang.Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            start(service, state, stack, out);
            out.println("Slipway runs " + service.service() + "; Ctrl-C stops it and its replicas.");
            out.flush();
            new CountDownLatch(1).await(); // until SIGTERM (the hook closes the stack) or an interrupt (tests)
            return 0;
        } catch (InterruptedException stop) {
            return 0;
        } finally {
            stack.close();
            try {
                java.lang.Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running and closes the same stack
            }
        }
    }

    /** Opens the service's stack, serves the API, and applies the release when the guard allows. */
    private void start(ServiceSpec service, Path state, ServiceStack stack, PrintStream out) {
        Path specDirectory = file.toAbsolutePath().getParent();
        PasswordSource passwords = new PasswordSource(service.databasePasswordFile().map(specDirectory::resolve),
                file + " database.url", "database.passwordFile", System.err);
        stack.open(service, new ServiceStack.Options(state, specDirectory, Optional.empty(), passwords,
                entry -> printEvent(out, entry)));
        TrafficRouter router = stack.router();
        String scheme = service.router().tls().isPresent() ? "https://" : "http://";
        out.println("router   " + scheme + hostAndPort(router.address()) + "/");
        router.previewAddress().ifPresent(preview -> out.println("preview  " + scheme + hostAndPort(preview) + "/"));
        if (!router.adminAddress().getAddress().isLoopbackAddress()) {
            out.println("warning: the router's admin port " + hostAndPort(router.adminAddress()) + " is reachable from"
                    + " other machines (router.admin): metrics, routes and latency samples are open to anyone there");
        }
        if (service.routerPreview().isPresent() && router.previewAddress().isEmpty()) {
            // An adopted router keeps the listeners it was started with; only a new router process opens more.
            long pid = stack.routerProcess().pid();
            out.println("note: the running router (pid " + pid + ") has no preview listener;"
                    + " stop it (kill " + pid + ") and run up again to open " + service.routerPreview().get());
        }
        RolloutController controller = stack.controller();
        usePolicy(service, controller, stack, specDirectory);
        if (service.runtime().equals("swarm") && stack.database().isEmbedded()) {
            out.println("note: replicas get the embedded database at 127.0.0.1: only tasks on this machine reach it;"
                    + " for a swarm of several machines, give database.url a server every node reaches");
        }
        boolean resumed = controller.resume(ACTOR);
        ApiServer api = stack.own(ApiServer.start(controller, state, apiPort));
        DatabaseTarget target = stack.databaseTarget();
        api.useAutomaticBackups(reason -> Backups.take(target, state.resolve("backups"), service.service(),
                Clock.systemUTC(), reason));
        api.useMetrics(stack.metrics());
        api.checkSpecsWith(applied -> PolicyCheck.check(applied.policy(), specDirectory, System::getenv));
        api.onSpecApplied(applied -> {
            policy.set(applied.policy());
            controller.usePolicy(applied.policy(), specDirectory, System::getenv);
        });
        out.println("api      " + api.url() + " (token in " + api.descriptorFile() + ")");
        out.println("dashboard: run slipway dashboard" + (state.equals(Path.of(".slipway").toAbsolutePath()) ? ""
                : " --state-dir " + state) + " for a login link");
        applyAtStart(service, controller, api, resumed, out);
    }

    /**
     * The spec's rollout policy: its hooks and progress deadline act in the controller; its webhooks hear about
     * the controller's events on threads of their own, and their failures go on the timeline.
     */
    private void usePolicy(ServiceSpec service, RolloutController controller, ServiceStack stack, Path specDirectory) {
        policy.set(service.policy());
        controller.usePolicy(service.policy(), specDirectory, System::getenv);
        WebhookNotifier notifier = stack.own(new WebhookNotifier(() -> policy.get().notifications(), System::getenv,
                controller::record));
        EventNotifications notifications = stack.own(new EventNotifications(service.service(), controller::status,
                notifier::publish, Clock.systemUTC()));
        controller.events().addListener(notifications);
    }

    private void applyAtStart(ServiceSpec service, RolloutController controller, ApiServer api, boolean resumed,
                              PrintStream out) {
        String version = service.release().version();
        if (noApply) {
            out.println("not applying " + version + " (--no-apply): run slipway apply -f " + file + " when ready");
            return;
        }
        ServiceStatus status = controller.status();
        if (resumed && status.desiredVersion().filter(version::equals).isPresent()) {
            return; // the store already wants this release; resume carries it on
        }
        try {
            api.apply(service.release(), ACTOR);
            out.println("applying " + service.service() + " " + version);
        } catch (GuardRefusedException refused) {
            out.println("not applying " + version + " yet:");
            out.println("  " + refused.getMessage().replace("\n", "\n  "));
            out.println("  Start a schema version it reads (slipway schema start FILE), then: slipway apply -f " + file);
        } catch (ConflictException conflict) {
            out.println("not applying " + version + ": " + conflict.getMessage());
        }
    }

    private static String hostAndPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static void printEvent(PrintStream out, TimelineEntry entry) {
        out.println(LocalTime.ofInstant(entry.at(), ZoneId.systemDefault()).format(CLOCK) + "  " + entry.event());
        out.flush();
    }
}
