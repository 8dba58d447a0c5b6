package io.tickreplay.adapters.chronicle;

import io.tickreplay.engine.replay.StreamChecksum;
import io.tickreplay.engine.replay.SymbolDigests;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.tick.Micros;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What a journal really holds, read whole: the ticks its run emitted (warm-up ticks before the window's
 * start are journaled but not counted, as in the run's own checksum), their stream checksum and the last
 * tick's time; and what that says against the manifest: {@link State#WHOLE} (the run completed and the
 * journal matches it), {@link State#INCOMPLETE} (the run did not complete: cancelled, failed, or never
 * ended because its process died; the journal holds a prefix of the window) or {@link State#CORRUPT} (the
 * journal differs from what its manifest says it wrote). {@code digests}: each symbol's count and checksum of the
 * ticks of the window and, apart, of the warm-up ticks before it, as the run's own {@link SymbolDigests}.
 */
public record JournalContents(JournalManifest manifest, long ticks, String checksum, long lastTsMicros, State state, SymbolDigests digests)
{
    public enum State
    {
        WHOLE, INCOMPLETE, CORRUPT
    }

    public static JournalContents read(final Path runDirectory, final JournalManifest manifest) throws IOException
    {
        final SymbolTable symbols = manifest.symbolTable();
        final StreamChecksum sum = new StreamChecksum(symbols);
        final SymbolDigests digests = new SymbolDigests(symbols.size());
        final long emitFrom = Micros.of(Instant.parse(manifest.start()));
        long last = Long.MIN_VALUE;
        try (ChronicleJournalSource source = new ChronicleJournalSource(runDirectory, symbols.size()))
        {
            final TickBatch batch = new TickBatch(8192);
            while (source.next(batch))
            {
                for (int i = 0; i < batch.count; i++)
                {
                    if (batch.tsMicros[i] >= emitFrom)
                    {
                        sum.add(batch.symbolId[i], batch.tsMicros[i], batch.seq[i], batch.price[i], batch.size[i], batch.bid[i], batch.ask[i],
                            batch.bidSize[i], batch.askSize[i]);
                        digests.emitted(batch.symbolId[i], batch.tsMicros[i], batch.seq[i], batch.price[i], batch.size[i], batch.bid[i], batch.ask[i],
                            batch.bidSize[i], batch.askSize[i]);
                        last = batch.tsMicros[i];
                    }
                    else
                    {
                        digests.warmup(batch.symbolId[i], batch.tsMicros[i], batch.seq[i], batch.price[i], batch.size[i], batch.bid[i], batch.ask[i],
                            batch.bidSize[i], batch.askSize[i]);
                    }
                }
                batch.clear();
            }
        }
        final boolean ended = manifest.status() != null && !manifest.status().equals("running");
        final boolean matches = sum.count() == manifest.ticks() && sum.hex().equals(manifest.checksum());
        final State state;
        if (ended && !matches)
        {
            state = State.CORRUPT;
        }
        else
        {
            state = "completed".equals(manifest.status()) ? State.WHOLE : State.INCOMPLETE;
        }
        return new JournalContents(manifest, sum.count(), sum.hex(), last, state, digests);
    }

    /** "it holds 452,967 ticks, the last at 2025-11-03T15:02:11.123456Z, of the window [start, end)". */
    public String describe()
    {
        return "it holds " + String.format("%,d", ticks) + " ticks" + (ticks == 0 ? "" : ", the last at " + Micros.toInstant(lastTsMicros)) +
            ", of the window [" + manifest.start() + ", " + manifest.end() + ")";
    }

    /** Why the run did not complete, from its manifest. */
    public String why()
    {
        return "running".equals(manifest.status()) ? "its run never ended (the process died, or it is still running)"
            : "its run ended " + manifest.status();
    }
}
