package io.tickreplay.api.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.replay.ReplayRequest.InvalidField;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The window a scheduled replay reads, {@code [start, end)}, resolved at each fire time: {@link Fixed}
 * ({@code {"start": ..., "end": ...}}, the same every time), {@link Last} ({@code {"last": "4h"}}: the
 * hours before the fire time) or {@link PreviousTradingDay} ({@code {"previous_trading_day": true,
 * "session": "09:30-16:00", "zone": "America/New_York"}}: that session on the last weekday before the fire
 * time's date in the zone). Weekdays are trading days: there is no holiday calendar, so a holiday's window is
 * replayed and, holding no ticks, completes with none. Immutable.
 */
public sealed interface ReplayWindow
{
    /** The window for a fire at {@code fireTime}. */
    Window resolve(Instant fireTime);

    /** The window as it is stored and shown (every default filled in). */
    Map<String, Object> toJson();

    /** A resolved window, {@code [start, end)}. */
    record Window(Instant start, Instant end)
    {
    }

    /** The same window at every fire. */
    record Fixed(Instant start, Instant end) implements ReplayWindow
    {
        @Override
        public Window resolve(final Instant fireTime)
        {
            return new Window(start, end);
        }

        @Override
        public Map<String, Object> toJson()
        {
            return ordered("start", start.toString(), "end", end.toString());
        }
    }

    /** The {@code length} before the fire time: {@code [fire - length, fire)}. */
    record Last(Duration length, String text) implements ReplayWindow
    {
        @Override
        public Window resolve(final Instant fireTime)
        {
            return new Window(fireTime.minus(length), fireTime);
        }

        @Override
        public Map<String, Object> toJson()
        {
            return ordered("last", text);
        }
    }

    /**
     * The session {@code from}-{@code to} (wall-clock times in {@code zone}, {@code to} of 24:00 being
     * midnight after) on the last weekday strictly before the fire time's date in {@code zone}. A fire on
     * Monday replays Friday; one on Saturday or Sunday replays Friday too.
     */
    record PreviousTradingDay(LocalTime from, LocalTime to, boolean toMidnight, ZoneId zone) implements ReplayWindow
    {
        @Override
        public Window resolve(final Instant fireTime)
        {
            LocalDate day = fireTime.atZone(zone).toLocalDate().minusDays(1);
            while (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY)
            {
                day = day.minusDays(1);
            }
            final Instant start = ZonedDateTime.of(day, from, zone).toInstant();
            final Instant end = toMidnight ? day.plusDays(1).atStartOfDay(zone).toInstant() : ZonedDateTime.of(day, to, zone).toInstant();
            return new Window(start, end);
        }

        @Override
        public Map<String, Object> toJson()
        {
            return ordered("previous_trading_day", true, "session", from + "-" + (toMidnight ? "24:00" : to.toString()), "zone", zone.getId());
        }
    }

    Pattern LENGTH = Pattern.compile("([1-9][0-9]{0,5})([mhd])");
    Pattern SESSION = Pattern.compile("([0-2][0-9]:[0-5][0-9])-([0-2][0-9]:[0-5][0-9])");

    /**
     * Reads a window from its JSON; {@code defaultZone} is the schedule's, taken when a previous trading day names none.
     * A mistake is an {@link InvalidField} naming {@code window} or the window's field ({@code window.last}).
     */
    static ReplayWindow parse(final JsonNode node, final ZoneId defaultZone)
    {
        if (node == null || node.isNull())
        {
            throw new InvalidField("window", "window is required: {\"last\": \"4h\"}, {\"previous_trading_day\": true, \"session\": \"09:30-16:00\"} " +
                "or {\"start\": ..., \"end\": ...}");
        }
        if (!node.isObject())
        {
            throw new InvalidField("window", "window must be a JSON object");
        }
        if (node.has("last"))
        {
            only(node, "last", Set.of("last"));
            return last(text(node, "last"));
        }
        if (node.has("previous_trading_day"))
        {
            only(node, "previous_trading_day", Set.of("previous_trading_day", "session", "zone"));
            if (!node.get("previous_trading_day").isBoolean() || !node.get("previous_trading_day").booleanValue())
            {
                throw new InvalidField("window.previous_trading_day", "window.previous_trading_day must be true");
            }
            final ZoneId zone = node.has("zone") ? zone("window.zone", text(node, "zone")) : defaultZone;
            return previousTradingDay(node.has("session") ? text(node, "session") : "00:00-24:00", zone);
        }
        if (node.has("start") || node.has("end"))
        {
            only(node, "start", Set.of("start", "end"));
            final Instant start = instant("window.start", node.has("start") ? text(node, "start") : null);
            final Instant end = instant("window.end", node.has("end") ? text(node, "end") : null);
            if (!start.isBefore(end))
            {
                throw new InvalidField("window.end", "window.end must be after window.start (the window is [start, end))");
            }
            return new Fixed(start, end);
        }
        throw new InvalidField("window", "window must have last, previous_trading_day, or start and end");
    }

    /** {@code "4h"}, {@code "90m"}, {@code "2d"} (24 hours a day) before the fire time. */
    static Last last(final String text)
    {
        final Matcher m = LENGTH.matcher(text);
        if (!m.matches())
        {
            throw new InvalidField("window.last", "window.last must be a length such as 90m, 4h or 2d, was '" + text + "'");
        }
        final long n = Long.parseLong(m.group(1));
        final Duration length = switch (m.group(2))
        {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return new Last(length, text);
    }

    /** The session {@code "HH:MM-HH:MM"} (the end may be 24:00) on the previous weekday in {@code zone}. */
    static PreviousTradingDay previousTradingDay(final String session, final ZoneId zone)
    {
        final Matcher m = SESSION.matcher(session);
        if (!m.matches())
        {
            throw new InvalidField("window.session", "window.session must be HH:MM-HH:MM, e.g. 09:30-16:00, was '" + session + "'");
        }
        try
        {
            final LocalTime from = LocalTime.parse(m.group(1));
            final boolean midnight = m.group(2).equals("24:00");
            final LocalTime to = midnight ? LocalTime.MIDNIGHT : LocalTime.parse(m.group(2));
            if (!midnight && !to.isAfter(from))
            {
                throw new InvalidField("window.session", "window.session must end after it starts on the same day, was '" + session + "'");
            }
            return new PreviousTradingDay(from, to, midnight, zone);
        }
        catch (final DateTimeParseException e)
        {
            throw new InvalidField("window.session", "window.session must be HH:MM-HH:MM with real times, was '" + session + "'");
        }
    }

    /** An IANA zone such as America/New_York; {@code field} names it in the error. */
    static ZoneId zone(final String field, final String id)
    {
        try
        {
            return ZoneId.of(id);
        }
        catch (final DateTimeException e)
        {
            throw new InvalidField(field, field + " must be an IANA time zone such as America/New_York or UTC, was '" + id + "'");
        }
    }

    private static Instant instant(final String field, final String value)
    {
        if (value == null)
        {
            throw new InvalidField(field, field + " is required (ISO-8601, e.g. 2025-11-03T14:30:00Z)");
        }
        try
        {
            return Instant.parse(value);
        }
        catch (final DateTimeParseException e)
        {
            throw new InvalidField(field, field + " must be an ISO-8601 instant such as 2025-11-03T14:30:00Z, was '" + value + "'");
        }
    }

    private static String text(final JsonNode node, final String field)
    {
        final JsonNode v = node.get(field);
        if (v == null || !v.isTextual())
        {
            throw new InvalidField("window." + field, "window." + field + " must be a string");
        }
        return v.textValue();
    }

    private static void only(final JsonNode node, final String kind, final Set<String> allowed)
    {
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!allowed.contains(name))
            {
                throw new InvalidField("window." + name, "window." + name + " does not go with window." + kind +
                    "; this window takes " + allowed.stream().sorted().toList());
            }
        }
    }

    private static Map<String, Object> ordered(final Object... keysAndValues)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            out.put((String)keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }
}
