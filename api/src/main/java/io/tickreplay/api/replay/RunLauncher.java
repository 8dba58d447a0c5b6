package io.tickreplay.api.replay;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.api.bus.Buses;
import io.tickreplay.api.job.JobLifecycle;
import io.tickreplay.engine.signals.SignalRing;
import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.models.ModelOutput;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.topology.ReplayTopology;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The third step of a run: opens its {@link RunResources}, builds its {@link ReplayTopology} from them
 * and the service's settings, registers its metrics, starts it and hands it to {@link RunCompletion}.
 * On a failure it closes what it built, in reverse (threads first, then what they wrote to), and fails
 * the job. Called under the service's lock.
 */
final class RunLauncher
{
    private final Database db;
    private final Buses buses;
    private final ReplayService.Context config;
    private final JobLifecycle<ReplayRun> lifecycle;
    private final ReplayMetrics metrics;
    private final SignalMetrics signalMetrics;
    private final RunProgress progress;
    private final RunCompletion completion;

    RunLauncher(final Database db, final Buses buses, final ReplayService.Context config, final JobLifecycle<ReplayRun> lifecycle,
        final ReplayMetrics metrics, final SignalMetrics signalMetrics, final RunProgress progress, final RunCompletion completion)
    {
        this.db = db;
        this.buses = buses;
        this.config = config;
        this.lifecycle = lifecycle;
        this.metrics = metrics;
        this.signalMetrics = signalMetrics;
        this.progress = progress;
        this.completion = completion;
    }

    ReplayRun launch(final ReplayPlan plan, final long runId, final RunMemory memory) throws SQLException, IOException
    {
        final RunResources resources = new RunResources(db, buses, config, lifecycle.store(), signalMetrics.listener(plan.written()), memory.chunkRows());
        ReplayTopology topology = null;
        try
        {
            resources.open(plan, runId);
            final RunTelemetry telemetry = new RunTelemetry();
            topology = new ReplayTopology(topology(plan, resources, runId, telemetry));
            telemetry.lag(topology.pacer().lagRecorder());
            final ReplayRun run = new ReplayRun(runId, plan.provider(), plan.symbols(), topology, plan.speed(), telemetry, plan.start(), plan.end());
            if (resources.gate != null)
            {
                run.control().onCancel(resources.gate::close);
            }
            lifecycle.running(runId, run);
            lifecycle.store().mergeMetadata(runId, Map.of("threading_mode", topology.threadingMode().name().toLowerCase(Locale.ROOT),
                "heap_mb", Map.of("estimate", memory.total() / RunMemory.MB, "share", memory.share() / RunMemory.MB)));
            metrics.remove(runId); // a resumed run's earlier series, still kept after it ended, would hold the old run's gauges
            metrics.register(run);
            if (resources.scores != null)
            {
                metrics.registerModels(runId, plan.models().stream().map(ModelSpec::name).toList(), plan.symbols(), plan.provider(), resources.scores);
            }
            metrics.registerInternals(runId, ringGauges(topology), resources.journal == null ? null : resources.journal::bytesWritten);
            if (topology.threadingMode() != ReplayTopology.ThreadingMode.INVOKER)
            {
                topology.start();
            }
            progress.start();
            completion.await(run, plan, resources);
            return run;
        }
        catch (final IOException | RuntimeException | SQLException | Error e)
        {
            CloseHelper.quietClose(topology);
            resources.closeAll(e);
            lifecycle.fail(runId, "could not start: " + e.getMessage(), 0, null, e);
            throw e;
        }
    }

    private ReplayTopology.Context topology(final ReplayPlan plan, final RunResources r, final long runId, final RunTelemetry telemetry)
    {
        return config.topology().copy()
            .source(r.source, plan.symbols())
            .run(plan.provider(), runId)
            .speed(plan.speed())
            .maxGap(plan.maxGap() == null ? 0 : plan.maxGap().toNanos() / 1_000)
            .window(Micros.of(plan.start()), Micros.of(plan.end()))
            .bus(r.bus)
            .journal(r.journal)
            .signals(plan.signals(), r.sinks)
            .models(plan.models(), r.scores == null ? ModelOutput.NONE : r.scores)
            .bars(r.bars)
            .stageLatency(telemetry.stageLatency(metrics.stageLatency()))
            .timings(signalMetrics.timings(plan.signals()))
            .errors(metrics.stageErrors(runId))
            .checkpoints(checkpoint -> progress.noteCheckpoint(runId, checkpoint), plan.resumable() ? config.checkpointIntervalNanos() : 0)
            .resumeFrom(plan.resumeFrom())
            .threadName("replay-" + runId);
    }

    private static Map<String, LongSupplier> ringGauges(final ReplayTopology topology)
    {
        final Map<String, LongSupplier> gauges = new LinkedHashMap<>();
        gauges.put("ticks", topology::ringRemaining);
        final List<SignalRing> rings = topology.signalRings();
        for (int i = 0; i < rings.size(); i++)
        {
            final SignalRing ring = rings.get(i);
            gauges.put("signals-" + i, () -> ring.size() - ring.backlog());
        }
        return gauges;
    }
}
