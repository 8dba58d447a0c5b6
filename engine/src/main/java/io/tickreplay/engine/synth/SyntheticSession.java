package io.tickreplay.engine.synth;

import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.tick.Tick;
import io.tickreplay.engine.tick.TickSink;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleConsumer;

/**
 * A realistic synthetic trading session, deterministic from a seed.
 *
 * <p>For each symbol and trading day (weekends skipped) between the open and the close in the
 * exchange's time zone it draws:
 * <ul>
 *   <li>trade arrivals from a Poisson process whose intensity is U-shaped over the day
 *   ({@code 0.4 + 1.8 (2u - 1)^2}, mean 1, five times busier at the open and close than at noon) and
 *   self-exciting: a trade starts a burst with probability 2 %, a burst runs about 15 trades at
 *   twenty times the rate, and a third of burst trades share the previous trade's microsecond
 *   (a sweep), which gives the ties on (symbol, ts) that real feeds have;</li>
 *   <li>a mid price that moves in whole tick-size steps (0.01, or 0.0001 under 1.00) as a random walk
 *   with about 2 % daily volatility, a bid/ask of 1 to 3 ticks around it (wider in the first minutes),
 *   and trades printed at the bid or the ask;</li>
 *   <li>lognormal trade sizes (median 100 shares) and quoted sizes in round lots.</li>
 * </ul>
 *
 * <p>Each symbol-day draws from its own {@link SplittableRandom} seeded from (seed, symbol, day), so
 * the output for a symbol does not depend on which other symbols are generated. Ticks leave in
 * (symbol, day, ts, seq) order: primary-key order of {@code tick_data}, the cheapest order to index.
 *
 * <p>Single-threaded; allocates nothing per tick.
 */
public final class SyntheticSession
{
    private static final double BURST_PROBABILITY = 0.02;
    private static final double BURST_MEAN_LENGTH = 15.0;
    private static final double BURST_RATE_MULTIPLIER = 20.0;
    private static final double SWEEP_PROBABILITY = 0.33;
    private static final double DAILY_VOLATILITY = 0.02;

    private final Context ctx;
    private final List<LocalDate> tradingDays;

    public SyntheticSession(final Context ctx)
    {
        this.ctx = ctx.conclude();
        this.tradingDays = tradingDays(ctx.startDate, ctx.days);
    }

    public List<LocalDate> tradingDays()
    {
        return tradingDays;
    }

    /** The expected number of ticks (the mean of the arrival process, bursts included), for progress display. */
    public long expectedTicks()
    {
        final double burstFactor = 1.0 + BURST_PROBABILITY * BURST_MEAN_LENGTH;
        long total = 0;
        for (final String symbol : ctx.symbols)
        {
            total += (long)(ctx.ticksPerSecond * weight(symbol) * sessionSeconds() * tradingDays.size() * burstFactor);
        }
        return total;
    }

    /**
     * Generates the whole session into {@code sink}.
     *
     * @param progress receives the fraction done, 0..1, about a hundred times per symbol-day.
     * @return the number of ticks generated.
     */
    public long run(final TickSink sink, final DoubleConsumer progress)
    {
        final Tick tick = new Tick();
        tick.provider = ctx.provider;
        long count = 0;
        final int units = ctx.symbols.size() * tradingDays.size();
        int unit = 0;
        for (final String symbol : ctx.symbols)
        {
            final SymbolProfile profile = SymbolProfile.of(symbol);
            long midTicks = Math.round(profile.startPrice * profile.ticksPerUnit);
            for (int d = 0; d < tradingDays.size(); d++)
            {
                final SplittableRandom random = new SplittableRandom(mix(ctx.seed, symbol.hashCode(), d));
                final long[] out = {midTicks};
                count += generateDay(symbol, profile, tradingDays.get(d), random, out, tick, sink, progress, unit, units);
                midTicks = out[0];
                unit++;
            }
        }
        sink.flush();
        progress.accept(1.0);
        return count;
    }

