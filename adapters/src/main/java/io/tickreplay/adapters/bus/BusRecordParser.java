package io.tickreplay.adapters.bus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tickreplay.engine.bus.BusFrame;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.tick.Micros;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Reads what a bus carries back: a tick (the seed's JSON, or a {@link BusFrame} when it does not start
 * with {@code '{'}), or a control record ({@code replay_start}, {@code replay_end}). Anything else is
 * a {@link PoisonException} naming what is wrong, which a consumer sends to its dead-letter topic.
 * One thread.
 */
public final class BusRecordParser
{
    /** What a record was. */
    public enum Kind
    {
        TICK, START, END
    }

    /** A control record's fields. */
    public static final class Control
    {
        public String provider;
        public long runId;
        public long windowStart = Long.MIN_VALUE;
        public long windowEnd = Long.MAX_VALUE;
        public long ticks;
        public String checksum;
        public boolean complete;
    }

    /** A record that is not a tick or a control record. */
    public static final class PoisonException extends Exception
    {
        private static final long serialVersionUID = 1L;

        public PoisonException(final String message)
        {
            super(message);
        }
    }

    private static final JsonFactory JSON = new JsonFactory();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[0]);

    /** The largest record or entry a consumer reads (a tick is about 300 bytes of JSON): larger ones are dead-lettered. */
    public static final int MAX_RECORD_BYTES = 64 << 10;

    /** Parses a Kafka record value (or a Redis {@code frame} / control JSON): a tick into {@code tick}, a control record into {@code control}. */
    public Kind parse(final byte[] value, final BusMessage tick, final Control control) throws PoisonException
    {
        if (value == null || value.length == 0)
        {
            throw new PoisonException("an empty record");
        }
        if (value.length > MAX_RECORD_BYTES)
        {
            throw new PoisonException("a record of " + value.length + " bytes (at most " + MAX_RECORD_BYTES + ")");
        }
        final Kind kind = decode(value, tick, control);
        if (kind == Kind.TICK)
        {
            validate(tick);
        }
        return kind;
    }

    /**
     * The import's rules for a tick ({@code docs/import.md}): price finite and > 0, size finite and >= 0,
     * bid, ask and their sizes finite and >= 0 when present. A tick that breaks them is poison: dead-lettered,
     * never folded into a state or a table.
     */
    static void validate(final BusMessage tick) throws PoisonException
    {
        if (!(tick.price > 0) || !Double.isFinite(tick.price))
        {
            throw new PoisonException("a tick whose price is not a finite number > 0: " + tick.price);
        }
        if (!(tick.size >= 0) || !Double.isFinite(tick.size))
        {
            throw new PoisonException("a tick whose size is not a finite number >= 0: " + tick.size);
        }
        optional("bid", tick.bid);
        optional("ask", tick.ask);
        optional("bid_size", tick.bidSize);
        optional("ask_size", tick.askSize);
    }

    private static void optional(final String name, final double v) throws PoisonException
    {
        if (!Double.isNaN(v) && (!(v >= 0) || !Double.isFinite(v)))
        {
            throw new PoisonException("a tick whose " + name + " is not a finite number >= 0: " + v);
        }
    }

    private Kind decode(final byte[] value, final BusMessage tick, final Control control) throws PoisonException
    {
        if (value[0] != '{')
        {
            try
            {
                frame.wrap(value);
                BusFrame.decode(frame, 0, tick);
                return Kind.TICK;
            }
            catch (final RuntimeException e)
            {
                throw new PoisonException("not the seed's JSON nor a bus frame: " + e.getMessage());
            }
        }
        try (JsonParser p = JSON.createParser(value))
        {
            return json(p, tick, control);
        }
        catch (final IOException | RuntimeException e)
        {
            throw new PoisonException("unreadable JSON: " + e.getMessage());
        }
    }

    /** Parses a Redis entry's fields (the seed's JSON keys as fields, or {@code frame}, or {@code kind} + {@code control}). */
    public Kind parse(final Map<String, byte[]> fields, final BusMessage tick, final Control control) throws PoisonException
    {
        long bytes = 0;
        for (final Map.Entry<String, byte[]> f : fields.entrySet())
        {
            bytes += f.getKey().length() + (f.getValue() == null ? 0 : f.getValue().length);
        }
        if (bytes > MAX_RECORD_BYTES)
        {
            throw new PoisonException("an entry of " + bytes + " bytes (at most " + MAX_RECORD_BYTES + ")");
        }
        final Kind kind = decode(fields, tick, control);
        if (kind == Kind.TICK)
        {
            validate(tick);
        }
        return kind;
    }

    private Kind decode(final Map<String, byte[]> fields, final BusMessage tick, final Control control) throws PoisonException
    {
        final byte[] frameField = fields.get("frame");
        if (frameField != null)
        {
            return parse(frameField, tick, control);
        }
        final byte[] controlField = fields.get("control");
        if (controlField != null)
        {
            return parse(controlField, tick, control);
        }
        final String kind = text(fields, "kind");
        if (!"tick".equals(kind))
        {
            throw new PoisonException("an entry with kind '" + kind + "'");
        }
        try
        {
            tick.kind = BusMessage.KIND_TICK;
            tick.provider = required(fields, "provider");
            tick.symbol = required(fields, "symbol");
            tick.price = number(fields, "price");
            tick.size = number(fields, "size");
            tick.bid = number(fields, "bid");
            tick.ask = number(fields, "ask");
            tick.bidSize = number(fields, "bid_size");
            tick.askSize = number(fields, "ask_size");
            tick.tsMicros = Micros.of(Instant.parse(required(fields, "timestamp")));
            final String seq = text(fields, "seq");
            tick.seq = seq == null ? 0 : Integer.parseInt(seq);
            final String origin = text(fields, "origin");
            tick.origin = "live".equals(origin) ? BusMessage.ORIGIN_LIVE : BusMessage.ORIGIN_REPLAY;
            final String run = text(fields, "replay_run_id");
            tick.replayRunId = run == null ? 0 : Long.parseLong(run);
            final String runSeq = text(fields, "run_seq");
            tick.runSeq = runSeq == null ? 0 : Long.parseLong(runSeq);
            return Kind.TICK;
        }
        catch (final RuntimeException e)
        {
            throw new PoisonException("a tick entry that cannot be read: " + e.getMessage());
        }
    }

    private static String text(final Map<String, byte[]> fields, final String name)
    {
        final byte[] v = fields.get(name);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    private static String required(final Map<String, byte[]> fields, final String name)
    {
        final String v = text(fields, name);
        if (v == null || v.isEmpty())
        {
            throw new IllegalArgumentException(name + " missing");
        }
        return v;
    }

    private static double number(final Map<String, byte[]> fields, final String name)
    {
        final String v = text(fields, name);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    private static Kind json(final JsonParser p, final BusMessage tick, final Control control) throws IOException, PoisonException
    {
        if (p.nextToken() != JsonToken.START_OBJECT)
        {
            throw new PoisonException("not a JSON object");
        }
        String kind = null;
        tick.unset();
        control.provider = null;
        control.runId = 0;
        control.windowStart = Long.MIN_VALUE;
        control.windowEnd = Long.MAX_VALUE;
        control.ticks = 0;
        control.checksum = null;
        control.complete = false;
        while (p.nextToken() == JsonToken.FIELD_NAME)
        {
            final String name = p.currentName();
            final JsonToken t = p.nextToken();
            final boolean isNull = t == JsonToken.VALUE_NULL;
            switch (name)
            {
                case "kind" -> kind = p.getText();
                case "provider" ->
                {
                    tick.provider = p.getText();
                    control.provider = tick.provider;
                }
                case "symbol" -> tick.symbol = p.getText();
                case "price" -> tick.price = isNull ? Double.NaN : p.getDoubleValue();
                case "size" -> tick.size = isNull ? Double.NaN : p.getDoubleValue();
                case "bid" -> tick.bid = isNull ? Double.NaN : p.getDoubleValue();
                case "ask" -> tick.ask = isNull ? Double.NaN : p.getDoubleValue();
                case "bid_size" -> tick.bidSize = isNull ? Double.NaN : p.getDoubleValue();
                case "ask_size" -> tick.askSize = isNull ? Double.NaN : p.getDoubleValue();
                case "timestamp" -> tick.tsMicros = Micros.of(Instant.parse(p.getText()));
                case "seq" -> tick.seq = isNull ? 0 : p.getIntValue();
                case "run_seq" -> tick.runSeq = isNull ? 0 : p.getLongValue();
                case "origin" -> tick.origin = "live".equals(p.getText()) ? BusMessage.ORIGIN_LIVE : BusMessage.ORIGIN_REPLAY;
                case "replay_run_id" ->
                {
                    tick.replayRunId = isNull ? 0 : p.getLongValue();
                    control.runId = tick.replayRunId;
                }
                case "start" -> control.windowStart = isNull ? Long.MIN_VALUE : Micros.of(Instant.parse(p.getText()));
                case "end" -> control.windowEnd = isNull ? Long.MAX_VALUE : Micros.of(Instant.parse(p.getText()));
                case "ticks" -> control.ticks = p.getLongValue();
                case "checksum" -> control.checksum = p.getText();
                case "complete" -> control.complete = p.getBooleanValue();
                default -> p.skipChildren();
            }
        }
        if (kind == null)
        {
            throw new PoisonException("no \"kind\"");
        }
        return switch (kind)
        {
            case "tick" ->
            {
                if (tick.provider == null || tick.symbol == null || tick.tsMicros == Long.MIN_VALUE)
                {
                    throw new PoisonException("a tick without provider, symbol or timestamp");
                }
                yield Kind.TICK;
            }
            case "replay_start" -> Kind.START;
            case "replay_end" -> Kind.END;
            default -> throw new PoisonException("unknown kind '" + kind + "'");
        };
    }
}
