package io.tickreplay.engine.models;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@code online_linear}: recursive least squares with forgetting per symbol, exactly as docs/models.md
 * defines it. With {@code d = features + 1} and {@code x_t = [1, f_1(t), ..., f_n(t)]}, at the close of
 * bar t of a symbol:
 * <ol>
 *   <li>when bar t-h exists and had a prediction, the label that became known updates the state:
 *       {@code y = ln(close_t / close_{t-h})}, {@code x = x_{t-h}},
 *       {@code k = P x / (lambda + x'P x); w = w + k (y - w'x); P = (P - k x'P) / lambda};</li>
 *   <li>then the prediction for bar t is {@code w'x_t}, or none (NaN) when a feature is missing.</li>
 * </ol>
 * A prediction never sees a label unknown at its bar's close, and a bar without a prediction brings no
 * update h bars later.
 *
 * <p>State per symbol in flat primitive arrays indexed by symbol id: {@code w} ({@code d} values),
 * {@code P} ({@code d*d}, row-major), and a ring of the symbol's last {@code h} bars (close, prediction,
 * x). The ring needs h slots, not h+1: bar t's slot is bar t-h's, which the update reads before bar t
 * overwrites it. A NaN prediction in the ring is "no prediction".
 *
 * <p>{@code P} is kept exactly symmetric: {@code x'P} is taken as {@code (P x)'} and the update computes
 * the upper triangle and mirrors it. In exact arithmetic that is the definition (P starts symmetric and
 * the update keeps it so); in floating point it stops the rounding asymmetry that makes plain RLS drift
 * apart over long runs, and halves the update's work.
 *
 * <p>One thread; allocation-free per bar; about {@code 2 d^2} multiply-adds per bar (242 for 10
 * features). Not thread-safe: one instance per model per signal shard.
 */
public final class OnlineLinearModel
{
    /** The version of the {@link #writeState} layout. */
    public static final int STATE_VERSION = 1;
    /** Bytes of the state's header, before {@code w}. */
    static final int HEADER_LENGTH = 40;

    private final int features;
    private final int d;
    private final int horizon;
    private final double lambda;
    private final double delta;
    private final int symbols;

    private final long[] bars;
    private final double[] w;
    private final double[] p;
    private final double[] ringClose;
    private final double[] ringPrediction;
    private final double[] ringX;

    /** Scratch: P x of the update. */
    private final double[] px;

    private double lastLabel = Double.NaN;
    private double lastLabelledPrediction = Double.NaN;

    /**
     * @param features the model's features n (x has n + 1 values: the intercept first)
     * @param horizon  h, in bars of the symbol: the label of bar t is {@code ln(close_{t+h} / close_t)}
     * @param lambda   forgetting factor in (0, 1]; 1 forgets nothing
     * @param delta    ridge: P starts as {@code delta * I}; larger is a weaker prior on w = 0
     * @param symbols  dense symbol ids 0..symbols-1
     */
    public OnlineLinearModel(final int features, final int horizon, final double lambda, final double delta, final int symbols)
    {
        if (features < 1)
        {
            throw new IllegalArgumentException("online_linear needs at least 1 feature, got " + features);
        }
        if (horizon < 1)
        {
            throw new IllegalArgumentException("online_linear horizon must be >= 1 bar, got " + horizon);
        }
        if (!(lambda > 0 && lambda <= 1))
        {
            throw new IllegalArgumentException("online_linear lambda must be in (0, 1], got " + lambda);
        }
        if (!(delta > 0 && delta < Double.POSITIVE_INFINITY))
        {
            throw new IllegalArgumentException("online_linear delta must be finite and > 0, got " + delta);
        }
        if (symbols < 1)
        {
            throw new IllegalArgumentException("online_linear needs at least 1 symbol, got " + symbols);
        }
        this.features = features;
        this.d = features + 1;
        this.horizon = horizon;
        this.lambda = lambda;
        this.delta = delta;
        this.symbols = symbols;
        try
        {
            bars = new long[symbols];
            w = new double[Math.multiplyExact(symbols, d)];
            p = new double[Math.multiplyExact(symbols, Math.multiplyExact(d, d))];
            ringClose = new double[Math.multiplyExact(symbols, horizon)];
            ringPrediction = new double[ringClose.length];
            ringX = new double[Math.multiplyExact(ringClose.length, d)];
        }
        catch (final ArithmeticException e)
        {
            throw new IllegalArgumentException("online_linear state for " + symbols + " symbols, " + features + " features and horizon "
                + horizon + " does not fit in arrays", e);
        }
        px = new double[d];
        for (int s = 0; s < symbols; s++)
        {
            reset(s);
        }
    }

    public int features()
    {
        return features;
    }

    public int horizon()
    {
        return horizon;
    }

    public double lambda()
    {
        return lambda;
    }

    public double delta()
    {
        return delta;
    }

    public int symbols()
    {
        return symbols;
    }

    /**
     * The close of bar t of {@code symbolId}: first the update with the label of bar t-h (when it had a
     * prediction), then the prediction for bar t.
     *
     * @param close    the bar's close (> 0, as every bar's)
     * @param features the bar's features in declared order; at least {@link #features()} values, only
     *                 those read. A NaN (a null in the feature row) or an infinity means no prediction.
     * @return the prediction {@code w'x_t}, or NaN when a feature is missing
     */
    public double onBarClose(final int symbolId, final double close, final double[] features)
    {
        if (features.length < this.features)
        {
            throw new IllegalArgumentException("online_linear expects " + this.features + " features, got " + features.length);
        }
        final long t = bars[symbolId]++;
        final int slot = symbolId * horizon + (int)(t % horizon);
        final int xAt = slot * d;

        lastLabel = Double.NaN;
        lastLabelledPrediction = Double.NaN;
        if (t >= horizon && ringPrediction[slot] == ringPrediction[slot]) // bar t-h exists and had a prediction
        {
            final double y = Math.log(close / ringClose[slot]);
            update(symbolId, xAt, y);
            lastLabel = y;
            lastLabelledPrediction = ringPrediction[slot];
        }

        // bar t takes over bar t-h's slot
        ringClose[slot] = close;
        final double[] ringX = this.ringX;
        final double[] w = this.w;
        final int wAt = symbolId * d;
        ringX[xAt] = 1.0;
        double prediction = w[wAt];
        boolean complete = true;
        for (int i = 0; i < this.features; i++)
        {
            final double f = features[i];
            complete &= f - f == 0; // false for NaN and for the infinities
            ringX[xAt + 1 + i] = f;
            prediction += w[wAt + 1 + i] * f;
        }
        prediction = complete ? prediction : Double.NaN;
        ringPrediction[slot] = prediction;
        return prediction;
    }

    /** {@code k = P x / (lambda + x'P x); w += k (y - w'x); P = (P - k (P x)') / lambda}, P symmetric. */
    private void update(final int symbolId, final int xAt, final double y)
    {
        final double[] p = this.p;
        final double[] x = this.ringX;
        final double[] w = this.w;
        final double[] px = this.px;
        final int d = this.d;
        final int pAt = symbolId * d * d;
        final int wAt = symbolId * d;

        double xpx = 0;
        double wx = 0;
        for (int i = 0; i < d; i++)
        {
            final int row = pAt + i * d;
            double sum = 0;
            for (int j = 0; j < d; j++)
            {
                sum += p[row + j] * x[xAt + j];
            }
            px[i] = sum;
            xpx += x[xAt + i] * sum;
            wx += w[wAt + i] * x[xAt + i];
        }
        final double denominator = lambda + xpx;
        final double error = y - wx;
        final double inverseLambda = 1.0 / lambda;
        for (int i = 0; i < d; i++)
        {
            final double ki = px[i] / denominator;
            w[wAt + i] += ki * error;
            final int row = pAt + i * d;
            for (int j = i; j < d; j++)
            {
                final double v = (p[row + j] - ki * px[j]) * inverseLambda;
                p[row + j] = v;
                p[pAt + j * d + i] = v;
            }
        }
    }

    /**
     * The label that the last {@link #onBarClose} delivered ({@code ln(close_t / close_{t-h})}), NaN when
     * it updated nothing. With {@link #lastLabelledPrediction()} it is the (p, y) pair of the model's
     * scores ({@link ModelScores}).
     */
    public double lastLabel()
    {
        return lastLabel;
    }

    /** The prediction made at bar t-h that the last {@link #onBarClose}'s label belongs to, NaN when none arrived. */
    public double lastLabelledPrediction()
    {
        return lastLabelledPrediction;
    }

    /** Starts the symbol afresh: w = 0, P = delta * I, no bars (a run's first bar inside its window). */
    public void reset(final int symbolId)
    {
        bars[symbolId] = 0;
        Arrays.fill(w, symbolId * d, (symbolId + 1) * d, 0.0);
        final int pAt = symbolId * d * d;
        Arrays.fill(p, pAt, pAt + d * d, 0.0);
        for (int i = 0; i < d; i++)
        {
            p[pAt + i * d + i] = delta;
        }
        Arrays.fill(ringClose, symbolId * horizon, (symbolId + 1) * horizon, Double.NaN);
        Arrays.fill(ringPrediction, symbolId * horizon, (symbolId + 1) * horizon, Double.NaN);
        Arrays.fill(ringX, symbolId * horizon * d, (symbolId + 1) * horizon * d, 0.0);
    }

    /** Bars of the symbol seen since it started (or was reset). */
    public long bars(final int symbolId)
    {
        return bars[symbolId];
    }

    /**
     * Copies the symbol's weights, the intercept first then one per feature in declared order
     * ({@code export model-weights}), into {@code into[offset .. offset + features]}.
     */
    public void weights(final int symbolId, final double[] into, final int offset)
    {
        System.arraycopy(w, symbolId * d, into, offset, d);
    }

    /** The symbol's weight {@code i} (0: the intercept, i: feature i). */
    public double weight(final int symbolId, final int i)
    {
        return w[symbolId * d + i];
    }

    /** Bytes that {@link #writeState} writes per symbol. */
    public int stateLength()
    {
        return HEADER_LENGTH + Double.BYTES * (d + d * d + 2 * horizon + horizon * d);
    }

    /**
     * Writes the symbol's state for a run's checkpoint, little-endian; a model with the same parameters
     * that reads it back predicts what this one does from here on.
     *
     * <pre>
     *   0                   1                   2                   3
     *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     *  +---------------------------------------------------------------+
     *  |                     version = 1 (int32)                       |  0
     *  +---------------------------------------------------------------+
     *  |                     features n (int32)                        |  4
     *  +---------------------------------------------------------------+
     *  |                     horizon h (int32)                         |  8
     *  +---------------------------------------------------------------+
     *  |                     reserved, 0 (int32)                       | 12
     *  +---------------------------------------------------------------+
     *  |                     lambda (f64)                              | 16
     *  |                     delta (f64)                               | 24
     *  |                     bars seen (int64)                         | 32
     *  +---------------------------------------------------------------+
     *  |  w (f64 x d, d = n + 1)                                        | 40
     *  |  P (f64 x d*d, row-major)                                      | 40 + 8d
     *  |  ring close (f64 x h, slot order: bar t in slot t mod h)       | 40 + 8(d + d*d)
     *  |  ring prediction (f64 x h, NaN: no prediction)                 | 40 + 8(d + d*d + h)
     *  |  ring x (f64 x h*d)                                            | 40 + 8(d + d*d + 2h)
     *  +---------------------------------------------------------------+
     * </pre>
     *
     * @return the offset after the state ({@code offset + stateLength()})
     */
    public int writeState(final int symbolId, final MutableDirectBuffer buffer, final int offset)
    {
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        buffer.putInt(offset, STATE_VERSION, le);
        buffer.putInt(offset + 4, features, le);
        buffer.putInt(offset + 8, horizon, le);
        buffer.putInt(offset + 12, 0, le);
        buffer.putDouble(offset + 16, lambda, le);
        buffer.putDouble(offset + 24, delta, le);
        buffer.putLong(offset + 32, bars[symbolId], le);
        int at = offset + HEADER_LENGTH;
        at = putDoubles(buffer, at, w, symbolId * d, d);
        at = putDoubles(buffer, at, p, symbolId * d * d, d * d);
        at = putDoubles(buffer, at, ringClose, symbolId * horizon, horizon);
        at = putDoubles(buffer, at, ringPrediction, symbolId * horizon, horizon);
        return putDoubles(buffer, at, ringX, symbolId * horizon * d, horizon * d);
    }

    /**
     * Reads a state {@link #writeState} wrote into the symbol, replacing its own.
     *
     * @return the offset after the state
     * @throws IllegalArgumentException when the state is of another version or of a model with other
     *                                  parameters (its predictions would not be this model's)
     */
    public int readState(final int symbolId, final DirectBuffer buffer, final int offset)
    {
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        final int version = buffer.getInt(offset, le);
        final int n = buffer.getInt(offset + 4, le);
        final int h = buffer.getInt(offset + 8, le);
        final double l = buffer.getDouble(offset + 16, le);
        final double r = buffer.getDouble(offset + 24, le);
        if (version != STATE_VERSION)
        {
            throw new IllegalArgumentException("online_linear state version " + version + ", this engine reads " + STATE_VERSION);
        }
        if (n != features || h != horizon || Double.compare(l, lambda) != 0 || Double.compare(r, delta) != 0)
        {
            throw new IllegalArgumentException("online_linear state of a model with features=" + n + ", horizon=" + h + ", lambda=" + l
                + ", delta=" + r + " cannot resume one with features=" + features + ", horizon=" + horizon + ", lambda=" + lambda
                + ", delta=" + delta);
        }
        final long seen = buffer.getLong(offset + 32, le);
        if (seen < 0)
        {
            throw new IllegalArgumentException("online_linear state with " + seen + " bars seen");
        }
        bars[symbolId] = seen;
        int at = offset + HEADER_LENGTH;
        at = getDoubles(buffer, at, w, symbolId * d, d);
        at = getDoubles(buffer, at, p, symbolId * d * d, d * d);
        at = getDoubles(buffer, at, ringClose, symbolId * horizon, horizon);
        at = getDoubles(buffer, at, ringPrediction, symbolId * horizon, horizon);
        return getDoubles(buffer, at, ringX, symbolId * horizon * d, horizon * d);
    }

    private static int putDoubles(final MutableDirectBuffer buffer, final int offset, final double[] from, final int start, final int count)
    {
        int at = offset;
        for (int i = 0; i < count; i++)
        {
            buffer.putDouble(at, from[start + i], ByteOrder.LITTLE_ENDIAN);
            at += Double.BYTES;
        }
        return at;
    }

    private static int getDoubles(final DirectBuffer buffer, final int offset, final double[] into, final int start, final int count)
    {
        int at = offset;
        for (int i = 0; i < count; i++)
        {
            into[start + i] = buffer.getDouble(at, ByteOrder.LITTLE_ENDIAN);
            at += Double.BYTES;
        }
        return at;
    }
}
