package io.tickreplay.adapters.csv;

import io.tickreplay.adapters.files.TickColumn;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TickCsvReaderTest
{
    private static final TickCsvReader.Options NVDA = new TickCsvReader.Options("ibkr", "NVDA", Map.of());

    private static TickCsvReader reader(final String csv, final TickCsvReader.Options options) throws Exception
    {
        return TickCsvReader.open(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), options);
    }

    private static List<Tick> readAll(final TickCsvReader reader) throws Exception
    {
        final List<Tick> ticks = new ArrayList<>();
        final Tick tick = new Tick();
        while (reader.next(tick))
        {
            ticks.add(new Tick().copyFrom(tick));
        }
        return ticks;
    }

    private static long micros(final String iso)
    {
        final Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    @Test
    void readsARealWorldTradesFileWithEpochSecondsAndAmount() throws Exception
    {
        final List<Tick> ticks = readAll(reader("""
            id,timestamp,price,amount,side
            1,1762180201,190.12,0.5,buy
            2,1762180201,190.13,1.25,sell
            3,1762180202.25,190.10,3,buy
            """, NVDA));
        assertThat(ticks).hasSize(3);
        assertThat(ticks.get(0).provider).isEqualTo("ibkr");
        assertThat(ticks.get(0).symbol).isEqualTo("NVDA");
        assertThat(ticks.get(0).tsMicros).isEqualTo(micros("2025-11-03T14:30:01Z"));
        assertThat(ticks.get(1).price).isEqualTo(190.13);
        assertThat(ticks.get(1).size).isEqualTo(1.25);
        assertThat(ticks.get(2).tsMicros).isEqualTo(micros("2025-11-03T14:30:02.250Z"));
        assertThat(ticks.get(0).bid).isNaN();
        assertThat(ticks.get(0).askSize).isNaN();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ts,price,size", "TIMESTAMP,Price,Amount", "time,price,qty", "datetime,price,quantity", "date_time,price,volume"})
    void findsColumnsByAnyAliasInAnyCase(final String header) throws Exception
    {
        final List<Tick> ticks = readAll(reader(header + "\n2025-11-03T14:30:01Z,10.5,7\n", NVDA));
        assertThat(ticks).singleElement().satisfies(t ->
        {
            assertThat(t.tsMicros).isEqualTo(micros("2025-11-03T14:30:01Z"));
            assertThat(t.price).isEqualTo(10.5);
            assertThat(t.size).isEqualTo(7);
        });
    }

    @Test
    void readsAHeaderInAnotherOrderWithQuotesBlankLinesAndABom() throws Exception
    {
        final List<Tick> ticks = readAll(reader("""
            \uFEFF"ask_size","Ask","bid_size","BID","size","price","symbol","provider","ts"

            100,10.02,200,10.00,5,10.01,"AAPL","ibkr","2025-11-03 14:30:01.000250"
               \s
            "300","10.03",,"",6,10.02,AAPL,ibkr,2025-11-03T14:30:02Z
            """, TickCsvReader.Options.defaults()));
        assertThat(ticks).hasSize(2);
        final Tick first = ticks.get(0);
        assertThat(first.symbol).isEqualTo("AAPL");
        assertThat(first.provider).isEqualTo("ibkr");
        assertThat(first.tsMicros).isEqualTo(micros("2025-11-03T14:30:01.000250Z"));
        assertThat(first.bid).isEqualTo(10.00);
        assertThat(first.ask).isEqualTo(10.02);
        assertThat(first.bidSize).isEqualTo(200);
        assertThat(first.askSize).isEqualTo(100);
        assertThat(ticks.get(1).bid).isNaN();
        assertThat(ticks.get(1).bidSize).isNaN();
        assertThat(ticks.get(1).askSize).isEqualTo(300);
    }

    @Test
    void readsGzipByItsMagicBytes(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("trades.csv.gz");
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes))
        {
            gz.write("timestamp,price,amount\n1762180201000,1.5,2\n1762180201001,1.6,3\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(file, bytes.toByteArray());
        try (TickCsvReader reader = TickCsvReader.open(file, NVDA))
        {
            final List<Tick> ticks = readAll(reader);
            assertThat(ticks).extracting(t -> t.tsMicros).containsExactly(micros("2025-11-03T14:30:01Z"), micros("2025-11-03T14:30:01.001Z"));
        }
    }

    @Test
    void readsTabAndSemicolonSeparatedFiles() throws Exception
    {
        assertThat(readAll(reader("ts\tprice\tsize\n1762180201\t1.5\t2\n", NVDA))).hasSize(1);
        assertThat(readAll(reader("ts;price;size\n1762180201;1.5;2\n", NVDA))).hasSize(1);
    }

    @Test
    void flagsOverrideTheFilesColumnsAndNameColumnsItLacks() throws Exception
    {
        final List<Tick> ticks = readAll(reader("""
            symbol,provider,trade_time,px,size
            AAPL,kraken,1762180201,1.5,2
            """, new TickCsvReader.Options("ibkr", "NVDA", Map.of(TickColumn.TS, "trade_time", TickColumn.PRICE, "PX"))));
        assertThat(ticks).singleElement().satisfies(t ->
        {
            assertThat(t.symbol).isEqualTo("NVDA");
            assertThat(t.provider).isEqualTo("ibkr");
            assertThat(t.price).isEqualTo(1.5);
        });
    }

    @Test
    void namesTheLineOfABadRowAndGoesOn() throws Exception
    {
        try (TickCsvReader reader = reader("""
            ts,price,size

            1762180201,1.5,2
            1762180202,abc,2
            1762180203,1.5
            not-a-time,1.5,2
            1762180204,-1,2
            1762180205,1.5,-2
            1762180206,NaN,2
            1762180207,1.7,3
            """, NVDA))
        {
            final Tick tick = new Tick();
            assertThat(reader.next(tick)).isTrue();
            assertThat(reader.lineNumber()).isEqualTo(3);
            assertThatThrownBy(() -> reader.next(tick)).isInstanceOf(TickRowException.class)
                .hasMessage("line 4: price: not a number: 'abc'");
            assertThatThrownBy(() -> reader.next(tick)).hasMessage("line 5: expected at least 3 columns, found 2");
            assertThatThrownBy(() -> reader.next(tick)).hasMessageStartingWith("line 6: ts: ");
            assertThatThrownBy(() -> reader.next(tick)).hasMessage("line 7: price: must be > 0, was -1");
            assertThatThrownBy(() -> reader.next(tick)).hasMessage("line 8: size: must be >= 0, was -2");
            assertThatThrownBy(() -> reader.next(tick)).hasMessage("line 9: price: not a finite number: 'NaN'");
            assertThat(reader.next(tick)).isTrue();
            assertThat(tick.price).isEqualTo(1.7);
            assertThat(reader.next(tick)).isFalse();
        }
    }

    @Test
    void explainsWhatAFileLacksBeforeReadingRows()
    {
        assertThatThrownBy(() -> reader("ts,price,size\n1,2,3\n", TickCsvReader.Options.defaults()))
            .isInstanceOf(TickCsvReader.MissingColumnException.class).hasMessageContaining("--symbol");
        assertThatThrownBy(() -> reader("ts,price,size\n1,2,3\n", new TickCsvReader.Options(null, "NVDA", Map.of())))
            .isInstanceOf(TickCsvReader.MissingColumnException.class).hasMessageContaining("--provider");
        assertThatThrownBy(() -> reader("ts,last,size\n1,2,3\n", NVDA))
            .isInstanceOf(TickCsvReader.MissingColumnException.class).hasMessageContaining("no price column");
        assertThatThrownBy(() -> reader("", NVDA)).isInstanceOf(TickRowException.class).hasMessageContaining("empty");
    }

    @Test
    void namesEveryMissingThingAndItsFlagInOneError()
    {
        assertThatThrownBy(() -> reader("when,last,size\n1,2,3\n", TickCsvReader.Options.defaults()))
            .isInstanceOf(TickCsvReader.MissingColumnException.class)
            .hasMessageContaining("4 things are missing")
            .hasMessageContaining("no ts column (one of ts|timestamp|time|datetime|date_time; or map one with --column ts=NAME)")
            .hasMessageContaining("no price column (one of price; or map one with --column price=NAME)")
            .hasMessageContaining("pass --symbol")
            .hasMessageContaining("pass --provider")
            .hasMessageContaining("has 3 columns: 'when', 'last', 'size'")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("no size column"));
        assertThatThrownBy(() -> reader("ts,price,size\n1,2,3\n", new TickCsvReader.Options(null, null, Map.of(TickColumn.BID, "best_bid"))))
            .hasMessageContaining("3 things are missing").hasMessageContaining("--column bid=best_bid: the header has no column 'best_bid'")
            .hasMessageContaining("--symbol").hasMessageContaining("--provider");
    }

    @Test
    void aHeaderThatMatchesNothingListsItsColumnsAndTheNamesLookedFor()
    {
        assertThatThrownBy(() -> reader("a,b,c\n1,2,3\n", NVDA))
            .isInstanceOf(TickCsvReader.MissingColumnException.class)
            .hasMessageContaining("has 3 columns: 'a', 'b', 'c'")
            .hasMessageContaining("none of them is a tick field")
            .hasMessageContaining("\n  size: size, amount, qty, quantity, volume");
    }

    @Test
    void aBinaryFileIsNamedAsSuchNotPrinted()
    {
        final byte[] parquet = {'P', 'A', 'R', '1', 0x15, 0x04, 0x00, (byte)0x9c, '\n', 'x'};
        assertThatThrownBy(() -> TickCsvReader.open(new ByteArrayInputStream(parquet), NVDA))
            .isInstanceOf(TickCsvReader.MissingColumnException.class)
            .hasMessage("the file looks like a binary file (Parquet: starts with PAR1), not CSV");
        final byte[] other = {'t', 's', 0x00, 0x01, ',', 'p', '\n'};
        assertThatThrownBy(() -> TickCsvReader.open(new ByteArrayInputStream(other), NVDA))
            .hasMessage("the file looks like a binary file (control byte 0x00 at byte 3), not CSV");
        // a Latin-1 header (not UTF-8) is text all the same: its ASCII columns are found as before
        final byte[] latin1 = "ts;price;size;W\u00e4hrung\n1762180201;1.5;2;EUR\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TickCsvReader.open(new ByteArrayInputStream(latin1), NVDA).close())).isNull();
    }

    @Test
    void readsAHeaderlessFileByTheColumnsTheUserNames() throws Exception
    {
        // Binance aggTrades: agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match
        final TickCsvReader.Options options = new TickCsvReader.Options("binance", "BTCUSDT", Map.of(),
            List.of("-", "price", "qty", "", "-", "timestamp", "-", "-"), null, false);
        try (TickCsvReader reader = reader("""
            3080321,68010.50,0.015,4120001,4120002,1762180201000,true,true

            3080322,68011.00,0.250,4120003,4120003,1762180201250,false,true
            3080323,oops,0.250,4120004,4120004,1762180201300,false,true
            """, options))
        {
            final Tick tick = new Tick();
            assertThat(reader.next(tick)).isTrue();
            assertThat(reader.lineNumber()).isEqualTo(1);
            assertThat(tick.price).isEqualTo(68010.50);
            assertThat(tick.size).isEqualTo(0.015);
            assertThat(tick.tsMicros).isEqualTo(micros("2025-11-03T14:30:01Z"));
            assertThat(tick.symbol).isEqualTo("BTCUSDT");
            assertThat(reader.next(tick)).isTrue();
            assertThat(reader.lineNumber()).isEqualTo(3);
            assertThat(tick.tsMicros).isEqualTo(micros("2025-11-03T14:30:01.250Z"));
            assertThatThrownBy(() -> reader.next(tick)).hasMessage("line 4: price: not a number: 'oops'");
            assertThat(reader.next(tick)).isFalse();
        }
    }

    @Test
    void headerlessColumnsAreCheckedBeforeReadingRows()
    {
        assertThatThrownBy(() -> reader("1,2,3\n", new TickCsvReader.Options("p", "s", Map.of(), List.of("ts", "px", "size"), null, false)))
            .isInstanceOf(TickCsvReader.MissingColumnException.class).hasMessageContaining("--columns: 'px' (column 2) is not a tick field");
        assertThatThrownBy(() -> reader("1,2,3\n", new TickCsvReader.Options("p", "s", Map.of(), List.of("ts", "price", "volume", "qty"), null, false)))
            .hasMessage("--columns: size is given twice (columns 3 and 4)");
        assertThatThrownBy(() -> reader("1,2,3\n", new TickCsvReader.Options(null, null, Map.of(), List.of("ts", "price"), null, false)))
            .hasMessageContaining("3 things are missing").hasMessageContaining("--columns names no size column")
            .hasMessageContaining("--symbol").hasMessageContaining("--provider");
    }

    @Test
    void readsDecimalCommasInASemicolonFileWhenAsked() throws Exception
    {
        final String csv = "datum;ts;price;size;bid\n1;2025-11-03 14:30:00,5;231,45;1,5;231,40\n2;1762180201;232;10;\n";
        final List<Tick> ticks = readAll(reader(csv, new TickCsvReader.Options("xetra", "SAP", Map.of(), null, null, true)));
        assertThat(ticks).hasSize(2);
        assertThat(ticks.get(0).price).isEqualTo(231.45);
        assertThat(ticks.get(0).size).isEqualTo(1.5);
        assertThat(ticks.get(0).bid).isEqualTo(231.40);
        assertThat(ticks.get(0).tsMicros).isEqualTo(micros("2025-11-03T14:30:00.500Z"));
        assertThat(ticks.get(1).price).isEqualTo(232);
    }

    @Test
    void withDecimalCommasDotsSeparateThousandsAndNothingElse() throws Exception
    {
        final String csv = "ts;price;size\n1762180201;1.234,56;1.000\n1762180202;12.345.678,9;2\n1762180203;1.5;1\n1762180204;1.23,4;1\n";
        try (TickCsvReader reader = reader(csv, new TickCsvReader.Options("xetra", "SAP", Map.of(), null, null, true)))
        {
            final Tick tick = new Tick();
            assertThat(reader.next(tick)).isTrue();
            assertThat(tick.price).isEqualTo(1234.56);
            assertThat(tick.size).isEqualTo(1000);
            assertThat(reader.next(tick)).isTrue();
            assertThat(tick.price).isEqualTo(12345678.9);
            assertThat(tick.size).isEqualTo(2);
            assertThatThrownBy(() -> reader.next(tick))
                .hasMessage("line 4: price: not a number: '1.5' (with --decimal-comma a '.' separates thousands, as in 1.234,56)");
            assertThatThrownBy(() -> reader.next(tick)).hasMessageStartingWith("line 5: price: not a number: '1.23,4'");
        }
        assertThat(TickCsvReader.commaDecimal("-1.234,5")).isEqualTo("-1234.5");
        assertThatThrownBy(() -> TickCsvReader.commaDecimal(".123,4")).isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> TickCsvReader.commaDecimal("1234.567")).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void aDecimalCommaWithoutTheFlagFailsSuggestingIt() throws Exception
    {
        try (TickCsvReader reader = reader("ts;price;size\n1762180201;231,45;1\n1762180201;2x;1\n", NVDA))
        {
            final Tick tick = new Tick();
            assertThatThrownBy(() -> reader.next(tick)).hasMessage("line 2: price: not a number: '231,45' (a decimal comma? pass --decimal-comma)");
            assertThatThrownBy(() -> reader.next(tick)).hasMessage("line 3: price: not a number: '2x'");
        }
    }

    @Test
    void joinsADateAndATimeColumnIntoTheTimestamp() throws Exception
    {
        final TickCsvReader.Options options = new TickCsvReader.Options("nyse", "IBM", Map.of(TickColumn.TS, "Date+Time"), null,
            java.time.ZoneId.of("America/New_York"), false);
        try (TickCsvReader reader = reader("""
            price,date,size,time
            231.45,2025-11-03,10,14:30:00.123
            231.50,2025-11-03,10,bad
            231.55,2025-07-01,10,09:30:00
            """, options))
        {
            final Tick tick = new Tick();
            assertThat(reader.next(tick)).isTrue();
            assertThat(tick.tsMicros).isEqualTo(micros("2025-11-03T19:30:00.123Z"));
            assertThatThrownBy(() -> reader.next(tick)).hasMessageStartingWith("line 3: ts: ").hasMessageContaining("2025-11-03Tbad");
            assertThat(reader.next(tick)).isTrue();
            assertThat(tick.tsMicros).isEqualTo(micros("2025-07-01T13:30:00Z"));
        }
        assertThatThrownBy(() -> reader("price,date,size\n1,2,3\n", new TickCsvReader.Options("p", "s", Map.of(TickColumn.TS, "date+time"))))
            .isInstanceOf(TickCsvReader.MissingColumnException.class).hasMessageContaining("--column ts=date+time: the header has no column 'time'");
        // a header that really is called date+time is read as one column
        assertThat(readAll(reader("price,date+time,size\n1,1762180201,3\n", new TickCsvReader.Options("p", "s", Map.of(TickColumn.TS, "date+time")))))
            .singleElement().satisfies(t -> assertThat(t.tsMicros).isEqualTo(micros("2025-11-03T14:30:01Z")));
    }

    @Test
    void readsALargeFileInConstantMemory() throws IOException, TickRowException
    {
        // a stream that is never held whole: 2M rows produced on the fly
        final long rows = 2_000_000;
        final java.io.InputStream generated = new java.io.InputStream()
        {
            private byte[] line = "ts,price,size\n".getBytes(StandardCharsets.US_ASCII);
            private int at;
            private long produced;

            @Override
            public int read()
            {
                if (at == line.length)
                {
                    if (produced == rows)
                    {
                        return -1;
                    }
                    produced++;
                    line = (1762180201L + produced + ",1.5,2\n").getBytes(StandardCharsets.US_ASCII);
                    at = 0;
                }
                return line[at++];
            }
        };
        try (TickCsvReader reader = TickCsvReader.open(generated, NVDA))
        {
            final Tick tick = new Tick();
            long n = 0;
            while (reader.next(tick))
            {
                n++;
            }
            assertThat(n).isEqualTo(rows);
            assertThat(reader.lineNumber()).isEqualTo(rows + 1);
        }
    }
}
