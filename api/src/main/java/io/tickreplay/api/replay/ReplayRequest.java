package io.tickreplay.api.replay;

import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.postgres.Identifiers;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.api.request.JsonBody;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.signals.SignalSet;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What to replay: the seed's {@code POST /v1/replay/ticks} body ({@code provider}, {@code symbols},
 * {@code start}, {@code end}, {@code speed}), or a journal of an earlier run ({@code fromJournal},
 * which brings its own provider, symbols and window). {@code signals}: names, {@code all} or
 * {@code none}; null means the configured default. {@code sink}: where signals go, {@code postgres}
 * (the default: the signals table, with bars into bars_ohlcv), a {@code .csv} / {@code .csv.gz} / {@code .parquet} file,
 * or {@code none} (computed, not kept). {@code sources}: several sources merged into one stream instead of
 * {@code provider} and {@code symbols} (docs/replay.md, "Several sources"); null for a one-source request.
 */
public record ReplayRequest(String provider, List<String> symbols, Instant start, Instant end, double speed, Long fromJournal, Boolean journal,
    List<String> signals, String sink, BusChoice bus, boolean allowPartial, List<ReplaySource> sources, Duration maxGap, List<String> models)
{
    public ReplayRequest(final String provider, final List<String> symbols, final Instant start, final Instant end, final double speed,
        final Long fromJournal, final Boolean journal, final List<String> signals, final String sink, final BusChoice bus, final boolean allowPartial,
        final List<ReplaySource> sources, final Duration maxGap)
    {
        this(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, bus, allowPartial, sources, maxGap, null);
    }

    public ReplayRequest(final String provider, final List<String> symbols, final Instant start, final Instant end, final double speed,
        final Long fromJournal, final Boolean journal, final List<String> signals, final String sink, final BusChoice bus, final boolean allowPartial,
        final List<ReplaySource> sources)
    {
        this(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, bus, allowPartial, sources, null);
    }

    public ReplayRequest(final String provider, final List<String> symbols, final Instant start, final Instant end, final double speed,
        final Long fromJournal, final Boolean journal, final List<String> signals, final String sink, final BusChoice bus, final boolean allowPartial)
    {
        this(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, bus, allowPartial, null);
    }

    /** A replay of several sources over [start, end), merged in the order (ts, source order, symbol, seq). */
    public static ReplayRequest fromSources(final List<ReplaySource> sources, final Instant start, final Instant end, final double speed)
    {
        return new ReplayRequest(null, null, start, end, speed, null, null, null, null, BusChoice.CONFIGURED, false, sources);
    }

    public boolean severalSources()
    {
        return sources != null;
    }

    /**
     * A request's choice of bus ({@code bus}, {@code bus_url}, {@code topic}; null fields keep the configured
     * ones) and {@code max_lag}: hold the replay back while its consumer groups are more messages behind than this.
     */
    public record BusChoice(String kind, String url, String topic, Long maxLag)
    {
        public static final BusChoice CONFIGURED = new BusChoice(null, null, null, null);

        public BusChoice(final String kind, final String url, final String topic)
        {
            this(kind, url, topic, null);
        }
    }

    /** The request before it chose a bus: the configured one. */
    public ReplayRequest(final String provider, final List<String> symbols, final Instant start, final Instant end, final double speed,
        final Long fromJournal, final Boolean journal, final List<String> signals, final String sink)
    {
        this(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, BusChoice.CONFIGURED, false);
    }

    /** The same request publishing to another bus. */
    public ReplayRequest withBus(final BusChoice choice)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, choice == null ? BusChoice.CONFIGURED : choice, allowPartial,
            sources, maxGap, models);
    }

    /** The same request with models ({@code models}: names in the registry; null or empty for none). */
    public ReplayRequest withModels(final List<String> names)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, bus, allowPartial, sources, maxGap,
            names == null || names.isEmpty() ? null : List.copyOf(names));
    }

    public static final int MAX_SYMBOLS = 1000;
    /** The speed of a request that names none, on the CLI and in the API alike: the original pace (the seed's 1.0, "real-time"). */
    public static final double DEFAULT_SPEED = 1.0;

    /** A replay request's field that is wrong, named so that the API can say {@code {"error": ..., "field": ...}}. */
    public static final class InvalidField extends InvalidRequest
    {
        private static final long serialVersionUID = 1L;

        public InvalidField(final String field, final String message)
        {
            super(field, message);
        }
    }

    public static ReplayRequest fromDatabase(final String provider, final List<String> symbols, final Instant start, final Instant end, final double speed)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, null, null, null, null);
    }

    public static ReplayRequest fromJournal(final long runId, final double speed)
    {
        return new ReplayRequest(null, null, null, null, speed, runId, false, null, null);
    }

    /** The same request with {@code signals} set. */
    public ReplayRequest withSignals(final List<String> names)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, fromJournal, journal, names, sink, bus, allowPartial, sources, maxGap, models);
    }

    /** The same request with journaling set. */
    public ReplayRequest withJournal(final Boolean journaling)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, fromJournal, journaling, signals, sink, bus, allowPartial, sources, maxGap, models);
    }

    /**
     * The same request, taking a journal whose run did not complete (cancelled, failed, killed): without
     * this such a journal is refused, naming how many ticks it holds and where it stops.
     */
    public ReplayRequest withAllowPartial(final boolean partial)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, bus, partial, sources, maxGap, models);
    }

    /** The same request with its signals going to {@code where}. */
    public ReplayRequest withSink(final String where)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, fromJournal, journal, signals, where, bus, allowPartial, sources, maxGap, models);
    }

    /** The same request pacing every gap between ticks longer than {@code gap} as that long (null: every gap as it is). */
    public ReplayRequest withMaxGap(final Duration gap)
    {
        return new ReplayRequest(provider, symbols, start, end, speed, fromJournal, journal, signals, sink, bus, allowPartial, sources, gap, models);
    }

    /**
     * A duration as {@code --max-gap} and {@code max_gap} take it: a whole number and a unit, {@code ms},
     * {@code s}, {@code m} or {@code h} ({@code 100ms}, {@code 5s}, {@code 1m}); a mistake names {@code field}.
     */
    public static Duration gap(final String field, final String text)
    {
        if (text == null)
        {
            return null;
        }
        final Matcher m = Pattern.compile("([0-9]{1,9})(ms|s|m|h)").matcher(text.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0)
        {
            throw new InvalidField(field, field + " must be a positive whole number and a unit (ms, s, m or h), such as 100ms, 5s or 1m; was '" + text + "'");
        }
        final long n = Long.parseLong(m.group(1));
        return switch (m.group(2))
        {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** As {@link #gap}: {@code 100ms}, {@code 5s}, {@code 2m}, {@code 1h}, the largest unit that keeps it whole. */
    public static String gapText(final Duration d)
    {
        final long ms = d.toMillis();
        return ms % 3_600_000 == 0 ? ms / 3_600_000 + "h" : ms % 60_000 == 0 ? ms / 60_000 + "m" : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** Checks every field; throws {@link InvalidField} naming the first bad one. */
    public ReplayRequest validate()
    {
        if (sink != null && !sink.equals("postgres") && !sink.equals("none") && FileFormat.fromFileName(sink) == null)
        {
            throw new InvalidField("sink", "sink must be postgres, none, or a file ending in " + FileFormat.EXTENSIONS + ", was '" + sink + "'");
        }
        if (signals != null)
        {
            try
            {
                SignalSet.of(signals, 1);
            }
            catch (final IllegalArgumentException e)
            {
                throw new InvalidField("signals", e.getMessage());
            }
        }
        if (bus.maxLag() != null && bus.maxLag() < 1)
        {
            throw new InvalidField("max_lag", "max_lag must be a number of messages >= 1, was " + bus.maxLag());
        }
        if (maxGap != null && (maxGap.isNegative() || maxGap.isZero()))
        {
            throw new InvalidField("max_gap", "max_gap must be a positive duration such as 100ms, 5s or 1m, was " + maxGap);
        }
        final String speedProblem = ReplayControl.speedProblem(speed);
        if (speedProblem != null)
        {
            throw new InvalidField("speed", speedProblem);
        }
        if (fromJournal != null)
        {
            if (fromJournal < 1)
            {
                throw new InvalidField("from_journal", "from_journal must be a run id >= 1");
            }
            if (sources != null)
            {
                throw new InvalidField("sources", "a journal replay brings its own sources: drop sources");
            }
            return this;
        }
        if (sources != null)
        {
            checkSources();
            return this;
        }
        checkWindow(provider, symbols, start, end);
        return this;
    }

    /** Sources instead of provider and symbols, never both; each checked, and the window as for one source. */
    private void checkSources()
    {
        if (provider != null)
        {
            throw new InvalidField("provider", "provider goes in each of sources: give either provider and symbols or sources, not both");
        }
        if (symbols != null)
        {
            throw new InvalidField("symbols", "symbols go in each of sources: give either provider and symbols or sources, not both");
        }
        if (sources.isEmpty())
        {
            throw new InvalidField("sources", "sources must name at least one source");
        }
        int named = 0;
        for (int i = 0; i < sources.size(); i++)
        {
            if (sources.get(i) == null)
            {
                throw new InvalidField("sources", "sources[" + i + "] is empty");
            }
            sources.get(i).check("sources[" + i + "]");
            named += sources.get(i).symbols() == null ? 0 : sources.get(i).symbols().size();
        }
        if (named > MAX_SYMBOLS)
        {
            throw new InvalidField("sources", "at most " + MAX_SYMBOLS + " symbols per request, got " + named);
        }
        // the window's checks, with a stand-in for the provider and symbols that the sources hold
        checkWindow(sources.get(0).provider(), List.of("x"), start, end);
    }

    /**
     * Checks what every request on the tables names: a sane provider, 1 to {@value #MAX_SYMBOLS}
     * distinct sane symbols, and a window [start, end) with start before end.
     */
    public static void checkWindow(final String provider, final List<String> symbols, final Instant start, final Instant end)
    {
        if (provider == null || provider.isBlank())
        {
            throw new InvalidField("provider", "provider is required (or sources, to replay several)");
        }
        if (!Identifiers.isValid(provider))
        {
            throw new InvalidField("provider", "provider must be " + Identifiers.RULE + ", was '" + provider + "'");
        }
        if (symbols == null || symbols.isEmpty())
        {
            throw new InvalidField("symbols", "symbols must name at least one symbol");
        }
        if (symbols.size() > MAX_SYMBOLS)
        {
            throw new InvalidField("symbols", "at most " + MAX_SYMBOLS + " symbols per request, got " + symbols.size());
        }
        for (final String symbol : symbols)
        {
            if (!Identifiers.isValid(symbol))
            {
                throw new InvalidField("symbols", "each symbol must be " + Identifiers.RULE + ", got '" + symbol + "'");
            }
        }
        if (symbols.stream().distinct().count() != symbols.size())
        {
            throw new InvalidField("symbols", "symbols must not repeat");
        }
        if (start == null)
        {
            throw new InvalidField("start", "start is required (ISO-8601, e.g. 2025-11-03T14:00:00Z)");
        }
        if (end == null)
        {
            throw new InvalidField("end", "end is required (ISO-8601, e.g. 2025-11-03T15:00:00Z)");
        }
        if (!start.isBefore(end))
        {
            throw new InvalidField("end", "end must be after start (the window is [start, end))");
        }
        checkYear("start", start);
        checkYear("end", end);
    }

    /** Times PostgreSQL and ISO-8601 both handle: years 1900 to 9999. */
    public static void checkYear(final String field, final Instant t)
    {
        try
        {
            JsonBody.checkYear(field, t);
        }
        catch (final InvalidRequest e)
        {
            throw new InvalidField(field, e.getMessage());
        }
    }
}
