package io.tickreplay.api.replay;

import io.tickreplay.engine.topology.ReplayTopology;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.Recorder;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.DataFormatException;

/**
 * What the cockpit draws of one replay: its timeline (ticks emitted, emission rate and the lag's p50 and
 * p99 over time) and the latency distribution of each stage, as HdrHistograms.
 *
 * <p>The stages record from their own threads into {@link Recorder}s (wait-free; one sample in 64, as
 * {@code tickreplay_stage_latency}); the pacer records every paced tick's lag into its own. The progress
 * thread calls {@link #sample} about once a second: it takes each recorder's interval, adds it to the
 * run's total, and appends a timeline point. The timeline is bounded: at {@value #MAX_POINTS} points
 * every other one is dropped and the sampling step doubles, so a run of any length keeps at most that
 * many. Readers (the API) take a copy under the lock.
 */
final class RunTelemetry
{
    static final int MAX_POINTS = 1024;
    /** The stage name of the pacer's lag behind the schedule. */
    static final String LAG = "lag";
    private static final int SIGNIFICANT_DIGITS = 3;
    /** What the current rate averages over. */
    static final long RATE_SPAN_MILLIS = 5_000;

    private volatile Recorder lag;
    private final Map<String, Recorder> stages = new ConcurrentHashMap<>();
    private final Map<String, Histogram> totals = new LinkedHashMap<>();
    private final Map<String, Histogram> recycled = new LinkedHashMap<>();

    private final long[] t = new long[MAX_POINTS];
    private final long[] emitted = new long[MAX_POINTS];
    private final double[] rate = new double[MAX_POINTS];
    private final double[] lagP50 = new double[MAX_POINTS];
    private final double[] lagP99 = new double[MAX_POINTS];
    private int points;
    private int step = 1;
    private int skipped;
    private long lastMillis = Long.MIN_VALUE;
    private long lastEmitted;
    private Histogram lagSinceLastPoint;

    /** The pacer's lag recorder, once the run's topology (and so its pacer) exists. */
    void lag(final Recorder pacerLag)
    {
        this.lag = pacerLag;
    }

    /** The run's stage latency: {@code global} (the Prometheus histogram) and this run's recorders. */
    ReplayTopology.StageLatency stageLatency(final ReplayTopology.StageLatency global)
    {
        return (stage, nanos) ->
        {
            global.record(stage, nanos);
            stages.computeIfAbsent(stage, s -> new Recorder(SIGNIFICANT_DIGITS)).recordValue(Math.max(0, nanos) / 1_000);
        };
    }

    /** Takes the recorders' intervals into the totals and, every {@code step} calls, a timeline point. */
    synchronized void sample(final long nowMillis, final long emittedCount)
    {
        final Histogram lagInterval = lag == null ? new Histogram(SIGNIFICANT_DIGITS) : drain(LAG, lag);
        for (final Map.Entry<String, Recorder> stage : stages.entrySet())
        {
            drain(stage.getKey(), stage.getValue());
        }
        if (lagSinceLastPoint == null)
        {
            lagSinceLastPoint = new Histogram(SIGNIFICANT_DIGITS);
        }
        lagSinceLastPoint.add(lagInterval);
        if (++skipped < step && lastMillis != Long.MIN_VALUE)
        {
            return;
        }
        skipped = 0;
        if (points == MAX_POINTS)
        {
            halve();
        }
        final double seconds = lastMillis == Long.MIN_VALUE ? 0 : (nowMillis - lastMillis) / 1e3;
        t[points] = nowMillis;
        emitted[points] = emittedCount;
        rate[points] = seconds > 0 ? Math.max(0, emittedCount - lastEmitted) / seconds : 0;
        lagP50[points] = lagSinceLastPoint.getTotalCount() == 0 ? 0 : lagSinceLastPoint.getValueAtPercentile(50) / 1e3;
        lagP99[points] = lagSinceLastPoint.getTotalCount() == 0 ? 0 : lagSinceLastPoint.getValueAtPercentile(99) / 1e3;
        points++;
        lagSinceLastPoint.reset();
        lastMillis = nowMillis;
        lastEmitted = emittedCount;
    }

    private Histogram drain(final String name, final Recorder recorder)
    {
        final Histogram interval = recorder.getIntervalHistogram(recycled.get(name));
        recycled.put(name, interval);
        totals.computeIfAbsent(name, n -> new Histogram(SIGNIFICANT_DIGITS)).add(interval);
        return interval;
    }

