package io.tickreplay.engine.synth;

import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyntheticFeedTest
{
    @Test
    void givesEverySymbolsTicksInTimeOrderAtItsRateWithSaneQuotesAndTheSameTicksForTheSameSeed()
    {
        final SyntheticFeed feed = new SyntheticFeed("live", List.of("NVDA", "AAPL", "MSFT"), 50.0, 7);
        final SyntheticFeed same = new SyntheticFeed("live", List.of("NVDA", "AAPL", "MSFT"), 50.0, 7);
        final Tick t = new Tick();
        final Tick u = new Tick();
        final Map<String, Integer> perSymbol = new HashMap<>();
        long last = 0;
        final int n = 150_000;
        for (int i = 0; i < n; i++)
        {
            feed.next(t);
            same.next(u);
            assertThat(t.tsMicros).isGreaterThanOrEqualTo(last);
            last = t.tsMicros;
            assertThat(t.bid).isLessThan(t.ask);
            assertThat(t.price).isIn(t.bid, t.ask);
            assertThat(t.size).isGreaterThanOrEqualTo(1.0);
            assertThat(t.bidSize).isPositive();
            assertThat(u.symbol + u.tsMicros + u.price + u.size).isEqualTo(t.symbol + t.tsMicros + t.price + t.size);
            perSymbol.merge(t.symbol, 1, Integer::sum);
        }
        // 150k ticks at 3 x 50/s take about 1000 s on the feed's clock; each symbol about a third
        assertThat(last / 1e6).isBetween(970.0, 1030.0);
        assertThat(perSymbol.values()).allSatisfy(c -> assertThat(c).isBetween(47_000, 53_000));
    }

    @Test
    void refusesWhatCannotBeAFeed()
    {
        assertThatThrownBy(() -> new SyntheticFeed("live", List.of(), 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyntheticFeed("live", List.of("A"), 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyntheticFeed("live", List.of("A"), Double.NaN, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
