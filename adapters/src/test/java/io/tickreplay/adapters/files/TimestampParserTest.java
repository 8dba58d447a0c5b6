package io.tickreplay.adapters.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimestampParserTest
{
    private static long micros(final String iso)
    {
        final Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "2025-11-03T14:30:01Z                 | 2025-11-03T14:30:01Z",
        "2025-11-03T14:30:01                  | 2025-11-03T14:30:01Z",
        "2025-11-03 14:30:01                  | 2025-11-03T14:30:01Z",
        "2025-11-03t14:30:01z                 | 2025-11-03T14:30:01Z",
        "2025-11-03T14:30:01.5Z               | 2025-11-03T14:30:01.500Z",
        "2025-11-03T14:30:01.123456Z          | 2025-11-03T14:30:01.123456Z",
        "2025-11-03T14:30:01.123456789Z       | 2025-11-03T14:30:01.123456Z",
        "2025-11-03T14:30:01,25               | 2025-11-03T14:30:01.250Z",
        "2025-11-03T09:30:01-05:00            | 2025-11-03T14:30:01Z",
        "2025-11-03T15:30:01+0100             | 2025-11-03T14:30:01Z",
        "2025-11-03T16:30:01+02               | 2025-11-03T14:30:01Z",
        "2025-11-03T14:30:01.000001+00:00     | 2025-11-03T14:30:01.000001Z",
        "2025-11-03                           | 2025-11-03T00:00:00Z",
        "2025-11-03T14:30Z                    | 2025-11-03T14:30:00Z",
        "2024-02-29T23:59:59.999999Z          | 2024-02-29T23:59:59.999999Z",
        "  2025-11-03T14:30:01Z               | 2025-11-03T14:30:01Z",
    })
    void parsesIso8601WithoutOffsetAsUtc(final String text, final String expected)
    {
        assertThat(TimestampParser.parseMicros(text)).isEqualTo(micros(expected));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "1762180201                 | 2025-11-03T14:30:01Z",
        "1762180201.5               | 2025-11-03T14:30:01.500Z",
        "1762180201.123456789       | 2025-11-03T14:30:01.123456Z",
        "1762180201123              | 2025-11-03T14:30:01.123Z",
        "1762180201123.5            | 2025-11-03T14:30:01.123500Z",
        "1762180201123456           | 2025-11-03T14:30:01.123456Z",
        "1762180201123456789        | 2025-11-03T14:30:01.123456Z",
        "0                          | 1970-01-01T00:00:00Z",
        "99999999999                | 5138-11-16T09:46:39Z",
        "100000000000               | 1973-03-03T09:46:40Z",
    })
    void tellsEpochUnitsApartByMagnitude(final String text, final String expected)
    {
        assertThat(TimestampParser.parseMicros(text)).isEqualTo(micros(expected));
    }

    @Test
    void truncatesBelowAMicrosecondTowardsThePast()
    {
        assertThat(TimestampParser.parseMicros("-1.0000005")).isEqualTo(-1_000_001L);
        assertThat(TimestampParser.parseMicros("-1")).isEqualTo(-1_000_000L);
        assertThat(TimestampParser.parseMicros("1762180201123456999")).isEqualTo(TimestampParser.parseMicros("1762180201123456"));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", "   ", "abc", "2025-13-01T00:00:00Z", "2025-02-30", "2025-11-03T25:00:00Z", "2025-11-03T14:30:01+25:00",
        "2025-11-03T14:30:01Zjunk", "12:30:01", "1.2.3", "1e9", "99999999999999999999"})
    void rejectsWhatIsNotATimestamp(final String text)
    {
        assertThatThrownBy(() -> TimestampParser.parseMicros(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aZoneAppliesOnlyToTimestampsWithoutAnOffset()
    {
        final java.time.ZoneId ny = java.time.ZoneId.of("America/New_York");
        // 2025-11-03 is after the autumn change: New York is UTC-5
        assertThat(TimestampParser.parseMicros("2025-11-03 09:30:00.123456", ny)).isEqualTo(TimestampParser.parseMicros("2025-11-03T14:30:00.123456Z"));
        assertThat(TimestampParser.parseMicros("2025-11-03T09:30:00", ny)).isEqualTo(TimestampParser.parseMicros("2025-11-03T14:30:00Z"));
        assertThat(TimestampParser.parseMicros("2025-07-01T09:30:00", ny)).isEqualTo(TimestampParser.parseMicros("2025-07-01T13:30:00Z"));
        assertThat(TimestampParser.parseMicros("2025-11-03", ny)).isEqualTo(TimestampParser.parseMicros("2025-11-03T05:00:00Z"));
        assertThat(TimestampParser.parseMicros("2025-11-03T09:30:00+01:00", ny)).isEqualTo(TimestampParser.parseMicros("2025-11-03T08:30:00Z"));
        assertThat(TimestampParser.parseMicros("2025-11-03T09:30:00Z", ny)).isEqualTo(TimestampParser.parseMicros("2025-11-03T09:30:00Z"));
        assertThat(TimestampParser.parseMicros("1762180201", ny)).isEqualTo(TimestampParser.parseMicros("1762180201"));
        assertThat(TimestampParser.parseMicros("2025-11-03T09:30", ny)).isEqualTo(TimestampParser.parseMicros("2025-11-03T14:30:00Z"));
    }

    @Test
    void gapsMoveLaterAndOverlapsTakeTheEarlierOffsetAsJavaTimeDoes()
    {
        final java.time.ZoneId ny = java.time.ZoneId.of("America/New_York");
        // 2025-03-09 02:30 does not exist in New York: it is read as 03:30 EDT (UTC-4)
        assertThat(TimestampParser.parseMicros("2025-03-09 02:30:00", ny)).isEqualTo(TimestampParser.parseMicros("2025-03-09T07:30:00Z"));
        // 2025-11-02 01:30 happens twice: the first one, EDT (UTC-4)
        assertThat(TimestampParser.parseMicros("2025-11-02 01:30:00", ny)).isEqualTo(TimestampParser.parseMicros("2025-11-02T05:30:00Z"));
    }
}
