package io.tickreplay.engine.bus;

import io.tickreplay.engine.tick.Micros;

/**
 * The JSON wire form of a {@link BusMessage}: the seed's shape, one object per message.
 *
 * <pre>
 * {"kind":"tick","provider":"ibkr","symbol":"NVDA","price":123.45,"timestamp":"2025-11-03T14:30:01.000250Z",
 *  "size":100.0,"bid":123.4,"ask":123.5,"bid_size":300.0,"ask_size":200.0,"seq":0,"origin":"replay","replay_run_id":42}
 * </pre>
 * {@code timestamp} is ISO-8601 UTC with microseconds when it has any; absent bid/ask/sizes are
 * {@code null}; {@code replay_run_id} is {@code null} for live ticks. Numbers are Java's shortest
 * round-trip form, so a reader gets back the exact doubles.
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
        out.append(",\"timestamp\":\"").append(Micros.toInstant(m.tsMicros)).append('"');
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
        }
        else
        {
            out.append("null");
        }
        return out.append('}');
    }

    private static void number(final StringBuilder out, final double v)
    {
        if (Double.isNaN(v) || Double.isInfinite(v))
        {
            out.append("null");
        }
        else
        {
            out.append(v);
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
