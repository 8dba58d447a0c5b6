package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.signals.SignalCalculator;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;

/**
 * One {@code signals} row in binary COPY form ({@code provider, symbol, ts, name, value, metadata}),
 * with its metadata JSONB written in place from bytes prepared once per signal and per run
 * ({@link SignalMetadata.Mode}): no String or byte[] per row. Shared by the replay's signals writer
 * and the bus consumers. One thread.
 */
public final class SignalRowEncoder
{
    public static final String COLUMNS = "provider, symbol, ts, name, value, metadata";
    private static final byte[] CLOSE = {'}'};

    private final byte[][] signalNames;
    /** Per signal and metadata key: {@code ,"key":} */
    private final byte[][][] keyPrefixes;
    private final int maxMetadataBytes;
    private SignalMetadata.Mode mode = SignalMetadata.Mode.FULL;
    private String origin;
    private long runId = -1;
    private byte[] metadataPrefix;

    public SignalRowEncoder(final List<SignalCalculator> signals)
    {
        this.signalNames = new byte[signals.size()][];
        this.keyPrefixes = new byte[signals.size()][][];
        int longest = 0;
        for (int i = 0; i < signals.size(); i++)
        {
            signalNames[i] = utf8(signals.get(i).name());
            final List<String> keys = signals.get(i).metadataKeys();
            keyPrefixes[i] = new byte[keys.size()][];
            int bytes = 0;
            for (int k = 0; k < keys.size(); k++)
            {
                keyPrefixes[i][k] = utf8(",\"" + keys.get(k) + "\":");
                bytes += keyPrefixes[i][k].length + 32;
            }
            longest = Math.max(longest, bytes + signalNames[i].length);
        }
        this.maxMetadataBytes = longest + 128;
    }

    public SignalRowEncoder mode(final SignalMetadata.Mode newMode)
    {
        this.mode = newMode;
        return this;
    }

    /** The origin and replay run id the next rows' metadata carries; prepared once per change. */
    public void context(final String newOrigin, final long newRunId)
    {
        if (!newOrigin.equals(origin) || newRunId != runId)
        {
            origin = newOrigin;
            runId = newRunId;
            metadataPrefix = utf8("{\"origin\":\"" + origin + "\"" + (runId > 0 ? ",\"replay_run_id\":" + runId : ""));
        }
    }

    public String signalName(final int signalId)
    {
        return new String(signalNames[signalId], StandardCharsets.UTF_8);
    }

    /** Appends one row to {@code encoder}. */
    public void row(final CopyBinaryEncoder encoder, final byte[] provider, final byte[] symbol, final int signalId, final long ts, final double value,
        final double m1, final double m2, final double m3) throws SQLException
    {
        encoder.startRow(6, 64 + provider.length + symbol.length + maxMetadataBytes);
        encoder.text(provider);
        encoder.text(symbol);
        encoder.timestamptz(ts);
        encoder.text(signalNames[signalId]);
        encoder.float8(value);
        if (mode == SignalMetadata.Mode.NONE)
        {
            encoder.nullValue();
            return;
        }
        encoder.startJsonb();
        encoder.raw(metadataPrefix);
        if (mode == SignalMetadata.Mode.FULL)
        {
            final byte[][] keys = keyPrefixes[signalId];
            number(encoder, keys, 0, m1);
            number(encoder, keys, 1, m2);
            number(encoder, keys, 2, m3);
        }
        encoder.raw(CLOSE);
        encoder.endJsonb();
    }

    private static void number(final CopyBinaryEncoder encoder, final byte[][] keys, final int i, final double v)
    {
        if (i < keys.length && Double.isFinite(v))
        {
            encoder.raw(keys[i]);
            encoder.number(v);
        }
    }

    static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
