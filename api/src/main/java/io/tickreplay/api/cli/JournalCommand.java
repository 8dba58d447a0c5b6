package io.tickreplay.api.cli;

import io.tickreplay.adapters.chronicle.ChronicleJournalSource;
import io.tickreplay.adapters.chronicle.JournalContents;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.api.config.Settings;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.tick.Micros;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(
    name = "journal",
    mixinStandardHelpOptions = true,
    description = "Lists, dumps and verifies replay journals (Chronicle Queues under data/journal, one per run).",
    subcommands = {JournalCommand.ListJournals.class, JournalCommand.Dump.class, JournalCommand.Verify.class})
public final class JournalCommand implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list, dump or verify");
    }

    /** The options every journal subcommand takes: the common ones and where the journals live. */
    static final class JournalDirectory
    {
        @Mixin
        CommonOptions common;

        @Option(names = "--journal-dir", paramLabel = "DIR", description = "Where journals live (default data/journal).")
        String override;

        Settings settings()
        {
            return common.settings(override == null ? Map.of() : Map.of("replay.journal-dir", override));
        }

        Path path()
        {
            return Path.of(settings().string("replay.journal-dir"));
        }
    }

    static JournalManifest manifest(final Path dir, final long runId)
    {
        try
        {
            return JournalManifest.read(dir.resolve(String.valueOf(runId)));
        }
        catch (final IOException e)
        {
            throw new UsageException("no journal of run " + runId + " in " + dir + " (" + e.getMessage() + ")");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per journal: run, status, ticks, window, checksum.")
    static final class ListJournals implements Callable<Integer>
    {
        @Mixin
        JournalDirectory journals;

        @Override
        public Integer call() throws IOException
        {
            final Path dir = journals.path();
            final List<JournalManifest> manifests = new ArrayList<>();
            if (Files.isDirectory(dir))
            {
                try (Stream<Path> runs = Files.list(dir))
                {
                    for (final Path run : runs.filter(Files::isDirectory).toList())
                    {
                        try
                        {
                            manifests.add(JournalManifest.read(run));
                        }
                        catch (final IOException e)
                        {
                            System.err.println("skipping " + run + ": " + e.getMessage());
                        }
                    }
                }
            }
            manifests.sort(Comparator.comparingLong(JournalManifest::runId));
            System.out.printf("%-8s %-10s %12s  %-10s %-28s %-28s %-16s %s%n", "run_id", "status", "ticks", "provider", "start", "end", "checksum", "symbols");
            for (final JournalManifest m : manifests)
            {
                System.out.printf("%-8d %-10s %12s  %-10s %-28s %-28s %-16s %s%n", m.runId(), m.status(), Format.count(m.ticks()), m.provider(),
                    m.start(), m.end(), m.checksum() == null ? "-" : m.checksum(), String.join(",", m.symbols()));
            }
            return 0;
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true, description = "Prints a journal's ticks as CSV (the header of `import`).")
    static final class Dump implements Callable<Integer>
    {
        @Mixin
        JournalDirectory journals;

        @Parameters(paramLabel = "RUN_ID")
        long runId;

        @Option(names = "--limit", paramLabel = "N", description = "At most N ticks (default all).")
        long limit = Long.MAX_VALUE;

        @Override
        public Integer call() throws Exception
        {
            final Path dir = journals.path();
            final JournalManifest manifest = manifest(dir, runId);
            final SymbolTable symbols = manifest.symbolTable();
            final PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false);
            out.println("provider,symbol,ts,seq,price,size,bid,ask,bid_size,ask_size");
            long written = 0;
            try (ChronicleJournalSource source = new ChronicleJournalSource(dir.resolve(String.valueOf(runId)), symbols.size()))
            {
                final TickBatch batch = new TickBatch(4096);
                while (written < limit && source.next(batch))
                {
                    for (int i = 0; i < batch.count && written < limit; i++, written++)
                    {
                        out.append(symbols.provider(batch.symbolId[i], manifest.provider())).append(',').append(symbols.name(batch.symbolId[i])).append(',')
                            .append(Micros.toInstant(batch.tsMicros[i]).toString()).append(',').append(String.valueOf(batch.seq[i])).append(',')
                            .append(String.valueOf(batch.price[i])).append(',').append(String.valueOf(batch.size[i])).append(',')
                            .append(opt(batch.bid[i])).append(',').append(opt(batch.ask[i])).append(',')
                            .append(opt(batch.bidSize[i])).append(',').append(opt(batch.askSize[i])).append('\n');
                    }
                    batch.clear();
                }
            }
            out.flush();
            return 0;
        }

        private static String opt(final double v)
        {
            return Double.isNaN(v) ? "" : String.valueOf(v);
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Reads a whole journal and checks it against its manifest: OK (exit 0) when its run completed and it matches; " +
            "INCOMPLETE (exit 3) when its run was cancelled, failed or killed (how many ticks it holds and where it stops); " +
            "CORRUPT (exit 1) when it differs from what its manifest says was written.")
    static final class Verify implements Callable<Integer>
    {
        @Mixin
        JournalDirectory journals;

        @Parameters(paramLabel = "RUN_ID")
        long runId;

        @Override
        public Integer call() throws Exception
        {
            final Path dir = journals.path();
            final JournalManifest manifest = manifest(dir, runId);
            final long start = System.nanoTime();
            final JournalContents contents;
            try
            {
                contents = JournalContents.read(dir.resolve(String.valueOf(runId)), manifest);
            }
            catch (final IOException e)
            {
                System.out.printf("journal %d: unreadable: %s -> CORRUPT%n", runId, e.getMessage());
                return 1;
            }
            final long nanos = System.nanoTime() - start;
            System.out.printf("journal %d: %s ticks, checksum %s; manifest (%s): %s ticks, checksum %s; read in %s -> %s%n", runId,
                Format.count(contents.ticks()), contents.checksum(), manifest.status(), Format.count(manifest.ticks()), manifest.checksum(),
                Format.seconds(nanos), contents.state() == JournalContents.State.WHOLE ? "OK" : contents.state());
            return switch (contents.state())
            {
                case WHOLE -> 0;
                case INCOMPLETE ->
                {
                    System.out.printf("incomplete: %s; %s%n", contents.why(), contents.describe());
                    yield 3;
                }
                case CORRUPT ->
                {
                    System.out.println("corrupt: the journal differs from what its manifest says the run wrote");
                    yield 1;
                }
            };
        }
    }
}
