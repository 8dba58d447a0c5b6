package io.tickreplay.adapters.parquet;

import io.tickreplay.adapters.files.PendingFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Rows into a Parquet file (parquet-java, no Hadoop cluster): a flat schema of typed columns,
 * timestamps as UTC {@code TIMESTAMP(MICROS)}, doubles as doubles, text as UTF-8 strings, zstd
 * compressed, dictionary encoded: what pandas, pyarrow and DuckDB read as they are.
 *
 * <p>Fill a row with the setters, then {@link #endRow()}; the row buffer is reused, so a row costs
 * no allocation beyond the strings given. The file is written under a temporary name beside the
 * target and renamed into place by {@link #commit()}; {@link #close()} without a commit deletes it
 * ({@link PendingFile}), so a failure never leaves a partial file. Memory: one row group (64 MB by default, less with
 * {@link #ParquetRowWriter(Path, List, Map, int)}), whatever the number of rows. One thread.
 */
public final class ParquetRowWriter implements AutoCloseable
{
    /** Column types. */
    public enum Type
    {
        /** UTF-8 text. */
        STRING,
        /** Microseconds since the epoch, a UTC instant. */
        TIMESTAMP,
        DOUBLE,
        LONG,
        INT
    }

    /** A column: its name, type and whether it may be null. */
    public record Column(String name, Type type, boolean optional)
    {
        public static Column required(final String name, final Type type)
        {
            return new Column(name, type, false);
        }

        public static Column optional(final String name, final Type type)
        {
            return new Column(name, type, true);
        }
    }

    /** Rows per group kept in memory before it is encoded to the file: bounds the memory of a big export. */
    public static final int DEFAULT_ROW_GROUP_BYTES = 64 << 20;

    private final PendingFile file;
    private final Column[] columns;
    private final long[] longs;
    private final double[] doubles;
    private final Binary[] strings;
    private final boolean[] present;
    private final ParquetWriter<ParquetRowWriter> writer;
    private long rows;
    private boolean done;

    public ParquetRowWriter(final Path target, final List<Column> columns, final Map<String, String> fileMetadata) throws IOException
    {
        this(target, columns, fileMetadata, DEFAULT_ROW_GROUP_BYTES);
    }

    public ParquetRowWriter(final Path target, final List<Column> columns, final Map<String, String> fileMetadata, final int rowGroupBytes)
        throws IOException
    {
        this.columns = columns.toArray(Column[]::new);
        final int n = this.columns.length;
        longs = new long[n];
        doubles = new double[n];
        strings = new Binary[n];
        present = new boolean[n];
        // a name of its own: two writers of the same target never share a temporary file
        this.file = PendingFile.beside(target);
        final MessageType schema = schema(this.columns);
        try
        {
            writer = new Builder(new LocalOutputFile(file.tmp()), schema, fileMetadata)
                .withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withDictionaryEncoding(true)
                .withRowGroupSize((long)rowGroupBytes)
                .build();
        }
        catch (final IOException | RuntimeException e)
        {
            file.close(); // a failed build() leaves an empty file behind
            throw e;
        }
    }

    static MessageType schema(final Column[] columns)
    {
        final Types.MessageTypeBuilder message = Types.buildMessage();
        for (final Column c : columns)
        {
            final Repetition repetition = c.optional() ? Repetition.OPTIONAL : Repetition.REQUIRED;
            switch (c.type())
            {
                case STRING -> message.primitive(PrimitiveTypeName.BINARY, repetition).as(LogicalTypeAnnotation.stringType()).named(c.name());
                case TIMESTAMP -> message.primitive(PrimitiveTypeName.INT64, repetition)
                    .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(c.name());
                case DOUBLE -> message.primitive(PrimitiveTypeName.DOUBLE, repetition).named(c.name());
                case LONG -> message.primitive(PrimitiveTypeName.INT64, repetition).named(c.name());
                case INT -> message.primitive(PrimitiveTypeName.INT32, repetition).named(c.name());
                default -> throw new IllegalArgumentException(c.type().name());
            }
        }
        return message.named("row");
    }

    /** A text value that repeats (a symbol, a provider): encode it once with this and pass the result to {@link #set(int, Binary)}. */
    public static Binary text(final String s)
    {
        return Binary.fromConstantByteArray(s.getBytes(StandardCharsets.UTF_8));
    }

    public ParquetRowWriter set(final int column, final long value)
    {
        longs[column] = value;
        present[column] = true;
        return this;
    }

    public ParquetRowWriter set(final int column, final double value)
    {
        doubles[column] = value;
        present[column] = true;
        return this;
    }

    public ParquetRowWriter set(final int column, final Binary value)
    {
        strings[column] = value;
        present[column] = value != null;
        return this;
    }

    public ParquetRowWriter set(final int column, final String value)
    {
        return set(column, value == null ? null : Binary.fromString(value));
    }

    /** Writes the row filled since the last call; columns not set are null (an error for required ones). */
    public void endRow() throws IOException
    {
        writer.write(this);
        Arrays.fill(present, false);
        rows++;
    }

    public long rows()
    {
        return rows;
    }

    public Path path()
    {
        return file.target();
    }

    /** Finishes the file and moves it into place under its name. */
    public void commit() throws IOException
    {
        writer.close();
        done = true;
        file.commit();
    }

    /** Abandons the file unless it was committed: nothing partial stays on disk. */
    @Override
    public void close()
    {
        if (!done)
        {
            done = true;
            try
            {
                writer.close();
            }
            catch (final IOException | RuntimeException ignored)
            {
                // going away anyway
            }
        }
        file.close();
    }

    private void writeRow(final RecordConsumer out)
    {
        out.startMessage();
        for (int i = 0; i < columns.length; i++)
        {
            if (!present[i])
            {
                if (!columns[i].optional())
                {
                    throw new IllegalStateException("column " + columns[i].name() + " is required but was not set");
                }
                continue;
            }
            final String name = columns[i].name();
            out.startField(name, i);
            switch (columns[i].type())
            {
                case STRING -> out.addBinary(strings[i]);
                case TIMESTAMP, LONG -> out.addLong(longs[i]);
                case DOUBLE -> out.addDouble(doubles[i]);
                case INT -> out.addInteger((int)longs[i]);
                default -> throw new IllegalStateException(columns[i].type().name());
            }
            out.endField(name, i);
        }
        out.endMessage();
    }

    private static final class Builder extends ParquetWriter.Builder<ParquetRowWriter, Builder>
    {
        private final MessageType schema;
        private final Map<String, String> metadata;

        Builder(final OutputFile file, final MessageType schema, final Map<String, String> metadata)
        {
            super(file);
            this.schema = schema;
            this.metadata = metadata;
        }

        @Override
        protected Builder self()
        {
            return this;
        }

        @Override
        protected WriteSupport<ParquetRowWriter> getWriteSupport(final Configuration conf)
        {
            return new RowWriteSupport(schema, metadata);
        }

        @Override
        protected WriteSupport<ParquetRowWriter> getWriteSupport(final ParquetConfiguration conf)
        {
            return new RowWriteSupport(schema, metadata);
        }
    }

    private static final class RowWriteSupport extends WriteSupport<ParquetRowWriter>
    {
        private final MessageType schema;
        private final Map<String, String> metadata;
        private RecordConsumer consumer;

        RowWriteSupport(final MessageType schema, final Map<String, String> metadata)
        {
            this.schema = schema;
            this.metadata = metadata;
        }

        @Override
        public WriteContext init(final Configuration configuration)
        {
            return new WriteContext(schema, metadata);
        }

        @Override
        public WriteContext init(final ParquetConfiguration configuration)
        {
            return new WriteContext(schema, metadata);
        }

        @Override
        public void prepareForWrite(final RecordConsumer recordConsumer)
        {
            consumer = recordConsumer;
        }

        @Override
        public void write(final ParquetRowWriter row)
        {
            row.writeRow(consumer);
        }
    }
}
