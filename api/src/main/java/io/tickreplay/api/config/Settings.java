package io.tickreplay.api.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The effective configuration: flags over environment over a user's file over the defaults of
 * {@code config/tickreplay.conf} (shipped in the jar). Only the {@code tickreplay} sub-tree is read,
 * never the JVM's system properties.
 *
 * <p>Immutable once built; remembers where each value came from, for {@link #describe()}.
 */
public final class Settings
{
    /** Environment variables and the settings they set. */
    public static final Map<String, String> ENVIRONMENT = Map.ofEntries(
        Map.entry("TICKREPLAY_DB_URL", "db.url"),
        Map.entry("TICKREPLAY_PG_DIR", "db.embedded-dir"),
        Map.entry("TICKREPLAY_DB_POOL_SIZE", "db.pool-size"),
        Map.entry("TICKREPLAY_IMPORT_ON_ERROR", "import.on-error"),
        Map.entry("TICKREPLAY_REPLAY_MAX_CONCURRENT", "replay.max-concurrent"),
        Map.entry("TICKREPLAY_JOURNAL_DIR", "replay.journal-dir"),
        Map.entry("TICKREPLAY_CHECKPOINT_INTERVAL", "replay.checkpoint-interval"),
        Map.entry("TICKREPLAY_RUNS_KEEP", "runs.keep"),
        Map.entry("TICKREPLAY_API_PORT", "api.port"),
        Map.entry("TICKREPLAY_API_BIND", "api.bind"),
        Map.entry("TICKREPLAY_API_TOKEN", "api.token"),
        Map.entry("TICKREPLAY_API_ALLOW_ANONYMOUS", "api.allow-anonymous"),
        Map.entry("TICKREPLAY_API_PUBLIC_READS", "api.public-reads"),
        Map.entry("TICKREPLAY_API_ALLOWED_ORIGINS", "api.allowed-origins"),
        Map.entry("TICKREPLAY_EXPORT_DIR", "api.export-dir"),
        Map.entry("TICKREPLAY_BUS", "bus.kind"),
        Map.entry("TICKREPLAY_BUS_URL", "bus.url"));

    private final Config config;
    private final Map<String, String> origins;

    private Settings(final Config config, final Map<String, String> origins)
    {
        this.config = config;
        this.origins = origins;
    }

    /**
     * @param file  a user's configuration file, or null
     * @param env   the environment (System.getenv() in production)
     * @param flags settings given as flags, by path below {@code tickreplay} (e.g. "db.url"); null values are ignored
     */
    public static Settings load(final Path file, final Map<String, String> env, final Map<String, Object> flags)
    {
        final Config defaults = ConfigFactory.parseResources(Settings.class.getClassLoader(), "tickreplay.conf",
            ConfigParseOptions.defaults().setAllowMissing(false)).getConfig("tickreplay");

        Config fromFile = ConfigFactory.empty();
        if (file != null)
        {
            if (!Files.isRegularFile(file))
            {
                throw new IllegalArgumentException("--config: no such file: " + file);
            }
            try
            {
                final Config parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
                fromFile = parsed.hasPath("tickreplay") ? parsed.getConfig("tickreplay") : parsed;
            }
            catch (final ConfigException e)
            {
                throw new IllegalArgumentException("--config " + file + ": " + e.getMessage());
            }
        }

        Config fromEnv = ConfigFactory.empty();
        final Map<String, String> envOrigins = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : new TreeMap<>(ENVIRONMENT).entrySet())
        {
            final String value = env.get(e.getKey());
            if (value != null && !value.isEmpty())
            {
                fromEnv = fromEnv.withValue(e.getValue(), ConfigValueFactory.fromAnyRef(value, "env " + e.getKey()));
                envOrigins.put(e.getValue(), "env " + e.getKey());
            }
        }

        Config fromFlags = ConfigFactory.empty();
        final Map<String, String> flagOrigins = new LinkedHashMap<>();
        for (final Map.Entry<String, Object> e : flags.entrySet())
        {
            if (e.getValue() != null)
            {
                fromFlags = fromFlags.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue(), "flag"));
                flagOrigins.put(e.getKey(), "flag");
            }
        }

        final Config merged = fromFlags.withFallback(fromEnv).withFallback(fromFile).withFallback(defaults).resolve();
        checkKnownKeys(fromFile, defaults, file);

        final Map<String, String> origins = new TreeMap<>();
        for (final Map.Entry<String, ConfigValue> e : merged.entrySet())
        {
            final String path = e.getKey();
            final String origin;
            if (flagOrigins.containsKey(path))
            {
                origin = "flag";
            }
            else if (envOrigins.containsKey(path))
            {
                origin = envOrigins.get(path);
            }
            else if (fromFile.hasPathOrNull(path))
            {
                origin = "file " + file;
            }
            else
            {
                origin = "default";
            }
            origins.put(path, origin);
        }
        return new Settings(merged, origins);
    }

    public String string(final String path)
    {
        return config.getString(path);
    }

    public int integer(final String path)
    {
        try
        {
            return config.getInt(path);
        }
        catch (final ConfigException.WrongType e)
        {
            throw new IllegalArgumentException(path + " must be a whole number (" + origins.get(path) + "): " + e.getMessage());
        }
    }

    public long longValue(final String path)
    {
        try
        {
            return config.getLong(path);
        }
        catch (final ConfigException.WrongType e)
        {
            throw new IllegalArgumentException(path + " must be a whole number (" + origins.get(path) + "): " + e.getMessage());
        }
    }

    public Duration duration(final String path)
    {
        try
        {
            return config.getDuration(path);
        }
        catch (final ConfigException.WrongType | ConfigException.BadValue e)
        {
            throw new IllegalArgumentException(path + " must be a duration such as 5s or 500ms (" + origins.get(path) + "): " + e.getMessage());
        }
    }

    public boolean bool(final String path)
    {
        try
        {
            return config.getBoolean(path);
        }
        catch (final ConfigException.WrongType e)
        {
            throw new IllegalArgumentException(path + " must be true or false (" + origins.get(path) + ")");
        }
    }

    public double number(final String path)
    {
        try
        {
            return config.getDouble(path);
        }
        catch (final ConfigException.WrongType e)
        {
            throw new IllegalArgumentException(path + " must be a number (" + origins.get(path) + "): " + e.getMessage());
        }
    }

    /** A duration ({@code 10s}, {@code 500ms}; a bare number is milliseconds), in milliseconds. */
    public long millis(final String path)
    {
        try
        {
            return config.getDuration(path, TimeUnit.MILLISECONDS);
        }
        catch (final ConfigException.WrongType | ConfigException.BadValue e)
        {
            throw new IllegalArgumentException(path + " must be a duration such as 10s or 500ms (" + origins.get(path) + "): " + e.getMessage());
        }
    }

    public List<String> strings(final String path)
    {
        try
        {
            return config.getStringList(path);
        }
        catch (final ConfigException.WrongType e)
        {
            // a flag or an environment variable gives a list as "A,B,C"
            final List<String> result = new ArrayList<>();
            for (final String part : config.getString(path).split(","))
            {
                if (!part.isBlank())
                {
                    result.add(part.strip());
                }
            }
            return result;
        }
    }

    /** The effective configuration, one {@code key = value  (origin)} line each, secrets redacted. */
    public String describe()
    {
        final StringBuilder out = new StringBuilder();
        for (final Map.Entry<String, String> e : origins.entrySet())
        {
            final ConfigValue raw = config.getValue(e.getKey());
            String value = raw.valueType() == ConfigValueType.STRING
                ? String.valueOf(raw.unwrapped())
                : raw.render(ConfigRenderOptions.concise());
            if (value.isEmpty())
            {
                value = "\"\"";
            }
            if (e.getKey().equals("db.url"))
            {
                value = value.replaceAll("(?i)(password=)[^&\"]*", "$1***");
            }
            if (e.getKey().equals("api.token") && !value.equals("\"\""))
            {
                value = "***";
            }
            out.append("  ").append(e.getKey()).append(" = ").append(value).append("   (").append(e.getValue()).append(")\n");
        }
        return out.toString();
    }

    private static void checkKnownKeys(final Config fromFile, final Config defaults, final Path file)
    {
        for (final Map.Entry<String, ConfigValue> e : fromFile.entrySet())
        {
            if (!defaults.hasPathOrNull(e.getKey()))
            {
                throw new IllegalArgumentException("--config " + file + ": unknown setting '" + e.getKey() + "' (see config/tickreplay.conf for the settings)");
            }
        }
    }
}
