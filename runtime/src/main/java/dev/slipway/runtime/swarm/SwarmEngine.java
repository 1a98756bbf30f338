package dev.slipway.runtime.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateServiceCmd;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.EndpointSpec;
import com.github.dockerjava.api.model.LocalNodeState;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.PortConfig;
import com.github.dockerjava.api.model.PortConfigProtocol;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.SwarmInfo;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeState;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TaskStatus;
import com.github.dockerjava.api.model.UpdateConfig;
import com.github.dockerjava.api.model.UpdateFailureAction;
import com.github.dockerjava.api.model.UpdateOrder;
import dev.slipway.runtime.docker.DockerEngineException;
import dev.slipway.runtime.docker.EngineConnection;
import dev.slipway.runtime.replica.CrashBackoff;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The Swarm calls of the swarm runtime, made to a manager's Engine API through docker-java. Every docker-java type
 * stays in this class: the rest of the package sees service ids and plain records ({@link TaskView}, {@link NodeView},
 * {@link ServiceDefinition}), and failures as {@link DockerEngineException}.
 */
final class SwarmEngine implements AutoCloseable {
    /**
     * How long Swarm waits before it starts a replacement task: for a task moved off a lost node, and for one whose
     * container crashed (see {@link TaskWatch}). Swarm's restart policy has one fixed delay, where
     * {@link CrashBackoff} doubles: it is that backoff's first step (a move should be quick; Swarm's default is 5 s),
     * and the swarm runtime holds the task back for the longer steps.
     */
    static final Duration RESTART_DELAY = CrashBackoff.FIRST;

    /** How often an update that lost a race with another one is tried. */
    private static final int UPDATE_ATTEMPTS = 5;

    private final EngineConnection connection;
    private final DockerClient client;
    private final URI host;

    private SwarmEngine(EngineConnection connection, URI host) {
        this.connection = connection;
        this.client = connection.client();
        this.host = host;
    }

    /**
     * Connects to a manager.
     *
     * @throws DockerEngineException when no engine answers at {@code host}, it is in no swarm, or it is a worker
     */
    static SwarmEngine connect(URI host) {
        EngineConnection connection = EngineConnection.open(host, "swarm runtime");
        try {
            SwarmInfo swarm = EngineConnection.call("ask the Docker engine at " + host + " about its swarm",
                    () -> connection.client().infoCmd().exec().getSwarm());
            LocalNodeState state = swarm == null ? null : swarm.getLocalNodeState();
            if (state != LocalNodeState.ACTIVE) {
                throw new DockerEngineException("the Docker engine at " + host + " is not part of a swarm (swarm: "
                        + (state == null ? "inactive" : state.getValue()) + "): run 'docker swarm init' on it, or set"
                        + " swarm.manager to the Engine API of a swarm manager", false, null);
            }
            if (!Boolean.TRUE.equals(swarm.getControlAvailable())) {
                throw new DockerEngineException("the Docker engine at " + host + " is a swarm worker, not a manager:"
                        + " services are made through a manager; set swarm.manager to one ('docker node ls' on a"
                        + " manager lists them)", false, null);
            }
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return new SwarmEngine(connection, host);
    }

    URI host() {
        return host;
    }

    String apiVersion() {
        return connection.apiVersion();
    }

    /**
     * One replica's Swarm service: one task, host networking, its port published in host mode (so the scheduler
     * never places two replicas on one port of a node), the image's entrypoint kept and {@code arguments} replacing
     * its CMD.
     */
    record ServiceDefinition(String name, String image, List<String> arguments, Map<String, String> environment,
                             Map<String, String> labels, int port, List<String> constraints, Duration stopGrace) {
        ServiceDefinition {
            arguments = List.copyOf(arguments);
            environment = Map.copyOf(environment);
            labels = Map.copyOf(labels);
            constraints = List.copyOf(constraints);
        }
    }

    /** A service as listed: enough to adopt it or clean it up. */
    record ListedService(String id, String name, Map<String, String> labels, long replicas) {
        ListedService {
            labels = Map.copyOf(labels);
        }
    }

    /** @return the new service's id */
    String create(ServiceDefinition definition) {
        ContainerSpec container = new ContainerSpec()
                .withImage(definition.image())
                .withEnv(definition.environment().entrySet().stream()
                        .map(variable -> variable.getKey() + "=" + variable.getValue()).sorted().toList())
                .withStopGracePeriod(definition.stopGrace().toNanos());
        if (!definition.arguments().isEmpty()) {
            container.withArgs(definition.arguments());
        }
        TaskSpec task = new TaskSpec()
                .withContainerSpec(container)
                .withRestartPolicy(new ServiceRestartPolicy().withCondition(ServiceRestartCondition.ANY)
                        .withDelay(RESTART_DELAY.toNanos()))
                .withPlacement(new ServicePlacement().withConstraints(definition.constraints()))
                .withNetworks(List.of(new NetworkAttachmentConfig().withTarget("host")));
        ServiceSpec spec = new ServiceSpec()
                .withName(definition.name())
                .withLabels(definition.labels())
                .withTaskTemplate(task)
                .withMode(new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(1)))
                .withEndpointSpec(new EndpointSpec().withPorts(List.of(new PortConfig()
                        .withProtocol(PortConfigProtocol.TCP)
                        .withTargetPort(definition.port())
                        .withPublishedPort(definition.port())
                        .withPublishMode(PortConfig.PublishMode.host))))
                // A forced update (a liveness restart) replaces the one task: stop first, its port is taken.
                .withUpdateConfig(new UpdateConfig().withParallelism(1L).withOrder(UpdateOrder.STOP_FIRST)
                        .withFailureAction(UpdateFailureAction.CONTINUE));
        CreateServiceCmd create = client.createServiceCmd(spec);
        registryAuth(definition.image()).ifPresent(create::withAuthConfig);
        return EngineConnection.call("create service " + definition.name() + " from image " + definition.image(),
                () -> create.exec().getId());
    }

