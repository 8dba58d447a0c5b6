package io.tickreplay.api.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tickreplay.adapters.bus.BusConsumerLoop;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.adapters.kafka.KafkaConsumerLoop;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PgConsumerStore;
import io.tickreplay.adapters.redis.RedisConsumerLoop;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.config.Settings;
import io.tickreplay.engine.signals.SignalSet;
import io.undertow.Undertow;
import io.undertow.util.Headers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** {@code tickreplay consume}: one member of a consumer group on a Kafka topic or Redis streams (docs/bus.md). */
@Command(
    name = "consume",
    mixinStandardHelpOptions = true,
    description = "Runs the seed's SignalConsumer (--role signals -> signals), TickConsumer (--role ticks: live ticks -> tick_data) or " +
        "MicroBatcher (--role bars -> bars_ohlcv) against a Kafka topic or Redis streams, as one member of --group: any number of " +
        "processes with the same group share the partitions (Kafka) or stream shards (Redis), and take over those of a member that " +
        "dies. Rows and positions are committed together, so each row is written once. Ctrl-C commits and exits 0.")
public final class ConsumeCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Mixin
    BusOptions busOptions = new BusOptions();

    @Option(names = "--group", required = true, paramLabel = "NAME", description = "Consumer group: members share the work.")
    String group;

    @Option(names = "--role", required = true, paramLabel = "signals|ticks|bars", description = "What this member writes.")
    String role;

    @Option(names = "--signals", split = ",", paramLabel = "NAMES", description = "Signals of --role signals: names or all (default: signals.default).")
    List<String> signals;

    @Option(names = "--idle-exit", paramLabel = "SECONDS", description = "Commit and exit 0 after this many seconds without a message.")
    Double idleExit;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus /metrics on this port (0 = any free one).")
    Integer metricsPort;

    @Option(names = "--max-symbols", paramLabel = "N", description = "Symbols the state can hold (default 1024).")
    int maxSymbols = 1024;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = busOptions.into(new HashMap<>());
        flags.put("signals.default", signals);
        final Settings settings = common.settings(flags);
        final BusSpec bus = Services.busSpec(settings);
        if (bus.isInProcess())
        {
            throw new UsageException("--bus must be kafka or redis: consume reads a bus other processes publish to");
        }
        if (bus.topic().isEmpty())
        {
            throw new UsageException("--topic is required: the Kafka topic or Redis stream key prefix to read (a replay's default is ticks.<provider>)");
        }
        final ConsumerCore.Role r;
        try
        {
            r = ConsumerCore.Role.parse(role);
            SignalSet.of(settings.strings("signals.default"), 1);
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(e.getMessage());
        }
        if (idleExit != null && !(idleExit > 0))
        {
            throw new UsageException("--idle-exit must be > 0 seconds");
        }
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final Timer commits = Timer.builder("tickreplay_bus_commit").description("Time to commit a consumer batch (rows and positions)")
            .tags("group", group, "topic", bus.topic()).serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(100),
                Duration.ofSeconds(1), Duration.ofSeconds(10)).register(registry);
        final Map<String, Counter> written = new HashMap<>();
        for (final String name : SignalSet.REGISTRY.keySet())
        {
            written.put(name, Counter.builder("signals_written").description("Signal rows written").tag("name", name).register(registry));
            Counter.builder("signals_write_failures").description("Signal batches that failed to write").tag("name", name).register(registry);
        }
        final Counter otherRows = Counter.builder("tickreplay_bus_rows_written").description("Rows a consumer wrote")
            .tags("group", group, "role", ConsumerCore.label(r)).register(registry);
        final LongAdder rowsWritten = new LongAdder();
        final ConsumerCore.Listener listener = new ConsumerCore.Listener()
        {
            @Override
            public void committed(final String name, final long rows)
            {
                final Counter c = written.get(name);
                (c != null ? c : otherRows).increment(rows);
                rowsWritten.add(rows);
            }

            @Override
            public void commitNanos(final long nanos)
            {
                commits.record(nanos, TimeUnit.NANOSECONDS);
            }
        };
        final Duration idle = idleExit == null ? null : Duration.ofMillis(Math.round(idleExit * 1000));
        try (Database db = CommonOptions.openDatabase(settings))
        {
            final ConsumerCore core = new ConsumerCore(r, settings.strings("signals.default"),
                new PgConsumerStore(db.dataSource(), settings.strings("signals.default")), group, bus.topic(), maxSymbols,
                new ConsumerCore.Batching(settings.integer("signals.batch-rows"), settings.longValue("signals.batch-ms")), listener);
            final BusConsumerLoop loop = bus.kind().equals(BusSpec.KAFKA) ? new KafkaConsumerLoop(bus.url(), bus.topic(), settings.integer("bus.kafka.partitions"), group, core, idle)
                : new RedisConsumerLoop(bus.url(), bus.topic(), settings.integer("bus.redis.shards"), group, core, idle);
            FunctionCounter.builder("tickreplay_bus_records_consumed", loop, BusConsumerLoop::consumed).description("Records a consumer read")
                .tags("group", group, "topic", bus.topic()).register(registry);
            FunctionCounter.builder("tickreplay_bus_dead_letters", loop, BusConsumerLoop::deadLetters).description("Records a consumer could not read (dead-lettered)")
                .tags("group", group, "topic", bus.topic()).register(registry);
            final MultiGauge lag = MultiGauge.builder("tickreplay_bus_consumer_lag").description("Messages behind the end of a partition this member owns")
                .register(registry);
            final Undertow server = metricsPort == null ? null : metricsServer(metricsPort, () ->
            {
                lag.register(loop.lag().entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("group", group, "topic", bus.topic(), "partition",
                    String.valueOf(e.getKey())), e.getValue())).toList(), true);
                return registry.scrape();
            });
            System.err.printf("tickreplay consume: %s group %s, role %s, on %s%s; progress every 10 s, Ctrl-C commits and stops%n", bus.kind(), group,
                ConsumerCore.label(r), bus.describe(""), idle == null ? "" : ", stopping after " + idleExit + " s without a message (--idle-exit)");
            final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(task ->
            {
                final Thread t = new Thread(task, "consume-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(() -> System.err.printf("tickreplay consume: %,d records read, %,d rows written, lag %,d on %s %s%n", loop.consumed(),
                rowsWritten.sum(), loop.lag().values().stream().mapToLong(Long::longValue).sum(),
                bus.kind().equals(BusSpec.KAFKA) ? "partitions" : "streams", loop.lag().keySet().stream().sorted().toList()), 10, 10, TimeUnit.SECONDS);
            // Ctrl-C and SIGTERM stop the loop, which commits what it read and leaves the group; the command then ends with 0
            try (Interrupts stop = Interrupts.install())
            {
                stop.onStop(loop::stop);
                loop.run();
            }
            finally
            {
                ticker.shutdownNow();
                loop.close();
                if (server != null)
                {
                    server.stop();
                }
            }
            System.err.printf("tickreplay consume: %,d records read, %,d rows written, %,d dead-lettered; everything read is committed%n",
                loop.consumed(), rowsWritten.sum(), loop.deadLetters());
        }
        return 0;
    }

    private static Undertow metricsServer(final int port, final Supplier<String> scrape)
    {
        final Undertow server = Undertow.builder().addHttpListener(port, "0.0.0.0").setHandler(exchange ->
        {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            exchange.getResponseSender().send(scrape.get());
        }).build();
        server.start();
        final int bound = ((InetSocketAddress)server.getListenerInfo().get(0).getAddress()).getPort();
        System.err.println("tickreplay consume: metrics on http://localhost:" + bound + "/metrics");
        return server;
    }
}
