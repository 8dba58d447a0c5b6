package io.tickreplay.api.replay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one replay holds on the heap at most, part by part, from its plan and the settings: its rings,
 * its source's batches and COPY chunk, its writers' COPY buffers, its bus's send buffer. A run is given
 * a share of the heap ({@link #share}): the heap less what the rest of the process keeps (the API,
 * exports, pools: a quarter), divided among the runs the process may run at once ({@code
 * replay.max-concurrent} under {@code serve}, one for the {@code replay} command); its
 * source's COPY chunk is sized to what is left of the share, and a run whose fixed parts do not fit is
 * refused before it starts, naming the limit, instead of dying later of an {@link OutOfMemoryError}.
 * The sizes are upper bounds of the structures' own arrays (docs/reliability.md, "Memory").
 */
record RunMemory(Map<String, Long> parts, long share, int chunkRows)
{
    static final long MB = 1L << 20;
    /** Bytes of a ticks ring slot ({@code TickEvent}: 19 fields and its header). */
    static final long TICK_SLOT = 160;
    /** Bytes of a signals ring slot. */
    static final long SIGNAL_SLOT = 96;
    /** Bytes of a bars ring slot, and the slots of a run's bars ring. */
    static final long BAR_SLOT = 112;
    static final long BARS_RING = 1024;
    /** Bytes of a tick in a source's batch or COPY chunk (ids, ts, seq and six doubles). */
    static final long TICK_ROW = 64;
    /** A source's batches in flight: its free and ready queues. */
    static final int SOURCE_BATCHES = 7;
    /** A signals writer: its COPY encoder and the straight batch it keeps for the merge fallback. */
    static final long SIGNAL_WRITER = 9 * MB / 2;
    /** A Parquet file being written (a row group in memory), and a Parquet source's row group read. */
    static final long PARQUET = 32 * MB;
    /** The Kafka producer's send buffer ({@code buffer.memory}). */
    static final long KAFKA_BUFFER = 64 * MB;
    /** Redis: the commands of a pipeline in flight. */
    static final long REDIS_PIPELINE = 8 * MB;
    /** The smallest COPY chunk a source is given: below it a run is refused. */
    static final int MIN_CHUNK_ROWS = 16_384;

    /** The heap one run may hold: {@code (max heap - max heap / 4) / maxConcurrent}. */
    static long share(final long maxHeap, final int maxConcurrent)
    {
        return (maxHeap - maxHeap / 4) / maxConcurrent;
    }

    /**
     * The parts of {@code plan}'s run and the COPY chunk its source gets within {@code share}.
     *
     * @throws ReplayLimitException when the run's fixed parts and the smallest chunk do not fit in the share
     */
    static RunMemory of(final ReplayPlan plan, final ReplayService.Context config, final long share)
    {
        final Map<String, Long> parts = new LinkedHashMap<>();
        parts.put("ticks ring", config.ticksRingSize() * TICK_SLOT);
        final int readers = plan.sources() == null ? 1 : plan.sources().size();
        final long parquetSources = plan.sources() == null ? 0 : plan.sources().stream().filter(s -> s.spec().isParquet()).count();
        parts.put("source batches", readers * SOURCE_BATCHES * (long)config.batchSize() * TICK_ROW + parquetSources * PARQUET);
        if (!plan.signals().isEmpty())
        {
            parts.put("signals rings", config.shards() * (long)config.signalsRingSize() * SIGNAL_SLOT);
            parts.put("signal writers", plan.toTable() ? config.shards() * SIGNAL_WRITER
                : plan.sink().endsWith(".parquet") ? PARQUET : plan.sink().equals("none") ? 0 : MB);
        }
        if (plan.toTable())
        {
            parts.put("bars", BARS_RING * BAR_SLOT + MB);
        }
        final String bus = plan.bus().kind();
        parts.put("bus", bus.equals("kafka") ? KAFKA_BUFFER : bus.equals("redis") ? REDIS_PIPELINE : 0);
        final long fixed = parts.values().stream().mapToLong(Long::longValue).sum();
        final long databaseReaders = plan.fromJournal() != null ? 0 : readers - parquetSources;
        // the COPY chunk a database reader holds while it converts it: its arrays, and their copy when they grow
        final long perRow = 2 * TICK_ROW * Math.max(1, databaseReaders);
        final long fits = (share - fixed) / perRow;
        if (databaseReaders > 0 && fits < MIN_CHUNK_ROWS || fixed > share)
        {
            throw new ReplayLimitException("a replay would hold about " + mb(fixed + (databaseReaders > 0 ? MIN_CHUNK_ROWS * perRow : 0)) +
                " of heap (" + describe(parts) + ") and each of the replay.max-concurrent = " + config.maxConcurrent() + " runs may hold " + mb(share) +
                " (the heap, -Xmx " + mb(Runtime.getRuntime().maxMemory()) + ", less a quarter for the rest); give the JVM more heap, lower " +
                "replay.max-concurrent, or use smaller rings (replay.ticks-ring-size, signals.ring-size)");
        }
        final int chunkRows = databaseReaders == 0 ? config.chunkRows() : (int)Math.min(config.chunkRows(), fits);
        if (databaseReaders > 0)
        {
            parts.put("COPY chunk", chunkRows * perRow);
        }
        return new RunMemory(parts, share, chunkRows);
    }

    long total()
    {
        return parts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String describe(final Map<String, Long> parts)
    {
        final StringBuilder b = new StringBuilder();
        parts.forEach((k, v) ->
        {
            if (v > 0)
            {
                b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(mb(v));
            }
        });
        return b.toString();
    }

    static String mb(final long bytes)
    {
        return (bytes + MB / 2) / MB + " MB";
    }
}
