package io.tickreplay.engine.bus;

import io.tickreplay.engine.tick.Micros;

import java.nio.charset.StandardCharsets;

/**
 * The JSON wire form of a {@link BusMessage}: the seed's shape, one object per message.
 *
 * <pre>
 * {"kind":"tick","provider":"ibkr","symbol":"NVDA","price":123.45,"timestamp":"2025-11-03T14:30:01.000250Z",
 *  "size":100.0,"bid":123.4,"ask":123.5,"bid_size":300.0,"ask_size":200.0,"seq":0,"origin":"replay","replay_run_id":42,
 *  "run_seq":1017}
 * </pre>
 * {@code timestamp} is ISO-8601 UTC with microseconds when it has any; absent bid/ask/sizes are
 * {@code null}; {@code replay_run_id} is {@code null} for live ticks, which have no {@code run_seq}
 * (the tick's ordinal in its run, from 1: {@link BusMessage#runSeq}). Numbers are exact decimals
 * ({@link Decimals}: {@code 231.45}, {@code 100.0}), so a reader gets back the exact doubles.
 */
public final class BusJson
{
    private BusJson()
    {
    }

    public static StringBuilder encode(final BusMessage m, final StringBuilder out)
    {
        out.append("{\"kind\":\"tick\",\"provider\":");
        string(out, m.provider);
        out.append(",\"symbol\":");
        string(out, m.symbol);
        out.append(",\"price\":");
        number(out, m.price);
        out.append(",\"timestamp\":\"");
        Micros.appendIso(out, m.tsMicros).append('"');
        out.append(",\"size\":");
        number(out, m.size);
        out.append(",\"bid\":");
        number(out, m.bid);
        out.append(",\"ask\":");
        number(out, m.ask);
        out.append(",\"bid_size\":");
        number(out, m.bidSize);
        out.append(",\"ask_size\":");
        number(out, m.askSize);
        out.append(",\"seq\":").append(m.seq);
        out.append(",\"origin\":\"").append(m.originName()).append('"');
        out.append(",\"replay_run_id\":");
        if (m.origin == BusMessage.ORIGIN_REPLAY)
        {
            out.append(m.replayRunId);
            if (m.runSeq > 0)
            {
                out.append(",\"run_seq\":").append(m.runSeq);
            }
        }
        else
        {
            out.append("null");
        }
        return out.append('}');
    }

    /**
     * The run's end on a bus others read (the seed's {@code kind}): {@code {"kind":"replay_end","provider":"ibkr",
     * "replay_run_id":42,"ticks":1009311,"checksum":"9b8859373e0e3878","complete":true}}.
     */
    public static StringBuilder encodeEnd(final String provider, final long runId, final long ticks, final String checksum, final boolean complete,
        final StringBuilder out)
    {
        out.append("{\"kind\":\"replay_end\",\"provider\":");
        string(out, provider);
        out.append(",\"replay_run_id\":").append(runId).append(",\"ticks\":").append(ticks).append(",\"checksum\":");
        string(out, checksum);
        return out.append(",\"complete\":").append(complete).append('}');
    }

    /**
     * The run's start on a bus others read: {@code {"kind":"replay_start","provider":"ibkr","replay_run_id":42,
     * "start":"2025-11-03T14:30:00Z","end":"2025-11-03T21:00:00Z"}} (the window; absent ends are null).
     */
    public static StringBuilder encodeStart(final String provider, final long runId, final long startMicros, final long endMicros,
        final StringBuilder out)
    {
        out.append("{\"kind\":\"replay_start\",\"provider\":");
        string(out, provider);
        out.append(",\"replay_run_id\":").append(runId).append(",\"start\":");
        time(out, startMicros, Long.MIN_VALUE);
        out.append(",\"end\":");
        time(out, endMicros, Long.MAX_VALUE);
        return out.append('}');
    }

    private static void time(final StringBuilder out, final long micros, final long none)
    {
        if (micros == none)
        {
            out.append("null");
        }
        else
        {
            out.append('"');
            Micros.appendIso(out, micros).append('"');
        }
    }

    /** ASCII or UTF-8 of {@code text} into a new array (what a Kafka record or a Redis field keeps). */
    public static byte[] utf8(final CharSequence text)
    {
        final int n = text.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++)
        {
            ascii = text.charAt(i) < 0x80;
        }
        if (!ascii)
        {
            return text.toString().getBytes(StandardCharsets.UTF_8);
        }
        final byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++)
        {
            bytes[i] = (byte)text.charAt(i);
        }
        return bytes;
    }

    private static void number(final StringBuilder out, final double v)
    {
        if (Double.isNaN(v) || Double.isInfinite(v))
        {
            out.append("null");
        }
        else
        {
            Decimals.append(out, v);
        }
    }

    private static void string(final StringBuilder out, final String s)
    {
        out.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\')
            {
                out.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                out.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                out.append(c);
            }
        }
        out.append('"');
    }
}
