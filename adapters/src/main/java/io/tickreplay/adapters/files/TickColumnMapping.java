package io.tickreplay.adapters.files;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which of a file's columns holds each tick field: found by {@link TickColumn} aliases (any case), by the user's
 * {@code --column FIELD=NAME}, or, for a file without a header, by the user's {@code --columns} in order. Shared by
 * the CSV and the Parquet reader, so both find the same columns and fail with the same message.
 *
 * <p>Everything the file lacks is gathered before failing, so one run names every flag to add.
 */
public final class TickColumnMapping
{
    private final Map<TickColumn, Integer> index = new EnumMap<>(TickColumn.class);
    private final List<String> names;
    private final boolean headerless;
    private int tsTime = -1;

    private TickColumnMapping(final List<String> names, final boolean headerless)
    {
        this.names = List.copyOf(names);
        this.headerless = headerless;
    }

    /**
     * The columns of a file whose column names are known (a CSV header, a Parquet schema).
     *
     * @param describe how the error names where the names come from, e.g. {@code the header (line 1)}
     * @throws TickRowReader.MissingColumnException naming everything the file and the flags lack
     */
    public static TickColumnMapping ofNames(final List<String> names, final TickRowReader.Options options, final String describe, final boolean suggestNoHeader)
    {
        final TickColumnMapping mapping = new TickColumnMapping(names, false);
        final List<String> missing = new ArrayList<>();
        mapping.resolve(options.columnOverrides(), missing);
        mapping.finish(options, missing, describe, suggestNoHeader);
        return mapping;
    }

    /** The columns of a file without a header row: the user's {@code --columns}, by field name or alias, in order. */
    public static TickColumnMapping ofColumns(final List<String> columns, final TickRowReader.Options options)
    {
        final TickColumnMapping mapping = new TickColumnMapping(columns, true);
        final List<String> missing = new ArrayList<>();
        mapping.headerless(columns, missing);
        mapping.finish(options, missing, "--columns", false);
        return mapping;
    }

    /** The column of {@code column}, or -1 when the file has none (or a flag supplies it). */
    public int column(final TickColumn column)
    {
        final Integer at = index.get(column);
        return at == null ? -1 : at;
    }

    /** The time-of-day column joined to the date in {@code ts} ({@code --column ts=date+time}), or -1. */
    public int tsTime()
    {
        return tsTime;
    }

    /** The largest column index read, so a row shorter than that is refused as such. */
    public int maxIndex()
    {
        int max = tsTime;
        for (final int i : index.values())
        {
            max = Math.max(max, i);
        }
        return max;
    }

    /** Which column each field was read from, for reports. */
    public Map<TickColumn, Integer> columns()
    {
        return Map.copyOf(index);
    }

    private void resolve(final Map<TickColumn, String> overrides, final List<String> missing)
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
                throw new TickRowReader.MissingColumnException("--columns: '" + name + "' (column " + (i + 1) + ") is not a tick field; use one of " +
                    "ts, price, size, bid, ask, bid_size, ask_size, symbol, provider (or an alias such as timestamp, qty), or - to ignore the column");
            }
            final Integer first = index.putIfAbsent(column, i);
            if (first != null)
            {
                throw new TickRowReader.MissingColumnException("--columns: " + column.fieldName() + " is given twice (columns " + (first + 1) + " and " +
                    (i + 1) + ")");
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

    /** Adds what the flags do not supply either (symbol, provider) and throws if anything is missing. */
    private void finish(final TickRowReader.Options options, final List<String> missing, final String describe, final boolean suggestNoHeader)
    {
        if (blank(options.symbol()) && !index.containsKey(TickColumn.SYMBOL))
        {
            missing.add("the file has no symbol column (" + String.join("|", TickColumn.SYMBOL.aliases()) + "): pass --symbol");
        }
        if (blank(options.provider()) && !index.containsKey(TickColumn.PROVIDER))
        {
            missing.add("the file has no provider column: pass --provider");
        }
        if (!missing.isEmpty())
        {
            throw new TickRowReader.MissingColumnException(missingMessage(missing, describe, suggestNoHeader));
        }
    }

    /**
     * One message for everything the file lacks. A header that matches no field at all is listed column by column,
     * with the names looked for, the way a user would read it.
     */
    private String missingMessage(final List<String> missing, final String describe, final boolean suggestNoHeader)
    {
        final StringBuilder columns = new StringBuilder();
        for (final String name : names)
        {
            columns.append(columns.length() == 0 ? "" : ", ").append('\'').append(name.strip()).append('\'');
        }
        if (missing.size() == 1)
        {
            return missing.get(0) + "; " + (headerless ? "--columns gives " : describe.startsWith("the header") ? "the header has " : describe + " has ") + columns;
        }
        final StringBuilder message = new StringBuilder("the file cannot be imported as it stands, ").append(missing.size())
            .append(" things are missing:");
        for (final String m : missing)
        {
            message.append("\n  - ").append(m);
        }
        message.append('\n').append(describe).append(headerless ? " gives " : " has ").append(names.size())
            .append(names.size() == 1 ? " column: " : " columns: ").append(columns);
        if (index.isEmpty() && !headerless)
        {
            message.append("\nnone of them is a tick field; the names looked for (any case):");
            for (final TickColumn column : TickColumn.values())
            {
                message.append("\n  ").append(column.fieldName()).append(": ").append(String.join(", ", column.aliases()));
            }
            if (suggestNoHeader)
            {
                message.append("\nif the file has no header row, name its columns in order: --no-header --columns ts,price,size,...");
            }
        }
        return message.toString();
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

    private static boolean blank(final String s)
    {
        return s == null || s.isBlank();
    }
}
