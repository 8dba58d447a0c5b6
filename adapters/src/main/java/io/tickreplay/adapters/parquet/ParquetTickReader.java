package io.tickreplay.adapters.parquet;

import io.tickreplay.adapters.files.TickColumn;
import io.tickreplay.adapters.files.TickColumnMapping;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.adapters.files.TickRowReader;
import io.tickreplay.adapters.files.TimestampParser;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Streams the ticks of a Parquet file, row group by row group, in file order: the Parquet half of {@code import}, and
 * the reader of Parquet replay sources.
 *
 * <p>Columns are found as in a CSV ({@link TickColumnMapping}: the same aliases, {@code --column}, {@code ts=date+time}),
 * among the file's top-level columns; only those columns are read from disk. Types: {@code ts} as a Parquet timestamp
 * of any unit ({@code isAdjustedToUTC} = an instant; without it a local time, in {@code --tz}, default UTC), a legacy
 * INT96 timestamp (an instant), an integer epoch (its unit told by magnitude as in CSV), a {@code DATE} (midnight, or
 * joined with a {@code TIME} column), or text (the CSV rules); prices and sizes as doubles, floats, integers, decimals
 * or text; symbol and provider as text. What a row must hold, and what a quote row is, is {@link TickRowReader}'s rule, the
 * same for every format; a missing price is null, NaN or blank text.
 *
 * <p>Memory: one row group's column chunks of the columns read (what the file's writer chose, typically 64-128 MB
 * uncompressed at most), whatever the file's size. Errors name the row, 1-based over the whole file, and its row group.
 * One thread.
 */
