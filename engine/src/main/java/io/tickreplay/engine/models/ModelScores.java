package io.tickreplay.engine.models;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A model's rolling scores per symbol (docs/models.md): each (prediction p, label y) pair joins a window
 * of the symbol's last N pairs, and after each arrival, with m pairs in the window,
 * <ul>
 *   <li>{@link #ic}: the Pearson correlation of p and y over the window, NaN when either side has zero
 *       variance;</li>
 *   <li>{@link #hitRate}: the share of pairs with sign(p) = sign(y) among those where both are non-zero,
 *       NaN when there are none;</li>
 *   <li>{@link #mse}: the mean of (p - y)^2;</li>
 *   <li>{@link #count}: m.</li>
 * </ul>
 * The spec writes scores only once m >= 2; below that the three doubles are NaN.
 *
 * <p>O(1) per arrival, with running sums over a ring of the pairs. Sums that have values added and taken
 * away lose digits two ways: a variance taken as {@code sum(x^2) - sum(x)^2 / m} cancels when the values
 * sit far from 0, and one taken after a fall in spread (a biased model that steadies, a window that
 * leaves a jump behind) is a small difference of large numbers. So:
 * <ul>
 *   <li>the sums are of values shifted by a reference (p - cp, y - cy), the window's means when the sums
 *       were last taken, so a bias far from 0 cancels nothing;</li>
 *   <li>the rounding a sum can hold is tracked: each side keeps the mass of the squares added to and
 *       taken from it since the sums were last taken ({@code sum |(p - cp)^2|}, the same for y and for
 *       (p - y)^2), and its rounding is of the order of {@code 2^-52} times that mass. When a mass
 *       passes {@value #DRIFT_LIMIT} times the sum it serves (the variance or the squared error fell by
 *       that much), the sums are taken again from the ring, two-pass about the new means: the scores'
 *       relative error stays of the order of {@code 1e4 * 2^-52}, about 1e-12. That is O(N) on that arrival, and happens only when
 *       a window's spread falls by a factor of 100 in standard deviation: O(1) per arrival otherwise,
 *       with no periodic pass;</li>
 *   <li>what must be exact is counted in integers: hits, pairs with both signs non-zero, and the run of
 *       equal values ending at the newest p and y, which tells zero variance exactly (N equal
 *       predictions, as a model's first ones at w = 0 are, give no correlation, not one made of the
 *       rounding residue of a variance that should be 0).</li>
 * </ul>
 *
 * <p>State per symbol in flat primitive arrays; one thread; allocation-free per arrival.
 */
public final class ModelScores
{
    /** The window of the spec when none is configured. */
    public static final int DEFAULT_WINDOW = 500;
    /** The version of the {@link #writeState} layout. */
    public static final int STATE_VERSION = 1;
    static final int HEADER_LENGTH = 32 + 11 * Double.BYTES;

    private static final int SUM_P = 0;
    private static final int SUM_Y = 1;
    private static final int SUM_PP = 2;
    private static final int SUM_YY = 3;
    private static final int SUM_PY = 4;
    private static final int SUM_SE = 5;
    private static final int SHIFT_P = 6;
    private static final int SHIFT_Y = 7;
    private static final int MASS_P = 8;
    private static final int MASS_Y = 9;
    private static final int MASS_SE = 10;
    private static final int SUMS = 11;

    /** How many times the variance (or squared error) a sum serves its rounding mass may grow before the sums are taken again. */
    static final double DRIFT_LIMIT = 1e4;

    private static final int COUNT = 0;
    private static final int NEXT = 1;
    private static final int HITS = 2;
    private static final int SIGNED = 3;
    private static final int EQUAL_P = 4;
    private static final int EQUAL_Y = 5;
    private static final int COUNTS = 6;

    private final int window;
    private final double[] ringP;
    private final double[] ringY;
    private final double[] sums;
    private final int[] counts;

    public ModelScores(final int symbols)
    {
        this(symbols, DEFAULT_WINDOW);
    }

    /** @param window N, the pairs a symbol's scores cover (>= 2) */
    public ModelScores(final int symbols, final int window)
    {
        if (window < 2)
        {
            throw new IllegalArgumentException("model scores window must be >= 2 pairs, got " + window);
        }
        if (symbols < 1)
        {
            throw new IllegalArgumentException("model scores need at least 1 symbol, got " + symbols);
        }
        this.window = window;
        try
        {
            ringP = new double[Math.multiplyExact(symbols, window)];
        }
        catch (final ArithmeticException e)
        {
            throw new IllegalArgumentException("model scores window " + window + " for " + symbols + " symbols does not fit in an array", e);
        }
        ringY = new double[ringP.length];
        sums = new double[symbols * SUMS];
        counts = new int[symbols * COUNTS];
    }

    public int window()
    {
        return window;
    }

    /** A label y arrived for the prediction p of {@code symbolId}: the pair joins the window, the oldest leaves a full one. */
    public void onPair(final int symbolId, final double prediction, final double label)
    {
        final int c = symbolId * COUNTS;
        final int s = symbolId * SUMS;
        final int[] counts = this.counts;
        final double[] sums = this.sums;
        final int next = counts[c + NEXT];
        final int at = symbolId * window + next;
        final int m = counts[c + COUNT];

        if (m > 0)
        {
            final int newest = symbolId * window + (next == 0 ? window - 1 : next - 1);
            counts[c + EQUAL_P] = prediction == ringP[newest] ? Math.min(counts[c + EQUAL_P] + 1, window) : 1;
            counts[c + EQUAL_Y] = label == ringY[newest] ? Math.min(counts[c + EQUAL_Y] + 1, window) : 1;
        }
        else
        {
            counts[c + EQUAL_P] = 1;
            counts[c + EQUAL_Y] = 1;
            sums[s + SHIFT_P] = prediction;
            sums[s + SHIFT_Y] = label;
        }

        if (m == window)
        {
            remove(s, c, ringP[at], ringY[at]);
        }
        else
        {
            counts[c + COUNT] = m + 1;
        }
        ringP[at] = prediction;
        ringY[at] = label;
        add(s, c, prediction, label);

        counts[c + NEXT] = next + 1 == window ? 0 : next + 1;
        final int n = counts[c + COUNT];
        final double sp = sums[s + SUM_P];
        final double sy = sums[s + SUM_Y];
        if (sums[s + MASS_P] > DRIFT_LIMIT * (sums[s + SUM_PP] - sp * sp / n)
            || sums[s + MASS_Y] > DRIFT_LIMIT * (sums[s + SUM_YY] - sy * sy / n)
            || sums[s + MASS_SE] > DRIFT_LIMIT * sums[s + SUM_SE])
        {
            recompute(symbolId);
        }
    }

    private void add(final int s, final int c, final double prediction, final double label)
    {
        final double[] sums = this.sums;
        final double dp = prediction - sums[s + SHIFT_P];
        final double dy = label - sums[s + SHIFT_Y];
        final double e = prediction - label;
        sums[s + SUM_P] += dp;
        sums[s + SUM_Y] += dy;
        sums[s + SUM_PP] += dp * dp;
        sums[s + SUM_YY] += dy * dy;
        sums[s + SUM_PY] += dp * dy;
        sums[s + SUM_SE] += e * e;
        sums[s + MASS_P] += dp * dp;
        sums[s + MASS_Y] += dy * dy;
        sums[s + MASS_SE] += e * e;
        if (prediction != 0 && label != 0)
        {
            counts[c + SIGNED]++;
            if ((prediction > 0) == (label > 0))
            {
                counts[c + HITS]++;
            }
        }
    }

    private void remove(final int s, final int c, final double prediction, final double label)
    {
        final double[] sums = this.sums;
        final double dp = prediction - sums[s + SHIFT_P];
        final double dy = label - sums[s + SHIFT_Y];
        final double e = prediction - label;
        sums[s + SUM_P] -= dp;
        sums[s + SUM_Y] -= dy;
        sums[s + SUM_PP] -= dp * dp;
        sums[s + SUM_YY] -= dy * dy;
        sums[s + SUM_PY] -= dp * dy;
        sums[s + SUM_SE] -= e * e;
        sums[s + MASS_P] += dp * dp;
        sums[s + MASS_Y] += dy * dy;
        sums[s + MASS_SE] += e * e;
        if (prediction != 0 && label != 0)
        {
            counts[c + SIGNED]--;
            if ((prediction > 0) == (label > 0))
            {
                counts[c + HITS]--;
            }
        }
    }

    /**
     * Two-pass: the window's means become the shifts, and the sums are taken again about them; the masses
     * start from the sums' own size. When a side's values are all equal its shift is that value, so its
     * sums are exactly 0 (a computed mean of equal values need not equal them).
     */
    private void recompute(final int symbolId)
    {
        final int c = symbolId * COUNTS;
        final int m = counts[c + COUNT];
        final int base = symbolId * window;
        final int s = symbolId * SUMS;
        final int newest = base + (counts[c + NEXT] == 0 ? window - 1 : counts[c + NEXT] - 1);
        double meanP = 0;
        double meanY = 0;
        for (int i = 0; i < m; i++)
        {
            meanP += ringP[base + i];
            meanY += ringY[base + i];
        }
        meanP = counts[c + EQUAL_P] >= m ? ringP[newest] : meanP / m;
        meanY = counts[c + EQUAL_Y] >= m ? ringY[newest] : meanY / m;
        double sp = 0;
        double sy = 0;
        double spp = 0;
        double syy = 0;
        double spy = 0;
        double sse = 0;
        for (int i = 0; i < m; i++)
        {
            final double dp = ringP[base + i] - meanP;
            final double dy = ringY[base + i] - meanY;
            final double e = ringP[base + i] - ringY[base + i];
            sp += dp;
            sy += dy;
            spp += dp * dp;
            syy += dy * dy;
            spy += dp * dy;
            sse += e * e;
        }
        sums[s + SUM_P] = sp;
        sums[s + SUM_Y] = sy;
        sums[s + SUM_PP] = spp;
        sums[s + SUM_YY] = syy;
        sums[s + SUM_PY] = spy;
        sums[s + SUM_SE] = sse;
        sums[s + SHIFT_P] = meanP;
        sums[s + SHIFT_Y] = meanY;
        sums[s + MASS_P] = spp;
        sums[s + MASS_Y] = syy;
        sums[s + MASS_SE] = sse;
    }

    /** m: the pairs in the symbol's window. */
    public int count(final int symbolId)
    {
        return counts[symbolId * COUNTS + COUNT];
    }

    /** Pearson correlation of p and y over the window; NaN when m < 2 or either side has zero variance. */
    public double ic(final int symbolId)
    {
        final int c = symbolId * COUNTS;
        final int m = counts[c + COUNT];
        if (m < 2 || counts[c + EQUAL_P] >= m || counts[c + EQUAL_Y] >= m)
        {
            return Double.NaN;
        }
        final int s = symbolId * SUMS;
        final double sp = sums[s + SUM_P];
        final double sy = sums[s + SUM_Y];
        final double varP = sums[s + SUM_PP] - sp * sp / m;
        final double varY = sums[s + SUM_YY] - sy * sy / m;
        if (!(varP > 0 && varY > 0))
        {
            return Double.NaN; // not all equal, but too close to tell from rounding
        }
        final double r = (sums[s + SUM_PY] - sp * sy / m) / Math.sqrt(varP * varY);
        return Math.max(-1.0, Math.min(1.0, r));
    }

    /** Share of pairs with sign(p) = sign(y) among those where both are non-zero; NaN when m < 2 or there are none. */
    public double hitRate(final int symbolId)
    {
        final int c = symbolId * COUNTS;
        final int signed = counts[c + SIGNED];
        return counts[c + COUNT] < 2 || signed == 0 ? Double.NaN : (double)counts[c + HITS] / signed;
    }

    /** Mean of (p - y)^2 over the window; NaN when m < 2. */
    public double mse(final int symbolId)
    {
        final int m = counts[symbolId * COUNTS + COUNT];
        return m < 2 ? Double.NaN : Math.max(0.0, sums[symbolId * SUMS + SUM_SE]) / m;
    }

    /** Empties the symbol's window. */
    public void reset(final int symbolId)
    {
        Arrays.fill(sums, symbolId * SUMS, (symbolId + 1) * SUMS, 0.0);
        Arrays.fill(counts, symbolId * COUNTS, (symbolId + 1) * COUNTS, 0);
        Arrays.fill(ringP, symbolId * window, (symbolId + 1) * window, 0.0);
        Arrays.fill(ringY, symbolId * window, (symbolId + 1) * window, 0.0);
    }

    /** Bytes that {@link #writeState} writes per symbol. */
    public int stateLength()
    {
        return HEADER_LENGTH + 2 * Double.BYTES * window;
    }

    /**
     * Writes the symbol's window for a run's checkpoint, little-endian: the pairs, the counts and the
     * running sums as they stand, so that a resumed run's scores are an uninterrupted one's to the bit.
     *
     * <pre>
     *   0: version = 1 (int32)     4: window N (int32)        8: m (int32)         12: next slot (int32)
     *  16: hits (int32)          20: both signed (int32)   24: equal run of p (int32)  28: equal run of y (int32)
     *  32: sums (f64 x 11): p - cp, y - cy, (p - cp)^2, (y - cy)^2, (p - cp)(y - cy), (p - y)^2, cp, cy,
     *      and the rounding masses of (p - cp)^2, (y - cy)^2, (p - y)^2
     * 120: p (f64 x N, slot order)   120 + 8N: y (f64 x N, slot order)
     * </pre>
     *
     * @return the offset after the state ({@code offset + stateLength()})
     */
    public int writeState(final int symbolId, final MutableDirectBuffer buffer, final int offset)
    {
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        buffer.putInt(offset, STATE_VERSION, le);
        buffer.putInt(offset + 4, window, le);
        final int c = symbolId * COUNTS;
        for (int i = 0; i < COUNTS; i++)
        {
            buffer.putInt(offset + 8 + 4 * i, counts[c + i], le);
        }
        final int s = symbolId * SUMS;
        int at = offset + 32;
        for (int i = 0; i < SUMS; i++, at += Double.BYTES)
        {
            buffer.putDouble(at, sums[s + i], le);
        }
        final int base = symbolId * window;
        for (int i = 0; i < window; i++, at += Double.BYTES)
        {
            buffer.putDouble(at, ringP[base + i], le);
        }
        for (int i = 0; i < window; i++, at += Double.BYTES)
        {
            buffer.putDouble(at, ringY[base + i], le);
        }
        return at;
    }

    /**
     * Reads a window {@link #writeState} wrote into the symbol, replacing its own.
     *
     * @return the offset after the state
     * @throws IllegalArgumentException when the state is of another version or window, or inconsistent
     */
    public int readState(final int symbolId, final DirectBuffer buffer, final int offset)
    {
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        final int version = buffer.getInt(offset, le);
        final int n = buffer.getInt(offset + 4, le);
        if (version != STATE_VERSION)
        {
            throw new IllegalArgumentException("model scores state version " + version + ", this engine reads " + STATE_VERSION);
        }
        if (n != window)
        {
            throw new IllegalArgumentException("model scores state of a window of " + n + " pairs cannot resume one of " + window);
        }
        final int m = buffer.getInt(offset + 8 + 4 * COUNT, le);
        final int next = buffer.getInt(offset + 8 + 4 * NEXT, le);
        final int hits = buffer.getInt(offset + 8 + 4 * HITS, le);
        final int signed = buffer.getInt(offset + 8 + 4 * SIGNED, le);
        final int equalP = buffer.getInt(offset + 8 + 4 * EQUAL_P, le);
        final int equalY = buffer.getInt(offset + 8 + 4 * EQUAL_Y, le);
        if (m < 0 || m > window || next < 0 || next >= window || (m < window && next != m) || hits < 0 || hits > signed || signed > m
            || equalP < (m > 0 ? 1 : 0) || equalP > m || equalY < (m > 0 ? 1 : 0) || equalY > m)
        {
            throw new IllegalArgumentException("model scores state is inconsistent: m=" + m + ", next=" + next + ", hits=" + hits
                + ", signed=" + signed + ", window=" + window);
        }
        final int c = symbolId * COUNTS;
        counts[c + COUNT] = m;
        counts[c + NEXT] = next;
        counts[c + HITS] = hits;
        counts[c + SIGNED] = signed;
        counts[c + EQUAL_P] = equalP;
        counts[c + EQUAL_Y] = equalY;
        final int s = symbolId * SUMS;
        int at = offset + 32;
        for (int i = 0; i < SUMS; i++, at += Double.BYTES)
        {
            sums[s + i] = buffer.getDouble(at, le);
        }
        final int base = symbolId * window;
        for (int i = 0; i < window; i++, at += Double.BYTES)
        {
            ringP[base + i] = buffer.getDouble(at, le);
        }
        for (int i = 0; i < window; i++, at += Double.BYTES)
        {
            ringY[base + i] = buffer.getDouble(at, le);
        }
        return at;
    }
}
