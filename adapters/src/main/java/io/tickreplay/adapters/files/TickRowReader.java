package io.tickreplay.adapters.files;

import java.io.Closeable;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * What every tick file reader is, whatever the format: the {@link Options} a user gives, and the
 * {@link MissingColumnException} of a file that cannot be read as it stands. A format's reader
 * ({@code csv.TickCsvReader}, {@code parquet.ParquetTickReader}) extends it, so {@code TickCsvReader.Options} and
 * {@code ParquetTickReader.Options} name the same record.
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
}