public final class ParquetTickReader extends TickRowReader
{
    /** How the message of a file that starts like Parquet but cannot be opened as one begins. */
    public static final String NOT_PARQUET = "not a readable Parquet file";
    private static final byte[] MAGIC = {'P', 'A', 'R', '1'};
    private static final long JULIAN_EPOCH_DAY = 2_440_588L;
    private static final long MICROS_PER_DAY = 86_400_000_000L;
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22};

    private final ParquetFileReader file;
    private final MessageType projection;
    private final String createdBy;
    private final ZoneId zone;
    private final String providerOverride;
    private final String symbolOverride;
    private final Col ts;
    private final Col tsTime;
    private final Col price;
    private final Col size;
    private final Col bid;
    private final Col ask;
    private final Col bidSize;
    private final Col askSize;
    private final Col symbol;
    private final Col provider;
    private final Col[] read;
    /** The column read for each {@link TickColumn} (by ordinal), or null: none, or given by a flag. */
    private final Col[] byColumn = new Col[TickColumn.values().length];
    private final long totalRows;

    private long row;
    private long groupRowsLeft;
    private int group;

    /** True when the file starts with Parquet's magic bytes {@code PAR1}, whatever its name. */
    public static boolean isParquet(final Path file) throws IOException
    {
        try (InputStream in = Files.newInputStream(file))
        {
            final byte[] head = in.readNBytes(4);
            return Arrays.equals(head, MAGIC);
        }
    }

    /**
     * Opens {@code file} and finds its columns.
     *
     * @throws MissingColumnException when columns or flags are missing (all named), or a column's type
     *                                              cannot hold its field
     * @throws IOException                          when the file is not a readable Parquet file
     */
    public static ParquetTickReader open(final Path file, final Options options) throws IOException, TickRowException
    {
        if (options.columns() != null)
        {
            throw new MissingColumnException("--no-header/--columns are for CSV files; a Parquet file names its columns");
        }
        if (options.decimalComma())
        {
            throw new MissingColumnException("--decimal-comma is for CSV files; a Parquet file's numbers are typed");
        }
        if (!isParquet(file))
        {
            throw new IOException(NOT_PARQUET + " (it does not start with PAR1)");
        }
        final ParquetFileReader reader;
        try
        {
            reader = ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder(new PlainParquetConfiguration()).build());
        }
        catch (final IOException | RuntimeException e)
        {
            // parquet-java names the file by its object's identity; the caller names it properly
            final String why = String.valueOf(e.getMessage()).replaceAll("\\S*LocalInputFile@\\S+ ", "");
            throw new IOException(NOT_PARQUET + " (it starts with PAR1, but " + why + ")", e);
        }
        try
        {
            return new ParquetTickReader(reader, options);
        }
        catch (final RuntimeException | IOException e)
        {
            reader.close();
            throw e;
        }
    }

    private ParquetTickReader(final ParquetFileReader file, final Options options) throws IOException
    {
        this.file = file;
        this.createdBy = file.getFooter().getFileMetaData().getCreatedBy();
        this.zone = options.zone();
        this.providerOverride = blankToNull(options.provider());
        this.symbolOverride = blankToNull(options.symbol());
        final MessageType schema = file.getFooter().getFileMetaData().getSchema();
        final List<String> names = new ArrayList<>();
        for (final Type field : schema.getFields())
        {
            names.add(field.getName());
        }
        final TickColumnMapping mapping = TickColumnMapping.ofNames(names, options, "the Parquet schema", false);

        final List<Type> wanted = new ArrayList<>();
        final List<Col> cols = new ArrayList<>();
        ts = col(schema, names, mapping.column(TickColumn.TS), Role.TS, wanted, cols);
        tsTime = col(schema, names, mapping.tsTime(), Role.TIME_OF_DAY, wanted, cols);
        price = col(schema, names, mapping.column(TickColumn.PRICE), Role.NUMBER, wanted, cols);
        size = col(schema, names, mapping.column(TickColumn.SIZE), Role.NUMBER, wanted, cols);
        bid = col(schema, names, mapping.column(TickColumn.BID), Role.NUMBER, wanted, cols);
        ask = col(schema, names, mapping.column(TickColumn.ASK), Role.NUMBER, wanted, cols);
        bidSize = col(schema, names, mapping.column(TickColumn.BID_SIZE), Role.NUMBER, wanted, cols);
        askSize = col(schema, names, mapping.column(TickColumn.ASK_SIZE), Role.NUMBER, wanted, cols);
        symbol = symbolOverride != null ? null : col(schema, names, mapping.column(TickColumn.SYMBOL), Role.TEXT, wanted, cols);
        provider = providerOverride != null ? null : col(schema, names, mapping.column(TickColumn.PROVIDER), Role.TEXT, wanted, cols);
        if (tsTime != null && ts.kind != Kind.DATE && ts.kind != Kind.TEXT)
        {
            throw new MissingColumnException("--column ts=" + ts.name + "+" + tsTime.name + ": '" + ts.name +
                "' must be a DATE or text column, it is " + ts.type);
        }
        byColumn[TickColumn.PRICE.ordinal()] = price;
        byColumn[TickColumn.SIZE.ordinal()] = size;
        byColumn[TickColumn.BID.ordinal()] = bid;
        byColumn[TickColumn.ASK.ordinal()] = ask;
        byColumn[TickColumn.BID_SIZE.ordinal()] = bidSize;
        byColumn[TickColumn.ASK_SIZE.ordinal()] = askSize;
        this.read = cols.toArray(new Col[0]);
        this.projection = new MessageType(schema.getName(), wanted);
        file.setRequestedSchema(projection);
        this.totalRows = file.getRecordCount();
    }

    /** Rows in the file (trades and quotes). */
    public long totalRows()
    {
        return totalRows;
    }

    /** The share of the file's rows read so far, 0..1. */
    public double fractionRead()
    {
        return totalRows == 0 ? 1.0 : row / (double)totalRows;
    }

    /** The 1-based row number (over the whole file) of the row last returned or rejected. */
    @Override
    public long lineNumber()
    {
        return row;
    }

    /** The next row: every column read advances by one value. */
    @Override
    protected boolean nextRow() throws IOException
    {
        if (groupRowsLeft == 0 && !nextGroup())
        {
            return false;
        }
        groupRowsLeft--;
        row++;
        // every column advances by one value before any check, so a bad row leaves the next one aligned
        try
        {
            for (final Col c : read)
            {
                c.advance();
            }
        }
        catch (final RuntimeException e)
        {
            // a page that cannot be decoded: the rows after it are lost too, so this is the file's failure, not a row's
            throw new IOException("row " + row + " (row group " + group + "): the data cannot be decoded (a damaged file?): " + e.getMessage(), e);
        }
        return true;
    }

    @Override
    protected String provider() throws TickRowException
    {
        return provider == null ? providerOverride : text(provider);
    }

    @Override
    protected String symbol() throws TickRowException
    {
        return symbol == null ? symbolOverride : text(symbol);
    }

    @Override
    protected long tsMicros() throws TickRowException
    {
        return timestamp();
    }

    @Override
    protected double number(final TickColumn column, final boolean required) throws TickRowException
    {
        final Col c = byColumn[column.ordinal()];
        return c == null ? Double.NaN : number(c, required);
    }

    /** No trade price: null, NaN (how pandas and Polars write a missing double) or blank text; with a bid or an ask, a quote row. */
    @Override
    protected boolean noPrice() throws TickRowException
    {
        return !price.present || price.kind == Kind.DOUBLE && Double.isNaN(price.doubleValue) || price.kind == Kind.TEXT && text(price).isBlank();
    }

    /** Shows the value as read (a Parquet value has no text of its own); an optional field is named as its column was found. */
    @Override
    protected TickRowException invalid(final TickColumn column, final String rule, final String decoded)
    {
        final Col c = byColumn[column.ordinal()];
        final String field = c == null || column == TickColumn.PRICE || column == TickColumn.SIZE ? column.fieldName() : c.field;
        return error(field + ": " + rule + ", was " + decoded);
    }

    private boolean nextGroup() throws IOException
    {
        while (true)
        {
            final PageReadStore pages;
            try
            {
                pages = file.readNextRowGroup();
            }
            catch (final IOException | RuntimeException e)
            {
                throw new IOException("row " + (row + 1) + " (row group " + (group + 1) + "): the row group cannot be read (a damaged file?): " +
                    e.getMessage(), e);
            }
            if (pages == null)
            {
                return false;
            }
            group++;
            try
            {
                final ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, IgnoringConverter.INSTANCE, projection, createdBy);
                for (final Col c : read)
                {
                    c.reader = store.getColumnReader(c.descriptor);
                }
            }
            catch (final RuntimeException e)
            {
                throw new IOException("row " + (row + 1) + " (row group " + group + "): the data cannot be decoded (a damaged file?): " + e.getMessage(), e);
            }
            groupRowsLeft = pages.getRowCount();
            if (groupRowsLeft > 0)
            {
                return true;
            }
        }
    }

    private long timestamp() throws TickRowException
    {
        if (!ts.present)
        {
            throw error("ts: empty");
        }
        try
        {
            if (tsTime != null)
            {
                if (!tsTime.present)
                {
                    throw error("ts: the time column '" + tsTime.name + "' is empty");
                }
                if (ts.kind == Kind.TEXT)
                {
                    return TimestampParser.parseMicros(text(ts).strip() + 'T' + timeText(tsTime), zone);
                }
                return TimestampParser.localMicrosToEpoch(ts.longValue * MICROS_PER_DAY + timeOfDayMicros(tsTime), zone);
            }
            return switch (ts.kind)
            {
                case TIMESTAMP -> ts.utc ? ts.toMicros(ts.longValue) : TimestampParser.localMicrosToEpoch(ts.toMicros(ts.longValue), zone);
                case INT96 -> int96Micros(ts.binaryValue);
                case INTEGER -> TimestampParser.epochMicros(ts.longValue);
                case DATE -> TimestampParser.localMicrosToEpoch(ts.longValue * MICROS_PER_DAY, zone);
                case TEXT -> TimestampParser.parseMicros(text(ts), zone);
                default -> throw error("ts: a " + ts.type + " column cannot hold a timestamp");
            };
        }
        catch (final IllegalArgumentException | DateTimeException e)
        {
            throw error("ts: " + e.getMessage());
        }
    }

    private String timeText(final Col c) throws TickRowException
    {
        if (c.kind == Kind.TEXT)
        {
            return text(c).strip();
        }
        return LocalTime.ofNanoOfDay(timeOfDayMicros(c) * 1_000L).toString();
    }

    private long timeOfDayMicros(final Col c) throws TickRowException
    {
        if (c.kind == Kind.TEXT)
        {
            return LocalTime.parse(text(c).strip()).toNanoOfDay() / 1_000L;
        }
        if (c.kind != Kind.TIME)
        {
            throw error("ts: the time column '" + c.name + "' is a " + c.type + ", not a TIME or text column");
        }
        return c.toMicros(c.longValue);
    }

    static long int96Micros(final Binary value)
    {
        final ByteBuffer b = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        final long nanosOfDay = b.getLong(b.position());
        final long julianDay = b.getInt(b.position() + 8) & 0xFFFFFFFFL;
        return (julianDay - JULIAN_EPOCH_DAY) * MICROS_PER_DAY + Math.floorDiv(nanosOfDay, 1_000L);
    }

    private double number(final Col c, final boolean required) throws TickRowException
    {
        if (!c.present)
        {
            if (required)
            {
                throw error(c.field + ": empty");
            }
            return Double.NaN;
        }
        final double value = switch (c.kind)
        {
            case DOUBLE, INTEGER -> c.kind == Kind.DOUBLE ? c.doubleValue : c.longValue;
            case DECIMAL -> c.decimal();
            case TEXT -> parse(c);
            default -> throw error(c.field + ": a " + c.type + " column cannot hold a number");
        };
        if (!Double.isFinite(value))
        {
            throw error(c.field + ": not a finite number: " + value);
        }
        return value;
    }

    private double parse(final Col c) throws TickRowException
    {
        final String s = text(c).strip();
        if (s.isEmpty())
        {
            throw error(c.field + ": empty");
        }
        try
        {
            return Double.parseDouble(s);
        }
        catch (final NumberFormatException e)
        {
            throw error(c.field + ": not a number: '" + s + "'");
        }
    }

    private String text(final Col c) throws TickRowException
    {
        if (!c.present)
        {
            throw error(c.field + ": empty");
        }
        final Binary value = c.binaryValue;
        if (!value.equals(c.lastBinary))
        {
            final String s = value.toStringUsingUTF8();
            for (int i = 0; i < s.length(); i++)
            {
                final char ch = s.charAt(i);
                if (ch < 0x20 || ch == 0x7f)
                {
                    throw error(c.field + ": holds the control character U+" + String.format("%04X", (int)ch) + " at position " + (i + 1));
                }
            }
            if (s.isEmpty() && (c == symbol || c == provider))
            {
                throw error(c.field + ": empty");
            }
            c.lastBinary = value.copy();
            c.lastString = s;
        }
        return c.lastString;
    }

    private TickRowException error(final String reason)
    {
        return new TickRowException(row, "row " + row + " (row group " + group + ")", reason);
    }

    @Override
    public void close() throws IOException
    {
        file.close();
    }

    private enum Role
    {
        TS, TIME_OF_DAY, NUMBER, TEXT
    }

    private enum Kind
    {
        TIMESTAMP, INT96, INTEGER, DATE, TIME, DOUBLE, DECIMAL, TEXT
    }

    private Col col(final MessageType schema, final List<String> names, final int at, final Role role, final List<Type> wanted, final List<Col> cols)
    {
        if (at < 0)
        {
            return null;
        }
        final Type type = schema.getType(at);
        final String name = names.get(at);
        final String field = switch (role)
        {
            case TS, TIME_OF_DAY -> "ts";
            default -> fieldOf(schema, at);
        };
        if (!type.isPrimitive() || type.isRepetition(Type.Repetition.REPEATED))
        {
            throw new MissingColumnException("the Parquet column '" + name + "' (" + field + ") is a " +
                (type.isPrimitive() ? "list" : "group") + "; a tick field needs a plain column");
        }
        final PrimitiveType primitive = type.asPrimitiveType();
        final Col col = new Col(name, field, primitive, schema.getColumnDescription(new String[] {type.getName()}));
        col.kind = kindOf(primitive, role, col);
        if (col.kind == null)
        {
            throw new MissingColumnException("the Parquet column '" + name + "' is " + col.type + ", which cannot hold " +
                (role == Role.TS ? "a timestamp" : role == Role.TIME_OF_DAY ? "a time of day" : role == Role.NUMBER ? "the number " + field : "the text " + field));
        }
        // a column read for two fields (ts=date+date) is one reader, one value per row
        for (final Col other : cols)
        {
            if (other.name.equals(name))
            {
                throw new MissingColumnException("the Parquet column '" + name + "' is mapped to both " + other.field + " and " + field);
            }
        }
        wanted.add(type);
        cols.add(col);
        return col;
    }

    private static String fieldOf(final MessageType schema, final int at)
    {
        final String name = schema.getType(at).getName().toLowerCase(Locale.ROOT);
        for (final TickColumn column : TickColumn.values())
        {
            if (column.fieldName().equals(name) || column.aliases().contains(name))
            {
                return column.fieldName();
            }
        }
        return name;
    }

    private static Kind kindOf(final PrimitiveType type, final Role role, final Col col)
    {
        final LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        final PrimitiveType.PrimitiveTypeName physical = type.getPrimitiveTypeName();
        final boolean text = (physical == PrimitiveType.PrimitiveTypeName.BINARY || physical == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY) &&
            (logical == null || logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation ||
             logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation);
        if (text)
        {
            return Kind.TEXT;
        }
        if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation decimal)
        {
            col.scale = decimal.getScale();
            return role == Role.NUMBER ? Kind.DECIMAL : null;
        }
        switch (role)
        {
            case TS:
                if (logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation t)
                {
                    col.unit = t.getUnit();
                    col.utc = t.isAdjustedToUTC();
                    return Kind.TIMESTAMP;
                }
                if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation)
                {
                    return Kind.DATE;
                }
                if (physical == PrimitiveType.PrimitiveTypeName.INT96)
                {
                    return Kind.INT96;
                }
                return integer(physical, logical) ? Kind.INTEGER : null;
            case TIME_OF_DAY:
                if (logical instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation t)
                {
                    col.unit = t.getUnit();
                    return Kind.TIME;
                }
                return null;
            case NUMBER:
                if (physical == PrimitiveType.PrimitiveTypeName.DOUBLE || physical == PrimitiveType.PrimitiveTypeName.FLOAT)
                {
                    return Kind.DOUBLE;
                }
                return integer(physical, logical) ? Kind.INTEGER : null;
            default:
                return null;
        }
    }

    private static boolean integer(final PrimitiveType.PrimitiveTypeName physical, final LogicalTypeAnnotation logical)
    {
        return (physical == PrimitiveType.PrimitiveTypeName.INT32 || physical == PrimitiveType.PrimitiveTypeName.INT64) &&
            (logical == null || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation);
    }

    /** One column read: its reader in the current row group and the value of the current row. */
    private static final class Col
    {
        final String name;
        final String field;
        final String type;
        final ColumnDescriptor descriptor;
        final int maxDefinition;
        final PrimitiveType.PrimitiveTypeName physical;
        Kind kind;
        int scale;
        LogicalTypeAnnotation.TimeUnit unit;
        boolean utc;
        ColumnReader reader;

        boolean present;
        long longValue;
        double doubleValue;
        Binary binaryValue;
        Binary lastBinary;
        String lastString;

        Col(final String name, final String field, final PrimitiveType type, final ColumnDescriptor descriptor)
        {
            this.name = name;
            this.field = field;
            this.physical = type.getPrimitiveTypeName();
            final LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
            this.type = physical + (logical == null ? "" : " " + logical);
            this.descriptor = descriptor;
            this.maxDefinition = descriptor.getMaxDefinitionLevel();
        }

        void advance()
        {
            present = reader.getCurrentDefinitionLevel() == maxDefinition;
            if (present)
            {
                switch (physical)
                {
                    case INT32 -> longValue = reader.getInteger();
                    case INT64 -> longValue = reader.getLong();
                    case DOUBLE -> doubleValue = reader.getDouble();
                    case FLOAT -> doubleValue = reader.getFloat();
                    case BINARY, FIXED_LEN_BYTE_ARRAY, INT96 -> binaryValue = reader.getBinary();
                    default -> present = false;
                }
            }
            reader.consume();
        }

        long toMicros(final long value)
        {
            return switch (unit)
            {
                case MILLIS -> value * 1_000L;
                case MICROS -> value;
                case NANOS -> Math.floorDiv(value, 1_000L);
            };
        }

        double decimal()
        {
            final long unscaled;
            if (physical == PrimitiveType.PrimitiveTypeName.INT32 || physical == PrimitiveType.PrimitiveTypeName.INT64)
            {
                unscaled = longValue;
                if (scale < POW10.length && Math.abs(unscaled) < (1L << 53))
                {
                    // both exact doubles: one correctly rounded division, as BigDecimal's doubleValue would give
                    return unscaled / POW10[scale];
                }
                return new BigDecimal(BigInteger.valueOf(unscaled), scale).doubleValue();
            }
            return new BigDecimal(new BigInteger(binaryValue.getBytes()), scale).doubleValue();
        }
    }

    /** The record converter {@link ColumnReadStoreImpl} asks for; values are read from the column readers directly. */
    private static final class IgnoringConverter extends GroupConverter
    {
        static final IgnoringConverter INSTANCE = new IgnoringConverter();
        private static final PrimitiveConverter IGNORE = new PrimitiveConverter()
        {
        };

        @Override
        public Converter getConverter(final int fieldIndex)
        {
            return IGNORE;
        }

        @Override
        public void start()
        {
        }

        @Override
        public void end()
        {
        }
    }

    private static String blankToNull(final String s)
    {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
