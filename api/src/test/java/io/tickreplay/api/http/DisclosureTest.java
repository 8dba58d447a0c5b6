package io.tickreplay.api.http;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DisclosureTest
{
    private static final String WORK = Path.of("").toAbsolutePath().toString();

    @Test
    void absolutePathsBecomeRelativeToTheWorkingDirectoryOrTheirFileName()
    {
        assertThat(Disclosure.text("could not write " + WORK + "/data/exports/a.csv.3f.tmp: No space left on device"))
            .isEqualTo("could not write data/exports/a.csv.3f.tmp: No space left on device");
        assertThat(Disclosure.text("the file of export 4 is gone: /srv/exports/nvda.parquet."))
            .isEqualTo("the file of export 4 is gone: nvda.parquet.");
        assertThat(Disclosure.text("journal '/var/lib/tickreplay/journal/12' (run 12) is missing"))
            .isEqualTo("journal '12' (run 12) is missing");
    }

    @Test
    void theApisOwnRoutesRelativeNamesAndTextWithoutPathsStayAsTheyAre()
    {
        for (final String text : new String[] {"no route GET /v1/nothing", "output must be a plain file name, was '../../etc/x.csv'",
            "see /openapi.json", "symbol EUR/USD", "provider ib/kr", "no slash here", "1/2 done"})
        {
            assertThat(Disclosure.text(text)).isEqualTo(text);
        }
        assertThat(Disclosure.text(null)).isNull();
    }

    @Test
    void aUrlInAMessageKeepsItsAuthority()
    {
        assertThat(Disclosure.text("redis bus at redis://127.0.0.1:26379: Connection refused"))
            .isEqualTo("redis bus at redis://127.0.0.1:26379: Connection refused");
        assertThat(Disclosure.text("kafka at kafka://broker:9092 and /srv/data/x.csv")).isEqualTo("kafka at kafka://broker:9092 and x.csv");
    }
}
