package io.tickreplay.adapters.chronicle;

import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChronicleJournalTest
{
    @TempDir
    Path dir;

    @Test
    void readsBackExactlyWhatWasWrittenAcrossBlocks() throws Exception
    {
        final int n = 5000;
        final TickEvent e = new TickEvent();
        long bytes;
        try (ChronicleTickJournal journal = new ChronicleTickJournal(dir))
        {
            for (int i = 0; i < n; i++)
            {
                e.symbolId = i % 3;
                e.tsMicros = 1_000_000L + i / 2;
                e.seq = i % 2;
                e.price = 100 + i * 0.01;
                e.size = i;
                e.bid = i % 5 == 0 ? Double.NaN : 99.99;
                e.ask = 100.01;
                e.bidSize = 1;
                e.askSize = i % 7 == 0 ? Double.NaN : 2;
                journal.append(e);
                if (i % 777 == 0)
                {
                    journal.endOfBatch();
                }
            }
            journal.endOfBatch();
            bytes = journal.bytesWritten();
        }
        assertThat(bytes).isGreaterThanOrEqualTo((long)n * JournalLayout.RECORD_BYTES);

        final TickBatch batch = new TickBatch(1000);
        int i = 0;
        try (ChronicleJournalSource source = new ChronicleJournalSource(dir, 3))
        {
            while (source.next(batch))
            {
                for (int k = 0; k < batch.count; k++, i++)
                {
                    assertThat(batch.symbolId[k]).isEqualTo(i % 3);
                    assertThat(batch.tsMicros[k]).isEqualTo(1_000_000L + i / 2);
                    assertThat(batch.seq[k]).isEqualTo(i % 2);
                    assertThat(batch.price[k]).isEqualTo(100 + i * 0.01);
                    assertThat(batch.size[k]).isEqualTo(i);
                    assertThat(Double.isNaN(batch.bid[k])).isEqualTo(i % 5 == 0);
                    assertThat(Double.isNaN(batch.askSize[k])).isEqualTo(i % 7 == 0);
                }
                batch.clear();
            }
        }
        assertThat(i).isEqualTo(n);

        try (ChronicleJournalSource source = new ChronicleJournalSource(dir, 3))
        {
            source.seek(1_000_000L + 2000);
            batch.clear();
            assertThat(source.next(batch)).isTrue();
            assertThat(batch.tsMicros[0]).isEqualTo(1_000_000L + 2000);
        }
    }

    @Test
    void aManifestSurvivesARoundTrip() throws Exception
    {
        final JournalManifest m = new JournalManifest(JournalManifest.FORMAT, JournalLayout.VERSION, 42, "ibkr", new SymbolTable(List.of("NVDA", "AAPL")).names(),
            "2025-11-03T14:00:00Z", "2025-11-03T15:00:00Z", 10.0, "q", "running", 0, null, null, null, "now", null);
        m.write(dir);
        final JournalManifest done = JournalManifest.read(dir).withOutcome("completed", 7, "abc", "a", "b", "later");
        done.write(dir);
        assertThat(JournalManifest.read(dir)).isEqualTo(done);
        assertThat(JournalManifest.read(dir).symbols()).containsExactly("AAPL", "NVDA");
    }
}
