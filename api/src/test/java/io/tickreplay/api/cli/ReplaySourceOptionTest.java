package io.tickreplay.api.cli;

import io.tickreplay.api.replay.ReplaySource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code replay --source 'k=v;k=v'}: what it reads, and the usage errors (exit 2, one line naming the flag) before any database. */
class ReplaySourceOptionTest
{
    private static final String[] WINDOW = {"--start", "2025-11-03T14:30:00Z", "--end", "2025-11-03T15:30:00Z"};

    @Test
    void aSourceIsReadFromItsKeysInAnyOrder()
    {
        assertThat(ReplaySource.parse("provider=ibkr;symbols=NVDA,AAPL")).isEqualTo(new ReplaySource("ibkr", List.of("NVDA", "AAPL"), null, null));
        assertThat(ReplaySource.parse(" parquet=files/*.parquet ; provider=binance;symbol=BTCUSDT;"))
            .isEqualTo(new ReplaySource("binance", null, "files/*.parquet", "BTCUSDT"));
        assertThat(ReplaySource.parse("parquet=ny/*.parquet;provider=nyse;tz=America/New_York").zone()).isEqualTo(java.time.ZoneId.of("America/New_York"));
        assertThatThrownBy(() -> ReplaySource.parse("provider=ibkr;colour=red")).hasMessageContaining("unknown key 'colour'");
        assertThatThrownBy(() -> ReplaySource.parse("provider=ibkr;provider=x")).hasMessageContaining("twice");
        assertThatThrownBy(() -> ReplaySource.parse("ibkr")).hasMessageContaining("not key=value");
    }

    @Test
    void sourcesAndProviderOrSymbolsTogetherAreAUsageErrorNamingTheFlag()
    {
        assertUsage(run("--source", "provider=ibkr;symbols=NVDA", "--provider", "ibkr"), "--provider");
        assertUsage(run("--source", "provider=ibkr;symbols=NVDA", "--symbols", "NVDA"), "--symbols");
    }

    @Test
    void aBadSourceIsAUsageErrorNamingTheFlag()
    {
        assertUsage(run("--source", "provider=ibkr;colour=red"), "--source");
        assertUsage(run("--source", "provider=ibkr"), "--source");
        assertUsage(run("--source", "symbols=NVDA"), "--source");
        assertUsage(run("--source", "provider=ibkr;symbol=NVDA"), "--source");
        assertUsage(CliIT.run("replay", "--from-journal", "1", "--source", "provider=ibkr;symbols=NVDA"), "--source");
        // which --source, counted as the user wrote them, for a syntax error and for a bad value alike
        assertThat(run("--source", "provider=ibkr;symbols=NVDA", "--source", "symbols=AAPL").err().strip())
            .isEqualTo("tickreplay replay: --source (the 2nd): provider is required");
        assertThat(run("--source", "provider=ibkr;symbols=NVDA", "--source", "parquet=x.parquet;provider=p;tz=Mars/Base").err().strip())
            .isEqualTo("tickreplay replay: --source (the 2nd): tz 'Mars/Base' is not a time zone (an IANA name such as America/New_York)");
        assertThat(List.of(1, 2, 3, 4, 11, 12, 13, 21, 22, 111).stream().map(ReplayCommand::ordinal))
            .containsExactly("1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th");
    }

    private static CliIT.Run run(final String... args)
    {
        final String[] all = new String[1 + args.length + WINDOW.length];
        all[0] = "replay";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(WINDOW, 0, all, 1 + args.length, WINDOW.length);
        return CliIT.run(all);
    }

    private static void assertUsage(final CliIT.Run run, final String flag)
    {
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).startsWith("tickreplay replay: " + flag).doesNotContain("Exception");
    }
}
