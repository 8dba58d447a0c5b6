package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The engine against the conformance vectors in {@code conformance/} (see its README): for each signal,
 * the ticks of {@code ticks.csv} go through the engine's own chain as a replay computes them (one signal,
 * a window without bounds: every tick emitted, every bar whole, the key rule of {@link LastPerTimestamp}),
 * and the rows that come out must be those of {@code expected.csv}, which an independent program
 * ({@code conformance/generate.py}) wrote from the definitions in docs/signals.md. Row for row, in
 * (ts, symbol) order; values within 1e-9 x max(1, |expected|), the explaining numbers within
 * 1e-9 x |expected|.
 */
class ConformanceVectorsTest
{
    static final Path VECTORS = Path.of("..", "conformance");
    static final double VALUE_TOLERANCE = 1e-9;
    static final double METADATA_TOLERANCE = 1e-9;

    static Stream<String> signals()
    {
        return SignalSet.REGISTRY.keySet().stream();
    }

    /** One row out of the chain or out of expected.csv. */
    record Row(String symbol, long ts, double value, double[] metadata)
    {
        String describe(final List<String> metadataNames)
        {
            final StringBuilder b = new StringBuilder().append(symbol).append(' ').append(Micros.toInstant(ts)).append(" value=").append(value);
            for (int i = 0; i < metadataNames.size(); i++)
            {
                b.append(' ').append(metadataNames.get(i)).append('=').append(metadata[i]);
            }
            return b.toString();
        }
    }

    /** One line of ticks.csv. */
    record Tick(String provider, String symbol, long ts, int seq, double price, double size, double bid, double ask, double bidSize, double askSize)
    {
    }

