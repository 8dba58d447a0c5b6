package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The database reader against a real PostgreSQL, with chunks made tiny so every edge is crossed many times. */
class PgTickSourceIT
{
    private static final long T0 = Micros.of(Instant.parse("2025-11-03T14:30:00Z"));
    private static Database db;

    @BeforeAll
    static void fill() throws Exception
    {
        db = PostgresTestSupport.freshSchema("source");
        try (Connection c = db.connection())
        {
            c.setAutoCommit(false);
            final TickCopyWriter writer = new TickCopyWriter(c, "tick_data");
            final io.tickreplay.engine.tick.Tick t = new io.tickreplay.engine.tick.Tick();
            t.provider = "p";
            final String[] symbols = {"AAA", "BBB", "CCC", "DDD", "aaa", "B.B"};
            for (int step = 0; step < 2000; step++)
            {
                final long ts = T0 + step * 1000L + (step % 10 == 0 ? 0 : 0);
                for (int s = 0; s < symbols.length; s++)
                {
                    if ((step + s) % 4 == 3)
                    {
                        continue; // not every symbol on every ts
                    }
                    final int ties = 1 + (step * 7 + s) % 3;
                    for (int seq = 0; seq < ties; seq++)
                    {
                        t.symbol = symbols[s];
                        t.tsMicros = ts;
                        t.seq = seq;
                        t.price = 10 + step * 0.01 + s;
                        t.size = 1 + seq;
                        t.bid = seq == 1 ? Double.NaN : t.price - 0.01;
                        t.ask = t.price + 0.01;
                        t.bidSize = 100;
                        t.askSize = seq == 2 ? Double.NaN : 200;
                        writer.write(t);
                    }
                }
            }
            // a dense burst: 5,000 ticks of one symbol on a single microsecond
            for (int seq = 0; seq < 5000; seq++)
            {
                t.symbol = "AAA";
                t.tsMicros = T0 + 1_500_500L;
                t.seq = seq;
                t.price = 99;
                t.size = 1;
                writer.write(t);
            }
            // and one tick the next day, after a gap
            t.symbol = "CCC";
            t.tsMicros = T0 + Micros.PER_DAY;
            t.seq = 0;
            writer.write(t);
            writer.finish();
            c.commit();
        }
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private static PgTickSource.Options tiny()
    {
        return new PgTickSource.Options().targetChunkRows(500).maxChunkRows(2000).initialChunkMicros(50_000).batchSize(333);
    }

    /** What the database says the replay must be: ts, symbol (C order), seq. */
    private static List<String> expected(final List<String> symbols, final long start, final long end) throws Exception
    {
        final List<String> out = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT symbol, ts, seq, price, bid, ask_size FROM tick_data WHERE provider = 'p' AND symbol = ANY(?) " +
                 "AND ts >= ? AND ts < ? ORDER BY ts, symbol COLLATE \"C\", seq"))
        {
            s.setArray(1, c.createArrayOf("text", symbols.toArray()));
            s.setObject(2, java.time.OffsetDateTime.ofInstant(Micros.toInstant(start), java.time.ZoneOffset.UTC));
            s.setObject(3, java.time.OffsetDateTime.ofInstant(Micros.toInstant(end), java.time.ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    final Double bid = (Double)rs.getObject(5);
                    final Double askSize = (Double)rs.getObject(6);
                    out.add(rs.getString(1) + " " + Micros.of(rs.getObject(2, java.time.OffsetDateTime.class).toInstant()) + " " + rs.getInt(3) + " " +
                        rs.getDouble(4) + " " + (bid == null ? "NaN" : bid) + " " + (askSize == null ? "NaN" : askSize));
                }
            }
        }
        return out;
    }

    private static List<String> read(final PgTickSource source, final SymbolTable symbols) throws Exception
    {
        final List<String> out = new ArrayList<>();
        final TickBatch batch = new TickBatch(333);
        try (source)
        {
            while (source.next(batch))
            {
                for (int i = 0; i < batch.count; i++)
                {
                    out.add(symbols.name(batch.symbolId[i]) + " " + batch.tsMicros[i] + " " + batch.seq[i] + " " + batch.price[i] + " " +
                        batch.bid[i] + " " + batch.askSize[i]);
                }
                batch.clear();
            }
        }
        return out;
    }

    @Test
    void readsTheWindowInTsSymbolSeqOrderCompleteAcrossManyChunksTiesAndABurst() throws Exception
    {
        final List<String> names = List.of("AAA", "BBB", "CCC", "DDD", "aaa", "B.B");
        final SymbolTable symbols = new SymbolTable(names);
        final long end = T0 + 2 * Micros.PER_DAY;
        final List<String> got = read(new PgTickSource(db.dataSource(), "p", symbols, T0, end, tiny()), symbols);
        final List<String> want = expected(names, T0, end);
        assertThat(want).hasSizeGreaterThan(10_000);
        assertThat(got).containsExactlyElementsOf(want);
    }

    @Test
    void theWindowIsHalfOpen() throws Exception
    {
        final SymbolTable symbols = new SymbolTable(List.of("AAA", "BBB"));
        final long start = T0 + 100_000;
        final long end = T0 + 200_000;
        final List<String> got = read(new PgTickSource(db.dataSource(), "p", symbols, start, end, tiny()), symbols);
        assertThat(got).isNotEmpty().containsExactlyElementsOf(expected(List.of("AAA", "BBB"), start, end));
        assertThat(got.get(0)).contains(" " + start + " ");
        assertThat(got).noneMatch(row -> row.contains(" " + end + " "));
    }

    @Test
    void anEmptyWindowAndAnUnknownSymbolEndCleanly() throws Exception
    {
        final SymbolTable symbols = new SymbolTable(List.of("AAA", "NOPE"));
        assertThat(read(new PgTickSource(db.dataSource(), "p", symbols, T0 - Micros.PER_DAY, T0, tiny()), symbols)).isEmpty();
        final List<String> got = read(new PgTickSource(db.dataSource(), "p", symbols, T0, T0 + 50_000, tiny()), symbols);
        assertThat(got).isNotEmpty().allMatch(row -> row.startsWith("AAA "));
        final SymbolTable none = new SymbolTable(List.of("NOPE"));
        assertThat(read(new PgTickSource(db.dataSource(), "p", none, T0, T0 + Micros.PER_DAY * 3, tiny()), none)).isEmpty();
    }

    @Test
    void aSeekContinuesFromTheTarget() throws Exception
    {
        final SymbolTable symbols = new SymbolTable(List.of("AAA", "BBB", "CCC"));
        final long end = T0 + 2_000_000;
        final long target = T0 + 1_700_000;
        final PgTickSource source = new PgTickSource(db.dataSource(), "p", symbols, T0, end, tiny());
        final TickBatch batch = new TickBatch(333);
        assertThat(source.next(batch)).isTrue();
        source.seek(target);
        final List<Long> after = new ArrayList<>();
        batch.clear();
        while (source.next(batch))
        {
            for (int i = 0; i < batch.count; i++)
            {
                after.add(batch.tsMicros[i]);
            }
            batch.clear();
        }
        source.close();
        // what was read ahead before the seek may still come (the pacer drops it); everything from the target on comes, in order
        final List<Long> fromTarget = after.stream().filter(ts -> ts >= target).toList();
        assertThat(fromTarget).hasSize(expected(List.of("AAA", "BBB", "CCC"), target, end).size());
        assertThat(fromTarget).isSorted();
        assertThat(after.size() - fromTarget.size()).isLessThan(after.size());
    }

    @Test
    void aDatabaseFailureMidReadIsThrownAfterTheRowsReadBeforeIt() throws Exception
    {
        final SymbolTable symbols = new SymbolTable(List.of("AAA", "BBB", "CCC", "DDD", "aaa", "B.B"));
        final PgTickSource source = new PgTickSource(db.dataSource(), "p", symbols, T0, T0 + 2 * Micros.PER_DAY,
            tiny().applicationName("tickreplay-it-killed"));
        final TickBatch batch = new TickBatch(333);
        assertThat(source.next(batch)).isTrue();
        final List<String> got = new ArrayList<>();
        for (int i = 0; i < batch.count; i++)
        {
            got.add(symbols.name(batch.symbolId[i]) + " " + batch.tsMicros[i] + " " + batch.seq[i]);
        }
        try (Connection c = PostgresTestSupport.server().connection(); Statement s = c.createStatement())
        {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tickreplay-it-killed'");
        }
        Exception failure = null;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            batch.clear();
            try
            {
                if (!source.next(batch))
                {
                    break;
                }
            }
            catch (final Exception e)
            {
                failure = e;
                break;
            }
            for (int i = 0; i < batch.count; i++)
            {
                got.add(symbols.name(batch.symbolId[i]) + " " + batch.tsMicros[i] + " " + batch.seq[i]);
            }
        }
        source.close();
        assertThat(failure).as("the failure reaches the consumer").isNotNull();
        final List<String> all = expected(symbols.names(), T0, T0 + 2 * Micros.PER_DAY).stream()
            .map(row -> String.join(" ", java.util.Arrays.copyOf(row.split(" "), 3))).toList();
        assertThat(got.size()).isLessThan(all.size());
        assertThat(got).containsExactlyElementsOf(all.subList(0, got.size()));
    }
}
