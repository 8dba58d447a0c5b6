package io.tickreplay.api.bus;

import io.tickreplay.adapters.kafka.KafkaBus;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.api.config.Checkout;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A real broker on this machine as a child process: the pinned kafka_2.13 broker (single-node KRaft,
 * its data directory formatted on first start) or Redis (the system's {@code redis-server} where there
 * is one, else the embedded-redis binary: Redis 6.2, Linux x86-64). The brokers' jars are not in the
 * main jar: the build resolves them into {@code broker/target/kafka-broker.classpath}.
 *
 * <p>Used by {@code tickreplay broker} (until Ctrl-C) and by the bench's bus suite (for one run).
 * Start, {@link #awaitReady()}, use {@link #url()}, {@link #close()}; a shutdown hook stops the broker
 * if this JVM exits first. One thread drives it; {@link #close()} may come from any. Costs a JVM of
 * up to 512 MB and ~10 s for Kafka, a few MB and well under a second for Redis.
 */
public final class BrokerProcess implements AutoCloseable
{
    /** How long a broker may take to answer after it was started. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final String what;
    private final String url;
    private final Path log;
    private final Callable<Boolean> ready;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Thread stopper;

    private BrokerProcess(final Process process, final String what, final String url, final Path log, final Callable<Boolean> ready)
    {
        this.process = process;
        this.what = what;
        this.url = url;
        this.log = log;
        this.ready = ready;
        this.stopper = new Thread(this::stop, "broker-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
    }

    /**
     * Starts Kafka on {@code port} (its controller on {@code port + 1}), data under {@code dir};
     * {@code notes} hears what it does besides (formatting the data directory on first start).
     */
    public static BrokerProcess kafka(final int port, final Path dir, final Consumer<String> notes) throws Exception
    {
        final String cp = classpath();
        final Path data = dir.toAbsolutePath();
        Files.createDirectories(data);
        final int controllerPort = port + 1;
        final Path properties = data.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://localhost:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
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
            notes.accept("formatting " + data.resolve("logs") + " (first start)");
            final Process format = new ProcessBuilder(java, "-Xmx256m", "-Dlog4j2.configurationFile=" + log4j, "-cp", cp, "kafka.tools.StorageTool",
                "format", "-t", Uuid.randomUuid().toString(), "-c", properties.toString(), "--standalone")
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
        final String url = "localhost:" + port;
        return new BrokerProcess(broker, "kafka", url, data.resolve("broker.log"), () ->
        {
            KafkaBus.connect(url, Duration.ofSeconds(2)).close();
            return true;
        });
    }

    /** Starts Redis on {@code port}, bound to 127.0.0.1, without persistence, its files under {@code dir}. */
    public static BrokerProcess redis(final int port, final Path dir) throws Exception
    {
        final Path data = dir.toAbsolutePath();
        Files.createDirectories(data);
        String binary = onPath("redis-server");
        if (binary == null)
        {
            binary = extractEmbeddedRedis(data).toString();
        }
        final Process server = new ProcessBuilder(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", data.toString(),
            "--appendonly", "no", "--save", "").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("redis.log").toFile()))
            .start();
        final String url = "redis://localhost:" + port;
        return new BrokerProcess(server, "redis (" + binary + ")", url, data.resolve("redis.log"), () ->
        {
            RedisBus.connect(url, Duration.ofSeconds(2)).close();
            return true;
        });
    }

    /** The brokers' class path (Kafka, its tools such as {@code ProducerPerformance}, embedded-redis), or a clear error when it is not built. */
    public static String classpath() throws URISyntaxException, IOException
    {
        final Path file = Checkout.file("tickreplay.broker.classpath", "broker/target/kafka-broker.classpath");
        if (!Files.isRegularFile(file))
        {
            throw new IllegalStateException("the broker's jars are not resolved yet (" + file + " is missing): run ./tickreplay once from the checkout, " +
                "or ./mvnw -B -q -DskipTests -pl broker install");
        }
        return Files.readString(file).strip();
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
        for (final String entry : classpath().split(File.pathSeparator))
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
        for (final String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            final Path p = Path.of(d, program);
            if (Files.isExecutable(p))
            {
                return p.toString();
            }
        }
        return null;
    }

    /** Waits until the broker answers (within {@link #READY_TIMEOUT}); stops it and throws, naming its log, if it dies or stays silent. */
    public BrokerProcess awaitReady() throws Exception
    {
        final long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String lastError = "";
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
                    return this;
                }
            }
            catch (final Exception e)
            {
                lastError = e.getMessage();
            }
            if (System.nanoTime() > deadline)
            {
                process.destroyForcibly();
                throw new IllegalStateException(what + " did not answer within " + READY_TIMEOUT.toSeconds() + " s (" + lastError + "): see " + log);
            }
            Thread.sleep(500);
        }
    }

    /** What runs: {@code kafka} or {@code redis (<binary>)}. */
    public String what()
    {
        return what;
    }

    /** The address for {@code --bus-url}: {@code localhost:<port>} or {@code redis://localhost:<port>}. */
    public String url()
    {
        return url;
    }

    /** The broker's own log. */
    public Path log()
    {
        return log;
    }

    /** Blocks until the broker exits; returns its exit code. */
    public int waitFor() throws InterruptedException
    {
        return process.waitFor();
    }

    /** Whether this side stopped it ({@link #close()} or the shutdown hook), as opposed to the broker dying by itself. */
    public boolean stopping()
    {
        return stopping.get();
    }

    /** Stops the broker (30 s to exit cleanly, then killed). */
    @Override
    public void close()
    {
        stop();
        try
        {
            Runtime.getRuntime().removeShutdownHook(stopper);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // the hook is running or has run: it stops the broker itself
        }
    }

    private void stop()
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
            Thread.currentThread().interrupt();
        }
    }
}
