package io.tickreplay.engine.replay;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MergedTickSourceTest
{
    /** A merged tick as the run sees it: its run id, its source and its source's own symbol id. */
    private record Row(long ts, int source, int symbol, int seq, int runId)
    {
    }

    @Test
    void theMergedStreamIsInTsSourceSymbolSeqOrderWithTheSameSymbolUnderTwoProviders() throws Exception
    {
        // source 0 (ibkr): AAPL, NVDA; source 1 (polygon): NVDA, TSLA; equal and interleaved timestamps, ties by seq
        final SymbolTable run = SymbolTable.ofSources(List.of("ibkr", "polygon"), List.of(List.of("NVDA", "AAPL"), List.of("TSLA", "NVDA")));
        assertThat(run.names()).containsExactly("AAPL", "NVDA", "NVDA", "TSLA");
        assertThat(run.providers()).containsExactly("ibkr", "ibkr", "polygon", "polygon");
        assertThat(run.id("polygon", "NVDA")).isEqualTo(2);
        final Random random = new Random(7);
        final List<List<ListTickSource.T>> perSource = List.of(randomStream(random, 2, 400), randomStream(random, 2, 300));
        final List<Row> merged = drain(perSource, new int[] {0, 2}, 64);
        final List<Row> expected = new ArrayList<>();
        for (int s = 0; s < perSource.size(); s++)
        {
            for (final ListTickSource.T t : perSource.get(s))
            {
                expected.add(new Row(t.ts(), s, t.symbol(), t.seq(), (s == 0 ? 0 : 2) + t.symbol()));
            }
        }
        expected.sort(Comparator.comparingLong(Row::ts).thenComparingInt(Row::source).thenComparingInt(Row::symbol).thenComparingInt(Row::seq));
        assertThat(merged).hasSize(700).containsExactlyElementsOf(expected);
        // the same input gives the same stream whatever the batch sizes
        assertThat(drain(perSource, new int[] {0, 2}, 3)).containsExactlyElementsOf(expected);
    }

    @Test
    void theChecksumOfAStreamOverSeveralProvidersTellsTheirSymbolsApart()
    {
        final SymbolTable two = SymbolTable.ofSources(List.of("ibkr", "polygon"), List.of(List.of("NVDA"), List.of("NVDA")));
        final StreamChecksum a = new StreamChecksum(two);
        final StreamChecksum b = new StreamChecksum(two);
        a.add(0, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        b.add(1, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        assertThat(a.value()).isNotEqualTo(b.value());
        // one provider over several sources: the names tell the streams apart, as in a one-source run
        final StreamChecksum single = new StreamChecksum(new SymbolTable(List.of("AAPL", "NVDA")));
        final StreamChecksum split = new StreamChecksum(SymbolTable.ofSources(List.of("ibkr", "ibkr"), List.of(List.of("AAPL"), List.of("NVDA"))));
        single.add(1, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        split.add(1, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        assertThat(split.value()).isEqualTo(single.value());
    }

    @Test
    void aSymbolOfOneProviderInTwoSourcesIsRefused()
    {
        assertThatThrownBy(() -> SymbolTable.ofSources(List.of("ibkr", "ibkr"), List.of(List.of("NVDA"), List.of("NVDA", "AAPL"))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NVDA").hasMessageContaining("ibkr");
    }

    @Test
    void aSeekReachesEverySource() throws Exception
    {
        final List<ListTickSource.T> a = ListTickSource.ticks(100, 2, 1_000);
        final List<ListTickSource.T> b = ListTickSource.ticks(100, 3, 700);
        final ListTickSource sa = new ListTickSource(a);
        final ListTickSource sb = new ListTickSource(b);
        final long target = a.get(50).ts();
        try (MergedTickSource merged = new MergedTickSource(List.of(sa, sb), new int[] {0, 2}, 16))
        {
            merged.seek(target);
            final TickBatch batch = new TickBatch(32);
            while (merged.next(batch))
            {
                for (int i = 0; i < batch.count; i++)
                {
                    assertThat(batch.tsMicros[i]).isGreaterThanOrEqualTo(target);
                }
                batch.clear();
            }
        }
        assertThat(sa.closed).isTrue();
        assertThat(sb.closed).isTrue();
    }

    private static List<Row> drain(final List<List<ListTickSource.T>> perSource, final int[] firstId, final int batch) throws Exception
    {
        final List<TickBatchSource> sources = new ArrayList<>();
        perSource.forEach(ticks -> sources.add(new ListTickSource(ticks, batch, Integer.MAX_VALUE)));
        final List<Row> out = new ArrayList<>();
        try (MergedTickSource merged = new MergedTickSource(sources, firstId, batch))
        {
            final TickBatch b = new TickBatch(batch);
            while (merged.next(b))
            {
                for (int i = 0; i < b.count; i++)
                {
                    final int id = b.symbolId[i];
                    final int source = id >= firstId[1] ? 1 : 0;
                    out.add(new Row(b.tsMicros[i], source, id - firstId[source], b.seq[i], id));
                }
                b.clear();
            }
        }
        return out;
    }

    /** {@code n} ticks of {@code symbols} symbols in (ts, symbol, seq) order, on a coarse clock so that sources share timestamps. */
    private static List<ListTickSource.T> randomStream(final Random random, final int symbols, final int n)
    {
        final List<ListTickSource.T> out = new ArrayList<>();
        long ts = 1_000_000;
        while (out.size() < n)
        {
            ts += 1 + random.nextInt(2);
            for (int s = 0; s < symbols && out.size() < n; s++)
            {
                final int ties = random.nextInt(3);
                for (int seq = 0; seq < ties && out.size() < n; seq++)
                {
                    out.add(new ListTickSource.T(s, ts, seq, 100 + random.nextInt(100) * 0.01, 1 + random.nextInt(9)));
                }
            }
        }
        return out;
    }
}