    private long generateDay(
        final String symbol,
        final SymbolProfile profile,
        final LocalDate day,
        final SplittableRandom random,
        final long[] midTicksInOut,
        final Tick tick,
        final TickSink sink,
        final DoubleConsumer progress,
        final int unit,
        final int units)
    {
        final long openMicros = Micros.of(day.atTime(ctx.open).atZone(ctx.zone).toInstant());
        final long closeMicros = Micros.of(day.atTime(ctx.close).atZone(ctx.zone).toInstant());
        final double sessionMicros = closeMicros - openMicros;
        final double baseRatePerMicro = ctx.ticksPerSecond * weight(symbol) / Micros.PER_SECOND;
        final double tickVolatility = profile.startPrice * DAILY_VOLATILITY * profile.ticksPerUnit / Math.sqrt(sessionMicros);

        long midTicks = midTicksInOut[0];
        long ts = openMicros;
        long lastTs = Long.MIN_VALUE;
        int seq = 0;
        int burstLeft = 0;
        long count = 0;
        long nextProgressAt = openMicros;
        final long progressStep = (long)(sessionMicros / 100);

        while (true)
        {
            final double u = (ts - openMicros) / sessionMicros;
            final double shape = 0.4 + 1.8 * (2 * u - 1) * (2 * u - 1);
            final boolean inBurst = burstLeft > 0;
            final long dtMicros;
            if (inBurst && random.nextDouble() < SWEEP_PROBABILITY)
            {
                dtMicros = 0;
            }
            else
            {
                final double rate = baseRatePerMicro * shape * (inBurst ? BURST_RATE_MULTIPLIER : 1.0);
                dtMicros = (long)(exponential(random) / rate) + (lastTs == Long.MIN_VALUE ? 0 : 1);
            }
            ts += dtMicros;
            if (ts >= closeMicros)
            {
                break;
            }
            if (inBurst)
            {
                burstLeft--;
            }
            else if (random.nextDouble() < BURST_PROBABILITY)
            {
                burstLeft = 1 + (int)(exponential(random) * BURST_MEAN_LENGTH);
            }

            seq = ts == lastTs ? seq + 1 : 0;
            lastTs = ts;

            if (dtMicros > 0)
            {
                midTicks += Math.round(gaussian(random) * tickVolatility * Math.sqrt(dtMicros));
                midTicks = Math.max(midTicks, 10);
            }
            final boolean opening = u < 5.0 * 60 / (sessionMicros / Micros.PER_SECOND);
            final double wide = random.nextDouble();
            final int spreadTicks = opening ? 2 + (wide < 0.5 ? 1 : 0) : wide < 0.85 ? 1 : wide < 0.97 ? 2 : 3;
            final long bidTicks = midTicks - spreadTicks / 2;
            final long askTicks = bidTicks + spreadTicks;
            final boolean buy = random.nextDouble() < 0.5;

            tick.symbol = symbol;
            tick.tsMicros = ts;
            tick.seq = seq;
            // division by the exact power of ten gives the double nearest the decimal price (450.03, not 450.03000000000003)
            tick.bid = bidTicks / profile.ticksPerUnit;
            tick.ask = askTicks / profile.ticksPerUnit;
            tick.price = buy ? tick.ask : tick.bid;
            tick.size = Math.max(1, Math.round(Math.exp(Math.log(100) + 1.0 * gaussian(random))));
            tick.bidSize = 100 * Math.max(1, Math.round(Math.exp(Math.log(5) + 0.8 * gaussian(random))));
            tick.askSize = 100 * Math.max(1, Math.round(Math.exp(Math.log(5) + 0.8 * gaussian(random))));
            sink.onTick(tick);
            count++;

            if (ts >= nextProgressAt)
            {
                progress.accept((unit + u) / units);
                nextProgressAt = ts + progressStep;
            }
        }
        midTicksInOut[0] = midTicks;
        return count;
    }

    private long sessionSeconds()
    {
        return Duration.between(ctx.open, ctx.close).toSeconds();
    }

    /** Relative activity of a symbol, 0.6..1.4, fixed by its name so totals stay near rate x symbols. */
    static double weight(final String symbol)
    {
        return 0.6 + 0.8 * ((symbol.hashCode() & 0x7fffffff) % 1000) / 999.0;
    }

