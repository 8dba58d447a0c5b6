package io.tickreplay.engine.replay;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SymbolTableTest
{
    @Test
    void idsFollowTheByteOrderOfPostgresCCollation()
    {
        final SymbolTable t = new SymbolTable(List.of("msft", "NVDA", "BRK.B", "AAPL", "BRKB"));
        assertThat(t.names()).containsExactly("AAPL", "BRK.B", "BRKB", "NVDA", "msft");
        assertThat(t.id("NVDA")).isEqualTo(3);
        assertThat(t.id("TSLA")).isEqualTo(-1);
        final byte[] row = "xxNVDAyy".getBytes(StandardCharsets.UTF_8);
        assertThat(t.id(row, 2, 4)).isEqualTo(3);
        assertThat(t.id(row, 2, 3)).isEqualTo(-1);
    }

    @Test
    void checksumsTellStreamsApartByContentAndOrder()
    {
        final SymbolTable t = new SymbolTable(List.of("A", "B"));
        final StreamChecksum x = new StreamChecksum(t);
        final StreamChecksum y = new StreamChecksum(t);
        final StreamChecksum z = new StreamChecksum(t);
        x.add(0, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        x.add(1, 1, 0, 2.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        y.add(0, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        y.add(1, 1, 0, 2.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        z.add(1, 1, 0, 2.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        z.add(0, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        assertThat(x.value()).isEqualTo(y.value()).isNotEqualTo(z.value());
        // ids differ between tables with different symbols; the checksum follows the names
        final StreamChecksum other = new StreamChecksum(new SymbolTable(List.of("0", "A", "B")));
        other.add(1, 1, 0, 1.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        other.add(2, 1, 0, 2.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        assertThat(other.value()).isEqualTo(x.value());
    }
}