    /** Keeps every other point (the later of each pair: its rate covers both, near enough) and samples half as often. */
    private void halve()
    {
        int kept = 0;
        for (int i = 1; i < points; i += 2)
        {
            t[kept] = t[i];
            emitted[kept] = emitted[i];
            rate[kept] = (rate[i - 1] + rate[i]) / 2;
            lagP50[kept] = Math.max(lagP50[i - 1], lagP50[i]);
            lagP99[kept] = Math.max(lagP99[i - 1], lagP99[i]);
            kept++;
        }
        points = kept;
        step *= 2;
    }

    /** The emission rate over the last {@value #RATE_SPAN_MILLIS} ms of the timeline (the last point's, when points are further apart). */
    synchronized double currentRate()
    {
        if (points < 2)
        {
            return points == 0 ? 0 : rate[0];
        }
        // a burst publishes its progress in steps of a ring batch: one point's rate jumps between 0 and a batch per second
        final int last = points - 1;
        int first = last;
        while (first > 0 && t[last] - t[first - 1] <= RATE_SPAN_MILLIS)
        {
            first--;
        }
        if (first == last)
        {
            return rate[last];
        }
        return Math.max(0, emitted[last] - emitted[first]) * 1e3 / (t[last] - t[first]);
    }

    /** The run's total lag histogram so far (microseconds), a copy. */
    synchronized Histogram lagTotal()
    {
        final Histogram total = totals.get(LAG);
        return total == null ? new Histogram(SIGNIFICANT_DIGITS) : total.copy();
    }

    /** {@code {"t": [epoch ms], "emitted": [], "ticks_per_s": [], "lag_p50_ms": [], "lag_p99_ms": []}}. */
    synchronized Map<String, Object> timeline()
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("t", Arrays.copyOf(t, points));
        out.put("emitted", Arrays.copyOf(emitted, points));
        out.put("ticks_per_s", rounded(rate, 0));
        out.put("lag_p50_ms", rounded(lagP50, 3));
        out.put("lag_p99_ms", rounded(lagP99, 3));
        return out;
    }

    private double[] rounded(final double[] values, final int decimals)
    {
        final double scale = Math.pow(10, decimals);
        final double[] out = new double[points];
        for (int i = 0; i < points; i++)
        {
            out[i] = Math.round(values[i] * scale) / scale;
        }
        return out;
    }

    /**
     * Per stage (the pacer's {@code lag} first): {@code count}, {@code max_us}, {@code percentiles} as
     * [[percentile, microseconds], ...] at the points of the classic "latency by percentile" plot (five
     * per halving of the distance to 100 %), and with {@code hdr} the histogram itself, compressed and
     * base64 encoded, for a finished run's {@code .hgrm}.
     */
    synchronized Map<String, Object> latency(final boolean withHistograms)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final Map.Entry<String, Histogram> e : totals.entrySet())
        {
            if (e.getValue().getTotalCount() > 0)
            {
                out.put(e.getKey(), describe(e.getValue(), withHistograms));
            }
        }
        return out;
    }

    static Map<String, Object> describe(final Histogram h, final boolean withHistogram)
    {
        final Map<String, Object> stage = new LinkedHashMap<>();
        stage.put("count", h.getTotalCount());
        stage.put("max_us", h.getMaxValue());
        final List<double[]> percentiles = new ArrayList<>();
        for (final HistogramIterationValue v : h.percentiles(5))
        {
            final double p = Math.min(v.getPercentileLevelIteratedTo(), 99.9999);
            percentiles.add(new double[] {Math.round(p * 10_000) / 10_000.0, h.highestEquivalentValue(v.getValueIteratedTo())});
            if (v.getPercentileLevelIteratedTo() >= 100)
            {
                break;
            }
        }
        stage.put("percentiles", percentiles);
        if (withHistogram)
        {
            final ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
            final int length = h.encodeIntoCompressedByteBuffer(buffer);
            stage.put("hdr", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
        }
        return stage;
    }

    /** The {@code .hgrm} text of a histogram (HdrHistogram's percentile distribution, values in microseconds). */
    static String hgrm(final Histogram h)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            h.outputPercentileDistribution(out, 5, 1.0);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The histogram a stage's {@code hdr} holds. */
    static Histogram decode(final String base64)
    {
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        }
        catch (final DataFormatException e)
        {
            throw new IllegalArgumentException("not a compressed HdrHistogram: " + e.getMessage(), e);
        }
    }

    /** A live stage's histogram, a copy; null when the stage recorded nothing. */
    synchronized Histogram total(final String stage)
    {
        final Histogram h = totals.get(stage);
        return h == null ? null : h.copy();
    }
}