    static List<LocalDate> tradingDays(final LocalDate start, final int days)
    {
        final ArrayList<LocalDate> result = new ArrayList<>(days);
        LocalDate day = start;
        while (result.size() < days)
        {
            if (day.getDayOfWeek() != DayOfWeek.SATURDAY && day.getDayOfWeek() != DayOfWeek.SUNDAY)
            {
                result.add(day);
            }
            day = day.plusDays(1);
        }
        return List.copyOf(result);
    }

    private static long mix(final long seed, final int symbolHash, final int day)
    {
        long z = seed * 0x9E3779B97F4A7C15L + symbolHash * 0xBF58476D1CE4E5B9L + day * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double exponential(final SplittableRandom random)
    {
        return -Math.log(1.0 - random.nextDouble());
    }

    /** Box-Muller, written out so the stream is fixed by this code and not by a JDK's choice of algorithm. */
    private static double gaussian(final SplittableRandom random)
    {
        final double u1 = 1.0 - random.nextDouble();
        final double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Start prices and tick sizes; known tickers start near their late-2025 levels. */
    private record SymbolProfile(double startPrice, double ticksPerUnit)
    {
        static SymbolProfile of(final String symbol)
        {
            final double price = switch (symbol)
            {
                case "NVDA" -> 190.00;
                case "AAPL" -> 270.00;
                case "MSFT" -> 510.00;
                case "AMZN" -> 250.00;
                case "TSLA" -> 450.00;
                case "SPY" -> 680.00;
                default -> 20.0 + (symbol.hashCode() & 0x7fffffff) % 48000 / 100.0;
            };
            return new SymbolProfile(price, price < 1.0 ? 10_000 : 100);
        }
    }

    /** What to generate; fluent setters, validated by {@link #conclude()}. */
    public static final class Context
    {
        private String provider = "ibkr";
        private List<String> symbols = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");
        private LocalDate startDate = LocalDate.of(2025, 11, 3);
        private int days = 1;
        private long seed = 42;
        private double ticksPerSecond = 17.0;
        private ZoneId zone = ZoneId.of("America/New_York");
        private LocalTime open = LocalTime.of(9, 30);
        private LocalTime close = LocalTime.of(16, 0);

        public Context provider(final String provider)
        {
            this.provider = provider;
            return this;
        }

        public Context symbols(final List<String> symbols)
        {
            this.symbols = List.copyOf(symbols);
            return this;
        }

        public Context startDate(final LocalDate startDate)
        {
            this.startDate = startDate;
            return this;
        }

        public Context days(final int days)
        {
            this.days = days;
            return this;
        }

        public Context seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /** Mean trades per second per symbol over the session, before bursts. */
        public Context ticksPerSecond(final double ticksPerSecond)
        {
            this.ticksPerSecond = ticksPerSecond;
            return this;
        }

        public Context zone(final ZoneId zone)
        {
            this.zone = zone;
            return this;
        }

        public Context hours(final LocalTime open, final LocalTime close)
        {
            this.open = open;
            this.close = close;
            return this;
        }

        public String provider()
        {
            return provider;
        }

        public List<String> symbols()
        {
            return symbols;
        }

        public int days()
        {
            return days;
        }

        public Context conclude()
        {
            if (provider == null || provider.isBlank())
            {
                throw new IllegalArgumentException("provider must not be blank");
            }
            if (symbols.isEmpty())
            {
                throw new IllegalArgumentException("symbols must not be empty");
            }
            if (symbols.stream().distinct().count() != symbols.size())
            {
                throw new IllegalArgumentException("symbols must be distinct: " + symbols);
            }
            if (days < 1)
            {
                throw new IllegalArgumentException("days must be >= 1, was " + days);
            }
            if (!(ticksPerSecond > 0) || Double.isInfinite(ticksPerSecond))
            {
                throw new IllegalArgumentException("rate must be a finite number > 0, was " + ticksPerSecond);
            }
            if (!open.isBefore(close))
            {
                throw new IllegalArgumentException("open must be before close");
            }
            return this;
        }
    }
}
