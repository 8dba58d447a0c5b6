package io.tickreplay.adapters.files;

import io.tickreplay.engine.tick.Tick;

import java.util.HashMap;
import java.util.Map;

/**
 * The current quote of each (provider, symbol) of a file that mixes quote rows with trade rows (TAQ-style): a quote
 * row (no price, a bid and/or an ask) is not a tick; it sets the fields it has, and every trade after it that lacks
 * a bid, an ask or their sizes takes them from here. A trade's own bid/ask are kept and do not change the quote.
 *
 * <p>{@link TickRowReader} applies it to every row of every format. A file without quote rows reads exactly as if there
 * were no quote book. Memory: one entry per symbol. One thread.
 */
public final class QuoteBook
{
    private final Map<String, Map<String, double[]>> quotes = new HashMap<>();
    private String lastProvider;
    private String lastSymbol;
    private double[] last;
    private long quotesRead;

    /**
     * The quote rule, the one place it is written: a row without a trade price but with a bid or an ask (read into
     * {@code row}) is a quote. A row with neither is a trade that lacks its price, which the reader refuses.
     */
    public static boolean isQuote(final boolean noPrice, final Tick row)
    {
        return noPrice && !(Double.isNaN(row.bid) && Double.isNaN(row.ask));
    }

    /** Takes a quote row's bid, ask and sizes as the symbol's current quote (those it has). */
    public void update(final Tick quote)
    {
        final double[] q = quoteOf(quote.provider, quote.symbol, true);
        set(q, 0, quote.bid);
        set(q, 1, quote.ask);
        set(q, 2, quote.bidSize);
        set(q, 3, quote.askSize);
        quotesRead++;
    }

    /** Gives a trade the current quote's fields it lacks. */
    public void fill(final Tick trade)
    {
        if (quotesRead == 0)
        {
            return;
        }
        final double[] q = quoteOf(trade.provider, trade.symbol, false);
        if (q == null)
        {
            return;
        }
        trade.bid = Double.isNaN(trade.bid) ? q[0] : trade.bid;
        trade.ask = Double.isNaN(trade.ask) ? q[1] : trade.ask;
        trade.bidSize = Double.isNaN(trade.bidSize) ? q[2] : trade.bidSize;
        trade.askSize = Double.isNaN(trade.askSize) ? q[3] : trade.askSize;
    }

    /** Quote rows read so far. */
    public long quotesRead()
    {
        return quotesRead;
    }

    private double[] quoteOf(final String provider, final String symbol, final boolean create)
    {
        if (last != null && symbol.equals(lastSymbol) && provider.equals(lastProvider))
        {
            return last;
        }
        Map<String, double[]> bySymbol = quotes.get(provider);
        double[] q = bySymbol == null ? null : bySymbol.get(symbol);
        if (q == null)
        {
            if (!create)
            {
                return null;
            }
            q = new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
            quotes.computeIfAbsent(provider, p -> new HashMap<>()).put(symbol, q);
        }
        lastProvider = provider;
        lastSymbol = symbol;
        last = q;
        return q;
    }

    private static void set(final double[] q, final int at, final double value)
    {
        if (!Double.isNaN(value))
        {
            q[at] = value;
        }
    }
}
