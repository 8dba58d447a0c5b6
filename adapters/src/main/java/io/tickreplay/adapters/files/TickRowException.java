package io.tickreplay.adapters.files;

/** A row of a tick file that cannot be read; names the file's line number (1 = the header). */
public final class TickRowException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final long lineNumber;
    private final String reason;

    public TickRowException(final long lineNumber, final String reason)
    {
        super("line " + lineNumber + ": " + reason, null, false, false);
        this.lineNumber = lineNumber;
        this.reason = reason;
    }

    /** A row of a file without lines (Parquet): {@code where} says what is counted, e.g. {@code row 12 (row group 2)}. */
    public TickRowException(final long rowNumber, final String where, final String reason)
    {
        super(where + ": " + reason, null, false, false);
        this.lineNumber = rowNumber;
        this.reason = reason;
    }

    public long lineNumber()
    {
        return lineNumber;
    }

    public String reason()
    {
        return reason;
    }
}
