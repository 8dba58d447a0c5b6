package io.tickreplay.adapters.files;

import java.util.Locale;

/**
 * The file formats a user names by extension: {@code .csv}, {@code .csv.gz} and {@code .parquet}.
 * The one place that reads a format from a file's name (case-insensitively: {@code OUT.CSV} is CSV)
 * or from a {@code --format} / {@code "format"} override, and that lists the formats for error
 * messages. Stateless; any thread.
 */
public enum FileFormat
{
    CSV("csv"),
    CSV_GZ("csv.gz"),
    PARQUET("parquet");

    /** The extensions as an error message lists them. */
    public static final String EXTENSIONS = ".csv, .csv.gz or .parquet";

    /** The labels as an error message lists them. */
    public static final String LABELS = "csv, csv.gz or parquet";

    private final String label;

    FileFormat(final String label)
    {
        this.label = label;
    }

    /** {@code csv}, {@code csv.gz} or {@code parquet}: what a job's metadata says. */
    public String label()
    {
        return label;
    }

    /** The file name ending, {@code .csv}, {@code .csv.gz} or {@code .parquet}. */
    public String extension()
    {
        return "." + label;
    }

    /** The format {@code fileName} ends in, or null when it ends in none of them. */
    public static FileFormat fromFileName(final String fileName)
    {
        final String name = fileName.toLowerCase(Locale.ROOT);
        for (final FileFormat f : values())
        {
            if (name.endsWith(f.extension()))
            {
                return f;
            }
        }
        return null;
    }

    /** The format a label names ({@code csv}, {@code csv.gz}, {@code csv_gz}, {@code csvgz}, {@code parquet}), or null. */
    public static FileFormat fromLabel(final String label)
    {
        return switch (label.toLowerCase(Locale.ROOT))
        {
            case "csv" -> CSV;
            case "csv.gz", "csv_gz", "csvgz" -> CSV_GZ;
            case "parquet" -> PARQUET;
            default -> null;
        };
    }

    /**
     * The format {@code override} names when given, else the one {@code fileName} ends in; throws
     * {@link IllegalArgumentException} saying which of the two is wrong.
     */
    public static FileFormat of(final String fileName, final String override)
    {
        if (override != null)
        {
            final FileFormat f = fromLabel(override);
            if (f == null)
            {
                throw new IllegalArgumentException("format must be " + LABELS + ", was '" + override + "'");
            }
            return f;
        }
        final FileFormat f = fromFileName(fileName);
        if (f == null)
        {
            throw new IllegalArgumentException("the output must end in " + EXTENSIONS + " (or give the format), was '" + fileName + "'");
        }
        return f;
    }
}
