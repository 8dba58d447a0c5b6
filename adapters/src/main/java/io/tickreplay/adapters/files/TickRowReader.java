package io.tickreplay.adapters.files;

import io.tickreplay.engine.tick.Tick;

import java.io.Closeable;
import java.io.IOException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * Reads a tick file's rows into ticks, whatever the format: the row loop and the row rule are here, written once; a
 * format's reader ({@code csv.TickCsvReader}, {@code parquet.ParquetTickReader}) extends this class and only decodes
 * the fields of its rows.
 *
 * <p>The rule, field by field in this order (the first field that breaks it is the row's error):
 * <ol>
 *   <li>{@code provider} and {@code symbol} (or the {@link Options}' ones); {@code ts}, from 1900-01-01 to before
 *   10000-01-01 (what the API and replays take); {@code seq} 0, the caller numbers it ({@link SeqAssigner});</li>
 *   <li>{@code bid}, {@code ask}, {@code bid_size}, {@code ask_size}: absent, or a number {@code >= 0};</li>
 *   <li>no price but a bid or an ask: a quote, not a tick ({@link QuoteBook}); it is not returned, the trades after it
 *   carry it;</li>
 *   <li>otherwise {@code price > 0} and {@code size >= 0}.</li>
 * </ol>
 * A row that breaks it throws {@link TickRowException} and the next {@link #next} goes on with the next row.
 *
 * <p>Also what every reader shares: the {@link Options} a user gives and the {@link MissingColumnException} of a file
 * that cannot be read as it stands. {@code TickCsvReader.Options} and {@code ParquetTickReader.Options} name the same
 * record (a class inherits its superclass's member types).
 *
 * <p>Cost: the format's decoding, nothing more; no allocation here but on an error. The format's hooks are called on
 * {@code this}, and both readers are final classes: where the caller holds a reader by its own type (the import, the
 * replay source, the JMH benchmark), {@link #next} inlined into it binds them statically. One thread.
 */
public abstract class TickRowReader implements Closeable
{
    /**
     * What the file lacks or what the user wants instead of the file's columns.
     *
     * @param columns      for a file without a header row: its columns in order, by field name or alias ({@code -} or empty
     *                     for a column to ignore); null when the first line is the header (CSV only)
     * @param zone         the zone of timestamps written without an offset (null: UTC)
     * @param decimalComma numbers are written {@code 231,45}; the separator is then {@code ;} (a tab when the first line has
     *                     tabs and no {@code ;}), never a comma (CSV only)
     */
    public record Options(String provider, String symbol, Map<TickColumn, String> columnOverrides, List<String> columns, ZoneId zone,
                          boolean decimalComma)
    {
        public Options
        {
            columnOverrides = columnOverrides == null ? Map.of() : Map.copyOf(columnOverrides);
            columns = columns == null ? null : List.copyOf(columns);
            zone = zone == null ? ZoneOffset.UTC : zone;
        }

        public Options(final String provider, final String symbol, final Map<TickColumn, String> columnOverrides)
        {
            this(provider, symbol, columnOverrides, null, null, false);
        }

        public static Options defaults()
        {
            return new Options(null, null, Map.of());
        }
    }

    /** The file cannot be imported at all as it stands (no header, a column missing): a usage problem, not a bad row. */
    public static final class MissingColumnException extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;

        public MissingColumnException(final String message)
        {
            super(message);
        }
    }

    /** 1900-01-01T00:00:00Z, the earliest {@code ts} a row may have. */
    static final long EARLIEST_MICROS = -2_208_988_800_000_000L;
    /** 10000-01-01T00:00:00Z, the first {@code ts} a row may not have. */
    static final long LATEST_MICROS = 253_402_300_800_000_000L;

    private final QuoteBook quotes = new QuoteBook();

    /**
     * Reads the next trade into {@code tick} (every field but {@code seq}, which is 0); quote rows on the way update the
     * current quote ({@link QuoteBook}) and are not returned.
     *
     * @return false at the end of the file.
     * @throws TickRowException for a row that cannot be read; the next call goes on with the next row.
     */
    public final boolean next(final Tick tick) throws IOException, TickRowException
    {
        while (nextRow())
        {
            if (readRow(tick))
            {
                quotes.fill(tick);
                return true;
            }
            quotes.update(tick);
        }
        return false;
    }

    /** Quote rows read so far: rows with a bid or an ask and no price, not ticks ({@link QuoteBook}). */
    public final long quotesRead()
    {
        return quotes.quotesRead();
    }

    /** Where the row last returned or rejected is: the physical line of a CSV, the 1-based row of a Parquet file. */
    public abstract long lineNumber();

    /** The current row under the rule: true for a trade, false for a quote (price and size NaN). */
    private boolean readRow(final Tick tick) throws TickRowException
    {
        tick.provider = name(TickColumn.PROVIDER, provider());
        tick.symbol = name(TickColumn.SYMBOL, symbol());
        tick.tsMicros = tsMicros();
        if (tick.tsMicros < EARLIEST_MICROS || tick.tsMicros >= LATEST_MICROS)
        {
            throw invalid(TickColumn.TS, "must be from 1900-01-01 to before 10000-01-01 (what the API and replays take)", tick.tsMicros + " us");
        }
        tick.seq = 0;
        tick.bid = nonNegative(TickColumn.BID);
        tick.ask = nonNegative(TickColumn.ASK);
        tick.bidSize = nonNegative(TickColumn.BID_SIZE);
        tick.askSize = nonNegative(TickColumn.ASK_SIZE);
        if (QuoteBook.isQuote(noPrice(), tick))
        {
            tick.price = Double.NaN;
            tick.size = Double.NaN;
            return false;
        }
        tick.price = number(TickColumn.PRICE, true);
        if (!(tick.price > 0))
        {
            throw invalid(TickColumn.PRICE, "must be > 0", String.valueOf(tick.price));
        }
        tick.size = number(TickColumn.SIZE, true);
        if (tick.size < 0)
        {
            throw invalid(TickColumn.SIZE, "must be >= 0", String.valueOf(tick.size));
        }
        return true;
    }

    /** The longest provider or symbol a row may have: what the API and the replays take. */
    public static final int MAX_NAME_CHARS = 64;

    /**
     * A provider or symbol as text: bytes that were not UTF-8 (decoded as U+FFFD) or a name longer than
     * the API takes are refused, naming the row, rather than stored as something else.
     */
    private String name(final TickColumn column, final String value) throws TickRowException
    {
        if (value == null)
        {
            return null;
        }
        if (value.indexOf('\uFFFD') >= 0)
        {
            throw invalid(column, "must be valid UTF-8 (the file has bytes that are no character there)", value);
        }
        if (value.length() > MAX_NAME_CHARS)
        {
            throw invalid(column, "must be at most " + MAX_NAME_CHARS + " characters (this one has " + value.length() + ")", value.substring(0, 32) + "...");
        }
        return value;
    }

    private double nonNegative(final TickColumn column) throws TickRowException
    {
        final double value = number(column, false);
        if (value < 0)
        {
            throw invalid(column, "must be >= 0", String.valueOf(value));
        }
        return value;
    }

    /** Moves to the next row (skipping what the format skips, such as blank lines); false at the end of the file. */
    protected abstract boolean nextRow() throws IOException, TickRowException;

    /** The current row's provider: its column, or the {@link Options}' provider when given. */
    protected abstract String provider() throws TickRowException;

    /** The current row's symbol: its column, or the {@link Options}' symbol when given. */
    protected abstract String symbol() throws TickRowException;

    /** The current row's {@code ts} in microseconds since the epoch, UTC, as the format reads it (not yet range-checked). */
    protected abstract long tsMicros() throws TickRowException;

    /**
     * The current row's number in {@code column}: NaN when the file has no such column or the row leaves it out, unless
     * {@code required}, which makes that an error.
     */
    protected abstract double number(TickColumn column, boolean required) throws TickRowException;

    /** The current row has no trade price (with a bid or an ask, that makes it a quote). */
    protected abstract boolean noPrice() throws TickRowException;

    /**
     * The current row's error: {@code column}'s value breaks {@code rule} ({@code must be > 0}). The format names the field
     * and shows the value, as the file has it or as {@code decoded} ({@code -1.0}, {@code 253402300800000000 us}).
     */
    protected abstract TickRowException invalid(TickColumn column, String rule, String decoded);
}
