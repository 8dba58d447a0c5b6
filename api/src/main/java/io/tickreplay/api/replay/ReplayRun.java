package io.tickreplay.api.replay;

import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.topology.ReplayTopology;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A replay this process runs: its job id, live controls, progress and, once ended, its outcome.
 * Thread-safe.
 */
public final class ReplayRun
{
    private final long runId;
    private final String provider;
    private final SymbolTable symbols;
    private final ReplayTopology topology;
    private final ReplayProgress progress;
    private final CompletableFuture<ReplayOutcome> done = new CompletableFuture<>();
    private final double initialSpeed;
    private final RunTelemetry telemetry;
    private final Instant start;
    private final Instant end;

    ReplayRun(final long runId, final String provider, final SymbolTable symbols, final ReplayTopology topology, final double initialSpeed,
        final RunTelemetry telemetry, final Instant start, final Instant end)
    {
        this.telemetry = telemetry;
        this.start = start;
        this.end = end;
        this.runId = runId;
        this.provider = provider;
        this.symbols = symbols;
        this.topology = topology;
        this.progress = topology.progress();
        this.initialSpeed = initialSpeed;
    }

    public long runId()
    {
        return runId;
    }

    public String provider()
    {
        return provider;
    }

    public SymbolTable symbols()
    {
        return symbols;
    }

    public ReplayControl control()
    {
        return topology.control();
    }

    public ReplayProgress progress()
    {
        return progress;
    }

    ReplayTopology topology()
    {
        return topology;
    }

    RunTelemetry telemetry()
    {
        return telemetry;
    }

    double initialSpeed()
    {
        return initialSpeed;
    }

    /** Completes when the run has ended and its job row is final. */
    public CompletableFuture<ReplayOutcome> done()
    {
        return done;
    }

    CompletableFuture<ReplayOutcome> completion()
    {
        return done;
    }

    /** running, paused, or the final status once ended. */
    public String status()
    {
        if (done.isDone())
        {
            return ReplayService.statusName(done.join().status());
        }
        return control().paused() ? "paused" : "running";
    }

    /** The window replayed, [start, end). */
    public Instant start()
    {
        return start;
    }

    public Instant end()
    {
        return end;
    }

    /** Ticks per second over the last timeline point (about the last second); 0 before the first. */
    public double ticksPerSecond()
    {
        return telemetry.currentRate();
    }

    /** Lag of the last paced tick in milliseconds; 0 in burst mode. */
    public double currentLagMillis()
    {
        return topology.pacer().currentLagNanos() / 1e6;
    }
}
