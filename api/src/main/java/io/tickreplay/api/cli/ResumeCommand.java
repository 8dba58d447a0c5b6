package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.replay.JobJson;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = "Continues a replay run that failed, was cancelled or was killed from its last checkpoint, under the same run id: " +
        "it emits the ticks after the checkpoint (after reading, as warm-up, those its signals and open bars need), continues the " +
        "journal and the stream checksum, and ends with the rows, ticks and checksum of a run that never stopped (docs/replay.md, \"Resume\"). " +
        "Blocks until the run ends and prints its job as JSON on stdout. Exit code 0 when it completed, 1 when it failed or was cancelled, " +
        "2 when it cannot be resumed (completed, or no checkpoint).")
public final class ResumeCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Parameters(paramLabel = "RUN_ID", description = "The run to continue.")
    long runId;

    @Option(names = "--speed", paramLabel = "X", description = "1 = original timing, N = N times faster, 0 = burst. Default: the run's own speed.")
    Double speed;

    @Option(names = "--journal-dir", paramLabel = "DIR", description = "Where journals live (default data/journal).")
    String journalDir;

    @Override
    public Integer call() throws Exception
    {
        if (speed != null && ReplayControl.speedProblem(speed) != null)
        {
            throw new UsageException("--speed: " + ReplayControl.speedProblem(speed));
        }
        final Map<String, Object> flags = new HashMap<>();
        flags.put("replay.journal-dir", journalDir);
        final Settings settings = common.settings(flags);
        // one run in this process (its resume after a lost database takes its place): it may hold the heap's whole share for replays
        final ReplayService.Context config = Services.replayConfig(settings).maxConcurrent(1);
        try (Interrupts stop = Interrupts.install();
             Services.Replays replays = Services.replays(settings, config))
        {
            final ReplayService service = replays.service();
            final ReplayRun run;
            try
            {
                run = service.resume(runId, speed);
            }
            catch (final ReplayService.ResumeRefused | ReplayRequest.InvalidField e)
            {
                throw new UsageException(e.getMessage());
            }
            final var job = service.jobs().find(runId).orElseThrow();
            final Instant end = Instant.parse((String)job.metadata().get("end"));
            final ReplayOutcome outcome = ReplayCommand.awaitWithProgress(run, job.minTs(), end, stop);
            final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            System.out.println(json.writeValueAsString(JobJson.of(service.jobs().find(runId).orElseThrow())));
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                System.err.println("tickreplay resume: run " + runId + " " + ReplayService.statusName(outcome.status()) +
                    (outcome.errorMessage() == null ? "" : ": " + outcome.errorMessage()));
                return 1;
            }
            System.err.printf("tickreplay resume: run %d completed: %s ticks in all, checksum %s%n", runId, Format.count(outcome.ticks()),
                outcome.checksumHex());
            return 0;
        }
    }
}
