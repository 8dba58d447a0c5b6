package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.signals.SignalCalculator;

import java.sql.SQLException;
import java.util.List;

/**
 * One {@code signal_rows} row in binary COPY form ({@link SignalStore#COLUMNS}: ts, value, run_id,
 * key_id, name_id, m1, m2, m3): 8 fixed-width fields, no text and no JSON. The run, the key and the
 * name are ids (docs/runs.md); the explaining numbers m1..m3 are stored in {@code full} metadata mode
 * only, NULL otherwise ({@code run} and {@code none} store the same: the run is the row's partition).
 * Shared by the replay's signals writer and the bus consumers. One thread.
 */
public final class SignalRowEncoder
{
    /** 2 (field count) + 8 x 4 (lengths) + 6 x 8 + 4 + 2. */
    private static final int ROW_BYTES = 2 + 8 * 4 + 6 * 8 + 4 + 2;

    private final String[] names;
    private short[] nameIds;
    private boolean full = true;
    private long runId;

    public SignalRowEncoder(final List<SignalCalculator> signals)
    {
        this.names = new String[signals.size()];
        for (int i = 0; i < names.length; i++)
        {
            names[i] = signals.get(i).name();
        }
    }

    public SignalRowEncoder mode(final SignalMetadata.Mode newMode)
    {
        this.full = newMode == SignalMetadata.Mode.FULL;
        return this;
    }

    /** The ids of the signals in {@code signal_names}, by signal id ({@link SignalStore#nameIds}). */
    public SignalRowEncoder nameIds(final short[] ids)
    {
        this.nameIds = ids.clone();
        return this;
    }

    public boolean hasNameIds()
    {
        return nameIds != null;
    }

    /** The run the next rows belong to (0: live). */
    public void run(final long newRunId)
    {
        this.runId = newRunId;
    }

    public long run()
    {
        return runId;
    }

    public String signalName(final int signalId)
    {
        return names[signalId];
    }

    /** Appends one row of key {@code keyId} to {@code encoder}. */
    public void row(final CopyBinaryEncoder encoder, final int keyId, final int signalId, final long ts, final double value, final double m1,
        final double m2, final double m3) throws SQLException
    {
        encoder.startRow(8, ROW_BYTES);
        encoder.timestamptz(ts);
        encoder.float8(value);
        encoder.int8(runId);
        encoder.int4(keyId);
        encoder.int2(nameIds[signalId]);
        if (full)
        {
            finiteOrNull(encoder, m1);
            finiteOrNull(encoder, m2);
            finiteOrNull(encoder, m3);
        }
        else
        {
            encoder.nullValue();
            encoder.nullValue();
            encoder.nullValue();
        }
    }

    private static void finiteOrNull(final CopyBinaryEncoder encoder, final double v)
    {
        if (Double.isFinite(v))
        {
            encoder.float8(v);
        }
        else
        {
            encoder.nullValue();
        }
    }
}
