package io.tickreplay.adapters.csv;

import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A symbol or provider that is not text (bytes that are not UTF-8) or longer than the API takes is a bad row, named by its line. */
class TickNamesTest
{
    private static TickCsvReader reader(final byte[] csv) throws Exception
    {
        return TickCsvReader.open(new ByteArrayInputStream(csv), new TickCsvReader.Options("ibkr", null, Map.of()));
    }

    @Test
    void aSymbolWithBytesThatAreNotUtf8IsRefusedNamingItsLine() throws Exception
    {
        final ByteArrayOutputStream csv = new ByteArrayOutputStream();
        csv.writeBytes("ts,symbol,price,size\n2025-11-03T14:30:00Z,NVDA,231.45,100\n2025-11-03T14:30:01Z,NV".getBytes(StandardCharsets.US_ASCII));
        csv.writeBytes(new byte[] {(byte)0xC3, (byte)0x28});
        csv.writeBytes(",231.46,100\n".getBytes(StandardCharsets.US_ASCII));
        try (TickCsvReader r = reader(csv.toByteArray()))
        {
            final Tick t = new Tick();
            assertThat(r.next(t)).isTrue();
            assertThatThrownBy(() -> r.next(t)).isInstanceOf(TickRowException.class).hasMessageContaining("line 3")
                .hasMessageContaining("symbol").hasMessageContaining("UTF-8");
        }
    }

    @Test
    void aSymbolOfTenMegabytesIsRefusedNamingItsLineNotTheCopyBuffer() throws Exception
    {
        final String huge = "X".repeat(10_000_000);
        try (TickCsvReader r = reader(("ts,symbol,price,size\n2025-11-03T14:30:00Z," + huge + ",231.45,100\n").getBytes(StandardCharsets.US_ASCII)))
        {
            assertThatThrownBy(() -> r.next(new Tick())).isInstanceOf(TickRowException.class).hasMessageContaining("line 2")
                .hasMessageContaining("at most 64 characters").hasMessageNotContaining("X".repeat(81));
        }
    }
}
