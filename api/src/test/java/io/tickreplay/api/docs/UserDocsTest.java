package io.tickreplay.api.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The user docs as a front door: the README short, no development log in them, every link to a file
 * of the repository pointing at one that exists, and the runnable blocks read the way
 * {@code DocsCommandsIT} runs them.
 */
class UserDocsTest
{
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern DEV_LOG = Pattern.compile("(?i)\\bissue [0-9]+|\\bthis wave\\b|not done yet");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    private static List<Path> docs()
    {
        final List<Path> files = new ArrayList<>(RunnableBlocks.userDocs(ROOT));
        files.add(ROOT.resolve("benchmarks/README.md"));
        return files;
    }

    @Test
    void theReadmeIsAFrontDoorOfAtMost250Lines() throws IOException
    {
        final List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
        assertThat(readme).hasSizeLessThanOrEqualTo(250);
        assertThat(String.join("\n", readme)).contains("./tickreplay demo").contains("./mvnw verify").contains("docs/architecture.md");
    }

    @Test
    void noUserDocKeepsADevelopmentLog() throws IOException
    {
        final List<String> found = new ArrayList<>();
        for (final Path file : RunnableBlocks.userDocs(ROOT))
        {
            final List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++)
            {
                if (DEV_LOG.matcher(lines.get(i)).find())
                {
                    found.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + lines.get(i));
                }
            }
        }
        assertThat(found).isEmpty();
    }

    @Test
    void everyLinkToAFileOfTheRepositoryFindsIt() throws IOException
    {
        final List<String> broken = new ArrayList<>();
        for (final Path file : docs())
        {
            final List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++)
            {
                final Matcher m = LINK.matcher(lines.get(i));
                while (m.find())
                {
                    final String target = m.group(1);
                    if (target.matches("^[a-z]+:.*") || target.startsWith("#"))
                    {
                        continue; // a web address, or an anchor on the same page
                    }
                    final String path = target.replaceFirst("#.*$", "");
                    if (!Files.exists(file.getParent().resolve(path)))
                    {
                        broken.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + target);
                    }
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    @Test
    void theTourAndTheDocsHaveRunnableBlocks()
    {
        final List<RunnableBlocks.Block> blocks = RunnableBlocks.of(ROOT, RunnableBlocks.userDocs(ROOT));
        assertThat(blocks).filteredOn(b -> b.file().equals("README.md")).hasSizeGreaterThanOrEqualTo(5);
        assertThat(blocks).filteredOn(b -> b.file().startsWith("docs")).isNotEmpty();
        assertThat(blocks).allSatisfy(b -> assertThat(b.script()).isNotBlank());
    }

    @Test
    void aRunnableBlockIsItsLinesAndWhatTheySayTheyPrint()
    {
        final List<RunnableBlocks.Block> blocks = RunnableBlocks.parse("x.md", List.of(
            "text", "```bash", "./tickreplay demo", "```",
            "```bash runnable", "./tickreplay db status   # prints: database:", "echo hi", "# prints: hi", "```",
            "```python", "import duckdb", "```"));
        assertThat(blocks).hasSize(1);
        assertThat(blocks.get(0).where()).isEqualTo("x.md:5");
        assertThat(blocks.get(0).script()).isEqualTo("./tickreplay db status   # prints: database:\necho hi\n# prints: hi\n");
        assertThat(blocks.get(0).prints()).containsExactly("database:", "hi");
    }

    @Test
    void aMisspelledMarkerOrAnOpenFenceIsAnError()
    {
        assertThatThrownBy(() -> RunnableBlocks.parse("x.md", List.of("```sh runnable", "ls", "```")))
            .hasMessageContaining("x.md:1");
        assertThatThrownBy(() -> RunnableBlocks.parse("x.md", List.of("  ```bash runnable", "ls", "  ```")))
            .hasMessageContaining("x.md:1");
        assertThatThrownBy(() -> RunnableBlocks.parse("x.md", List.of("```bash", "ls")))
            .hasMessageContaining("never closed");
    }
}
