package io.tickreplay.api.runs;

import io.tickreplay.adapters.chronicle.ChronicleJournalSource;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.tick.Micros;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where two runs' streams first differ, read from their journals side by side in emission order: the
 * tick's index in the stream (0-based; warm-up ticks before each window's start are not part of it), its
 * time and symbol, the first field that differs and both values; or that one stream ends first. Reads
 * both journals once, a batch at a time (constant memory), and stops at the first difference. Fields are
 * compared exactly (the IEEE-754 bits, as the stream checksum folds them). One thread.
 */
final class StreamDivergence
{
    private static final String[] FIELDS = {"price", "size", "bid", "ask", "bid_size", "ask_size"};

    private StreamDivergence()
    {
    }

    /** The comparison of the journals in {@code a} and {@code b} as the diff's {@code stream} shows it. */
    static Map<String, Object> compare(final Path a, final Path b) throws IOException
    {
        final JournalManifest ma = JournalManifest.read(a);
        final JournalManifest mb = JournalManifest.read(b);
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("compared", true);
        try (Cursor ca = new Cursor(a, ma); Cursor cb = new Cursor(b, mb))
        {
            final int[] aToB = new int[ca.symbols.size()];
            for (int i = 0; i < aToB.length; i++)
            {
                aToB[i] = indexOf(cb, ca.provider(i), ca.symbols.name(i));
            }
            long index = 0;
            while (true)
            {
                final boolean hasA = ca.next();
                final boolean hasB = cb.next();
                if (!hasA || !hasB)
                {
                    out.put("diverges", hasA != hasB);
                    if (hasA != hasB)
                    {
                        out.put("first", first(index, "end", hasA ? "tick" : "end of stream", hasB ? "tick" : "end of stream",
                            hasA ? ca : null, hasB ? cb : null));
                    }
                    else
                    {
                        out.put("ticks", index);
                    }
                    return out;
                }
                final String field = differing(ca, cb, aToB);
                if (field != null)
                {
                    out.put("diverges", true);
                    out.put("first", first(index, field, ca.value(field), cb.value(field), ca, cb));
                    return out;
                }
                index++;
            }
        }
    }

    /** The first field of the two current ticks that differs, in the order symbol, ts, seq, price ... ask_size; null when equal. */
    private static String differing(final Cursor a, final Cursor b, final int[] aToB)
    {
        final TickBatch x = a.batch;
        final TickBatch y = b.batch;
        final int i = a.at;
        final int j = b.at;
        if (aToB[x.symbolId[i]] != y.symbolId[j])
        {
            return "symbol";
        }
        if (x.tsMicros[i] != y.tsMicros[j])
        {
            return "ts";
        }
        if (x.seq[i] != y.seq[j])
        {
            return "seq";
        }
        for (final String f : FIELDS)
        {
            if (Double.doubleToLongBits(a.number(f)) != Double.doubleToLongBits(b.number(f)))
            {
                return f;
            }
        }
        return null;
    }

    private static Map<String, Object> first(final long index, final String field, final Object a, final Object b, final Cursor ca, final Cursor cb)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        final Cursor any = ca != null ? ca : cb;
        m.put("ts", any.ts());
        m.put("provider", any.provider(any.batch.symbolId[any.at]));
        m.put("symbol", any.symbols.name(any.batch.symbolId[any.at]));
        m.put("field", field);
        m.put("a", a);
        m.put("b", b);
        m.put("tick_a", ca == null ? null : ca.describe());
        m.put("tick_b", cb == null ? null : cb.describe());
        return m;
    }

    private static int indexOf(final Cursor c, final String provider, final String name)
    {
        for (int i = 0; i < c.symbols.size(); i++)
        {
            if (c.symbols.name(i).equals(name) && c.provider(i).equals(provider))
            {
                return i;
            }
        }
        return -1;
    }

    /** A journal read in order from its window's start, one tick at a time over batches. */
    private static final class Cursor implements AutoCloseable
    {
        final SymbolTable symbols;
        final TickBatch batch = new TickBatch(8192);
        int at = -1;
        private final JournalManifest manifest;
        private final ChronicleJournalSource source;
        private final long start;

        Cursor(final Path dir, final JournalManifest manifest)
        {
            this.manifest = manifest;
            this.symbols = manifest.symbolTable();
            this.start = Micros.of(Instant.parse(manifest.start()));
            this.source = new ChronicleJournalSource(dir, symbols.size());
        }

        /** The next tick of the window; false at the end of the journal. */
        boolean next() throws IOException
        {
            while (true)
            {
                if (++at >= batch.count)
                {
                    batch.clear();
                    at = 0;
                    if (!source.next(batch))
                    {
                        return false;
                    }
                }
                if (batch.tsMicros[at] >= start)
                {
                    return true;
                }
            }
        }

        String provider(final int id)
        {
            return symbols.provider(id, manifest.provider());
        }

        String ts()
        {
            return Micros.toInstant(batch.tsMicros[at]).toString();
        }

        double number(final String field)
        {
            return switch (field)
            {
                case "price" -> batch.price[at];
                case "size" -> batch.size[at];
                case "bid" -> batch.bid[at];
                case "ask" -> batch.ask[at];
                case "bid_size" -> batch.bidSize[at];
                default -> batch.askSize[at];
            };
        }

        Object value(final String field)
        {
            return switch (field)
            {
                case "symbol" -> provider(batch.symbolId[at]) + ":" + symbols.name(batch.symbolId[at]);
                case "ts" -> ts();
                case "seq" -> batch.seq[at];
                default -> Double.isNaN(number(field)) ? null : number(field);
            };
        }

        Map<String, Object> describe()
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("provider", provider(batch.symbolId[at]));
            m.put("symbol", symbols.name(batch.symbolId[at]));
            m.put("ts", ts());
            m.put("seq", batch.seq[at]);
            for (final String f : List.of(FIELDS))
            {
                m.put(f, Double.isNaN(number(f)) ? null : number(f));
            }
            return m;
        }

        @Override
        public void close()
        {
            source.close();
        }
    }
}
