package io.tickreplay.api.replay;

import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two services (as two processes would) resuming one run at once: one resumes it, the other is refused, and the run ends as one. */
class ConcurrentResumeIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");

    @TempDir
    Path dir;

    @Test
    void ofTwoResumesOfOneRunAtOnceOneRunsAndTheOtherIsRefused() throws Exception
    {
        try (Database db = PostgresTestSupport.freshSchema("concurrent_resume");
             InProcessBus bus = new InProcessBus(1 << 14, new SleepingWaitStrategy()))
        {
            final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(2).seed(41);
            new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
            final ReplayService.Context settings = new ReplayService.Context().journalDir(dir.resolve("journal")).progressIntervalMillis(100)
                .checkpointInterval(Duration.ofMillis(200)).metricsRetentionMinutes(0);
            try (ReplayService a = new ReplayService(db, bus, new SimpleMeterRegistry(), settings);
                 ReplayService b = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().journalDir(dir.resolve("journal"))
                     .progressIntervalMillis(100).checkpointInterval(Duration.ofMillis(200)).metricsRetentionMinutes(0)))
            {
                final ReplayRun run = a.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, Instant.parse("2025-11-03T14:30:00Z"),
                    Instant.parse("2025-11-03T21:00:00Z"), 2000).withSignals(List.of("all")));
                await().atMost(Duration.ofSeconds(60)).until(() -> a.jobs().find(run.runId()).map(j -> j.rowsWritten() > 5_000).orElse(false));
                run.control().cancel();
                assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.CANCELLED);

                final CyclicBarrier together = new CyclicBarrier(2);
                final ExecutorService pool = Executors.newFixedThreadPool(2);
                final List<Future<ReplayRun>> tries = new ArrayList<>();
                for (final ReplayService s : List.of(a, b))
                {
                    tries.add(pool.submit(() ->
                    {
                        together.await();
                        return s.resume(run.runId(), 0.0);
                    }));
                }
                final List<ReplayRun> resumed = new ArrayList<>();
                final List<String> refused = new ArrayList<>();
                for (final Future<ReplayRun> t : tries)
                {
                    try
                    {
                        resumed.add(t.get(60, TimeUnit.SECONDS));
                    }
                    catch (final java.util.concurrent.ExecutionException e)
                    {
                        assertThat(e.getCause()).isInstanceOf(ReplayService.ResumeRefused.class);
                        refused.add(e.getCause().getMessage());
                    }
                }
                pool.shutdown();
                assertThat(resumed).as("one resume runs").hasSize(1);
                assertThat(refused).as("the other is refused").hasSize(1);
                assertThat(refused.get(0)).containsAnyOf("being resumed by another process", "is running in");
                assertThat(resumed.get(0).done().get(120, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
                final Map<String, Object> metadata = a.jobs().find(run.runId()).orElseThrow().metadata();
                assertThat(((Number)metadata.get("resumes")).intValue()).isEqualTo(1);
            }
        }
    }
}
