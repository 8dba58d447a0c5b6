package io.tickreplay.api.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "The main job on the embedded default: loads a realistic synthetic session (about 2M ticks) if the store is empty, " +
        "serves the API (printing URLs and curl lines to try), shows what the store holds, replays the session in burst to the in-process bus (journaled) computing every signal and bar " +
        "into PostgreSQL (signals.default), and prints a summary. " +
        "Then it stays up, keeping the embedded PostgreSQL running for other commands, until Ctrl-C; --exit ends after the summary.")
public final class DemoCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Mixin
    BusOptions busOptions = new BusOptions();

    @Option(names = "--exit", description = "End after the summary instead of staying up.")
    boolean exit;

    @Option(names = "--ticks", paramLabel = "N", description = "About how many ticks to generate when the store is empty (default 2,000,000).")
    Long ticks;

    @Option(names = "--port", paramLabel = "PORT", description = "Port of the API the demo serves (default api.port, 8083; 0 = any free port).")
    Integer port;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = new HashMap<>();
        flags.put("demo.target-ticks", ticks);
        flags.put("api.port", port);
        busOptions.into(flags);
        Settings settings = common.settings(flags);
        Process broker = null;
        final String busKind = settings.string("bus.kind").toLowerCase(Locale.ROOT);
        if (!busKind.equals("inproc") && settings.string("bus.url").isBlank())
        {
            // no broker given: start one, as `tickreplay broker` does, for the length of the demo
            broker = startBroker(busKind);
            flags.put("bus.url", brokerUrl);
            settings = common.settings(flags);
        }
        try
        {
            return run(settings, busKind);
        }
        finally
        {
            if (broker != null)
            {
                broker.destroy();
                broker.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private String brokerUrl;

    /** {@code tickreplay broker KIND} as a child process on a free port; returns once it printed its URL. */
    private Process startBroker(final String kind) throws Exception
    {
        final int port;
        try (ServerSocket s = new ServerSocket(0))
        {
            port = s.getLocalPort();
        }
        final List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
            System.getProperty("java.class.path"), "io.tickreplay.api.Main", "broker", kind, "--port", String.valueOf(port));
        System.out.println("tickreplay demo: starting a " + kind + " broker (tickreplay broker " + kind + " --port " + port + ") ...");
        final Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        final String line = out.readLine();
        if (line == null || line.isBlank())
        {
            p.destroyForcibly();
            throw new IllegalStateException("the " + kind + " broker did not start (exit " + (p.isAlive() ? "?" : p.exitValue()) + ")");
        }
        brokerUrl = line.strip();
        return p;
    }

    private int run(final Settings settings, final String busKind) throws Exception
    {
        try (Services.Api api = Services.api(settings))
        {
            // the cockpit's address first: a person can open it while the rest scrolls by
            System.out.println("tickreplay demo: the cockpit is at " + api.baseUrl() + "/");
            System.out.println("tickreplay demo: effective configuration");
            System.out.print(settings.describe());
            final Database db = api.db();
            final ReplayService replays = api.replays();
            final MeterRegistry registry = api.registry();
            System.out.println("database: " + db.describe());
            api.printUrls();
            final TickStore store = new TickStore(db.dataSource());
            if (store.isEmpty())
            {
                final var ctx = SessionOptions.context(settings);
                final long target = settings.longValue("demo.target-ticks");
                if (target < 1)
                {
                    throw new UsageException("--ticks must be >= 1");
                }
                // extended hours first: the rate that makes the target depends on the session's length
                ctx.hours(LocalTime.parse(settings.string("demo.open")), LocalTime.parse(settings.string("demo.close")));
                ctx.ticksPerSecond(SessionOptions.rateFor(target, ctx));
                System.out.println("the store is empty: generating a synthetic session of about " + Format.count(target) + " ticks (" +
                    settings.string("demo.open") + "-" + settings.string("demo.close") + " New York time)");
                GenerateCommand.write(db, ctx);
                final var history = new SyntheticSession.Context().provider(settings.string("generate.provider"))
                    .symbols(settings.strings("demo.history.symbols")).startDate(LocalDate.parse(settings.string("demo.history.start-date")))
                    .days(settings.integer("demo.history.days")).ticksPerSecond(settings.number("demo.history.rate"))
                    .seed(settings.longValue("generate.seed") + 1);
                System.out.println("and earlier trading days at a low rate, so that the seed's October examples find data:");
                GenerateCommand.write(db, history);
            }
            System.out.println();
            System.out.println("tick_data holds:");
            System.out.printf("  %-10s %-8s %12s  %-27s  %-27s%n", "provider", "symbol", "ticks", "first ts", "last ts");
            long total = 0;
            final List<TickStore.SymbolSummary> summary = store.summary();
            for (final TickStore.SymbolSummary s : summary)
            {
                System.out.printf("  %-10s %-8s %12s  %-27s  %-27s%n", s.provider(), s.symbol(), Format.count(s.ticks()),
                    Format.instant(s.minTs()), Format.instant(s.maxTs()));
                total += s.ticks();
            }
            System.out.printf("  %-19s %12s%n", "total", Format.count(total));

            final long runId = busKind.equals("inproc") ? replaySession(replays, registry, summary)
                : BusDemo.replayThroughBus(replays, db, Services.busSpec(settings), summary);
            if (!exit)
            {
                System.out.println();
                System.out.println("the API stays up with the database (try these, in another terminal):");
                System.out.println("  curl " + api.curlAuth() + api.baseUrl() + "/v1/replay/ticks/" + runId);
                System.out.println("  curl " + api.curlAuth() + "'" + api.baseUrl() + "/v1/signals?provider=" + summary.get(0).provider() + "&symbol=" + summary.get(0).symbol() +
                    "&name=vwap_deviation_bps&limit=5'");
                System.out.println("  curl -X POST " + api.curlAuth() + api.baseUrl() + "/v1/replay/ticks -H 'Content-Type: application/json' -d '{\"provider\": \"" +
                    summary.get(0).provider() + "\", \"symbols\": [\"" + summary.get(0).symbol() + "\"], \"start\": \"" + summary.get(0).minTs() +
                    "\", \"end\": \"" + summary.get(0).minTs().plusSeconds(3600) + "\", \"speed\": 10.0}'");
                System.out.println("  curl -X POST " + api.curlAuth() + api.baseUrl() + "/v1/exports -H 'Content-Type: application/json' -d '{\"dataset\": \"signals\", " +
                    "\"provider\": \"" + summary.get(0).provider() + "\", \"symbols\": [\"" + summary.get(0).symbol() + "\"], \"start\": \"" +
                    summary.get(0).minTs() + "\", \"end\": \"" + summary.get(0).maxTs().plusNanos(1000) + "\", \"format\": \"parquet\"}'");
                System.out.println("  ./tickreplay replay --provider " + summary.get(0).provider() + " --symbols " +
                    summary.get(0).symbol() + " --start " + summary.get(0).minTs() + " --end " + summary.get(0).maxTs().plusNanos(1000) +
                    " --speed 100 --max-gap 1m   (nights and weekends pass in a minute each)");
                System.out.println("staying up: " + db.describe() + ", API " + api.baseUrl() + "; Ctrl-C to stop");
                ServeCommand.awaitStop();
            }
        }
        return 0;
    }

    /** The newest completed replay of exactly this window and these symbols, if the store has one. */
    private static Optional<Long> completedRun(final ReplayService replays, final String provider, final List<String> symbols, final Instant start,
        final Instant end) throws SQLException
    {
        for (final JobRunStore.JobRun job : replays.jobs().list(ReplayService.JOB_NAME, "completed", provider, 200, 0))
        {
            if (start.equals(job.minTs()) && end.toString().equals(job.metadata().get("end")) && Set.copyOf(symbols).equals(Set.copyOf(job.symbols())))
            {
                return Optional.of(job.id());
            }
        }
        return Optional.empty();
    }

    /** A burst replay of the first provider's whole session (or an hour of it when that was done before), with a summary line or two. */
    private static long replaySession(final ReplayService replays, final MeterRegistry registry, final List<TickStore.SymbolSummary> summary)
        throws Exception
    {
        final String provider = summary.get(0).provider();
        final List<String> symbols = summary.stream().filter(s -> s.provider().equals(provider)).map(TickStore.SymbolSummary::symbol).toList();
        Instant start = summary.stream().filter(s -> s.provider().equals(provider)).map(TickStore.SymbolSummary::minTs).min(Instant::compareTo).orElseThrow();
        Instant end = summary.stream().filter(s -> s.provider().equals(provider)).map(TickStore.SymbolSummary::maxTs).max(Instant::compareTo).orElseThrow()
            .plusNanos(1000);
        System.out.println();
        final Optional<Long> done = completedRun(replays, provider, symbols, start, end);
        if (done.isPresent())
        {
            // the whole store was replayed before: its rows are there; an hour at the session's open shows the pipeline again in seconds
            final Instant day = end.minus(Duration.ofHours(12)).truncatedTo(ChronoUnit.DAYS);
            final Instant hourStart = day.plus(Duration.ofMinutes(14 * 60 + 30));
            System.out.println("replay " + done.get() + " already replayed " + provider + " [" + start + ", " + end + ") with its signals and bars: " +
                "replaying the hour [" + hourStart + ", " + hourStart.plus(Duration.ofHours(1)) + ") only (./tickreplay replay --provider " + provider +
                " --symbols " + String.join(",", symbols) + " --start " + start + " --end " + end + " --speed 0 replays it all again)");
            start = hourStart;
            end = hourStart.plus(Duration.ofHours(1));
        }
        final List<String> signals = replays.config().signals();
        System.out.println("replaying " + provider + " " + String.join(",", symbols) + " [" + start + ", " + end + ") in burst to the in-process bus" +
            (signals.equals(List.of("none")) ? "" : ", computing signals " + String.join(",", signals) + " into the signals table and bars into bars_ohlcv"));
        final ReplayRun run = replays.start(ReplayRequest.fromDatabase(provider, symbols, start, end, 0.0));
        final ReplayOutcome outcome = ReplayCommand.awaitWithProgress(run, start, end);
        if (outcome.status() != ReplayOutcome.Status.COMPLETED)
        {
            throw new IllegalStateException("replay " + run.runId() + " " + ReplayService.statusName(outcome.status()) +
                (outcome.errorMessage() == null ? "" : ": " + outcome.errorMessage()));
        }
        System.out.printf("replay %d: %s ticks in %s = %s ticks/s, checksum %s, journal %s%n", run.runId(), Format.count(outcome.ticks()),
            Format.seconds(outcome.elapsedNanos()), Format.rate(outcome.ticksPerSecond()), outcome.checksumHex(),
            replays.journalDirectory(run.runId()));
        final Map<String, Object> metadata = replays.jobs().find(run.runId()).orElseThrow().metadata();
        if (metadata.get("signals_written") instanceof Map<?, ?> written && !written.isEmpty())
        {
            final long rows = written.values().stream().mapToLong(v -> ((Number) v).longValue()).sum();
            System.out.printf("  signals: %s rows of %d signals = %s signals/s (written and committed within the run); bars: %s%n", Format.count(rows),
                written.size(), Format.rate(rows / (outcome.elapsedNanos() / 1e9)), Format.count(((Number) metadata.getOrDefault("bars_written", 0)).longValue()));
            System.out.println("  compute time per value (sampled):");
            for (final Timer timer : registry.find("signals_compute_duration").timers())
            {
                final Map<Double, Double> p = new TreeMap<>();
                for (final ValueAtPercentile v : timer.takeSnapshot().percentileValues())
                {
                    p.put(v.percentile(), v.value(TimeUnit.NANOSECONDS));
                }
                System.out.printf("    %-20s p50 %6.0f ns  p99 %6.0f ns%n", timer.getId().getTag("name"), p.getOrDefault(0.5, Double.NaN), p.getOrDefault(0.99, Double.NaN));
            }
        }
        System.out.println("  replay it again without the database: ./tickreplay replay --from-journal " + run.runId());
        return run.runId();
    }
}
