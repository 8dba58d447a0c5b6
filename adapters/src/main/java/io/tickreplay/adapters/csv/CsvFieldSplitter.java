package io.tickreplay.adapters.csv;

import java.util.List;

/**
 * Splits one CSV line into fields: RFC 4180 quoting ({@code "a,b"}, {@code ""} for a quote inside
 * quotes), unquoted fields stripped of surrounding blanks. A quoted field cannot span lines in a
 * tick file; an unterminated quote is an error.
 */
final class CsvFieldSplitter
{
    private final char delimiter;
    private final StringBuilder field = new StringBuilder(32);

    CsvFieldSplitter(final char delimiter)
    {
        this.delimiter = delimiter;
    }

    /** Fills {@code out} with the fields of {@code line}; returns {@code out.size()}. */
    int split(final String line, final List<String> out)
    {
        out.clear();
        final int n = line.length();
        int i = 0;
        while (true)
        {
            while (i < n && line.charAt(i) == ' ')
            {
                i++;
            }
            if (i < n && line.charAt(i) == '"')
            {
                field.setLength(0);
                i++;
                boolean closed = false;
                while (i < n)
                {
                    final char c = line.charAt(i++);
                    if (c == '"')
                    {
                        if (i < n && line.charAt(i) == '"')
                        {
                            field.append('"');
                            i++;
                        }
                        else
                        {
                            closed = true;
                            break;
                        }
                    }
                    else
                    {
                        field.append(c);
                    }
                }
                if (!closed)
                {
                    throw new IllegalArgumentException("unterminated quoted field");
                }
                while (i < n && line.charAt(i) == ' ')
                {
                    i++;
                }
                if (i < n && line.charAt(i) != delimiter)
                {
                    throw new IllegalArgumentException("text after a closing quote");
                }
                out.add(field.toString());
            }
            else
            {
                int end = line.indexOf(delimiter, i);
                if (end < 0)
                {
                    end = n;
                }
                int last = end;
                while (last > i && line.charAt(last - 1) == ' ')
                {
                    last--;
                }
                out.add(line.substring(i, last));
                i = end;
            }
            if (i >= n)
            {
                return out.size();
            }
            i++; // the delimiter
            if (i == n)
            {
                out.add("");
                return out.size();
            }
        }
    }
}
