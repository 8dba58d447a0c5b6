package io.tickreplay.api.cli;

import io.tickreplay.api.config.Settings;
import io.tickreplay.api.replay.ReplayService;

import java.nio.file.Path;

/** Builds the services of {@code api/} from the effective settings. */
public final class Services
{
    private Services()
    {
    }

    /** The in-process bus every replay of this process publishes to ({@code bus.*}). */
    public static io.tickreplay.engine.bus.InProcessBus bus(final Settings settings)
    {
        final int size = settings.integer("bus.ring-size");
        if (size < 2 || Integer.bitCount(size) != 1)
        {
            throw new UsageException("bus.ring-size must be a power of two >= 2, was " + size);
        }
        try
        {
            return new io.tickreplay.engine.bus.InProcessBus(size, io.tickreplay.engine.replay.WaitStrategies.of(settings.string("bus.wait-strategy")));
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException("bus.wait-strategy: " + e.getMessage());
        }
    }

    public static ReplayService.Config replayConfig(final Settings settings)
    {
        final ReplayService.Config config = new ReplayService.Config(
            settings.integer("replay.max-concurrent"),
            settings.bool("replay.journal"),
            Path.of(settings.string("replay.journal-dir")),
            settings.integer("replay.ring-size"),
            settings.string("replay.wait-strategy"),
            settings.integer("replay.batch-size"),
            settings.integer("replay.chunk-rows"),
            settings.longValue("replay.progress-interval-ms"),
            settings.longValue("replay.metrics-retention-minutes"),
            new ReplayService.SignalConfig(settings.strings("signals.default"), settings.integer("signals.shards"),
                settings.integer("signals.batch-rows"), settings.longValue("signals.batch-ms"), settings.integer("signals.ring-size")));
        if (config.signals().shards() < 1 || Integer.bitCount(config.signals().shards()) != 1)
        {
            throw new UsageException("signals.shards must be a power of two >= 1, was " + config.signals().shards());
        }
        if (config.signals().ringSize() < 2 || Integer.bitCount(config.signals().ringSize()) != 1)
        {
            throw new UsageException("signals.ring-size must be a power of two >= 2, was " + config.signals().ringSize());
        }
        if (config.signals().batchRows() < 1 || config.signals().batchMillis() < 1)
        {
            throw new UsageException("signals.batch-rows and signals.batch-ms must be >= 1");
        }
        try
        {
            io.tickreplay.engine.signals.SignalSet.of(config.signals().names(), 1);
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException("signals.default: " + e.getMessage());
        }
        if (config.maxConcurrent() < 1)
        {
            throw new UsageException("replay.max-concurrent must be >= 1");
        }
        try
        {
            new io.tickreplay.engine.replay.ReplayPipeline.Context().ringSize(config.ringSize()).batchSize(config.batchSize())
                .waitStrategy(config.waitStrategy()).conclude(3);
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException("replay: " + e.getMessage());
        }
        return config;
    }
}
