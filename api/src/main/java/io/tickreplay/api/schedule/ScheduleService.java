package io.tickreplay.api.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickreplay.adapters.postgres.JobScheduleStore;
import io.tickreplay.api.replay.ReplayBodyParser;
import io.tickreplay.api.replay.ReplayRequest.InvalidField;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.request.InvalidRequest;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Scheduled replays as the API and the CLI see them: a definition read and checked whole before it is
 * stored ({@link #create}), listed, found and removed; each as the JSON the API answers with. A definition is
 * {@code name}, {@code cron}, {@code zone} (IANA, default UTC), {@code misfire} ({@code run_once} or
 * {@code skip}), {@code window} ({@link ReplayWindow}) and {@code replay}: the body of
 * {@code POST /v1/replay/ticks} without {@code start} and {@code end}, read by that route's own parser
 * ({@link ReplayBodyParser}). The clock gives the first fire time. Thread-safe (the store is).
 */
public final class ScheduleService
{
    public static final String RUN_ONCE = "run_once";
    public static final String SKIP = "skip";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("name", "cron", "zone", "misfire", "window", "replay");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

    private final JobScheduleStore store;
    private final Clock clock;
    private final Path importDir;

    /** {@code importDir}: {@code replay.import-dir}, where the Parquet files a replay's {@code sources} name must lie. */
    public ScheduleService(final JobScheduleStore store, final Clock clock, final Path importDir)
    {
        this.store = store;
        this.clock = clock;
        this.importDir = importDir;
    }

    public JobScheduleStore store()
    {
        return store;
    }

    /** A definition read and checked: what {@link #create} stores. */
    public record Definition(String name, CronExpression cron, ZoneId zone, String misfire, ReplayWindow window, ObjectNode replay)
    {
    }

    /**
     * Reads a definition; a mistake is an {@link InvalidField} naming the field ({@code cron}, {@code zone},
     * {@code window.last}, {@code replay.symbols}, ...). The replay is checked as a POST of it for the window
     * of the fire after {@code now} would be, so a schedule that could never start is refused now.
     */
    public static Definition parse(final JsonNode body, final Instant now, final Path importDir)
    {
        if (body == null || !body.isObject())
        {
            throw new InvalidField(null, "the body must be a JSON object");
        }
        final Iterator<String> names = body.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!FIELDS.contains(name))
            {
                throw new InvalidField(name, "unknown field '" + name + "'; a schedule takes " + FIELDS.stream().sorted().toList());
            }
        }
        final String name = text(body, "name", null);
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new InvalidField("name", "name is required: 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        final CronExpression cron;
        try
        {
            cron = CronExpression.parse(text(body, "cron", null));
        }
        catch (final IllegalArgumentException e)
        {
            throw new InvalidField("cron", "cron: " + e.getMessage());
        }
        final ZoneId zone = ReplayWindow.zone("zone", text(body, "zone", "UTC"));
        final String misfire = text(body, "misfire", RUN_ONCE);
        if (!misfire.equals(RUN_ONCE) && !misfire.equals(SKIP))
        {
            throw new InvalidField("misfire", "misfire must be run_once or skip, was '" + misfire + "'");
        }
        final ReplayWindow window = ReplayWindow.parse(body.get("window"), zone);
        final JsonNode replay = body.get("replay");
        if (replay == null || !replay.isObject())
        {
            throw new InvalidField("replay", "replay is required: the body of POST /v1/replay/ticks without start and end, e.g. " +
                "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": 0}");
        }
        for (final String f : List.of("start", "end"))
        {
            if (replay.has(f))
            {
                throw new InvalidField("replay." + f, "a schedule's window gives the start and end of each run: drop replay." + f + " and set window");
            }
        }
        if (replay.has("source") && !"database".equals(replay.get("source").asText()))
        {
            throw new InvalidField("replay.source", "a scheduled replay reads the database (source \"database\"): a journal replays one fixed run");
        }
        final Instant first = cron.next(now, zone);
        if (first == null)
        {
            throw new InvalidField("cron", "cron '" + cron + "' never fires (no such day within nine years)");
        }
        request((ObjectNode)replay, window.resolve(first), importDir);
        return new Definition(name, cron, zone, misfire, window, (ObjectNode)replay);
    }

    /**
     * The replay of a fire: the stored body with the resolved window as its start and end, read by the replay
     * route's parser and validated. Its mistakes name {@code replay.<field>}, or {@code window} for the start and end.
     */
    static ReplayRequest request(final ObjectNode replay, final ReplayWindow.Window window, final Path importDir)
    {
        final ObjectNode body = replay.deepCopy();
        body.put("start", window.start().toString());
        body.put("end", window.end().toString());
        try
        {
            return ReplayBodyParser.parse(body, importDir).validate();
        }
        catch (final InvalidRequest e)
        {
            throw new InvalidField(field(e.field()), e.getMessage());
        }
    }

    private static String field(final String replayField)
    {
        if (replayField == null)
        {
            return "replay";
        }
        return replayField.equals("start") || replayField.equals("end") ? "window" : "replay." + replayField;
    }

    /** Checks and stores a definition; its first fire is the first cron time after the clock's now. */
    public JobScheduleStore.Schedule create(final JsonNode body) throws SQLException
    {
        final Instant now = clock.instant();
        final Definition d = parse(body, now, importDir);
        return store.insert(d.name(), d.cron().toString(), d.zone().getId(), write(d.replay()), write(d.window().toJson()), d.misfire(),
            d.cron().next(now, d.zone()));
    }

    public List<JobScheduleStore.Schedule> list() throws SQLException
    {
        return store.list();
    }

    public Optional<JobScheduleStore.Schedule> find(final long id) throws SQLException
    {
        return store.find(id);
    }

    public boolean delete(final long id) throws SQLException
    {
        return store.delete(id);
    }

    /** A schedule as the API and {@code schedule list --json} show it. */
    public static Map<String, Object> json(final JobScheduleStore.Schedule s)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("cron", s.cron());
        m.put("zone", s.zone());
        m.put("misfire", s.misfire());
        Object window;
        try
        {
            window = ReplayWindow.parse(read(s.window()), ZoneId.of(s.zone())).toJson(); // its own order: jsonb sorts keys
        }
        catch (final RuntimeException e)
        {
            window = read(s.window()); // a row written straight into the table that does not parse: shown as it is, not a failed list
        }
        m.put("window", window);
        m.put("replay", read(s.request()));
        m.put("next_fire_at", iso(s.nextFireAt()));
        m.put("last_fire_at", iso(s.lastFireAt()));
        m.put("last_run_id", s.lastRunId());
        m.put("last_outcome", s.lastOutcome());
        m.put("created_at", iso(s.createdAt()));
        return m;
    }

    static JsonNode read(final String json)
    {
        try
        {
            return JSON.readTree(json);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException("job_schedules holds JSON that does not parse: " + e.getOriginalMessage(), e);
        }
    }

    private static String write(final Object value)
    {
        try
        {
            return JSON.writeValueAsString(value);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static String iso(final Instant t)
    {
        return t == null ? null : t.toString();
    }

    private static String text(final JsonNode body, final String field, final String otherwise)
    {
        final JsonNode v = body.get(field);
        if (v == null || v.isNull())
        {
            return otherwise;
        }
        if (!v.isTextual())
        {
            throw new InvalidField(field, field + " must be a string");
        }
        return v.textValue();
    }
}
