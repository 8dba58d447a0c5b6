package io.tickreplay.api.cli;

import io.tickreplay.adapters.live.SignalConsumer;
import io.tickreplay.adapters.live.TickConsumer;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.bus.Buses;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.models.ModelRegistry;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.synth.SyntheticFeed;
import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.tick.Tick;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

@Command(
    name = "live",
    mixinStandardHelpOptions = true,
    description = "The seed's live consumers on the in-process bus: a synthetic live feed (ticks stamped with the wall clock) is " +
        "published to the bus, TickConsumer stores its ticks in tick_data (seq in arrival order) so the session can be replayed " +
        "later, and SignalConsumer computes signals from them into the signals table (origin live), each writing every " +
        "signals.batch-rows rows or signals.batch-ms. Runs for --seconds, or until Ctrl-C; both consumers flush before it ends. " +
        "With --from-store, the feed is a stored session instead: its ticks published again as live, so that the live signals of " +
        "that session can be compared with a replay of it.")
public final class LiveCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Mixin
    BusOptions busOptions = new BusOptions();

    @Option(names = "--models", split = ",", paramLabel = "NAMES",
        description = "Models of the registry whose predictions (pred_<name>) and scores the signal consumer writes at their bars' closes " +
            "(docs/models.md); the signals they read are computed too. The in-process bus only.")
    List<String> models;

    @Option(names = "--provider", paramLabel = "NAME", description = "Provider of the live ticks (default: generate.provider).")
    String provider;

    @Option(names = "--symbols", split = ",", paramLabel = "A,B", description = "Symbols (default: generate.symbols).")
    List<String> symbols;

    @Option(names = "--rate", paramLabel = "PER_S", description = "Trades per second per symbol (default 20).")
    double rate = 20;

    @Option(names = "--seconds", paramLabel = "S", description = "How long to run (default: until Ctrl-C).")
    double seconds;

    @Option(names = "--signals", split = ",", paramLabel = "NAMES",
        description = "Signals the SignalConsumer computes: names, all or none (default: signals.default).")
    List<String> signals;

    @Option(names = "--no-store-ticks", description = "Do not run the TickConsumer (ticks are not stored).")
    boolean noStoreTicks;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed of the feed (default 42).")
    long seed = 42;

    @Option(names = "--from-store", description = "Publish the ticks tick_data holds for --provider and --symbols over [--start, --end) " +
        "(default: all of them) as live ticks, with their stored times, as fast as the SignalConsumer computes them, into the live " +
        "signal rows (run 0); the ticks are not stored again. In-process bus only.")
    boolean fromStore;

    @Option(names = "--start", paramLabel = "TIME", description = "With --from-store: start of the window, inclusive (ISO-8601 or epoch).")
    String start;

    @Option(names = "--end", paramLabel = "TIME", description = "With --from-store: end of the window, exclusive.")
    String end;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = new HashMap<>();
        flags.put("generate.provider", provider);
        flags.put("generate.symbols", symbols);
        flags.put("signals.default", signals);
        busOptions.into(flags);
        final Settings settings = common.settings(flags);
        final BusSpec busSpec = Services.busSpec(settings);
        final String feedProvider = settings.string("generate.provider");
        final List<String> feedSymbols = settings.strings("generate.symbols");
        if (!(rate > 0) || Double.isInfinite(rate))
        {
            throw new UsageException("--rate must be a finite number > 0, was " + rate);
        }
        if (seconds < 0 || Double.isNaN(seconds))
        {
            throw new UsageException("--seconds must be >= 0, was " + seconds);
        }
        final List<String> configured;
        try
        {
            configured = SignalSet.of(settings.strings("signals.default"), 1).calculators().stream().map(SignalCalculator::name).toList();
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException("--signals: " + e.getMessage());
        }
        final List<ModelSpec> specs = models(settings);
        final List<String> names = ModelRegistry.signalsFor(configured, specs);
        final int batchRows = settings.integer("signals.batch-rows");
        final long batchMillis = settings.longValue("signals.batch-ms");

        if (fromStore)
        {
            return fromStore(settings, busSpec, feedProvider, feedSymbols, names, batchRows, batchMillis, specs);
        }
        if (start != null || end != null)
        {
            throw new UsageException("--start and --end go with --from-store: a synthetic feed is stamped with the wall clock");
        }
        if (!busSpec.isInProcess())
        {
            if (!specs.isEmpty())
            {
                throw new UsageException("--models: models run in the signal consumer of the in-process bus; leave out --bus (or --models)");
            }
            return liveOnBus(settings, busSpec, settings.string("generate.provider"), settings.strings("generate.symbols"));
        }
        try (Database db = CommonOptions.openDatabase(settings);
             InProcessBus bus = Services.bus(settings))
        {
            final TickConsumer ticks = noStoreTicks ? null : TickConsumer.start(bus, db.dataSource(), batchRows, batchMillis);
            final SignalConsumer signalConsumer = names.isEmpty() ? null
                : SignalConsumer.start(bus, db.dataSource(), feedProvider, names, feedSymbols.size(), batchRows, batchMillis, Long.MIN_VALUE,
                    Long.MAX_VALUE, specs);
            System.out.println("live: " + feedProvider + " " + String.join(",", feedSymbols) + " at " + rate + " trades/s per symbol on the in-process bus" +
                (ticks == null ? "" : "; TickConsumer -> tick_data") + (names.isEmpty() ? "" : "; SignalConsumer -> signals " + String.join(",", names)) +
                (seconds > 0 ? "; for " + seconds + " s" : "; Ctrl-C to stop"));
            final Thread main = Thread.currentThread();
            final Thread stopper = new Thread(() ->
            {
                stop = true;
                LockSupport.unpark(main);
                try
                {
                    main.join(30_000);
                }
                catch (final InterruptedException ignored)
                {
                    // ending anyway
                }
            }, "live-ctrl-c");
            Runtime.getRuntime().addShutdownHook(stopper);
            final long published;
            final Instant started = Instant.now();
            try
            {
                published = publish(bus, new SyntheticFeed(feedProvider, feedSymbols, rate, seed), ticks, signalConsumer);
            }
            finally
            {
                // flush what the consumers hold, even on Ctrl-C
                if (ticks != null)
                {
                    ticks.close();
                }
                if (signalConsumer != null)
                {
                    signalConsumer.close();
                }
            }
            if (!stop)
            {
                Runtime.getRuntime().removeShutdownHook(stopper);
            }
            final Exception failure = ticks != null && ticks.failure() != null ? ticks.failure() : signalConsumer == null ? null : signalConsumer.failure();
            System.out.printf("live: published %s ticks from %s; stored %s ticks; wrote %s signal rows%n", Format.count(published), started,
                ticks == null ? "no" : Format.count(ticks.written()), signalConsumer == null ? "no" : Format.count(signalRows(signalConsumer, names)));
            if (failure != null)
            {
                throw new IllegalStateException("a live consumer failed: " + failure.getMessage(), failure);
            }
        }
        return 0;
    }

    private volatile boolean stop;

    /** The models of --models, resolved in the registry; refused on a bus other than the in-process one. */
    private List<ModelSpec> models(final Settings settings)
    {
        if (models == null || models.isEmpty())
        {
            return List.of();
        }
        try (Database db = CommonOptions.openDatabase(settings))
        {
            return ModelCommand.registry(db, settings).specs(models, "models");
        }
        catch (final InvalidRequest e)
        {
            throw new UsageException("--models: " + e.getMessage());
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("reading the model registry: " + e.getMessage(), e);
        }
    }

    private int fromStore(final Settings settings, final BusSpec busSpec, final String feedProvider, final List<String> feedSymbols,
        final List<String> names, final int batchRows, final long batchMillis, final List<ModelSpec> specs) throws Exception
    {
        if (!busSpec.isInProcess())
        {
            throw new UsageException("--from-store publishes on the in-process bus, where its SignalConsumer writes the live rows; " +
                "leave out --bus");
        }
        if (names.isEmpty())
        {
            throw new UsageException("--from-store computes signals: --signals none leaves nothing to do");
        }
        final WindowOptions times = new WindowOptions();
        times.start = start;
        times.end = end;
        try (Database db = CommonOptions.openDatabase(settings);
             InProcessBus bus = Services.bus(settings))
        {
            final long[] window = LiveFromStore.window(new TickStore(db.dataSource()), feedProvider, feedSymbols, times.start(), times.end());
            System.out.println("live: the stored ticks of " + feedProvider + " " + String.join(",", feedSymbols) + " from " +
                Micros.toInstant(window[0]) + " to " + Micros.toInstant(window[1]) + ", published as live on the in-process bus; " +
                "SignalConsumer -> live signal rows " + String.join(",", names));
            final Thread main = Thread.currentThread();
            final Thread stopper = new Thread(() ->
            {
                stop = true;
                try
                {
                    main.join(30_000);
                }
                catch (final InterruptedException ignored)
                {
                    // ending anyway
                }
            }, "live-ctrl-c");
            Runtime.getRuntime().addShutdownHook(stopper);
            final SignalConsumer consumer = SignalConsumer.start(bus, db.dataSource(), feedProvider, names, feedSymbols.size(), batchRows, batchMillis,
                window[0], window[1], specs);
            final long published;
            try
            {
                published = LiveFromStore.publish(db.dataSource(), bus, feedProvider, feedSymbols, window, consumer, () -> stop);
            }
            finally
            {
                consumer.close(); // what it holds is written, also on Ctrl-C
            }
            if (!stop)
            {
                Runtime.getRuntime().removeShutdownHook(stopper);
            }
            System.out.printf("live: published %s stored ticks%s; wrote %s live signal rows%n", Format.count(published),
                stop ? " (stopped)" : "", Format.count(signalRows(consumer, names)));
            if (consumer.failure() != null)
            {
                throw new IllegalStateException("the SignalConsumer failed: " + consumer.failure().getMessage(), consumer.failure());
            }
        }
        return 0;
    }

    /** The feed onto Kafka or Redis (origin live): the consumers are `tickreplay consume` processes reading the topic. */
    private int liveOnBus(final Settings settings, final BusSpec spec, final String feedProvider, final List<String> feedSymbols)
        throws Exception
    {
        try (InProcessBus inProcess = Services.bus(settings);
             Buses buses = Services.buses(settings, inProcess, new io.micrometer.core.instrument.simple.SimpleMeterRegistry()))
        {
            buses.connect(spec);
            final TickBus out = buses.forLive(spec, feedProvider);
            System.out.println("live: " + feedProvider + " " + String.join(",", feedSymbols) + " at " + rate + " trades/s per symbol onto " +
                spec.describe(feedProvider) + "; store and compute them with: ./tickreplay consume --bus " + spec.kind() + " --bus-url " + spec.url() +
                " --topic " + spec.topicFor(feedProvider) + " --group live-ticks --role ticks   (and --group live-signals --role signals)" +
                (seconds > 0 ? "; for " + seconds + " s" : "; Ctrl-C to stop"));
            final Thread main = Thread.currentThread();
            final Thread stopper = new Thread(() ->
            {
                stop = true;
                LockSupport.unpark(main);
            }, "live-ctrl-c");
            Runtime.getRuntime().addShutdownHook(stopper);
            final long published = publish(new TickBus()
            {
                @Override
                public void publish(final BusMessage message)
                {
                    out.publish(message);
                    out.flush(); // a live tick is due now
                }
            }, new SyntheticFeed(feedProvider, feedSymbols, rate, seed), null, null);
            if (out instanceof AutoCloseable c)
            {
                c.close();
            }
            System.out.printf("live: published %s ticks onto %s%n", Format.count(published), spec.describe(feedProvider));
        }
        return 0;
    }

    private long publish(final TickBus bus, final SyntheticFeed feed, final TickConsumer ticks, final SignalConsumer signalConsumer)
    {
        final Tick tick = new Tick();
        final BusMessage m = new BusMessage();
        final long startNanos = System.nanoTime();
        final long startMicros = Micros.of(Instant.now());
        final long endNanos = seconds > 0 ? startNanos + (long)(seconds * 1e9) : Long.MAX_VALUE;
        long lastReport = startNanos;
        long published = 0;
        while (!stop)
        {
            feed.next(tick);
            final long due = startNanos + tick.tsMicros * 1000;
            if (due >= endNanos)
            {
                break;
            }
            long now;
            while ((now = System.nanoTime()) < due && !stop)
            {
                LockSupport.parkNanos(due - now);
            }
            if (stop)
            {
                break;
            }
            tick.tsMicros += startMicros;  // the wall clock at publication, without jitter from waking up
            bus.publish(m.live(tick));
            published++;
            if (now - lastReport >= 1_000_000_000L)
            {
                lastReport = now;
                System.out.printf("live: %s ticks published, %s stored%n", Format.count(published), ticks == null ? "-" : Format.count(ticks.written()));
                if ((ticks != null && ticks.failure() != null) || (signalConsumer != null && signalConsumer.failure() != null))
                {
                    break;
                }
            }
        }
        return published;
    }

    private static long signalRows(final SignalConsumer consumer, final List<String> names)
    {
        long rows = 0;
        for (int i = 0; i < names.size(); i++)
        {
            rows += consumer.written(i);
        }
        return rows;
    }
}
