package io.tickreplay.adapters.chronicle;

import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Cuts a run's journal back to a checkpoint before the run resumes: a killed run journaled ticks past
 * its last checkpoint, which the resumed run emits again. A Chronicle Queue cannot be truncated in
 * place, so the ticks up to the checkpoint (warm-up included) are copied into a fresh queue beside it,
 * which then takes the run directory's place with the manifest; the resumed run appends to it and the
 * journal ends up holding the whole run once. Costs a read and a write of the journal up to the
 * checkpoint (a few million ticks a second). A crash during the swap leaves {@code <run>.resume} or
 * {@code <run>.pre-resume} beside it; the next resume removes them.
 */
public final class JournalTruncation
{
    private JournalTruncation()
    {
    }

    /**
     * Keeps the ticks with {@code ts <= lastTsMicros} of the journal in {@code runDirectory}.
     *
     * @return how many ticks it kept
     */
    public static long keepUpTo(final Path runDirectory, final int symbols, final long lastTsMicros) throws IOException
    {
        final Path dir = runDirectory.toAbsolutePath();
        final Path fresh = dir.resolveSibling(dir.getFileName() + ".resume");
        final Path old = dir.resolveSibling(dir.getFileName() + ".pre-resume");
        deleteTree(fresh);
        deleteTree(old);
        long kept = 0;
        try (ChronicleJournalSource in = new ChronicleJournalSource(dir, symbols);
             ChronicleTickJournal out = new ChronicleTickJournal(fresh))
        {
            final TickBatch batch = new TickBatch(8192);
            final TickEvent tick = new TickEvent();
            boolean past = false;
            while (!past && in.next(batch))
            {
                for (int i = 0; i < batch.count && !past; i++)
                {
                    past = batch.tsMicros[i] > lastTsMicros;
                    if (!past)
                    {
                        tick.copyFrom(batch, i, kept++);
                        out.append(tick);
                    }
                }
                batch.clear();
                out.endOfBatch();
            }
        }
        Files.copy(dir.resolve(JournalManifest.FILE), fresh.resolve(JournalManifest.FILE));
        Files.move(dir, old);
        Files.move(fresh, dir);
        deleteTree(old);
        return kept;
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.delete(p);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            });
        }
        catch (final UncheckedIOException e)
        {
            throw e.getCause();
        }
    }
}
