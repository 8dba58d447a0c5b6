package io.tickreplay.api.cli;

import io.tickreplay.api.bus.BrokerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tickreplay broker kafka|redis}: a real broker on this machine for a user who has none, as a
 * child process ({@link BrokerProcess}), until Ctrl-C. Kafka's data lives under {@code data/kafka}
 * (formatted on first start), Redis's under {@code data/redis}.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Runs a real Kafka (single-node KRaft, data under data/kafka) or Redis on this machine until Ctrl-C, and prints its URL " +
        "for --bus-url. The Kafka broker's jars come from Maven Central through the build (broker/), not from the main jar.")
public final class BrokerCommand implements Callable<Integer>
{
    @Parameters(index = "0", paramLabel = "kafka|redis", description = "Which broker.")
    String kind;

    @Option(names = "--port", paramLabel = "PORT", description = "Port (default 9092 for Kafka, 6379 for Redis).")
    Integer port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the broker keeps its data (default data/kafka or data/redis).")
    Path dataDir;

    @Override
    public Integer call() throws Exception
    {
        return switch (kind.toLowerCase(Locale.ROOT))
        {
            case "kafka" -> supervise(BrokerProcess.kafka(port == null ? 9092 : port, dataDir == null ? Path.of("data", "kafka") : dataDir,
                note -> System.err.println("tickreplay broker: " + note)));
            case "redis" -> supervise(BrokerProcess.redis(port == null ? 6379 : port, dataDir == null ? Path.of("data", "redis") : dataDir));
            default -> throw new UsageException("broker must be kafka or redis, was '" + kind + "'");
        };
    }

    /** Waits for the broker to answer, prints its URL, then stays until Ctrl-C (which stops it) or until it dies. */
    private static int supervise(final BrokerProcess process) throws Exception
    {
        try (BrokerProcess broker = process)
        {
            broker.awaitReady();
            System.out.println(broker.url());
            System.err.println("tickreplay broker: " + broker.what() + " ready at " + broker.url() + " (log " + broker.log() + "); Ctrl-C stops it");
            System.out.flush();
            final int exit = broker.waitFor();
            if (!broker.stopping())
            {
                System.err.println("tickreplay broker: " + broker.what() + " died (exit " + exit + "): see " + broker.log());
                return 1;
            }
            return 0;
        }
    }
}
