package io.tickreplay.api.cli;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.api.config.Settings;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Options every command takes: where the configuration and the database are, and how loud to be. */
public final class CommonOptions
{
    @Option(names = "--config", paramLabel = "FILE", description = "A configuration file overriding config/tickreplay.conf (same keys).")
    Path config;

    @Option(names = "--db-url", paramLabel = "JDBC_URL",
        description = "PostgreSQL to use (env TICKREPLAY_DB_URL), for example%n  jdbc:postgresql://localhost:5432/market?user=me%nDefault: the embedded PostgreSQL.")
    String dbUrl;

    @Option(names = "--pg-dir", paramLabel = "DIR", description = "Data directory of the embedded PostgreSQL (default data/pg).")
    Path pgDir;

    @Option(names = {"-v", "--verbose"}, description = "Print stack traces with errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr (by default: a bar on a terminal, a line every 10 s otherwise).")
    boolean quiet;

    /** Loads the settings with these options and the command's own flags (paths below {@code tickreplay}) on top. */
    public Settings settings(final Map<String, Object> commandFlags)
    {
        ProgressBar.quiet(quiet);
        final Map<String, Object> flags = new HashMap<>(commandFlags);
        flags.put("db.url", dbUrl);
        flags.put("db.embedded-dir", pgDir == null ? null : pgDir.toString());
        try
        {
            return Settings.load(config, System.getenv(), flags);
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(e.getMessage());
        }
    }

    public static Database openDatabase(final Settings settings)
    {
        return Database.open(settings.string("db.url"), Path.of(settings.string("db.embedded-dir")), pools(settings));
    }

    /** The pools of {@code db.*}; a pool size of 0 is sized from what can run at once (config/tickreplay.conf). */
    static Database.Pools pools(final Settings settings)
    {
        int size = settings.integer("db.pool-size");
        if (size == 0)
        {
            size = settings.integer("replay.max-concurrent") * (settings.integer("signals.shards") + 3) + settings.integer("api.export-threads") + 4;
        }
        return new Database.Pools(size, settings.integer("db.read-pool-size"), Duration.ofSeconds(settings.integer("db.connect-timeout-seconds")),
            Duration.ofSeconds(settings.integer("db.socket-timeout-seconds")), Duration.ofSeconds(settings.integer("db.acquire-timeout-seconds")));
    }
}
