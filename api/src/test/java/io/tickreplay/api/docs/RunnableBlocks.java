package io.tickreplay.api.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shell blocks of the user docs that promise to run: a fenced block whose info string is exactly
 * {@code bash runnable}. Its lines are a bash script; a comment {@code # prints: TEXT} (a line of its
 * own, or after a command) says that the block's output, stdout and stderr together, contains TEXT.
 * Any other fence that mentions {@code runnable} is a mistake the reader would not notice, so it is an
 * error here rather than a block silently skipped.
 */
public final class RunnableBlocks
{
    /** The opening fence of a runnable block. */
    public static final String MARKER = "```bash runnable";

    private static final Pattern PRINTS = Pattern.compile("#\\s*prints:\\s*(.+?)\\s*$");

    /** One block: where it is (file and the line of its opening fence, from 1), its script and what it must print. */
    public record Block(String file, int line, String script, List<String> prints)
    {
        public String where()
        {
            return file + ":" + line;
        }
    }

    private RunnableBlocks()
    {
    }

    /** README.md, then docs/*.md in name order: the order a reader meets them, and the order they run in. */
    public static List<Path> userDocs(final Path root)
    {
        final List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs")))
        {
            docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(files::add);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    public static List<Block> of(final Path root, final List<Path> files)
    {
        final List<Block> blocks = new ArrayList<>();
        for (final Path file : files)
        {
            try
            {
                blocks.addAll(parse(root.relativize(file).toString(), Files.readAllLines(file)));
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
        return blocks;
    }

    public static List<Block> parse(final String file, final List<String> lines)
    {
        final List<Block> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.size())
        {
            final String line = lines.get(i);
            final String trimmed = line.strip();
            if (!trimmed.startsWith("```") || trimmed.equals("```"))
            {
                i++;
                continue;
            }
            final boolean runnable = line.equals(MARKER);
            if (!runnable && trimmed.contains("runnable"))
            {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": a fence that mentions runnable but is not '" + MARKER +
                    "' at the start of its line: '" + line + "'");
            }
            final int open = i;
            final StringBuilder script = new StringBuilder();
            final List<String> prints = new ArrayList<>();
            i++;
            while (i < lines.size() && !lines.get(i).strip().equals("```"))
            {
                if (runnable)
                {
                    script.append(lines.get(i)).append('\n');
                    final Matcher m = PRINTS.matcher(lines.get(i));
                    if (m.find())
                    {
                        prints.add(m.group(1));
                    }
                }
                i++;
            }
            if (i == lines.size())
            {
                throw new IllegalArgumentException(file + ":" + (open + 1) + ": a fenced block that is never closed");
            }
            if (runnable)
            {
                blocks.add(new Block(file, open + 1, script.toString(), List.copyOf(prints)));
            }
            i++;
        }
        return blocks;
    }
}
