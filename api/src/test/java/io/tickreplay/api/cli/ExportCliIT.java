package io.tickreplay.api.cli;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.tickreplay.api.cli.CliIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tickreplay export} as a user runs it: anywhere it is told, never over a file unless told, with the user's umask. */
class ExportCliIT
{
    private static Database db;
    private static String url;

    @TempDir
    Path dir;

    @BeforeAll
    static void start()
    {
        db = PostgresTestSupport.freshSchema("export_cli");
        url = db.url();
        assertThat(run("generate", "--db-url", url, "--provider", "exportcli", "--symbols", "NVDA", "--rate", "0.2", "--seed", "9").exit()).isZero();
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private CliIT.Run export(final Path output, final String... more)
    {
        final String[] base = {"export", "ticks", "--db-url", url, "--provider", "exportcli", "--symbols", "NVDA", "--start", "2025-11-03T14:30:00Z",
            "--end", "2025-11-03T15:30:00Z", "--output", output.toString()};
        final String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return run(args);
    }

    @Test
    void anExistingFileIsReplacedOnlyWithOverwrite() throws Exception
    {
        final Path output = dir.resolve("somewhere").resolve("else").resolve("ticks.csv"); // any path, created as needed
        final CliIT.Run first = export(output);
        assertThat(first.exit()).as(first.err()).isZero();
        final String written = Files.readString(output);
        assertThat(written.lines().count()).isGreaterThan(1);

        Files.writeString(output, "mine\n");
        final CliIT.Run refused = export(output);
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("--output").contains("exists").contains("--overwrite");
        assertThat(Files.readString(output)).as("the file is untouched").isEqualTo("mine\n");

        final CliIT.Run replaced = export(output, "--overwrite");
        assertThat(replaced.exit()).as(replaced.err()).isZero();
        assertThat(Files.readString(output)).isEqualTo(written);

        final CliIT.Run directory = export(Files.createDirectory(dir.resolve("a-directory.csv")));
        assertThat(directory.exit()).isEqualTo(2);
        assertThat(directory.err()).contains("is a directory");
    }

    @Test
    void exportedFilesGetTheUsersUmaskNotAPrivateTemporaryFilesMode() throws Exception
    {
        // what any new file of this process gets: 0666 less its umask
        final Path probe = Files.createFile(dir.resolve("probe"));
        final var expected = Files.getPosixFilePermissions(probe);
        for (final String name : new String[] {"ticks.csv", "ticks.csv.gz", "ticks.parquet"})
        {
            final CliIT.Run run = export(dir.resolve(name));
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(Files.getPosixFilePermissions(dir.resolve(name))).as(name).isEqualTo(expected);
        }
        assertThat(expected).as("the umask lets the group or others read, as most do (else this test proves nothing)")
            .containsAnyOf(java.nio.file.attribute.PosixFilePermission.GROUP_READ, java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    }
}
