package io.tickreplay.adapters.postgres;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The jsonb numbers the signals writer writes in place: 15 significant digits, as PostgreSQL's float8 text once was. */
class CopyBinaryEncoderTest
{
    /** The text {@link CopyBinaryEncoder#number} writes for {@code v}, read back from the row's jsonb field. */
    private static String text(final double v) throws Exception
    {
        final byte[] bytes = new byte[1024];
        final int[] n = {0};
        final CopyBinaryEncoder encoder = new CopyBinaryEncoder(new MemoryCopyIn()
        {
            @Override
            public void writeToCopy(final byte[] buf, final int off, final int siz)
            {
                System.arraycopy(buf, off, bytes, n[0], siz);
                n[0] += siz;
            }
        }, 1024);
        encoder.startRow(1, 64);
        encoder.startJsonb();
        encoder.number(v);
        encoder.endJsonb();
        encoder.flush();
        // row: int16 field count, int32 length, jsonb version byte 1, the text
        final int length = ((bytes[2] & 0xff) << 24 | (bytes[3] & 0xff) << 16 | (bytes[4] & 0xff) << 8 | (bytes[5] & 0xff)) - 1;
        assertThat(bytes[6]).isEqualTo((byte)1);
        assertThat(n[0]).isEqualTo(7 + length);
        return new String(bytes, 7, length, StandardCharsets.US_ASCII);
    }

    @Test
    void writesShortDecimalsAsTheyAre() throws Exception
    {
        assertThat(text(231.45)).isEqualTo("231.45");
        assertThat(text(-0.5)).isEqualTo("-0.5");
        assertThat(text(100)).isEqualTo("100");
        assertThat(text(0)).isEqualTo("0");
        assertThat(text(0.0001)).isEqualTo("0.0001");
        assertThat(text(123456789012345.0)).isEqualTo("123456789012345");
        assertThat(text(1e20)).isEqualTo("1.0E20");
        assertThat(text(9.999999999999999)).isEqualTo("10");
    }

    @Test
    void keepsFifteenSignificantDigitsOfAnyValue() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++)
        {
            final double v = (random.nextBoolean() ? 1 : -1) * Math.pow(10, random.nextDouble(-4, 15)) * random.nextDouble(1, 10) / 10;
            final String t = text(v);
            assertThat(Double.parseDouble(t)).as(v + " -> " + t).isCloseTo(v, org.assertj.core.api.Assertions.within(Math.abs(v) * 1e-14));
            assertThat(t).doesNotEndWith("0.").doesNotContain("..");
            if (t.contains(".") && !t.contains("E"))
            {
                assertThat(t).doesNotEndWith("0");
            }
        }
    }
}
