package io.tickreplay.adapters.csv;

import io.tickreplay.engine.tick.Tick;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Streams the ticks of a CSV file ({@code .csv}, or gzip: by the {@code .gz} name or its magic bytes)
 * one row at a time, in file order, in constant memory.
 *
 * <p>The first non-blank line is the header; columns are found by {@link TickColumn} aliases,
 * case-insensitively, in any order; other columns are ignored. The delimiter is a comma, or a tab or
 * semicolon when the header has no comma. Blank lines are skipped. Line numbers are physical lines of
 * the file, 1-based, so an error points at what an editor shows.
 *
 * <p>Single-threaded. {@link #next(Tick)} fills every field but {@code seq}.
 */
public final class TickCsvReader implements Closeable
{
    private final BufferedReader reader;
    private final Map<TickColumn, Integer> index = new EnumMap<>(TickColumn.class);
    private final String providerOverride;
    private final String symbolOverride;
    private final CsvFieldSplitter splitter;
    private final List<String> fields = new ArrayList<>(16);
    private final int minFields;
    private final int ts;
    private final int price;
    private final int size;
    private final int bid;
    private final int ask;
    private final int bidSize;
    private final int askSize;
    private static final long EARLIEST_MICROS = -2_208_988_800_000_000L; // 1900-01-01T00:00:00Z
    private static final long LATEST_MICROS = 253_402_300_800_000_000L;  // 10000-01-01T00:00:00Z

    private final int symbol;
    private final int provider;
    private long lineNumber;
    /** A headerless file's first row, read to find the delimiter and returned by the first {@link #next}. */
    private String pending;
    private final ZoneId zone;
    private final boolean decimalComma;
    /** The time-of-day column joined to the date in {@code ts} ({@code --column ts=date+time}), or -1. */
    private int tsTime = -1;
    private final char delimiter;

    /** What the file lacks or what the user wants instead of the file's columns. */
    /**
     * What the file lacks or what the user wants instead of the file's columns.
     *
     * @param columns for a file without a header row: its columns in order, by field name or alias ({@code -} or empty for a
     *                column to ignore); null when the first line is the header
     * @param zone    the zone of timestamps written without an offset (null: UTC)
     * @param decimalComma numbers are written {@code 231,45}; the separator is then {@code ;} (a tab when the first line has
     *                tabs and no {@code ;}), never a comma
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

    private TickCsvReader(final BufferedReader reader, final Options options) throws IOException, TickRowException
    {
        this.reader = reader;
        this.providerOverride = blankToNull(options.provider());
        this.symbolOverride = blankToNull(options.symbol());
        this.zone = options.zone();
        this.decimalComma = options.decimalComma();

        String header;
        do
        {
            header = reader.readLine();
            lineNumber++;
            if (header == null)
            {
                throw new TickRowException(lineNumber, options.columns() != null ? "the file is empty" : "the file is empty: a header row is expected");
            }
        }
        while (header.isBlank());
        if (lineNumber == 1 && !header.isEmpty() && header.charAt(0) == '\uFEFF')
        {
            header = header.substring(1);
        }

        final String binary = binaryReason(header);
        if (binary != null)
        {
            throw new MissingColumnException("the file looks like a binary file (" + binary + "), not CSV");
        }
        if (decimalComma)
        {
            delimiter = header.indexOf(';') < 0 && header.indexOf('\t') >= 0 ? '\t' : ';';
        }
        else
        {
            delimiter = header.indexOf(',') >= 0 ? ',' : header.indexOf('\t') >= 0 ? '\t' : header.indexOf(';') >= 0 ? ';' : ',';
        }
        this.splitter = new CsvFieldSplitter(delimiter);
        final List<String> names = new ArrayList<>();
        if (options.columns() != null)
        {
            pending = header;
            final List<String> missing = new ArrayList<>();
            headerless(options.columns(), missing);
            names.addAll(options.columns());
            finish(missing, names);
            ts = column(TickColumn.TS);
            price = column(TickColumn.PRICE);
            size = column(TickColumn.SIZE);
            bid = column(TickColumn.BID);
            ask = column(TickColumn.ASK);
            bidSize = column(TickColumn.BID_SIZE);
            askSize = column(TickColumn.ASK_SIZE);
            symbol = symbolOverride != null ? -1 : column(TickColumn.SYMBOL);
            provider = providerOverride != null ? -1 : column(TickColumn.PROVIDER);
            minFields = maxIndex() + 1;
            return;
        }
        try
        {
            splitter.split(header, names);
        }
        catch (final IllegalArgumentException e)
        {
            throw new TickRowException(lineNumber, "header: " + e.getMessage());
        }
        final Map<String, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++)
        {
            final Integer first = seen.putIfAbsent(names.get(i).strip().toLowerCase(java.util.Locale.ROOT), i);
            if (first != null && !names.get(i).isBlank())
            {
                throw new TickRowException(lineNumber, "header: column '" + names.get(i).strip() + "' appears twice (columns " + (first + 1) + " and " +
                    (i + 1) + "): which one holds the data is ambiguous");
            }
        }
        final List<String> missing = new ArrayList<>();
        resolveColumns(names, options.columnOverrides(), missing);

        finish(missing, names);
        ts = column(TickColumn.TS);
        price = column(TickColumn.PRICE);
        size = column(TickColumn.SIZE);
        bid = column(TickColumn.BID);
        ask = column(TickColumn.ASK);
        bidSize = column(TickColumn.BID_SIZE);
        askSize = column(TickColumn.ASK_SIZE);
        symbol = symbolOverride != null ? -1 : column(TickColumn.SYMBOL);
        provider = providerOverride != null ? -1 : column(TickColumn.PROVIDER);
        minFields = Math.max(maxIndex(), tsTime) + 1;
    }

    /** Adds what the flags do not supply either (symbol, provider) and throws if anything is missing. */
    private void finish(final List<String> missing, final List<String> names)
    {
        if (symbolOverride == null && !index.containsKey(TickColumn.SYMBOL))
        {
            missing.add("the file has no symbol column (" + String.join("|", TickColumn.SYMBOL.aliases()) + "): pass --symbol");
        }
        if (providerOverride == null && !index.containsKey(TickColumn.PROVIDER))
        {
            missing.add("the file has no provider column: pass --provider");
        }
        if (!missing.isEmpty())
        {
            throw new MissingColumnException(missingMessage(missing, names));
        }
    }

    private int maxIndex()
    {
        int max = 0;
        for (final int i : index.values())
        {
            max = Math.max(max, i);
        }
        return max;
    }

    /** A file without a header: the columns are the user's {@code --columns}, by field name or alias, in order. */
    private void headerless(final List<String> columns, final List<String> missing)
    {
        for (int i = 0; i < columns.size(); i++)
        {
            final String name = columns.get(i).strip();
            if (name.isEmpty() || name.equals("-"))
            {
                continue;
            }
            final TickColumn column = fieldOrAlias(name);
            if (column == null)
            {
                throw new MissingColumnException("--columns: '" + name + "' (column " + (i + 1) + ") is not a tick field; use one of " +
                    "ts, price, size, bid, ask, bid_size, ask_size, symbol, provider (or an alias such as timestamp, qty), or - to ignore the column");
            }
            final Integer first = index.putIfAbsent(column, i);
            if (first != null)
            {
                throw new MissingColumnException("--columns: " + column.fieldName() + " is given twice (columns " + (first + 1) + " and " + (i + 1) + ")");
            }
        }
        for (final TickColumn column : TickColumn.values())
        {
            if (column.required() && !index.containsKey(column))
            {
                missing.add("--columns names no " + column.fieldName() + " column (" + column.fieldName() + " or one of " +
                    String.join("|", column.aliases()) + ")");
            }
        }
    }

    private static TickColumn fieldOrAlias(final String name)
    {
        for (final TickColumn column : TickColumn.values())
        {
            if (column.fieldName().equalsIgnoreCase(name))
            {
                return column;
            }
        }
        for (final TickColumn column : TickColumn.values())
        {
            for (final String alias : column.aliases())
            {
                if (alias.equalsIgnoreCase(name))
                {
                    return column;
                }
            }
        }
        return null;
    }

    public static TickCsvReader open(final Path file, final Options options) throws IOException, TickRowException
    {
        final InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try
        {
            return open(raw, options);
        }
        catch (final IOException | TickRowException | RuntimeException e)
        {
            raw.close();
            throw e;
        }
    }

    /** Reads from {@code in}, unzipping it when it starts with the gzip magic bytes. Takes ownership of {@code in}. */
    public static TickCsvReader open(final InputStream in, final Options options) throws IOException, TickRowException
    {
        final InputStream buffered = in.markSupported() ? in : new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        final int b0 = buffered.read();
        final int b1 = buffered.read();
        buffered.reset();
        final InputStream data = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        return new TickCsvReader(new BufferedReader(new InputStreamReader(data, StandardCharsets.UTF_8), 1 << 16), options);
    }

    /** The physical line number of the row last returned or rejected. */
    public long lineNumber()
    {
        return lineNumber;
    }

    /** Which header column each field was read from, for reports. */
    public Map<TickColumn, Integer> columns()
    {
        return Map.copyOf(index);
    }

    /**
     * Reads the next row into {@code tick}.
     *
     * @return false at the end of the file.
     * @throws TickRowException for a row that cannot be read; the next call goes on with the next row.
     */
    public boolean next(final Tick tick) throws IOException, TickRowException
    {
        String line = pending;
        if (line != null)
        {
            pending = null;
        }
        else
        {
            do
            {
                line = reader.readLine();
                if (line == null)
                {
                    return false;
                }
                lineNumber++;
            }
            while (line.isBlank());
        }

        try
        {
            splitter.split(line, fields);
        }
        catch (final IllegalArgumentException e)
        {
            throw new TickRowException(lineNumber, e.getMessage());
        }
        if (fields.size() < minFields)
        {
            throw new TickRowException(lineNumber, "expected at least " + minFields + " columns, found " + fields.size());
        }

        tick.provider = provider < 0 ? providerOverride : identifier(TickColumn.PROVIDER, provider);
        tick.symbol = symbol < 0 ? symbolOverride : identifier(TickColumn.SYMBOL, symbol);
        try
        {
            tick.tsMicros = TimestampParser.parseMicros(tsText(), zone);
        }
        catch (final IllegalArgumentException e)
        {
            throw new TickRowException(lineNumber, "ts: " + e.getMessage());
        }
        if (tick.tsMicros < EARLIEST_MICROS || tick.tsMicros >= LATEST_MICROS)
        {
            throw new TickRowException(lineNumber, "ts: must be from 1900-01-01 to before 10000-01-01 (what the API and replays take), was " +
                tsText());
        }
        tick.seq = 0;
        tick.price = number(TickColumn.PRICE, price, true);
        if (!(tick.price > 0))
        {
            throw new TickRowException(lineNumber, "price: must be > 0, was " + fields.get(price));
        }
        tick.size = number(TickColumn.SIZE, size, true);
        if (tick.size < 0)
        {
            throw new TickRowException(lineNumber, "size: must be >= 0, was " + fields.get(size));
        }
        tick.bid = nonNegative(TickColumn.BID, bid);
        tick.ask = nonNegative(TickColumn.ASK, ask);
        tick.bidSize = nonNegative(TickColumn.BID_SIZE, bidSize);
        tick.askSize = nonNegative(TickColumn.ASK_SIZE, askSize);
        return true;
    }

    @Override
    public void close() throws IOException
    {
        reader.close();
    }

    private void resolveColumns(final List<String> names, final Map<TickColumn, String> overrides, final List<String> missing)
    {
        for (final TickColumn column : TickColumn.values())
        {
            final String wanted = overrides.get(column);
            if (column == TickColumn.TS && wanted != null && wanted.indexOf('+') > 0 && indexOfIgnoreCase(names, wanted) < 0)
            {
                // --column ts=date+time: a date column and a time-of-day column joined into one timestamp
                final String[] parts = wanted.split("\\+", -1);
                if (parts.length != 2 || parts[1].isBlank())
                {
                    missing.add("--column ts=" + wanted + ": join exactly two columns, a date and a time (ts=DATE+TIME)");
                    continue;
                }
                final int date = indexOfIgnoreCase(names, parts[0].strip());
                final int time = indexOfIgnoreCase(names, parts[1].strip());
                for (final String part : new String[] {date < 0 ? parts[0] : null, time < 0 ? parts[1] : null})
                {
                    if (part != null)
                    {
                        missing.add("--column ts=" + wanted + ": the header has no column '" + part.strip() + "'");
                    }
                }
                if (date >= 0 && time >= 0)
                {
                    index.put(column, date);
                    tsTime = time;
                }
                continue;
            }
            if (wanted != null)
            {
                final int at = indexOfIgnoreCase(names, wanted);
                if (at < 0)
                {
                    missing.add("--column " + column.fieldName() + "=" + wanted + ": the header has no column '" + wanted + "'");
                }
                else
                {
                    index.put(column, at);
                }
                continue;
            }
            for (final String alias : column.aliases())
            {
                final int at = indexOfIgnoreCase(names, alias);
                if (at >= 0)
                {
                    index.put(column, at);
                    break;
                }
            }
            if (column.required() && !index.containsKey(column))
            {
                missing.add("the header has no " + column.fieldName() + " column (one of " + String.join("|", column.aliases()) +
                    "; or map one with --column " + column.fieldName() + "=NAME)");
            }
        }
    }

    /**
     * One message for everything the file lacks, so one run tells the user every flag to add. A header that matches no
     * field at all is listed column by column, the way a user would read it.
     */
    private String missingMessage(final List<String> missing, final List<String> names)
    {
        final StringBuilder columns = new StringBuilder();
        for (final String name : names)
        {
            columns.append(columns.length() == 0 ? "" : ", ").append('\'').append(name.strip()).append('\'');
        }
        if (missing.size() == 1)
        {
            return missing.get(0) + "; the header has " + columns;
        }
        final StringBuilder message = new StringBuilder("the file cannot be imported as it stands, ").append(missing.size())
            .append(" things are missing:");
        for (final String m : missing)
        {
            message.append("\n  - ").append(m);
        }
        message.append(pending != null ? "\n--columns gives " : "\nthe header (line " + lineNumber + ") has ").append(names.size())
            .append(names.size() == 1 ? " column: " : " columns: ").append(columns);
        if (index.isEmpty() && pending == null)
        {
            message.append("\nnone of them is a tick field; the names looked for (any case):");
            for (final TickColumn column : TickColumn.values())
            {
                message.append("\n  ").append(column.fieldName()).append(": ").append(String.join(", ", column.aliases()));
            }
            message.append("\nif the file has no header row, name its columns in order: --no-header --columns ts,price,size,...");
        }
        return message.toString();
    }

    /** Why the first line looks like binary data rather than text, or null when it looks like text. */
    static String binaryReason(final String firstLine)
    {
        if (firstLine.startsWith("PAR1"))
        {
            return "Parquet: starts with PAR1";
        }
        for (int i = 0; i < firstLine.length() && i < 4096; i++)
        {
            final char c = firstLine.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
            {
                return "control byte 0x" + String.format("%02X", (int)c) + " at byte " + (i + 1);
            }
        }
        return null;
    }

    /** The timestamp's text: its column, or the date and time columns joined with a {@code T}. */
    private String tsText()
    {
        return tsTime < 0 ? fields.get(ts) : fields.get(ts).strip() + 'T' + fields.get(tsTime).strip();
    }

    private int column(final TickColumn column)
    {
        final Integer at = index.get(column);
        return at == null ? -1 : at;
    }

    private String identifier(final TickColumn column, final int at) throws TickRowException
    {
        final String value = fields.get(at);
        if (value.isEmpty())
        {
            throw new TickRowException(lineNumber, column.fieldName() + ": empty");
        }
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f)
            {
                throw new TickRowException(lineNumber, column.fieldName() + ": holds the control character U+" + String.format("%04X", (int)c) +
                    " at position " + (i + 1));
            }
        }
        return value;
    }

    private double number(final TickColumn column, final int at, final boolean required) throws TickRowException
    {
        final String text = fields.get(at);
        if (text.isEmpty())
        {
            if (required)
            {
                throw new TickRowException(lineNumber, column.fieldName() + ": empty");
            }
            return Double.NaN;
        }
        final double value;
        try
        {
            value = Double.parseDouble(decimalComma ? text.replace(',', '.') : text);
        }
        catch (final NumberFormatException e)
        {
            if (!decimalComma && delimiter != ',' && isDecimalComma(text))
            {
                throw new TickRowException(lineNumber, column.fieldName() + ": not a number: '" + text + "' (a decimal comma? pass --decimal-comma)");
            }
            throw new TickRowException(lineNumber, column.fieldName() + ": not a number: '" + text + "'");
        }
        if (!Double.isFinite(value))
        {
            throw new TickRowException(lineNumber, column.fieldName() + ": not a finite number: '" + text + "'");
        }
        return value;
    }

    private double nonNegative(final TickColumn column, final int at) throws TickRowException
    {
        if (at < 0 || at >= fields.size())
        {
            return Double.NaN;
        }
        final double value = number(column, at, false);
        if (value < 0)
        {
            throw new TickRowException(lineNumber, column.fieldName() + ": must be >= 0, was " + fields.get(at));
        }
        return value;
    }

    /** Digits, one comma, digits: how a number is written where the comma is the decimal mark. */
    private static boolean isDecimalComma(final String text)
    {
        final int comma = text.indexOf(',');
        if (comma <= 0 || comma == text.length() - 1 || text.indexOf(',', comma + 1) >= 0)
        {
            return false;
        }
        for (int i = text.charAt(0) == '-' ? 1 : 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (i != comma && (c < '0' || c > '9'))
            {
                return false;
            }
        }
        return true;
    }

    private static int indexOfIgnoreCase(final List<String> names, final String wanted)
    {
        for (int i = 0; i < names.size(); i++)
        {
            if (names.get(i).strip().toLowerCase(Locale.ROOT).equals(wanted.toLowerCase(Locale.ROOT)))
            {
                return i;
            }
        }
        return -1;
    }

    private static String blankToNull(final String s)
    {
        return s == null || s.isBlank() ? null : s.strip();
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
}
