package io.tickreplay.api.docs;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every shell block of README.md and docs/*.md marked {@code bash runnable} ({@link RunnableBlocks}),
 * run with bash as a reader would paste it, against the demo's store: each must exit 0 and print what
 * its {@code # prints:} lines say.
 *
 * <p>The setting is the tour's: a working directory of its own ({@code api/target/docs-commands}) holding
 * a {@code ./tickreplay} that runs the jar this build made ({@code TICKREPLAY_NO_BUILD=1}: no Maven inside
 * the test), a small demo store made by {@code ./tickreplay demo --exit --ticks 60000} (the session of
 * 2025-11-03 and October 2025, as the full demo has them, with fewer ticks), and {@code ./tickreplay serve}
 * on port 8083 in the background, as the demo stays up while a reader follows the tour in a second
 * terminal. Blocks run in the order a reader meets them (README.md, then docs/ by name), in that one
 * directory, so a block may use what an earlier one made. Each runs in a session of its own
 * ({@code setsid}), which is killed when the block ends: what a block started in the background (a
 * broker, a consumer) never outlives it. Blocks that need Kafka start it themselves with
 * {@code ./tickreplay broker kafka}, on its default port 9092.
 *
 * <p>Cost, on a 2-core machine: about 40 s for the demo store and the server, then 3-20 s a block (most of
 * it the start of each command's JVM), about a minute for the Kafka one (its broker's start and stop, the
 * consumers' idle exit): three to four minutes in all.
 */
class DocsCommandsIT
{
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path JAR = ROOT.resolve("api/target/tickreplay.jar");
    private static final Path WORK = ROOT.resolve("api/target/docs-commands");
    private static final Path BLOCKS = WORK.resolve("blocks");
    private static final int API_PORT = 8083;
    private static final Duration BLOCK_TIMEOUT = Duration.ofMinutes(4);

    private static Process serve;

    private record Outcome(int exit, String output, Duration took)
    {
    }

    @BeforeAll
    static void theDemosStoreAndItsServer() throws Exception
    {
        assertThat(JAR).as("the jar the docs' ./tickreplay runs; the package phase makes it").isRegularFile();
        deleteTree(WORK);
        Files.createDirectories(BLOCKS);
        final Path shim = WORK.resolve("tickreplay");
        Files.writeString(shim, "#!/usr/bin/env bash\n# the repository's launcher, running the jar the build made\nexport TICKREPLAY_NO_BUILD=1\nexec '" +
            ROOT.resolve("tickreplay") + "' \"$@\"\n");
        Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
        // the blocks run where a user of a fresh clone runs them: beside ./tickreplay and examples/
        Files.createSymbolicLink(WORK.resolve("examples"), ROOT.resolve("examples"));

        final Outcome demo = run("demo", "./tickreplay demo --exit --ticks 60000 --port 0\n", Duration.ofMinutes(5));
        assertThat(demo.exit()).as("the demo store: ./tickreplay demo --exit exited %d:%n%s", demo.exit(), tail(demo.output())).isZero();
        assertThat(demo.output()).contains("tick_data holds");

        try (ServerSocket probe = new ServerSocket(API_PORT, 1, InetAddress.getLoopbackAddress()))
        {
            probe.setReuseAddress(true);
        }
        catch (final IOException e)
        {
            fail("port " + API_PORT + " is taken: the docs' curl lines call the API there, as the demo serves it; stop what listens on it");
        }
        serve = start("serve", "exec ./tickreplay serve\n");
        final HttpClient http = HttpClient.newHttpClient();
        final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true)
        {
            try
            {
                final HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + API_PORT + "/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200)
                {
                    break;
                }
            }
            catch (final IOException e)
            {
                // not listening yet
            }
            if (!serve.isAlive() || System.nanoTime() > deadline)
            {
                fail("./tickreplay serve did not answer /health:\n" + tail(Files.readString(BLOCKS.resolve("serve.log"))));
            }
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stopTheServer() throws Exception
    {
        if (serve != null)
        {
            endSession(serve);
        }
        deleteTree(WORK.resolve("data")); // the store and journals; the blocks and their logs stay for reading
    }

    @TestFactory
    Stream<DynamicTest> everyRunnableBlockOfTheDocsDoesWhatItsTextSays()
    {
        final List<RunnableBlocks.Block> blocks = RunnableBlocks.of(ROOT, RunnableBlocks.userDocs(ROOT));
        assertThat(blocks).isNotEmpty();
        return blocks.stream().map(block -> DynamicTest.dynamicTest(block.where(), () ->
        {
            final Outcome outcome = run(block.file().replace('/', '_') + "-" + block.line(), block.script(), BLOCK_TIMEOUT);
            System.out.printf("DocsCommandsIT: %s exited %d in %.1f s%n", block.where(), outcome.exit(), outcome.took().toMillis() / 1000.0);
            assertThat(outcome.exit()).as("%s exited %d; its output:%n%s", block.where(), outcome.exit(), tail(outcome.output())).isZero();
            for (final String expected : block.prints())
            {
                assertThat(outcome.output()).as("%s says it prints '%s'; its output:%n%s", block.where(), expected, tail(outcome.output()))
                    .contains(expected);
            }
        }));
    }

    /** Runs {@code script} with {@code bash -e} in the working directory, in a session of its own that is ended afterwards. */
    private static Outcome run(final String name, final String script, final Duration timeout) throws Exception
    {
        final long started = System.nanoTime();
        final Process p = start(name, script);
        final boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        endSession(p);
        final String output = Files.readString(BLOCKS.resolve(name + ".log"), StandardCharsets.UTF_8);
        if (!ended)
        {
            fail(name + " did not end within " + timeout + "; its output:\n" + tail(output));
        }
        return new Outcome(p.exitValue(), output, Duration.ofNanos(System.nanoTime() - started));
    }

    private static Process start(final String name, final String script) throws IOException
    {
        final Path file = BLOCKS.resolve(name + ".sh");
        Files.writeString(file, script);
        // setsid: the script leads a process group of its own (this JVM's child is never a group leader,
        // so setsid execs in place and the group's id is the child's pid)
        final ProcessBuilder pb = new ProcessBuilder("setsid", "bash", "-e", file.toString()).directory(WORK.toFile())
            .redirectErrorStream(true).redirectOutput(BLOCKS.resolve(name + ".log").toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("TICKREPLAY_")); // the defaults, as a reader has them
        // a block's commands are short-lived JVMs over a small store: compiling with C1 alone starts them sooner
        pb.environment().put("TICKREPLAY_JAVA_OPTS", "-XX:TieredStopAtLevel=1");
        return pb.start();
    }

    /** SIGTERM to the process group the script leads (a broker, consumers it left), then SIGKILL to what stays. */
    private static void endSession(final Process p) throws Exception
    {
        final String group = "-" + p.pid();
        signal("TERM", group);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (signal("0", group) && System.nanoTime() < deadline)
        {
            Thread.sleep(200);
        }
        if (signal("0", group))
        {
            signal("KILL", group);
        }
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** {@code kill -SIGNAL -- TARGET}; true when the target exists (and so got the signal). */
    private static boolean signal(final String signal, final String target) throws Exception
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, "--", target).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return kill.waitFor() == 0;
    }

    private static String tail(final String output)
    {
        final List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
    }
}
