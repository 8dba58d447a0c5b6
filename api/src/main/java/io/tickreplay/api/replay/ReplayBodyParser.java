package io.tickreplay.api.replay;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.api.request.JsonBody;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code POST /v1/replay/ticks} read into a {@link ReplayRequest}: by the route, and by a
 * schedule that stores a replay's body and reads it at each fire, so every field the replay API takes,
 * now and later, works in a schedule. Stateless.
 */
public final class ReplayBodyParser
{
    /** The fields the body may hold. */
    public static final Set<String> FIELDS = Set.of("provider", "symbols", "start", "end", "speed", "source", "journal_run_id", "signals",
        "journal", "bus", "bus_url", "topic", "max_lag", "allow_partial", "sources", "max_gap", "models");

    private ReplayBodyParser()
    {
    }

    /**
     * Reads {@code body}; a mistake is an {@link InvalidRequest} naming the field, as the route answers it.
     * {@code importDir}: where the Parquet files of its {@code sources} must lie ({@code replay.import-dir}).
     */
    public static ReplayRequest parse(final JsonNode body, final Path importDir)
    {
        return parse(new JsonBody(body, FIELDS), importDir);
    }

    /** Reads a body already checked against {@link #FIELDS}. */
    public static ReplayRequest parse(final JsonBody b, final Path importDir)
    {
        final String source = b.has("source") ? b.string("source") : "database";
        final Double speedValue = b.number("speed");
        final double speed = speedValue == null ? ReplayRequest.DEFAULT_SPEED : speedValue;
        ReplayRequest request;
        switch (source)
        {
            case "database" ->
            {
                for (final String f : List.of("journal_run_id", "allow_partial"))
                {
                    if (b.has(f))
                    {
                        throw new InvalidRequest(f, f + " goes with \"source\": \"journal\"");
                    }
                }
                final Boolean journal = b.bool("journal");
                request = new ReplayRequest(b.string("provider"), b.strings("symbols"), b.time("start"), b.time("end"), speed, null, journal,
                    b.stringOrStrings("signals"), null, ReplayRequest.BusChoice.CONFIGURED, false, sources(b, importDir));
            }
            case "journal" ->
            {
                for (final String f : List.of("provider", "symbols", "start", "end", "journal", "sources"))
                {
                    if (b.has(f))
                    {
                        throw new InvalidRequest(f, "a journal replay brings its own provider, symbols and window: drop " + f);
                    }
                }
                final Long journalRun = b.integer("journal_run_id");
                if (journalRun == null)
                {
                    throw new InvalidRequest("journal_run_id", "journal_run_id (the run whose journal to replay) is required with \"source\": \"journal\"");
                }
                final Boolean partial = b.bool("allow_partial");
                request = ReplayRequest.fromJournal(journalRun, speed).withSignals(b.stringOrStrings("signals")).withAllowPartial(partial != null && partial);
            }
            default -> throw new InvalidRequest("source", "source must be \"database\" or \"journal\", was '" + source + "'");
        }
        if (b.has("bus") || b.has("bus_url") || b.has("topic") || b.has("max_lag"))
        {
            request = request.withBus(new ReplayRequest.BusChoice(b.string("bus"), b.string("bus_url"), b.string("topic"), b.integer("max_lag")));
        }
        return request.withMaxGap(ReplayRequest.gap("max_gap", b.string("max_gap"))).withModels(b.stringOrStrings("models"));
    }

    /**
     * {@code "sources"}: each a provider's symbols in the database, or Parquet files ({@code parquet}: a
     * path or glob under {@code replay.import-dir}, never elsewhere on the server); null when absent.
     */
    private static List<ReplaySource> sources(final JsonBody b, final Path importDir)
    {
        final List<JsonBody> items = b.objects("sources", Set.copyOf(ReplaySource.KEYS));
        if (items == null)
        {
            return null;
        }
        final List<ReplaySource> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++)
        {
            final ReplaySource source = items.get(i).in("sources", i, o -> new ReplaySource(o.string("provider"), o.strings("symbols"),
                o.string("parquet"), o.string("symbol"), o.string("tz")));
            if (source.isParquet())
            {
                out.add(new ReplaySource(source.provider(), source.symbols(), importPath(source.parquet(), i, importDir), source.symbol(), source.tz()));
            }
            else
            {
                out.add(source);
            }
        }
        return out;
    }

    /** A Parquet path or glob of the API, resolved under {@code replay.import-dir}: one that leaves it is refused. */
    private static String importPath(final String parquet, final int index, final Path importDir)
    {
        final Path dir = importDir.toAbsolutePath().normalize();
        final Path given = Path.of(parquet); // glob characters are plain name characters to a path
        final Path resolved = dir.resolve(given).normalize();
        if (given.isAbsolute() || !resolved.startsWith(dir) || parquet.contains(".."))
        {
            throw new InvalidRequest("sources", "sources[" + index + "].parquet must be a file or glob under replay.import-dir (" + dir +
                "), relative to it, was '" + parquet + "'");
        }
        return dir.resolve(parquet).toString();
    }
}
