package dev.slipway.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the rollout policy sections of {@code slipway.yaml} — {@code notifications}, {@code hooks} and
 * {@code progressDeadline} — with the same located errors as the rest of the spec. Secrets are checked for
 * syntax here and for presence where they are used (the controller's environment, not the client's).
 */
public final class PolicyParser {
    static final Duration DEFAULT_NOTIFICATION_TIMEOUT = Duration.ofSeconds(5);
    static final int DEFAULT_RETRIES = 3;
    static final Duration DEFAULT_HOOK_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9-]+");
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT");

    private PolicyParser() {
    }

    /** The policy of a spec's root mapping; {@link RolloutPolicy#none()} when it has none of the sections. */
    static RolloutPolicy parse(SpecNode root) {
        List<NotificationSpec> notifications = new ArrayList<>();
        Optional<SpecNode> notificationsNode = root.optional("notifications");
        if (notificationsNode.isPresent()) {
            Set<String> names = new HashSet<>();
            List<SpecNode> items = notificationsNode.get().items();
            for (int i = 0; i < items.size(); i++) {
                NotificationSpec notification = notification(items.get(i), i);
                if (!names.add(notification.name())) {
                    throw items.get(i).error("a second notification named '" + notification.name() + "'");
                }
                notifications.add(notification);
            }
        }
        List<HookSpec> hooks = root.optional("hooks").map(PolicyParser::hooks).orElse(List.of());
        Optional<ProgressDeadline> deadline = root.optional("progressDeadline").map(PolicyParser::deadline);
        return new RolloutPolicy(notifications, hooks, deadline);
    }

    private static NotificationSpec notification(SpecNode node, int index) {
        node.allowOnly("name", "url", "format", "events", "headers", "timeout", "retries");
        String name = node.optional("name").map(PolicyParser::name).orElse("webhook-" + (index + 1));
        SecretText url = url(node.require("url"));
        NotificationSpec.Format format = NotificationSpec.Format.JSON;
        Optional<SpecNode> formatNode = node.optional("format");
        if (formatNode.isPresent()) {
            String text = formatNode.get().nonBlankString();
            format = switch (text) {
                case "json" -> NotificationSpec.Format.JSON;
                case "slack" -> NotificationSpec.Format.SLACK;
                default -> throw formatNode.get().error("format '" + text + "' is not json or slack");
            };
        }
        Set<String> events = new LinkedHashSet<>();
        Optional<SpecNode> eventsNode = node.optional("events");
        if (eventsNode.isPresent()) {
            for (SpecNode event : eventsNode.get().items()) {
                String text = event.nonBlankString();
                if (!NotificationSpec.EVENTS.contains(text)) {
                    throw event.error("'" + text + "' is not an event; known: " + new TreeSet<>(NotificationSpec.EVENTS));
                }
                events.add(text);
            }
            if (events.isEmpty()) {
                throw eventsNode.get().error("an empty list would send nothing; leave events out to send every event");
            }
        }
        Map<String, SecretText> headers = node.optional("headers").map(PolicyParser::headers).orElse(Map.of());
        Duration timeout = positive(node, "timeout", DEFAULT_NOTIFICATION_TIMEOUT);
        int retries = node.optional("retries").map(n -> n.integer(0, 10)).orElse(DEFAULT_RETRIES);
        return new NotificationSpec(name, url, format, events, headers, timeout, retries);
    }

    private static List<HookSpec> hooks(SpecNode node) {
        List<String> moments = new ArrayList<>();
        for (HookSpec.Moment moment : HookSpec.Moment.values()) {
            moments.add(moment.specName());
        }
        node.allowOnly(moments.toArray(String[]::new));
        List<HookSpec> hooks = new ArrayList<>();
        for (HookSpec.Moment moment : HookSpec.Moment.values()) {
            Optional<SpecNode> list = node.optional(moment.specName());
            if (list.isEmpty()) {
                continue;
            }
            Set<String> names = new HashSet<>();
            List<SpecNode> items = list.get().items();
            for (int i = 0; i < items.size(); i++) {
                HookSpec hook = hook(items.get(i), moment, i);
                if (!names.add(hook.name())) {
                    throw items.get(i).error("a second " + moment.specName() + " hook named '" + hook.name() + "'");
                }
                hooks.add(hook);
            }
        }
        return hooks;
    }

    private static HookSpec hook(SpecNode node, HookSpec.Moment moment, int index) {
        node.allowOnly("name", "command", "env", "http", "timeout");
        Optional<SpecNode> command = node.optional("command");
        Optional<SpecNode> http = node.optional("http");
        if (command.isPresent() == http.isPresent()) {
            throw node.error("a hook has exactly one of command (a program to run) or http (a URL to call)");
        }
        String name = node.optional("name").map(PolicyParser::name).orElse(moment.specName() + "-" + (index + 1));
        HookSpec.Action action;
        if (command.isPresent()) {
            action = new HookSpec.Command(SpecParser.command(command.get()), SpecParser.environment(node.optional("env")));
        } else {
            if (node.optional("env").isPresent()) {
                throw node.optional("env").get().error("env is for command hooks; an http hook sends headers");
            }
            SpecNode call = http.get().allowOnly("url", "method", "headers");
            String method = call.optional("method").map(n -> n.nonBlankString().toUpperCase(Locale.ROOT)).orElse("POST");
            if (!METHODS.contains(method)) {
                throw call.optional("method").get().error("method '" + method + "' is not one of " + new TreeSet<>(METHODS));
            }
            action = new HookSpec.Http(url(call.require("url")), method,
                    call.optional("headers").map(PolicyParser::headers).orElse(Map.of()));
        }
        return new HookSpec(name, moment, action, positive(node, "timeout", DEFAULT_HOOK_TIMEOUT), SpecPosition.of(node));
    }

    private static ProgressDeadline deadline(SpecNode node) {
        if (node.isScalar()) {
            return new ProgressDeadline(positiveDuration(node), ProgressDeadline.OnDeadline.ABORT);
        }
        node.allowOnly("after", "action");
        Duration after = positiveDuration(node.require("after"));
        ProgressDeadline.OnDeadline action = ProgressDeadline.OnDeadline.ABORT;
        Optional<SpecNode> actionNode = node.optional("action");
        if (actionNode.isPresent()) {
            String text = actionNode.get().nonBlankString();
            action = switch (text) {
                case "abort" -> ProgressDeadline.OnDeadline.ABORT;
                case "pause" -> ProgressDeadline.OnDeadline.PAUSE;
                default -> throw actionNode.get().error("action '" + text + "' is not abort or pause");
            };
        }
        return new ProgressDeadline(after, action);
    }

    /** An http(s) URL; one that reads the environment is checked for its scheme only when written out. */
    private static SecretText url(SpecNode node) {
        SecretText url = SecretText.of(node);
        String text = url.template();
        if (!text.startsWith("${") && !text.startsWith("http://") && !text.startsWith("https://")) {
            throw node.error("'" + text + "' is not an http:// or https:// URL");
        }
        if (!url.hasVariables()) {
            try {
                java.net.URI parsed = new java.net.URI(text);
                if (parsed.getHost() == null) {
                    throw node.error("'" + text + "' names no host");
                }
            } catch (java.net.URISyntaxException e) {
                throw node.error("'" + text + "' is not a URL: " + e.getReason());
            }
        }
        return url;
    }

    private static Map<String, SecretText> headers(SpecNode node) {
        Map<String, SecretText> headers = new LinkedHashMap<>();
        for (Map.Entry<String, SpecNode> entry : node.fields().entrySet()) {
            if (!HEADER.matcher(entry.getKey()).matches()) {
                throw entry.getValue().error("'" + entry.getKey() + "' is not an HTTP header name");
            }
            headers.put(entry.getKey(), SecretText.of(entry.getValue()));
        }
        return headers;
    }

    private static String name(SpecNode node) {
        String name = node.nonBlankString();
        if (!NAME.matcher(name).matches()) {
            throw node.error("'" + name + "' is not a name (letters, digits, '.', '_', '-')");
        }
        return name;
    }

    private static Duration positive(SpecNode parent, String key, Duration fallback) {
        return parent.optional(key).map(PolicyParser::positiveDuration).orElse(fallback);
    }

    private static Duration positiveDuration(SpecNode node) {
        Duration value = node.duration();
        if (value.isZero()) {
            throw node.error("must be longer than 0");
        }
        return value;
    }
}
