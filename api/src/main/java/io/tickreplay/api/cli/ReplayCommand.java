package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.replay.JobJson;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.replay.ReplaySource;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.tick.Micros;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = "Replays ticks of [start, end) from tick_data (or a journal) in the order (ts, symbol, seq) to the in-process bus, " +
        "at their original pace (--speed 1), N times faster (--speed N) or as fast as possible (--speed 0), and journals them. " +
        "Blocks until the run ends and prints its job as JSON on stdout. Exit code 0 when it completed, 1 when it failed or was cancelled.")
public final class ReplayCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Mixin
    BusOptions busOptions = new BusOptions();

    @Option(names = "--max-lag", paramLabel = "N",
        description = "Hold the replay back while the consumer groups reading its topic are more than N messages behind (Kafka or Redis).")
    Long maxLag;

    @Mixin
    WindowOptions window;

    @Option(names = "--speed", paramLabel = "X", description = "1 = original timing (the default, as in the API), N = N times faster, 0 = burst.")
    double speed = ReplayRequest.DEFAULT_SPEED;

    @Option(names = "--max-gap", paramLabel = "DURATION", description = "Pace a gap between ticks longer than this (100ms, 5s, 1m) as if it were " +
        "this long: nights and weekends of a long window pass at once, the ticks' times unchanged (API max_gap).")
    String maxGap;

    @Option(names = "--from-journal", paramLabel = "RUN_ID", description = "Replay the journal of an earlier run instead of the database: the identical stream.")
    Long fromJournal;

    @Option(names = "--allow-partial", description = "With --from-journal: replay the journal of a run that did not complete (cancelled, failed, " +
        "killed) for what it holds; refused without it.")
    boolean allowPartial;

    @Option(names = "--signals", split = ",", paramLabel = "NAMES|all|none",
        description = "Signals to compute and write to the signals table: names (vwap_deviation_bps,spread_bps,...), all, or none (bus only). Default: signals.default.")
    List<String> signals;

    @Option(names = "--models", split = ",", paramLabel = "NAMES",
        description = "Models of the registry (model list) whose predictions the run writes as the signals pred_<name>, at each bar close of " +
            "their interval (docs/models.md). The signals they read are computed too.")
    List<String> models;

    @Option(names = "--sink", paramLabel = "postgres|FILE.csv[.gz]|FILE.parquet|none",
        description = "Where the signals go: the signals table (default, with bars into bars_ohlcv), straight into a CSV or Parquet file " +
            "(a feature set; it appears only when the replay completes), or nowhere.")
    String sink;

    @Option(names = "--source", paramLabel = "'k=v;k=v'",
        description = "Replay several sources merged into one stream in the order (ts, source order, symbol, seq), instead of --provider/--symbols; " +
            "repeat it, once per source: 'provider=ibkr;symbols=NVDA,AAPL' (the database) or 'parquet=files/*.parquet;provider=binance[;symbol=BTCUSDT]" +
            "[;symbols=A,B]' (Parquet tick files, a glob in name order). --start, --end, --speed and --signals apply to all.")
    List<String> sourceSpecs;

    @Option(names = "--no-journal", description = "Do not journal this run.")
    boolean noJournal;

    @Option(names = "--journal-dir", paramLabel = "DIR", description = "Where journals live (default data/journal).")
    String journalDir;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = new HashMap<>();
        flags.put("replay.journal-dir", journalDir);
        busOptions.into(flags);
        final Settings settings = common.settings(flags);
        // one run in this process (its resume after a lost database takes its place): it may hold the heap's whole share for replays
        final ReplayService.Context config = Services.replayConfig(settings).maxConcurrent(1);
        ReplayRequest request;
        if (fromJournal != null)
        {
            if (window.given())
            {
                throw new UsageException("--from-journal replays the journal's own provider, symbols and window: drop --provider, --symbols, --start and --end");
            }
            if (sourceSpecs != null)
            {
                throw new UsageException("--source: --from-journal replays the journal's own sources: drop --source");
            }
            request = ReplayRequest.fromJournal(fromJournal, speed).withSignals(signals).withSink(sink).withAllowPartial(allowPartial);
        }
        else if (sourceSpecs != null)
        {
            request = new ReplayRequest(window.provider, window.symbols, window.start(), window.end(), speed, null, noJournal ? false : null, signals,
                sink, ReplayRequest.BusChoice.CONFIGURED, false, sources(sourceSpecs));
        }
        else
        {
            request = new ReplayRequest(window.provider, window.symbols, window.start(), window.end(), speed, null, noJournal ? false : null, signals,
                sink);
        }
        if (maxLag != null)
        {
            request = request.withBus(new ReplayRequest.BusChoice(null, null, null, maxLag));
        }
        try
        {
            request = request.withMaxGap(ReplayRequest.gap("max_gap", maxGap)).withModels(models);
            request.validate();
        }
        catch (final ReplayRequest.InvalidField e)
        {
            throw new UsageException(usage(e.field(), e.getMessage()));
        }

        try (Interrupts stop = Interrupts.install();
             Services.Replays replays = Services.replays(settings, config))
        {
            final ReplayService service = replays.service();
            final ReplayRun run;
            try
            {
                run = service.start(request);
            }
            catch (final InvalidRequest e)
            {
                throw new UsageException(usage(e.field(), e.getMessage()));
            }
            ReplayOutcome outcome = awaitWithProgress(run, request.start(), request.end(), stop);
            // a lost database: wait out db.outage-grace for the run to resume under its id (Ctrl-C gives up)
            for (var recovery = service.recovery(run.runId()); recovery.isPresent(); recovery = service.recovery(run.runId()))
            {
                System.err.println("tickreplay replay: run " + run.runId() + " lost its database (" + outcome.errorMessage() +
                    "); waiting for it to answer (db.outage-grace), then resuming from the last checkpoint");
                final var waiting = recovery.get();
                stop.onStop(() -> waiting.cancel(false));
                final Optional<ReplayRun> resumed;
                try
                {
                    resumed = waiting.join();
                }
                catch (final CancellationException e)
                {
                    break;
                }
                if (resumed.isEmpty())
                {
                    break;
                }
                outcome = awaitWithProgress(resumed.get(), request.start(), request.end(), stop);
            }
            final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            System.out.println(json.writeValueAsString(JobJson.of(service.jobs().find(run.runId()).orElseThrow())));
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                System.err.println("tickreplay replay: run " + run.runId() + " " + ReplayService.statusName(outcome.status()) +
                    (outcome.errorMessage() == null ? "" : ": " + outcome.errorMessage()));
                return 1;
            }
            if (outcome.ticks() == 0 && request.provider() != null && request.symbols() != null)
            {
                System.err.println("tickreplay replay: run " + run.runId() + " completed with no ticks in the window [" + request.start() + ", " +
                    request.end() + ")" + holdings(replays.db(), request.provider(), request.symbols()));
                return 0;
            }
            System.err.printf("tickreplay replay: run %d completed: %s ticks in %s (%s ticks/s), checksum %s%n", run.runId(),
                Format.count(outcome.ticks()), Format.seconds(outcome.elapsedNanos()), Format.rate(outcome.ticksPerSecond()), outcome.checksumHex());
            return 0;
        }
    }

    /** The flag of a request field: {@code sources} is {@code --source}, the rest by name. */
    /** "; the store holds ibkr NVDA from ... to ..." for each symbol: where the ticks are when a window has none. */
    private static String holdings(final Database db, final String provider, final List<String> symbols) throws SQLException
    {
        final TickStore store = new TickStore(db.dataSource());
        final StringBuilder b = new StringBuilder();
        for (final String symbol : symbols.subList(0, Math.min(5, symbols.size())))
        {
            final Optional<Instant[]> range = store.range(provider, symbol);
            if (range.isPresent())
            {
                b.append(b.length() == 0 ? "; the store holds " : ", ").append(provider).append(' ').append(symbol).append(" from ")
                    .append(range.get()[0]).append(" to ").append(range.get()[1]);
            }
        }
        return b.toString();
    }

    private static String flag(final String field)
    {
        return field.equals("sources") ? "--source" : "--" + field.replace('_', '-');
    }

    /** Each {@code --source}, parsed; a bad one is a usage error naming the flag and which one. */
    static List<ReplaySource> sources(final List<String> specs)
    {
        final List<ReplaySource> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++)
        {
            try
            {
                out.add(ReplaySource.parse(specs.get(i)));
            }
            catch (final IllegalArgumentException e)
            {
                throw new UsageException("--source (the " + ordinal(i + 1) + "): " + e.getMessage());
            }
        }
        return out;
    }

    /** A request's bad field as the command line says it: the flag, and for a source which {@code --source}, counted from the first. */
    static String usage(final String field, final String message)
    {
        final Matcher source = Pattern.compile("sources\\[(\\d+)\\]:? ?(.*)", Pattern.DOTALL).matcher(message);
        if (field.equals("sources") && source.matches())
        {
            return "--source (the " + ordinal(Integer.parseInt(source.group(1)) + 1) + "): " + source.group(2);
        }
        return flag(field) + ": " + message;
    }

    static String ordinal(final int n)
    {
        final int teen = n % 100;
        final int last = n % 10;
        return n + (teen >= 11 && teen <= 13 ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th");
    }

    /**
     * Waits for {@code run} to end, drawing its progress over [start, end) on stderr when that is a
     * terminal; Ctrl-C (or SIGTERM) cancels the run and the wait goes on until it has ended, so the
     * caller prints the job, which says {@code cancelled}, and exits 1.
     */
    static ReplayOutcome awaitWithProgress(final ReplayRun run, final Instant start, final Instant end) throws InterruptedException
    {
        try (Interrupts stop = Interrupts.install())
        {
            return awaitWithProgress(run, start, end, stop);
        }
    }

    /** As above, with the caller's {@link Interrupts}, installed before the run started so that no early Ctrl-C is lost. */
    static ReplayOutcome awaitWithProgress(final ReplayRun run, final Instant start, final Instant end, final Interrupts stop)
        throws InterruptedException
    {
        stop.onStop(() -> run.control().cancel());
        try (ProgressBar bar = new ProgressBar("replay " + run.runId(), () -> String.format(Locale.ROOT, "%s ticks, %s ticks/s%s",
            Format.count(run.progress().emitted()), Format.rate(run.ticksPerSecond()),
            run.progress().lastTsMicros() == Long.MIN_VALUE ? "" : ", at " + Micros.toInstant(run.progress().lastTsMicros()))))
        {
            final long startMicros = start == null ? 0 : Micros.of(start);
            final long spanMicros = start == null || end == null ? 0 : Micros.of(end) - startMicros;
            while (!run.done().isDone())
            {
                final long last = run.progress().lastTsMicros();
                if (spanMicros > 0 && last != Long.MIN_VALUE)
                {
                    bar.accept((last - startMicros) / (double)spanMicros);
                }
                try
                {
                    run.done().get(100, TimeUnit.MILLISECONDS);
                }
                catch (final TimeoutException | ExecutionException e)
                {
                    // keep drawing; an exceptional end is reported by join below
                }
            }
            return run.done().join();
        }
    }
}
