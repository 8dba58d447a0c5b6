package io.tickreplay.engine.bus;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class DecimalsTest
{
    private static String text(final double v)
    {
        return Decimals.append(new StringBuilder(), v).toString();
    }

    @Test
    void writesTheShortDecimalsOfPricesAndSizes()
    {
        assertThat(text(231.45)).isEqualTo("231.45");
        assertThat(text(100)).isEqualTo("100.0");
        assertThat(text(0.5)).isEqualTo("0.5");
        assertThat(text(0.0001)).isEqualTo("0.0001");
        assertThat(text(-12.3)).isEqualTo("-12.3");
        assertThat(text(0)).isEqualTo("0.0");
        assertThat(text(-0.0)).isEqualTo("-0.0");
        assertThat(text(1e300)).isEqualTo("1.0E300");
    }

    @Test
    void everyDoubleReadsBackExactly()
    {
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1_000_000; i++)
        {
            final double v = switch (i % 4)
            {
                case 0 -> Math.round(random.nextDouble(0, 5000) * 100) / 100.0;     // a price in cents
                case 1 -> Math.round(random.nextDouble(0, 2) * 10_000) / 10_000.0;  // a price in ticks of 0.0001
                case 2 -> Math.floor(random.nextDouble(0, 100_000));                 // a size
                default -> random.nextDouble(-1e6, 1e6) * Math.pow(10, random.nextInt(-12, 12)); // anything
            };
            assertThat(Double.parseDouble(text(v))).as("%s", v).isEqualTo(v);
        }
    }
}