    /**
     * Credentials for the image's registry from {@code ~/.docker/config.json}, sent along so that every node may pull
     * (as {@code docker service create --with-registry-auth}); empty when there are none.
     */
    private Optional<AuthConfig> registryAuth(String image) {
        try {
            AuthConfig auth = connection.config().effectiveAuthConfig(image);
            boolean any = auth != null && (auth.getUsername() != null || auth.getIdentitytoken() != null
                    || auth.getRegistrytoken() != null);
            return any ? Optional.of(auth) : Optional.empty();
        } catch (RuntimeException unreadableConfig) {
            return Optional.empty();
        }
    }

    /** Removes a service and with it its task (SIGTERM, then SIGKILL after its stop grace); a gone one is fine. */
    void remove(String serviceId) {
        try {
            EngineConnection.perform("remove service " + serviceId, () -> client.removeServiceCmd(serviceId).exec());
        } catch (DockerEngineException e) {
            if (!e.notFound()) {
                throw e;
            }
        }
    }

    /** Sets the service's task count, e.g. 0 to keep a failed replica's service for inspection without a task. */
    void scale(String serviceId, int replicas) {
        update(serviceId, "scale service " + serviceId + " to " + replicas, spec -> spec.withMode(
                new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(replicas))));
    }

    /** {@code docker service update --force}: Swarm replaces the task (stop first), maybe on another node. */
    void forceRestart(String serviceId) {
        update(serviceId, "restart the task of service " + serviceId, spec -> {
            Integer force = spec.getTaskTemplate().getForceUpdate();
            spec.getTaskTemplate().withForceUpdate(force == null ? 1 : force + 1);
        });
    }

    /**
     * Changes the service's spec at the version just read; when another update came in between (Swarm answers
     * "update out of sequence"), reads it again and retries.
     */
    private void update(String serviceId, String what, Consumer<ServiceSpec> change) {
        for (int attempt = 1; ; attempt++) {
            Service service = EngineConnection.call("inspect service " + serviceId,
                    () -> client.inspectServiceCmd(serviceId).exec());
            ServiceSpec spec = service.getSpec();
            change.accept(spec);
            try {
                EngineConnection.perform(what, () -> client.updateServiceCmd(serviceId, spec)
                        .withVersion(service.getVersion().getIndex()).exec());
                return;
            } catch (DockerEngineException e) {
                if (attempt >= UPDATE_ATTEMPTS || !e.getMessage().contains("out of sequence")) {
                    throw e;
                }
            }
        }
    }

    /** Every service carrying {@code label=value}. */
    List<ListedService> listLabelled(String label, String value) {
        List<Service> services = EngineConnection.call("list services labelled " + label + "=" + value,
                () -> client.listServicesCmd().withLabelFilter(Map.of(label, value)).exec());
        return services.stream().map(SwarmEngine::listed).toList();
    }

    /** Host ports any service of the swarm publishes, whoever made it. */
    Set<Integer> publishedPorts() {
        List<Service> services = EngineConnection.call("list services", () -> client.listServicesCmd().exec());
        Set<Integer> ports = new HashSet<>();
        for (Service service : services) {
            EndpointSpec endpoint = service.getSpec() == null ? null : service.getSpec().getEndpointSpec();
            if (endpoint != null && endpoint.getPorts() != null) {
                endpoint.getPorts().forEach(port -> ports.add(port.getPublishedPort()));
            }
        }
        return ports;
    }

    /**
     * The tasks of these services, current and past (Swarm keeps a few ended ones per service), by service id. A
     * service that no longer exists (removed outside Slipway) is missing from the map.
     */
    Map<String, List<TaskView>> tasks(Collection<String> serviceIds) {
        Map<String, List<TaskView>> byService = new HashMap<>();
        try {
            serviceIds.forEach(serviceId -> byService.put(serviceId, new ArrayList<>()));
            listTasks(serviceIds).forEach(task -> byService.get(task.serviceId()).add(task));
            return byService;
        } catch (DockerEngineException e) {
            if (!e.notFound()) {
                throw e;
            }
        }
        // One of them is gone, and the manager refuses the whole list: ask service by service.
        byService.clear();
        for (String serviceId : serviceIds) {
            try {
                byService.put(serviceId, new ArrayList<>(listTasks(List.of(serviceId))));
            } catch (DockerEngineException e) {
                if (!e.notFound()) {
                    throw e;
                }
            }
        }
        return byService;
    }

    private List<TaskView> listTasks(Collection<String> serviceIds) {
        if (serviceIds.isEmpty()) {
            return List.of();
        }
        List<Task> tasks = EngineConnection.call("list tasks",
                () -> client.listTasksCmd().withServiceFilter(serviceIds.toArray(String[]::new)).exec());
        return tasks.stream().map(SwarmEngine::view).toList();
    }

    /** Every node of the swarm, by id. */
    Map<String, NodeView> nodes() {
        List<SwarmNode> nodes = EngineConnection.call("list nodes", () -> client.listSwarmNodesCmd().exec());
        Map<String, NodeView> byId = new HashMap<>();
        for (SwarmNode node : nodes) {
            byId.put(node.getId(), view(node));
        }
        return byId;
    }

    /**
     * Follows the output of every task of a service, from {@code since} (whole seconds), until the service is removed
     * or the stream breaks (e.g. its node went away).
     */
    EngineConnection.LogStream followLogs(String serviceId, Instant since, Consumer<byte[]> sink) {
        return EngineConnection.follow(client.logServiceCmd(serviceId).withStdout(true).withStderr(true)
                .withFollow(true).withSince((int) Math.max(0, since.getEpochSecond())), sink);
    }

    @Override
    public void close() {
        connection.close();
    }

    private static ListedService listed(Service service) {
        ServiceSpec spec = service.getSpec();
        long replicas = spec.getMode() != null && spec.getMode().getReplicated() != null
                ? spec.getMode().getReplicated().getReplicas() : 1;
        return new ListedService(service.getId(), String.valueOf(spec.getName()),
                spec.getLabels() == null ? Map.of() : spec.getLabels(), replicas);
    }

    private static TaskView view(Task task) {
        TaskStatus status = task.getStatus();
        Optional<Integer> exitCode = Optional.ofNullable(status == null ? null : status.getContainerStatus())
                .map(container -> container.getExitCode());
        return new TaskView(task.getId(), task.getServiceId(), nullToEmpty(task.getNodeId()),
                status == null || status.getState() == null ? "new" : status.getState().getValue(),
                task.getDesiredState() == null ? "running" : task.getDesiredState().getValue(),
                status == null ? "" : nullToEmpty(status.getMessage()), status == null ? "" : nullToEmpty(status.getErr()),
                exitCode, instant(task.getCreatedAt()));
    }

    private static NodeView view(SwarmNode node) {
        Map<String, String> labels = node.getSpec() == null || node.getSpec().getLabels() == null ? Map.of()
                : node.getSpec().getLabels();
        String address = labels.get(NodeView.ADDRESS_LABEL);
        if (address == null || address.isBlank()) {
            address = node.getStatus() == null ? "" : nullToEmpty(node.getStatus().getAddress());
        }
        // A manager may report 0.0.0.0; its advertised address (host:2377) says where it is.
        if ((address.isEmpty() || address.equals("0.0.0.0")) && node.getManagerStatus() != null
                && node.getManagerStatus().getAddr() != null) {
            String advertised = node.getManagerStatus().getAddr();
            address = advertised.substring(0, Math.max(0, advertised.lastIndexOf(':')));
        }
        String hostname = node.getDescription() == null ? node.getId() : nullToEmpty(node.getDescription().getHostname());
        boolean up = node.getStatus() != null && node.getStatus().getState() == SwarmNodeState.READY;
        return new NodeView(node.getId(), hostname, address, up);
    }

    private static Instant instant(String timestamp) {
        try {
            return timestamp == null ? Instant.EPOCH : Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
