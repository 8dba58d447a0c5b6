package io.tickreplay.api.cli;

import io.tickreplay.adapters.bus.BusConsumerLoop;
import io.tickreplay.adapters.postgres.PgConsumerStore;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.adapters.kafka.KafkaConsumerLoop;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.adapters.redis.RedisConsumerLoop;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.replay.ReplayOutcome;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo on a real bus (the seed's whole architecture on one machine): the replay publishes the
 * session to Kafka or Redis, and a consumer group of two SignalConsumers reads it back and writes every
 * signal into PostgreSQL, each row once; then a summary.
 */
final class BusDemo
{
    private BusDemo()
    {
    }

    static long replayThroughBus(final ReplayService replays, final Database db, final BusSpec configured, final List<TickStore.SymbolSummary> summary)
        throws Exception
    {
        final String provider = summary.get(0).provider();
        final List<String> symbols = summary.stream().filter(s -> s.provider().equals(provider)).map(TickStore.SymbolSummary::symbol).toList();
        final Instant start = summary.stream().filter(s -> s.provider().equals(provider)).map(TickStore.SymbolSummary::minTs).min(Instant::compareTo).orElseThrow();
        final Instant end = summary.stream().filter(s -> s.provider().equals(provider)).map(TickStore.SymbolSummary::maxTs).max(Instant::compareTo).orElseThrow()
            .plusNanos(1000);
        // a topic of its own, so that the group reads this run only
        final String topic = configured.topic().isEmpty() ? "demo." + provider + "." + Instant.now().getEpochSecond() : configured.topic();
        final String group = "demo-signals-" + Instant.now().getEpochSecond();
        final List<String> signals = replays.config().signals();
        System.out.println();
        System.out.println("replaying " + provider + " " + String.join(",", symbols) + " [" + start + ", " + end + ") in burst to " + configured.kind() + " " +
            configured.url() + " topic " + topic + "; a consumer group '" + group + "' of two SignalConsumers computes " + String.join(",", signals) +
            " into the signals table");
        final AtomicLong rows = new AtomicLong();
        final ConsumerCore.Listener counting = new ConsumerCore.Listener()
        {
            @Override
            public void committed(final String name, final long n)
            {
                rows.addAndGet(n);
            }
        };
        final List<BusConsumerLoop> loops = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final long t0 = System.nanoTime();
        for (int i = 0; i < 2; i++)
        {
            final ConsumerCore core = new ConsumerCore(ConsumerCore.Role.SIGNALS, signals, new PgConsumerStore(db.dataSource(), signals), group, topic, 1024,
                ConsumerCore.Batching.seed(), counting);
            final BusConsumerLoop loop = configured.kind().equals(BusSpec.KAFKA) ? new KafkaConsumerLoop(configured.url(), topic, group, core, Duration.ofSeconds(5))
                : new RedisConsumerLoop(configured.url(), topic, 4, group, core, Duration.ofSeconds(5));
            loops.add(loop);
            final Thread t = new Thread(() ->
            {
                try (loop)
                {
                    loop.run();
                }
                catch (final Throwable e)
                {
                    failures.add(e);
                }
            }, "demo-signal-consumer-" + i);
            threads.add(t);
            t.start();
        }
        final ReplayRun run = replays.start(ReplayRequest.fromDatabase(provider, symbols, start, end, 0.0).withSignals(List.of("none"))
            .withBus(new ReplayRequest.BusChoice(configured.kind(), configured.url(), topic)));
        final ReplayOutcome outcome = ReplayCommand.awaitWithProgress(run, start, end);
        if (outcome.status() != ReplayOutcome.Status.COMPLETED)
        {
            loops.forEach(BusConsumerLoop::stop);
            throw new IllegalStateException("replay " + run.runId() + " " + ReplayService.statusName(outcome.status()) +
                (outcome.errorMessage() == null ? "" : ": " + outcome.errorMessage()));
        }
        System.out.printf("replay %d: %s ticks to %s in %s = %s ticks/s, checksum %s%n", run.runId(), Format.count(outcome.ticks()), configured.kind(),
            Format.seconds(outcome.elapsedNanos()), Format.rate(outcome.ticksPerSecond()), outcome.checksumHex());
        System.out.println("  waiting for the consumers to catch up (they stop 5 s after the last message) ...");
        for (final Thread t : threads)
        {
            t.join();
        }
        if (!failures.isEmpty())
        {
            throw new IllegalStateException("a consumer failed: " + failures.get(0).getMessage(), failures.get(0));
        }
        final double seconds = (System.nanoTime() - t0) / 1e9 - 5;
        System.out.printf("  consumer group %s: %s records read by 2 members, %s signal rows written once (%s rows/s end to end)%n", group,
            Format.count(loops.stream().mapToLong(BusConsumerLoop::consumed).sum()), Format.count(rows.get()), Format.rate(rows.get() / Math.max(seconds, 1e-3)));
        System.out.println("  read it yourself: kcat -C -b " + configured.url() + " -t " + topic + " -o beginning -e -c 3   (Kafka)");
        return run.runId();
    }
}
