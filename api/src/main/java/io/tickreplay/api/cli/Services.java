package io.tickreplay.api.cli;

import io.tickreplay.adapters.bus.BusFormat;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobScheduleStore;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.bus.Buses;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.http.ApiServer;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.runs.RunCatalog;
import io.tickreplay.api.runs.RunRetention;
import io.tickreplay.api.schedule.ReplayScheduler;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.WaitStrategies;
import org.agrona.CloseHelper;

import java.net.BindException;
import java.nio.file.Path;

/** Builds the services of {@code api/} from the effective settings. */
public final class Services
{
    private Services()
    {
    }

    /** The in-process bus every replay of this process publishes to ({@code bus.*}). */
    public static InProcessBus bus(final Settings settings)
    {
        final int size = settings.integer("bus.ring-size");
        if (size < 2 || Integer.bitCount(size) != 1)
        {
            throw new UsageException("bus.ring-size must be a power of two >= 2, was " + size);
        }
        try
        {
            return new InProcessBus(size, WaitStrategies.of(settings.string("bus.wait-strategy")));
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException("bus.wait-strategy: " + e.getMessage());
        }
    }

    /** The configured bus ({@code bus.*}); a wrong setting is a usage error naming it. */
    public static BusSpec busSpec(final Settings settings)
    {
        try
        {
            return new BusSpec(settings.string("bus.kind"), settings.string("bus.url"), settings.string("bus.topic"),
                BusFormat.parse(settings.string("bus.format")));
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(e.getMessage());
        }
    }

    /** The buses of this process: the in-process one, and Kafka or Redis connections opened on first use. */
    public static Buses buses(final Settings settings, final InProcessBus inProcess,
        final io.micrometer.core.instrument.MeterRegistry registry)
    {
        final int partitions = settings.integer("bus.kafka.partitions");
        final int shards = settings.integer("bus.redis.shards");
        final long maxlen = settings.longValue("bus.redis.maxlen");
        if (partitions < 1 || shards < 1 || maxlen < 0)
        {
            throw new UsageException("bus.kafka.partitions and bus.redis.shards must be >= 1, bus.redis.maxlen >= 0");
        }
        return new Buses(inProcess, new Buses.Settings(partitions, shards, maxlen), registry);
    }

