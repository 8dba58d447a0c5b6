package io.tickreplay.engine.synth;

import io.tickreplay.engine.tick.Tick;

import java.util.List;
import java.util.SplittableRandom;

/**
 * An endless synthetic feed for live use: trades of each symbol arrive as a Poisson process of
 * {@code ratePerSymbol} a second, the mid moves one cent at a time at random, the quote is one to
 * three cents wide and a trade prints at the bid or the ask with a lognormal size (median 100).
 * {@link #next(Tick)} gives the ticks of all symbols in time order, stamped on the feed's own clock
 * (microseconds from 0); the caller waits for each tick's time and stamps it with the wall clock.
 * Deterministic for a seed. One thread; no allocation per tick.
 */
public final class SyntheticFeed
{
    private final String provider;
    private final String[] symbols;
    private final double meanGapMicros;
    private final SplittableRandom random;
    private final long[] nextMicros;
    private final long[] midCents;

    public SyntheticFeed(final String provider, final List<String> symbols, final double ratePerSymbol, final long seed)
    {
        if (symbols.isEmpty() || !(ratePerSymbol > 0) || Double.isInfinite(ratePerSymbol))
        {
            throw new IllegalArgumentException("a feed needs symbols and a finite rate > 0, was " + symbols + " at " + ratePerSymbol);
        }
        this.provider = provider;
        this.symbols = symbols.toArray(String[]::new);
        this.meanGapMicros = 1_000_000.0 / ratePerSymbol;
        this.random = new SplittableRandom(seed);
        this.nextMicros = new long[this.symbols.length];
        this.midCents = new long[this.symbols.length];
        for (int i = 0; i < this.symbols.length; i++)
        {
            nextMicros[i] = gap();
            midCents[i] = 5_000 + Math.floorMod(this.symbols[i].hashCode(), 45_000);  // 50.00 .. 499.99
        }
    }

    private long gap()
    {
        return (long)Math.ceil(-Math.log(1.0 - random.nextDouble()) * meanGapMicros);
    }

    /** Fills {@code out} with the next tick (its {@code tsMicros} on the feed's clock) and returns it. */
    public Tick next(final Tick out)
    {
        int s = 0;
        for (int i = 1; i < symbols.length; i++)
        {
            if (nextMicros[i] < nextMicros[s])
            {
                s = i;
            }
        }
        final long t = nextMicros[s];
        nextMicros[s] = t + gap();
        midCents[s] = Math.max(100, midCents[s] + random.nextInt(3) - 1);
        final long halfSpread = 1 + random.nextInt(2);
        final long bid = midCents[s] - halfSpread / 2 - (halfSpread & 1);
        final long ask = bid + halfSpread + random.nextInt(2);
        final boolean buy = random.nextBoolean();
        out.provider = provider;
        out.symbol = symbols[s];
        out.tsMicros = t;
        out.seq = 0;
        out.price = (buy ? ask : bid) / 100.0;
        out.size = Math.max(1, Math.round(Math.exp(Math.log(100) + 0.8 * random.nextGaussian())));
        out.bid = bid / 100.0;
        out.ask = ask / 100.0;
        out.bidSize = 100.0 * (1 + random.nextInt(20));
        out.askSize = 100.0 * (1 + random.nextInt(20));
        return out;
    }
}
