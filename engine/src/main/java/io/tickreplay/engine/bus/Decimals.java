package io.tickreplay.engine.bus;

/**
 * A double as exact decimal text, fast for the numbers ticks carry (prices and sizes with a few
 * decimals): when {@code v * 10^k} is a whole number m below 2^53 for some k <= 9, and {@code m / 10^k}
 * gives back exactly {@code v} (both roundings are correct, so the text m·10^-k parses back to the very
 * same double), the digits of m with k decimals are written, without allocating: {@code 231.45},
 * {@code 100.0}, {@code 0.0001}. Whole numbers keep their {@code .0}, the shape the seed's Python
 * producer ({@code json.dumps} of a float) puts on the bus, so a consumer typed on it sees a float. Anything else falls back to {@link StringBuilder#append(double)}, Java's
 * own round-trip form ({@code 1.0E-12}). Either way a reader gets back the exact double, which is what
 * the stream checksum of a consumer needs. Stateless; any thread.
 */
public final class Decimals
{
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    private static final double MAX_EXACT = 9_007_199_254_740_992.0; // 2^53

    private Decimals()
    {
    }

    public static StringBuilder append(final StringBuilder out, final double v)
    {
        if (v == 0 || !Double.isFinite(v) || Math.abs(v) >= 1e15 || Math.abs(v) < 1e-9)
        {
            return out.append(v);
        }
        final double a = Math.abs(v);
        for (int k = 0; k < POW10.length; k++)
        {
            final double m = Math.rint(a * POW10[k]);
            if (m >= MAX_EXACT)
            {
                break;
            }
            if (m / POW10[k] == a)
            {
                if (v < 0)
                {
                    out.append('-');
                }
                final long digits = (long)m;
                if (k == 0)
                {
                    return out.append(digits).append(".0");
                }
                final long unit = (long)POW10[k];
                out.append(digits / unit).append('.');
                final long fraction = digits % unit;
                for (long p = unit / 10; p > 0; p /= 10)
                {
                    out.append((char)('0' + fraction / p % 10));
                }
                return out;
            }
        }
        return out.append(v);
    }
}
