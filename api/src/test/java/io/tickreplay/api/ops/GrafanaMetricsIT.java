package io.tickreplay.api.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.api.cli.Services;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.ops.GrafanaDashboard.Expr;
import io.tickreplay.engine.synth.SyntheticSession;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every metric config/grafana/tickreplay.json names exists in a real scrape. The services are
 * {@code serve}'s own ({@link Services#api}: its registry, JVM binders, in-process bus and buses) on
 * the embedded PostgreSQL; a burst replay with every signal and its journal fills the replay, signal
 * and engine series; a replay onto a real Redis (Debian's redis-server, a child process) fills the
 * bus series, and a {@code tickreplay consume --metrics-port} member reading it (a child JVM) serves
 * the consumer series that the dashboard's "Bus consumers" row shows, as Prometheus would scrape both
 * (config/prometheus.yml). Each name must be a series name of one of the two scrapes (a histogram's
 * {@code _bucket}, {@code _count}, {@code _sum} exactly), each exact label matcher must match a
 * series, and each {@code by (...)} label must be on one of the expression's series.
 */
class GrafanaMetricsIT
{
    private static final String PROVIDER = "gf";
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT");
    private static final String BUS_PROVIDER = "gfbus";
    private static final List<String> BUS_SYMBOLS = List.of("AAA", "BBB");
    private static final String TOPIC = "gf.bus";
    private static final String WINDOW = "\"start\": \"2025-11-03T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\"";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;

    private static Process redisServer;
    private static String redisUrl;
    private static Database db;
    private static Services.Api api;
    private static String base;

    @BeforeAll
    static void start() throws Exception
    {
        final int port = freePort();
        redisServer = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        redisUrl = "redis://127.0.0.1:" + port;
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
        {
            RedisBus.connect(redisUrl, Duration.ofSeconds(1)).close();
            return true;
        });
        db = PostgresTestSupport.freshSchema("grafana");
        final TickStore store = new TickStore(db.dataSource());
        final SyntheticSession.Context direct = new SyntheticSession.Context().provider(PROVIDER).symbols(SYMBOLS).ticksPerSecond(1).seed(13);
        store.writeSession(new SyntheticSession(direct), direct, f -> { });
        final SyntheticSession.Context bus = new SyntheticSession.Context().provider(BUS_PROVIDER).symbols(BUS_SYMBOLS).ticksPerSecond(0.5).seed(14);
        store.writeSession(new SyntheticSession(bus), bus, f -> { });
        final Map<String, Object> flags = new HashMap<>();
        flags.put("db.url", PostgresTestSupport.url(db));
        flags.put("api.port", 0);
        flags.put("api.export-dir", dir.resolve("exports").toString());
        flags.put("replay.journal-dir", dir.resolve("journal").toString());
        flags.put("models.dir", dir.resolve("models").toString());
        flags.put("replay.max-concurrent", 2);
        // a run's series outlive it by this much: the scrape comes well within it
        flags.put("replay.metrics-retention-minutes", 60);
        api = Services.api(Settings.load(null, Map.of(), flags));
        base = api.baseUrl();
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (api != null)
        {
            api.close();
        }
        if (db != null)
        {
            db.close();
        }
        if (redisServer != null)
        {
            redisServer.destroy();
            redisServer.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyMetricTheDashboardNamesIsInARealScrape() throws Exception
    {
        // the replay, signal, model and engine series: a burst replay with every signal, a model and its journal, on the in-process bus
        final HttpResponse<String> model = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/models")).timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"gf_rls\", \"type\": \"online-linear\", " +
                "\"features\": [\"close\", \"spread_bps\"], \"interval\": \"1m\", \"horizon\": 3}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(model.statusCode()).as(model.body()).isEqualTo(201);
        final long direct = startReplay("{\"provider\": \"" + PROVIDER + "\", \"symbols\": " + json(SYMBOLS) + ", " + WINDOW +
            ", \"speed\": 0, \"signals\": \"all\", \"journal\": true, \"models\": [\"gf_rls\"]}");
        awaitCompleted(direct);

        // the bus series: a consumer group member serving its metrics, and a replay onto Redis that it reads
        final int metricsPort = freePort();
        final Path memberLog = dir.resolve("consume.log");
        final Process member = new ProcessBuilder(ChildJvm.command("256m", "consume", "--db-url", PostgresTestSupport.url(db), "--bus", "redis",
            "--bus-url", redisUrl, "--topic", TOPIC, "--group", "grafana", "--role", "signals", "--signals", "all",
            "--metrics-port", String.valueOf(metricsPort), "--idle-exit", "300"))
            .redirectErrorStream(true).redirectOutput(memberLog.toFile()).start();
        final Scrape server;
        final Scrape consumer;
        try
        {
            final long onBus = startReplay("{\"provider\": \"" + BUS_PROVIDER + "\", \"symbols\": " + json(BUS_SYMBOLS) + ", " + WINDOW +
                ", \"speed\": 0, \"signals\": \"none\", \"journal\": false, \"bus\": \"redis\", \"bus_url\": \"" + redisUrl +
                "\", \"topic\": \"" + TOPIC + "\"}");
            awaitCompleted(onBus);
            final String memberMetrics = "http://127.0.0.1:" + metricsPort + "/metrics";
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() ->
            {
                assertThat(member.isAlive()).as(Files.readString(memberLog)).isTrue();
                final Scrape s = Scrape.of(get(memberMetrics));
                return s.has("tickreplay_bus_consumer_lag") && s.value("tickreplay_bus_records_consumed_total") > 0;
            });
            final String serverText = get(base + "/metrics");
            final String consumerText = get(memberMetrics);
            // kept for whoever reads the dashboard against them
            final Path target = GrafanaDashboard.repo().resolve("api/target");
            Files.createDirectories(target);
            Files.writeString(target.resolve("grafana-it-serve-metrics.txt"), serverText);
            Files.writeString(target.resolve("grafana-it-consume-metrics.txt"), consumerText);
            server = Scrape.of(serverText);
            consumer = Scrape.of(consumerText);
        }
        finally
        {
            member.destroy();
            if (!member.waitFor(30, TimeUnit.SECONDS))
            {
                member.destroyForcibly().waitFor();
            }
        }

        final Map<String, String> found = new TreeMap<>();
        final SoftAssertions softly = new SoftAssertions();
        final List<Expr> exprs = GrafanaDashboard.load().exprs();
        assertThat(exprs).isNotEmpty();
        for (final Expr e : exprs)
        {
            final Set<String> names = PromQl.metricNames(e.expr());
            softly.assertThat(names).as(e.where() + ": metric names in " + e.expr()).isNotEmpty();
            final List<Map<String, String>> series = new ArrayList<>();
            for (final String name : names)
            {
                final boolean inServer = server.has(name);
                final boolean inConsumer = consumer.has(name);
                softly.assertThat(inServer || inConsumer).as(e.where() + ": " + name + " is neither in serve's /metrics nor in a consume member's; " +
                    "the expression: " + e.expr()).isTrue();
                if (inServer || inConsumer)
                {
                    found.merge(name, inServer && inConsumer ? "serve, consume" : inServer ? "serve" : "consume", (a, b) -> a);
                }
                series.addAll(server.series(name));
                series.addAll(consumer.series(name));
            }
            if (series.isEmpty())
            {
                continue; // a missing name is reported above; its labels cannot be checked
            }
            for (final Map.Entry<String, String> matcher : PromQl.exactMatchers(e.expr()))
            {
                softly.assertThat(series).as(e.where() + ": a series with " + matcher.getKey() + "=\"" + matcher.getValue() + "\" in " + e.expr())
                    .anyMatch(s -> matcher.getValue().equals(s.get(matcher.getKey())));
            }
            for (final String label : PromQl.groupingLabels(e.expr()))
            {
                softly.assertThat(series).as(e.where() + ": a series with the label " + label + " it groups by, in " + e.expr())
                    .anyMatch(s -> s.containsKey(label));
            }
        }
        System.out.println("GrafanaMetricsIT: the dashboard's metrics, each found in a real scrape (of):");
        found.forEach((name, where) -> System.out.println("  " + name + "  (" + where + ")"));
        softly.assertAll();
    }

    /** A Prometheus text scrape: each series name with the labels of its samples. */
    private record Scrape(Map<String, List<Map<String, String>>> byName)
    {
        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        static Scrape of(final String text)
        {
            final Map<String, List<Map<String, String>>> byName = new LinkedHashMap<>();
            for (final String line : text.split("\n"))
            {
                if (line.isBlank() || line.startsWith("#"))
                {
                    continue;
                }
                final Matcher m = SAMPLE.matcher(line);
                assertThat(m.find()).as("a sample line: " + line).isTrue();
                final Map<String, String> labels = new HashMap<>();
                if (m.group(3) != null)
                {
                    final Matcher l = LABEL.matcher(m.group(3));
                    while (l.find())
                    {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                labels.put("__value__", m.group(4));
                byName.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
            }
            return new Scrape(byName);
        }

        boolean has(final String name)
        {
            return byName.containsKey(name);
        }

        List<Map<String, String>> series(final String name)
        {
            return byName.getOrDefault(name, List.of());
        }

        double value(final String name)
        {
            return series(name).stream().mapToDouble(s -> Double.parseDouble(s.get("__value__"))).sum();
        }
    }

    private static long startReplay(final String body) throws Exception
    {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/replay/ticks")).timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 202);
        return GrafanaDashboard.JSON.readTree(response.body()).get("run_id").asLong();
    }

    private static void awaitCompleted(final long runId) throws Exception
    {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).until(() ->
            Set.of("completed", "failed", "cancelled").contains(GrafanaDashboard.JSON.readTree(get(base + "/v1/replay/ticks/" + runId)).get("status").asText()));
        final JsonNode job = GrafanaDashboard.JSON.readTree(get(base + "/v1/replay/ticks/" + runId));
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");
    }

    private static String get(final String url) throws Exception
    {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private static String json(final List<String> values)
    {
        return values.stream().map(v -> "\"" + v + "\"").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    private static int freePort() throws Exception
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            return s.getLocalPort();
        }
    }
}
