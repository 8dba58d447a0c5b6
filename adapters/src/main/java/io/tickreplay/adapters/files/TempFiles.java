package io.tickreplay.adapters.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The temporary file an output is written to before it is renamed into place: beside the target (the
 * rename is atomic only within a file system), of a name of its own (two writers of one target never
 * share it), and created as any file the user makes: {@code 0666} less the process's umask. (A file from
 * {@link Files#createTempFile} is {@code 0600} whatever the umask, so every export was private to its
 * owner after the rename.)
 */
public final class TempFiles
{
    private TempFiles()
    {
    }

    /** Creates {@code <target>.<random>.tmp} in the target's directory (created if missing). */
    public static Path beside(final Path target) throws IOException
    {
        final Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        while (true)
        {
            final Path tmp = parent.resolve(target.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try
            {
                return Files.createFile(tmp);
            }
            catch (final FileAlreadyExistsException e)
            {
                // another writer's: draw again
            }
        }
    }
}
