package dev.slipway.analysis.provider;

import dev.slipway.analysis.MetricProvider;
import dev.slipway.analysis.run.Measurer;
import dev.slipway.analysis.run.MeasurerFactory;
import dev.slipway.model.AnalysisArgs;
import dev.slipway.model.MetricSpec;
import dev.slipway.model.ProviderSpec;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Makes the measurer for each provider of a spec, with the metric's arguments filled in. What the providers
 * reach — the router, its per-request samples, the database — comes from the {@link Environment} the controller
 * builds once per service.
 */
public final class Providers implements MeasurerFactory {

    /**
     * @param requests  makes a fresh per-request sample reader (one per statistical metric)
     * @param database  the service's database, for the database gates; empty when there is none
     * @param directory where jobs run
     */
    public record Environment(String service, MetricProvider router, Supplier<RequestSamples> requests,
                              Optional<ConnectionSource> database, Path directory, Clock clock) {
    }

    private final Environment environment;

    public Providers(Environment environment) {
        this.environment = environment;
    }

    @Override
    public Measurer create(MetricSpec metric, Map<String, String> args) {
        ProviderSpec provider = metric.provider();
        if (provider instanceof ProviderSpec.Prometheus prometheus) {
            return new PrometheusMeasurer(new PrometheusClient(fill(prometheus.address(), args), prometheus.timeout()),
                    fill(prometheus.query(), args), environment.clock());
        }
        if (provider instanceof ProviderSpec.Web web) {
            Map<String, String> headers = new LinkedHashMap<>();
            web.headers().forEach((name, value) -> headers.put(name, fill(value, args)));
            return new WebMeasurer(fill(web.url(), args), web.method(), headers, web.body().map(body -> fill(body, args)),
                    web.jsonPath().map(path -> fill(path, args)), web.timeout());
        }
        if (provider instanceof ProviderSpec.Job job) {
            List<String> command = job.command().stream().map(part -> fill(part, args)).toList();
            Map<String, String> env = new LinkedHashMap<>();
            for (String builtIn : AnalysisArgs.BUILT_IN) {
                if (args.containsKey(builtIn)) {
                    env.put("SLIPWAY_" + builtIn.toUpperCase(), args.get(builtIn));
                }
            }
            job.env().forEach((name, value) -> env.put(name, fill(value, args)));
            return new JobMeasurer(command, env, job.timeout(), environment.directory());
        }
        if (provider instanceof ProviderSpec.Router router) {
            return new RouterMeasurer(environment.router(), fill(router.revision(), args), router.metric(),
                    router.minRequests());
        }
        if (provider instanceof ProviderSpec.Database database) {
            ConnectionSource connections = environment.database().orElseThrow(() ->
                    new IllegalArgumentException("the service has no database to read gates from"));
            return new DatabaseMeasurer(connections, database, environment.service(), fill(database.revision(), args),
                    environment.clock());
        }
        ProviderSpec.Statistical statistical = (ProviderSpec.Statistical) provider;
        return new StatisticalMeasurer(statistical, fill(statistical.canary(), args), fill(statistical.baseline(), args),
                environment.requests(), environment.clock(), metric.effectiveCount());
    }

    private static String fill(String text, Map<String, String> args) {
        return AnalysisArgs.substitute(text, args);
    }
}
