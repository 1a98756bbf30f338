package dev.slipway.model;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** notifications, hooks and progressDeadline in slipway.yaml: what they read into, and where bad input is. */
class PolicyParserTest {
    private static final String SERVICE = """
            service: orders
            release:
              version: 2.0.0
              run: {command: [java, -jar, orders.jar]}
              schema: 1
              strategy: {canary: {steps: [{setWeight: 50}]}}
            """;

    @Test
    void everySectionReadsIntoRecords() {
        RolloutPolicy policy = parse("""
                notifications:
                  - name: ops
                    url: ${SLACK_WEBHOOK_URL}
                    format: slack
                    events: [rollout.aborted, analysis.failed]
                  - url: http://127.0.0.1:9000/events
                    headers: {Authorization: "Bearer ${OPS_TOKEN}"}
                    timeout: 2s
                    retries: 5
                hooks:
                  preRollout:
                    - name: backup-taken
                      command: [./hooks/check-backup.sh, --strict]
                      env: {LEVEL: full}
                      timeout: 1m
                  prePromotion:
                    - http: {url: http://127.0.0.1:9000/gate, headers: {X-Token: "${GATE_TOKEN}"}}
                  onAbort:
                    - command: [./hooks/undo-flags.sh]
                progressDeadline: {after: 10m, action: pause}
                """);

        NotificationSpec slack = policy.notifications().get(0);
        assertThat(slack.name()).isEqualTo("ops");
        assertThat(slack.format()).isEqualTo(NotificationSpec.Format.SLACK);
        assertThat(slack.url().template()).isEqualTo("${SLACK_WEBHOOK_URL}");
        assertThat(slack.url().resolve(Map.of("SLACK_WEBHOOK_URL", "http://127.0.0.1:1/x")::get)).isEqualTo("http://127.0.0.1:1/x");
        assertThat(slack.wants("rollout.aborted")).isTrue();
        assertThat(slack.wants("rollout.step")).isFalse();
        NotificationSpec plain = policy.notifications().get(1);
        assertThat(plain.name()).isEqualTo("webhook-2");
        assertThat(plain.format()).isEqualTo(NotificationSpec.Format.JSON);
        assertThat(plain.events()).isEmpty();
        assertThat(plain.wants("schema.started")).isTrue();
        assertThat(plain.headers().get("Authorization").resolve(Map.of("OPS_TOKEN", "s3cret")::get)).isEqualTo("Bearer s3cret");
        assertThat(plain.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(plain.retries()).isEqualTo(5);
        assertThat(slack.retries()).isEqualTo(3);

        assertThat(policy.hooks(HookSpec.Moment.PRE_ROLLOUT)).containsExactly(new HookSpec("backup-taken",
                HookSpec.Moment.PRE_ROLLOUT, new HookSpec.Command(List.of("./hooks/check-backup.sh", "--strict"),
                Map.of("LEVEL", "full")), Duration.ofMinutes(1),
                new SpecPosition("slipway.yaml", 18, 7, "hooks.preRollout[0]")));
        HookSpec gate = policy.hooks(HookSpec.Moment.PRE_PROMOTION).get(0);
        assertThat(gate.name()).isEqualTo("prePromotion-1");
        assertThat(gate.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(((HookSpec.Http) gate.action()).method()).isEqualTo("POST");
        assertThat(policy.hooks(HookSpec.Moment.POST_PROMOTION)).isEmpty();
        assertThat(policy.hooks(HookSpec.Moment.ON_ABORT)).hasSize(1);
        assertThat(policy.progressDeadline()).contains(new ProgressDeadline(Duration.ofMinutes(10),
                ProgressDeadline.OnDeadline.PAUSE));
    }

    @Test
    void aSpecWithoutTheSectionsHasNoPolicyAndAShortDeadlineAborts() {
        assertThat(SpecParser.parse("slipway.yaml", SERVICE).policy()).isEqualTo(RolloutPolicy.none());
        assertThat(parse("progressDeadline: 5m\n").progressDeadline())
                .contains(new ProgressDeadline(Duration.ofMinutes(5), ProgressDeadline.OnDeadline.ABORT));
    }

    @Test
    void aMissingSecretIsALocatedErrorWhereItIsResolvedAndNeverPrinted() {
        RolloutPolicy policy = parse("""
                notifications:
                  - url: http://127.0.0.1:9000/x
                    headers: {Authorization: "Bearer ${OPS_TOKEN}"}
                """);
        SecretText header = policy.notifications().get(0).headers().get("Authorization");
        assertThatThrownBy(() -> header.resolve(Map.<String, String>of()::get))
                .isInstanceOf(SpecException.class)
                .hasMessage("slipway.yaml:9:30: notifications[0].headers.Authorization: environment variable OPS_TOKEN"
                        + " is not set in the controller's environment");
        assertThat(header.toString()).isEqualTo("Bearer ${OPS_TOKEN}");
    }

    @Test
    void badInputIsALocatedError() {
        assertError("notifications:\n  - url: ftp://example/x\n", "8:10: notifications[0].url: 'ftp://example/x' is not an http:// or https:// URL");
        assertError("notifications:\n  - url: http://127.0.0.1/x\n    events: [rollout.done]\n",
                "9:14: notifications[0].events[0]: 'rollout.done' is not an event; known: [");
        assertError("notifications:\n  - url: http://127.0.0.1/x\n    format: teams\n",
                "9:13: notifications[0].format: format 'teams' is not json or slack");
        assertError("notifications:\n  - url: http://127.0.0.1/x\n    retries: 50\n",
                "notifications[0].retries: 50 is out of range (0..10)");
        assertError("notifications:\n  - url: \"${NOT A NAME}\"\n",
                "notifications[0].url: '${NOT A NAME}' is not an environment variable name");
        assertError("hooks:\n  preRollout:\n    - name: x\n", "9:7: hooks.preRollout[0]: a hook has exactly one of command");
        assertError("hooks:\n  preRollout:\n    - {command: [a], http: {url: http://127.0.0.1/}}\n",
                "hooks.preRollout[0]: a hook has exactly one of command");
        assertError("hooks:\n  preRollout:\n    - {command: []}\n", "hooks.preRollout[0].command: the command is empty");
        assertError("hooks:\n  prePromotion:\n    - {http: {url: http://127.0.0.1/, method: DELETE}}\n",
                "hooks.prePromotion[0].http.method: method 'DELETE' is not one of [GET, POST, PUT]");
        assertError("hooks:\n  preRollout:\n    - {command: [a], timeout: 0s}\n", "hooks.preRollout[0].timeout: must be longer than 0");
        assertError("hooks:\n  beforeRollout: []\n", "hooks.beforeRollout: unknown field 'beforeRollout'");
        assertError("hooks:\n  onAbort:\n    - {name: a, command: [x]}\n    - {name: a, command: [y]}\n",
                "hooks.onAbort[1]: a second onAbort hook named 'a'");
        assertError("progressDeadline: {after: 5m, action: retry}\n",
                "progressDeadline.action: action 'retry' is not abort or pause");
        assertError("progressDeadline: soon\n", "progressDeadline: 'soon' is not a duration");
    }

    private static RolloutPolicy parse(String sections) {
        return SpecParser.parse("slipway.yaml", SERVICE + sections).policy();
    }

    private static void assertError(String sections, String expected) {
        assertThatThrownBy(() -> parse(sections)).as(sections).isInstanceOf(SpecException.class)
                .hasMessageContaining(expected);
    }

}