    @Test
    void everySignalHasVectorsAndEveryVectorASignal() throws IOException
    {
        final List<String> dirs;
        try (Stream<Path> s = Files.list(VECTORS))
        {
            dirs = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(dirs).containsExactlyInAnyOrderElementsOf(SignalSet.REGISTRY.keySet());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("signals")
    void theEngineProducesTheExpectedRows(final String signal) throws IOException
    {
        final List<Tick> ticks = readTicks(VECTORS.resolve(signal).resolve("ticks.csv"));
        final List<String> expectedHeader = header(VECTORS.resolve(signal).resolve("expected.csv"));
        final List<Row> expected = readExpected(VECTORS.resolve(signal).resolve("expected.csv"));

        // dense symbol ids per (provider, symbol), in order of first appearance
        final Map<String, Integer> ids = new LinkedHashMap<>();
        final List<String> names = new ArrayList<>();
        for (final Tick t : ticks)
        {
            ids.computeIfAbsent(t.provider() + '\u0000' + t.symbol(), k ->
            {
                names.add(t.symbol());
                return names.size() - 1;
            });
        }
        assertThat(ticks.stream().map(Tick::provider).distinct()).as("one provider per file: expected.csv is keyed by symbol").hasSize(1);

        final List<Row> got = new ArrayList<>();
        final SignalSink collect = new SignalSink()
        {
            @Override
            public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
                got.add(new Row(names.get(symbolId), tsMicros, value, new double[] {m1, m2, m3}));
            }

            @Override
            public void endOfBatch()
            {
            }

            @Override
            public void endOfStream()
            {
            }
        };
        final SignalChain chain = SignalChain.context().signals(List.of(signal)).symbols(ids.size()).sink(collect).build();
        final List<String> metadataNames = chain.calculators().get(0).metadataKeys();
        assertThat(expectedHeader).as("expected.csv's columns: symbol, ts, value and the signal's metadata as the engine names it")
            .isEqualTo(Stream.concat(Stream.of("symbol", "ts", "value"), metadataNames.stream()).toList());

        // the replay order: (ts, symbol, seq)
        final List<Tick> ordered = ticks.stream()
            .sorted(Comparator.comparingLong(Tick::ts).thenComparing(Tick::symbol).thenComparingInt(Tick::seq)).toList();
        for (final Tick t : ordered)
        {
            chain.onTick(ids.get(t.provider() + '\u0000' + t.symbol()), t.ts(), t.seq(), t.price(), t.size(), t.bid(), t.ask(), t.bidSize(), t.askSize());
        }
        chain.end();
        got.sort(Comparator.comparingLong(Row::ts).thenComparing(Row::symbol));

        for (int i = 0; i < Math.max(expected.size(), got.size()); i++)
        {
            final String where = signal + ", expected.csv row " + (i + 2) + ": ";
            if (i >= got.size())
            {
                fail(where + "missing: expected " + expected.get(i).describe(metadataNames) + ", got no more rows");
            }
            if (i >= expected.size())
            {
                fail(where + "extra: expected no more rows, got " + got.get(i).describe(metadataNames));
            }
            final Row e = expected.get(i);
            final Row g = got.get(i);
            if (!e.symbol().equals(g.symbol()) || e.ts() != g.ts())
            {
                // both lists are in (ts, symbol) order: the smaller key is the row the other side lacks
                final boolean missing = e.ts() < g.ts() || e.ts() == g.ts() && e.symbol().compareTo(g.symbol()) < 0;
                fail(where + (missing ? "missing from the engine: expected " + e.describe(metadataNames) + ", the engine's next row is "
                    + g.describe(metadataNames) : "extra row from the engine: got " + g.describe(metadataNames) + ", where the next expected row is "
                    + e.describe(metadataNames)) + " (" + expected.size() + " rows expected, " + got.size() + " computed)");
            }
            if (!(Math.abs(g.value() - e.value()) <= VALUE_TOLERANCE * Math.max(1, Math.abs(e.value()))))
            {
                fail(where + "value differs at " + e.symbol() + " " + Micros.toInstant(e.ts()) + ": expected " + e.value() + ", got " + g.value()
                    + " (expected " + e.describe(metadataNames) + ", got " + g.describe(metadataNames) + ")");
            }
            for (int m = 0; m < metadataNames.size(); m++)
            {
                final double ev = e.metadata()[m];
                final double gv = g.metadata()[m];
                if (!(Math.abs(gv - ev) <= METADATA_TOLERANCE * Math.abs(ev)))
                {
                    fail(where + metadataNames.get(m) + " differs at " + e.symbol() + " " + Micros.toInstant(e.ts()) + ": expected " + ev + ", got " + gv
                        + " (expected " + e.describe(metadataNames) + ", got " + g.describe(metadataNames) + ")");
                }
            }
        }
    }

    static List<String> header(final Path csv) throws IOException
    {
        return Arrays.asList(Files.readAllLines(csv, StandardCharsets.UTF_8).get(0).split(",", -1));
    }

    static List<Tick> readTicks(final Path csv) throws IOException
    {
        final List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertThat(lines.get(0)).isEqualTo("provider,symbol,ts,seq,price,size,bid,ask,bid_size,ask_size");
        final List<Tick> out = new ArrayList<>();
        for (final String line : lines.subList(1, lines.size()))
        {
            final String[] f = line.split(",", -1);
            assertThat(f).as(line).hasSize(10);
            out.add(new Tick(f[0], f[1], micros(f[2]), Integer.parseInt(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), optional(f[6]),
                optional(f[7]), optional(f[8]), optional(f[9])));
        }
        return out;
    }

    static List<Row> readExpected(final Path csv) throws IOException
    {
        final List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        final int columns = lines.get(0).split(",", -1).length;
        final List<Row> out = new ArrayList<>();
        for (final String line : lines.subList(1, lines.size()))
        {
            final String[] f = line.split(",", -1);
            assertThat(f).as(line).hasSize(columns);
            final double[] metadata = new double[3];
            Arrays.fill(metadata, Double.NaN);
            for (int i = 3; i < columns; i++)
            {
                metadata[i - 3] = Double.parseDouble(f[i]);
            }
            out.add(new Row(f[0], micros(f[1]), Double.parseDouble(f[2]), metadata));
        }
        return out;
    }

    /** An absent optional value (an empty field) is NaN, as the engine's tick carries it. */
    static double optional(final String field)
    {
        return field.isEmpty() ? Double.NaN : Double.parseDouble(field);
    }

    static long micros(final String iso)
    {
        return Micros.of(Instant.parse(iso));
    }
}
