package io.tickreplay.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs tickreplay's Main in a JVM of its own with this test's class path and the engine's JVM flags. */
public final class ChildJvm
{
    private ChildJvm()
    {
    }

    private static final Path PERL = Path.of("/usr/bin/perl");

    public static List<String> command(final String maxHeap, final String... args)
    {
        final List<String> command = new ArrayList<>();
        if (Files.isExecutable(PERL))
        {
            // a build started in the background of a shell without job control inherits SIGINT and SIGQUIT ignored, and so would
            // the child: the tests that press Ctrl-C on it would see nothing happen. perl puts both back to default, then execs java
            // (same pid). Debian's perl-base is always there; without it the child inherits what the build has.
            command.addAll(List.of(PERL.toString(), "-e", "$SIG{INT} = 'DEFAULT'; $SIG{QUIT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die $!"));
        }
        command.addAll(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + maxHeap,
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true",
            "-cp", System.getProperty("java.class.path"),
            "io.tickreplay.api.Main"));
        command.addAll(List.of(args));
        return command;
    }
}
