package io.tickreplay.adapters.csv;

import io.tickreplay.adapters.files.TickColumn;
import io.tickreplay.adapters.files.TickColumnMapping;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.adapters.files.TickRowReader;
import io.tickreplay.adapters.files.TimestampParser;
import io.tickreplay.engine.tick.Tick;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
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
 * <p>What a row must hold, and what a quote row is (TAQ files mix them with trades), is {@link TickRowReader}'s rule,
 * the same for every format; this class splits the lines and reads their fields' text.
 *
 * <p>Single-threaded. {@link #next(Tick)} fills every field but {@code seq}.
 */
public final class TickCsvReader extends TickRowReader
{
    private final BufferedReader reader;
    private final TickColumnMapping mapping;
    private final String providerOverride;
    private final String symbolOverride;
    private final CsvFieldSplitter splitter;
    private final List<String> fields = new ArrayList<>(16);
    private final int minFields;
    /** The field of each {@link TickColumn} (by ordinal) in a line, or -1: none, or given by a flag. */
    private final int[] at = new int[TickColumn.values().length];
    private long lineNumber;
    /** A headerless file's first row, read to find the delimiter and returned by the first {@link #next}. */
    private String pending;
    private final ZoneId zone;
    private final boolean decimalComma;
    /** The time-of-day column joined to the date in {@code ts} ({@code --column ts=date+time}), or -1. */
    private final int tsTime;
    private final char delimiter;

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
        final TickColumnMapping mapping;
        if (options.columns() != null)
        {
            pending = header;
            mapping = TickColumnMapping.ofColumns(options.columns(), options);
        }
        else
        {
            final List<String> names = new ArrayList<>();
            try
            {
                splitter.split(header, names);
            }
            catch (final IllegalArgumentException e)
            {
                throw new TickRowException(lineNumber, "header: " + e.getMessage());
            }
            final Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < names.size(); i++)
            {
                final Integer first = seen.putIfAbsent(names.get(i).strip().toLowerCase(Locale.ROOT), i);
                if (first != null && !names.get(i).isBlank())
                {
                    throw new TickRowException(lineNumber, "header: column '" + names.get(i).strip() + "' appears twice (columns " + (first + 1) +
                        " and " + (i + 1) + "): which one holds the data is ambiguous");
                }
            }
            mapping = TickColumnMapping.ofNames(names, options, "the header (line " + lineNumber + ")", true);
        }
        this.mapping = mapping;
        for (final TickColumn column : TickColumn.values())
        {
            at[column.ordinal()] = mapping.column(column);
        }
        at[TickColumn.SYMBOL.ordinal()] = symbolOverride != null ? -1 : mapping.column(TickColumn.SYMBOL);
        at[TickColumn.PROVIDER.ordinal()] = providerOverride != null ? -1 : mapping.column(TickColumn.PROVIDER);
        tsTime = mapping.tsTime();
        minFields = mapping.maxIndex() + 1;
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
    @Override
    public long lineNumber()
    {
        return lineNumber;
    }

    /** Which header column each field was read from, for reports. */
    public Map<TickColumn, Integer> columns()
    {
        return mapping.columns();
    }

    /** The next non-blank line, split into {@link #fields}. */
    @Override
    protected boolean nextRow() throws IOException, TickRowException
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
        return true;
    }

    @Override
    protected String provider() throws TickRowException
    {
        final int column = at[TickColumn.PROVIDER.ordinal()];
        return column < 0 ? providerOverride : identifier(TickColumn.PROVIDER, column);
    }

    @Override
    protected String symbol() throws TickRowException
    {
        final int column = at[TickColumn.SYMBOL.ordinal()];
        return column < 0 ? symbolOverride : identifier(TickColumn.SYMBOL, column);
    }

    @Override
    protected long tsMicros() throws TickRowException
    {
        try
        {
            return TimestampParser.parseMicros(tsText(), zone);
        }
        catch (final IllegalArgumentException e)
        {
            throw new TickRowException(lineNumber, "ts: " + e.getMessage());
        }
    }

    @Override
    protected double number(final TickColumn column, final boolean required) throws TickRowException
    {
        final int field = at[column.ordinal()];
        if (field < 0 || field >= fields.size())
        {
            // an optional column the file lacks, or that this line leaves out at its end (required ones are within minFields)
            return Double.NaN;
        }
        return number(column, field, required);
    }

    @Override
    protected boolean noPrice()
    {
        return fields.get(at[TickColumn.PRICE.ordinal()]).isEmpty();
    }

    /** Names the field and shows its text as the line has it: what the user finds in the file. */
    @Override
    protected TickRowException invalid(final TickColumn column, final String rule, final String decoded)
    {
        final String text = column == TickColumn.TS ? tsText() : fields.get(at[column.ordinal()]);
        // a field of megabytes is named by its start: the message stays a line
        return new TickRowException(lineNumber, column.fieldName() + ": " + rule + ", was " + (text.length() > 80 ? text.substring(0, 80) + "..." : text));
    }

    @Override
    public void close() throws IOException
    {
        reader.close();
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
        final int ts = at[TickColumn.TS.ordinal()];
        return tsTime < 0 ? fields.get(ts) : fields.get(ts).strip() + 'T' + fields.get(tsTime).strip();
    }

    private String identifier(final TickColumn column, final int field) throws TickRowException
    {
        final String value = fields.get(field);
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

    private double number(final TickColumn column, final int field, final boolean required) throws TickRowException
    {
        final String text = fields.get(field);
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
            value = Double.parseDouble(decimalComma ? commaDecimal(text) : text);
        }
        catch (final NumberFormatException e)
        {
            if (decimalComma && text.indexOf('.') >= 0)
            {
                throw new TickRowException(lineNumber, column.fieldName() + ": not a number: '" + text +
                    "' (with --decimal-comma a '.' separates thousands, as in 1.234,56)");
            }
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

    /**
     * A number written with a decimal comma and, optionally, dots between groups of three digits ({@code 1.234.567,89}) as
     * Java reads it; dots anywhere else make it unreadable ({@code 1.5} is refused rather than read as 15 or 1.5).
     */
    static String commaDecimal(final String text)
    {
        final int dot = text.indexOf('.');
        if (dot < 0)
        {
            return text.replace(',', '.');
        }
        final int comma = text.indexOf(',');
        final int intEnd = comma < 0 ? text.length() : comma;
        final StringBuilder b = new StringBuilder(text.length());
        int group = -1; // digits since the last dot, -1 before the first dot
        for (int i = 0; i < intEnd; i++)
        {
            final char c = text.charAt(i);
            if (c == '.')
            {
                final int lead = b.length() - (b.length() > 0 && b.charAt(0) == '-' ? 1 : 0);
                if (group >= 0 ? group != 3 : lead < 1 || lead > 3)
                {
                    throw new NumberFormatException(text);
                }
                group = 0;
                continue;
            }
            if (group >= 0)
            {
                group++;
            }
            b.append(c);
        }
        if (group != 3)
        {
            throw new NumberFormatException(text);
        }
        if (comma >= 0)
        {
            b.append('.').append(text, comma + 1, text.length());
        }
        return b.toString();
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

    private static String blankToNull(final String s)
    {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
