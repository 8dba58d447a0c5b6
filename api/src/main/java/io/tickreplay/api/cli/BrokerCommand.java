package io.tickreplay.api.cli;

import io.tickreplay.adapters.kafka.KafkaBus;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.api.Main;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code tickreplay broker kafka|redis}: a real broker on this machine for a user who has none, as a
 * child process, until Ctrl-C. Kafka: the pinned kafka_2.13 broker, single-node KRaft, data under
 * {@code data/kafka} (formatted on first start). Redis: the system's {@code redis-server} where there
 * is one, else the embedded-redis binary (Redis 6.2, Linux x86-64). The brokers' jars are not in the
 * main jar: the build resolves them into {@code broker/target/kafka-broker.classpath}.
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
            case "kafka" -> kafka(port == null ? 9092 : port, dataDir == null ? Path.of("data", "kafka") : dataDir);
            case "redis" -> redis(port == null ? 6379 : port, dataDir == null ? Path.of("data", "redis") : dataDir);
            default -> throw new UsageException("broker must be kafka or redis, was '" + kind + "'");
        };
    }

    /** The classpath file the build writes for the brokers: {@code broker/target/kafka-broker.classpath} beside {@code api/}. */
    public static Path classpathFile() throws URISyntaxException
    {
        final String configured = System.getProperty("tickreplay.broker.classpath");
        if (configured != null)
        {
            return Path.of(configured);
        }
        // api/target/tickreplay.jar or api/target/classes: three levels up is the checkout
        final Path location = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return location.getParent().getParent().getParent().resolve("broker").resolve("target").resolve("kafka-broker.classpath");
    }

    private static String brokerClasspath() throws URISyntaxException, IOException
    {
        final Path file = classpathFile();
        if (!Files.isRegularFile(file))
        {
            throw new IllegalStateException("the broker's jars are not resolved yet (" + file + " is missing): run ./tickreplay once from the checkout, " +
                "or ./mvnw -B -q -DskipTests -pl broker install");
        }
        return Files.readString(file).strip();
    }

    private int kafka(final int brokerPort, final Path dir) throws Exception
    {
        final String cp = brokerClasspath();
        final Path data = dir.toAbsolutePath();
        Files.createDirectories(data);
        final int controllerPort = brokerPort + 1;
        final Path properties = data.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + data.resolve("logs"),
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "") );
        final Path log4j = data.resolve("log4j2.properties");
        Files.writeString(log4j, String.join("\n",
            "appender.file.type=File", "appender.file.name=file", "appender.file.fileName=" + data.resolve("broker.log"),
            "appender.file.layout.type=PatternLayout", "appender.file.layout.pattern=[%d] %p %m (%c)%n",
            "rootLogger.level=INFO", "rootLogger.appenderRef.file.ref=file", ""));
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (!Files.exists(data.resolve("logs").resolve("meta.properties")))
        {
            System.err.println("tickreplay broker: formatting " + data.resolve("logs") + " (first start)");
            final Process format = new ProcessBuilder(java, "-Xmx256m", "-Dlog4j2.configurationFile=" + log4j, "-cp", cp, "kafka.tools.StorageTool",
                "format", "-t", org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", properties.toString(), "--standalone")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("format.log").toFile())).start();
            if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0)
            {
                format.destroyForcibly();
                throw new IllegalStateException("formatting the Kafka data directory failed: see " + data.resolve("format.log"));
            }
        }
        final List<String> command = List.of(java, "-Xms256m", "-Xmx512m", "-Dlog4j2.configurationFile=" + log4j, "-cp", cp, "kafka.Kafka",
            properties.toString());
        final Process broker = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("stdout.log").toFile())).start();
        final String url = "localhost:" + brokerPort;
        return supervise(broker, "kafka", url, () ->
        {
            KafkaBus.connect(url, Duration.ofSeconds(2)).close();
            return true;
        }, data.resolve("broker.log"));
    }

    private int redis(final int redisPort, final Path dir) throws Exception
    {
        final Path data = dir.toAbsolutePath();
        Files.createDirectories(data);
        String binary = onPath("redis-server");
        if (binary == null)
        {
            binary = extractEmbeddedRedis(data).toString();
        }
        final Process server = new ProcessBuilder(binary, "--port", String.valueOf(redisPort), "--bind", "127.0.0.1", "--dir", data.toString(),
            "--appendonly", "no", "--save", "").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("redis.log").toFile()))
            .start();
        final String url = "redis://localhost:" + redisPort;
        return supervise(server, "redis (" + binary + ")", url, () ->
        {
            RedisBus.connect(url, Duration.ofSeconds(2)).close();
            return true;
        }, data.resolve("redis.log"));
    }

    private static Path extractEmbeddedRedis(final Path data) throws Exception
    {
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux") || !System.getProperty("os.arch").contains("64"))
        {
            throw new IllegalStateException("no redis-server on the PATH and the embedded binary is for Linux x86-64 only: install Redis");
        }
        final Path target = data.resolve("redis-server");
        if (Files.isExecutable(target))
        {
            return target;
        }
        for (final String entry : brokerClasspath().split(java.io.File.pathSeparator))
        {
            if (entry.contains("embedded-redis"))
            {
                try (ZipFile jar = new ZipFile(entry))
                {
                    final ZipEntry binary = jar.getEntry("redis-server-6.2.6-v5-linux-amd64");
                    if (binary != null)
                    {
                        try (InputStream in = jar.getInputStream(binary))
                        {
                            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                        }
                        target.toFile().setExecutable(true);
                        return target;
                    }
                }
            }
        }
        throw new IllegalStateException("no redis-server on the PATH, and no embedded-redis binary among the broker's jars");
    }

    private static String onPath(final String program)
    {
        for (final String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
        {
            final Path p = Path.of(d, program);
            if (Files.isExecutable(p))
            {
                return p.toString();
            }
        }
        return null;
    }

    /** Waits for the broker to answer, prints its URL, then stays until Ctrl-C (which stops it) or until it dies. */
    private static int supervise(final Process process, final String what, final String url, final Callable<Boolean> ready, final Path log)
        throws Exception
    {
        final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        final Thread stopper = new Thread(() ->
        {
            stopping.set(true);
            process.destroy();
            try
            {
                if (!process.waitFor(30, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                }
            }
            catch (final InterruptedException e)
            {
                process.destroyForcibly();
            }
        }, "broker-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        final List<String> errors = new ArrayList<>();
        while (true)
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException(what + " exited with " + process.exitValue() + " before it was ready: see " + log);
            }
            try
            {
                if (ready.call())
                {
                    break;
                }
            }
            catch (final Exception e)
            {
                errors.add(e.getMessage());
            }
            if (System.nanoTime() > deadline)
            {
                process.destroyForcibly();
                throw new IllegalStateException(what + " did not answer within 90 s (" + (errors.isEmpty() ? "" : errors.get(errors.size() - 1)) +
                    "): see " + log);
            }
            Thread.sleep(500);
        }
        System.out.println(url);
        System.err.println("tickreplay broker: " + what + " ready at " + url + " (log " + log + "); Ctrl-C stops it");
        System.out.flush();
        final int exit = process.waitFor();
        if (!stopping.get())
        {
            System.err.println("tickreplay broker: " + what + " died (exit " + exit + "): see " + log);
            return 1;
        }
        return 0;
    }
}
