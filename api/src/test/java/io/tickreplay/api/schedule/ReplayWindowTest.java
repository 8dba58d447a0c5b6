package io.tickreplay.api.schedule;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.api.replay.ReplayRequest.InvalidField;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayWindowTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static ReplayWindow window(final String json) throws Exception
    {
        return ReplayWindow.parse(JSON.readTree(json), NEW_YORK);
    }

    private static ReplayWindow.Window of(final String start, final String end)
    {
        return new ReplayWindow.Window(Instant.parse(start), Instant.parse(end));
    }

    @Test
    void theLastHoursEndAtTheFireTime() throws Exception
    {
        assertThat(window("{\"last\": \"4h\"}").resolve(Instant.parse("2025-11-04T03:00:00Z"))).isEqualTo(of("2025-11-03T23:00:00Z", "2025-11-04T03:00:00Z"));
        assertThat(window("{\"last\": \"90m\"}").resolve(Instant.parse("2025-11-04T03:00:00Z"))).isEqualTo(of("2025-11-04T01:30:00Z", "2025-11-04T03:00:00Z"));
        assertThat(window("{\"last\": \"2d\"}").toJson()).containsEntry("last", "2d");
    }

    @Test
    void thePreviousTradingDayOfAMondayIsFridayInItsOwnOffset() throws Exception
    {
        final ReplayWindow w = window("{\"previous_trading_day\": true, \"session\": \"09:30-16:00\"}");
        // Monday 2025-11-03 22:00 EST: Friday 2025-10-31, still EDT (UTC-4)
        assertThat(w.resolve(Instant.parse("2025-11-04T03:00:00Z"))).isEqualTo(of("2025-10-31T13:30:00Z", "2025-10-31T20:00:00Z"));
        // Tuesday: Monday 2025-11-03, EST (UTC-5)
        assertThat(w.resolve(Instant.parse("2025-11-05T03:00:00Z"))).isEqualTo(of("2025-11-03T14:30:00Z", "2025-11-03T21:00:00Z"));
        // Sunday and Saturday: Friday
        assertThat(w.resolve(Instant.parse("2025-11-09T15:00:00Z"))).isEqualTo(of("2025-11-07T14:30:00Z", "2025-11-07T21:00:00Z"));
        assertThat(w.toJson()).containsEntry("zone", "America/New_York").containsEntry("session", "09:30-16:00");
    }

    @Test
    void aWholeDayRunsToMidnightInTheWindowsOwnZone() throws Exception
    {
        final ReplayWindow w = window("{\"previous_trading_day\": true, \"zone\": \"Europe/London\"}");
        assertThat(w.resolve(Instant.parse("2025-11-04T03:00:00Z"))).isEqualTo(of("2025-11-03T00:00:00Z", "2025-11-04T00:00:00Z"));
        assertThat(w.toJson()).containsEntry("session", "00:00-24:00");
    }

    @Test
    void aFixedWindowIsTheSameAtEveryFire() throws Exception
    {
        final ReplayWindow w = window("{\"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T15:30:00Z\"}");
        assertThat(w.resolve(Instant.parse("2030-01-01T00:00:00Z"))).isEqualTo(of("2025-11-03T14:30:00Z", "2025-11-03T15:30:00Z"));
    }

    @Test
    void everyMistakeNamesTheWindowsField()
    {
        assertField("{\"last\": \"4x\"}", "window.last");
        assertField("{\"last\": \"0h\"}", "window.last");
        assertField("{\"last\": 4}", "window.last");
        assertField("{\"previous_trading_day\": true, \"session\": \"16:00-09:30\"}", "window.session");
        assertField("{\"previous_trading_day\": true, \"session\": \"25:00-26:00\"}", "window.session");
        assertField("{\"previous_trading_day\": true, \"zone\": \"Mars/Olympus\"}", "window.zone");
        assertField("{\"previous_trading_day\": false}", "window.previous_trading_day");
        assertField("{\"last\": \"4h\", \"session\": \"09:30-16:00\"}", "window.session");
        assertField("{\"start\": \"2025-11-03T14:30:00Z\"}", "window.end");
        assertField("{\"start\": \"2025-11-03T15:30:00Z\", \"end\": \"2025-11-03T14:30:00Z\"}", "window.end");
        assertField("{\"start\": \"yesterday\", \"end\": \"2025-11-03T14:30:00Z\"}", "window.start");
        assertField("{}", "window");
        assertField("[]", "window");
    }

    private static void assertField(final String json, final String field)
    {
        assertThatThrownBy(() -> window(json)).as(json).isInstanceOf(InvalidField.class).extracting(e -> ((InvalidField)e).field()).isEqualTo(field);
    }
}