    /** The replay settings ({@code replay.*}, {@code signals.*}), concluded: a wrong one is a usage error naming it. */
    public static ReplayService.Context replayConfig(final Settings settings)
    {
        try
        {
            return new ReplayService.Context()
                .maxConcurrent(settings.integer("replay.max-concurrent"))
                .journal(settings.bool("replay.journal"))
                .journalDir(Path.of(settings.string("replay.journal-dir")))
                .importDir(Path.of(settings.string("replay.import-dir")))
                .models(Path.of(settings.string("models.dir")), settings.longValue("models.max-file-bytes"))
                .ticksRingSize(settings.integer("replay.ring-size"))
                .waitStrategy(settings.string("replay.wait-strategy"))
                .threadingMode(settings.string("replay.threading-mode"))
                .batchSize(settings.integer("replay.batch-size"))
                .chunkRows(settings.integer("replay.chunk-rows"))
                .progressIntervalMillis(settings.longValue("replay.progress-interval-ms"))
                .checkpointInterval(settings.duration("replay.checkpoint-interval"))
                .outageGrace(settings.duration("db.outage-grace"))
                .metricsRetentionMinutes(settings.longValue("replay.metrics-retention-minutes"))
                .signals(settings.strings("signals.default"))
                .shards(settings.integer("signals.shards"))
                .signalBatch(settings.integer("signals.batch-rows"), settings.longValue("signals.batch-ms"))
                .signalsRingSize(settings.integer("signals.ring-size"))
                .signalMetadata(SignalMetadata.Mode.parse(settings.string("signals.metadata")))
                .bus(busSpec(settings))
                .conclude();
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * What {@code replay} and {@code resume} run on: the database, the in-process bus, the configured
     * buses and a replay service over them; opened in order, closed in reverse.
     */
    public static final class Replays implements AutoCloseable
    {
        private final Database db;
        private final InProcessBus bus;
        private final Buses buses;
        private final ReplayService service;
        private final RunRetention retention;

        private Replays(final Settings settings, final ReplayService.Context config)
        {
            final int keep = keep(settings);
            db = CommonOptions.openDatabase(settings);
            InProcessBus b = null;
            Buses all = null;
            ReplayService s = null;
            try
            {
                b = bus(settings);
                all = buses(settings, b, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
                s = new ReplayService(db, all, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), config);
                retention = RunRetention.attach(s, new RunCatalog(s, db), keep);
            }
            catch (final RuntimeException e)
            {
                CloseHelper.quietCloseAll(s, all, b, db);
                throw e;
            }
            service = s;
            bus = b;
            buses = all;
        }

        public ReplayService service()
        {
            return service;
        }

        public Database db()
        {
            return db;
        }

        @Override
        public void close()
        {
            // the service first: its runs end, and the prune runs.keep asks for then finishes before the database closes
            CloseHelper.closeAll(service, retention, buses, bus, db);
        }
    }

    public static Replays replays(final Settings settings, final ReplayService.Context config)
    {
        return new Replays(settings, config);
    }

    /**
     * Everything {@code serve} and {@code demo} run: the database, the in-process bus, a Prometheus
     * registry with the JVM's metrics, the replay and export services and the HTTP API on top,
     * started; closed in reverse order.
     */
    public static final class Api implements AutoCloseable
    {
        private final Database db;
        private final InProcessBus bus;
        private Buses buses;
        private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry;
        private final ReplayService replays;
        private final ExportService exports;
        private final ApiServer server;
        private final ReplayScheduler scheduler;
        private final RunRetention retention;
        private final String host;
        private final boolean guarded;
        private final boolean loopback;

        private Api(final Settings settings)
        {
            final ReplayService.Context replayConfig = replayConfig(settings);
            final ApiServer.Context apiConfig = apiConfig(settings);
            final ReplayScheduler.Context scheduleConfig = scheduleConfig(settings);
            final int keep = keep(settings);
            registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
            db = CommonOptions.openDatabase(settings);
            if (db.embeddedServer() != null)
            {
                db.embeddedServer().supervise(); // a postmaster that dies under serve is started again
            }
            db.health(); // /health reads the probe's last answer: it never waits on the database
            InProcessBus b = null;
            ReplayService r = null;
            ExportService e = null;
            try
            {
                b = bus(settings);
                io.micrometer.core.instrument.Gauge.builder("tickreplay_bus_ring_remaining", b, InProcessBus::remainingCapacity)
                    .description("Free slots in the in-process bus's ring").register(registry);
                buses = buses(settings, b, registry);
                r = new ReplayService(db, buses, registry, replayConfig);
                retention = RunRetention.attach(r, new RunCatalog(r, db), keep);
                e = new ExportService(db, settings.integer("api.export-threads")).models(r.models());
                server = new ApiServer(apiConfig, db, r, e, registry);
                server.start();
                scheduler = new ReplayScheduler(new JobScheduleStore(db.dataSource()), r,
                    scheduleConfig);
                scheduler.start();
            }
            catch (final RuntimeException ex)
            {
                if (e != null)
                {
                    e.close();
                }
                if (r != null)
                {
                    r.close();
                }
                if (b != null)
                {
                    b.close();
                }
                db.close();
                if (ex.getCause() instanceof BindException || ex.getMessage() != null && ex.getMessage().contains("Address already in use"))
                {
                    throw new UsageException("port " + apiConfig.port() + " on " + apiConfig.bind() + " is in use: another serve or demo? choose one with --port");
                }
                throw ex;
            }
            bus = b;
            replays = r;
            exports = e;
            host = apiConfig.bind().equals("0.0.0.0") ? "localhost" : apiConfig.bind();
            guarded = apiConfig.guarded();
            loopback = apiConfig.loopback();
        }

        public Database db()
        {
            return db;
        }

        public ReplayService replays()
        {
            return replays;
        }

        public io.micrometer.core.instrument.MeterRegistry registry()
        {
            return registry;
        }

        public String baseUrl()
        {
            return "http://" + host + ":" + server.port();
        }

        /** What a curl line adds to send the token: with one, reads need it too (unless api.public-reads). */
        public String curlAuth()
        {
            return guarded ? "-H \"Authorization: Bearer $TICKREPLAY_API_TOKEN\" " : "";
        }

        /** The routes to try, with curl lines. */
        public void printUrls()
        {
            final String base = baseUrl();
            System.out.println("cockpit: " + base + "/  (open it in a browser: replays, signals, exports, latency; docs/cockpit.md)");
            System.out.println("API: " + base + "  (docs/api.md; the OpenAPI document at " + base + "/openapi.json)");
            final String auth = curlAuth();
            System.out.println("  curl " + base + "/health");
            System.out.println("  curl " + auth + base + "/v1/replay/ticks");
            System.out.println("  curl " + auth + base + "/metrics | grep tick_replay");
            if (!guarded && !loopback)
            {
                System.out.println("  note: api.allow-anonymous: the API listens beyond this machine and takes POSTs from anyone who reaches it " +
                    "(no api.token)");
            }
        }

        @Override
        public void close()
        {
            scheduler.close();
            server.close();
            exports.close();
            replays.close();
            retention.close(); // after the runs ended: what runs.keep asked of their ends is done
            buses.close();
            bus.close();
            db.close();
        }
    }

    /** {@code runs.keep}: how many finished runs to keep (0: all); a negative one is a usage error naming it. */
    static int keep(final Settings settings)
    {
        final int keep = settings.integer("runs.keep");
        if (keep < 0)
        {
            throw new UsageException("runs.keep must be >= 0 (0 keeps every run), was " + keep);
        }
        return keep;
    }

    /** The scheduler's settings ({@code schedules.*}) on the system clock, concluded: a wrong one is a usage error naming it. */
    public static ReplayScheduler.Context scheduleConfig(final Settings settings)
    {
        try
        {
            return new ReplayScheduler.Context()
                .pollInterval(settings.duration("schedules.poll-interval"))
                .misfireGrace(settings.duration("schedules.misfire-grace"))
                .conclude();
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(e.getMessage());
        }
    }

    public static Api api(final Settings settings)
    {
        return new Api(settings);
    }

    /** The API's settings ({@code api.*}), concluded: a wrong one, or a bind beyond loopback with no token, is a usage error naming it. */
    public static ApiServer.Context apiConfig(final Settings settings)
    {
        if (settings.integer("api.export-threads") < 1)
        {
            throw new UsageException("api.export-threads must be >= 1");
        }
        try
        {
            return new ApiServer.Context()
                .bind(settings.string("api.bind"))
                .port(settings.integer("api.port"))
                .token(settings.string("api.token"))
                .allowAnonymous(settings.bool("api.allow-anonymous"))
                .publicReads(settings.bool("api.public-reads"))
                .allowedOrigins(settings.strings("api.allowed-origins"))
                .maxBodyBytes(settings.integer("api.max-body-bytes"))
                .bodyTimeoutMillis(settings.millis("api.body-timeout"))
                .exportDir(Path.of(settings.string("api.export-dir")).toAbsolutePath())
                .conclude();
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(e.getMessage());
        }
    }
}
