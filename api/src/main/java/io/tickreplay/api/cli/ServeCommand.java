package io.tickreplay.api.cli;

import io.tickreplay.api.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "The control API on port 8083: the seed's /v1/replay/ticks routes, live control of runs, /v1/signals, /v1/bars, " +
        "/v1/exports, /v1/schedules, /health, Prometheus /metrics and /openapi.json (docs/api.md); fires the scheduled replays " +
        "(docs/schedules.md). Runs until Ctrl-C.")
public final class ServeCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Mixin
    BusOptions busOptions = new BusOptions();

    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (default api.port, 8083).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default api.bind, 127.0.0.1; beyond loopback it needs api.token or api.allow-anonymous).")
    String bind;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = new HashMap<>();
        flags.put("api.port", port);
        flags.put("api.bind", bind);
        busOptions.into(flags);
        final Settings settings = common.settings(flags);
        System.out.println("tickreplay serve: effective configuration");
        System.out.print(settings.describe());
        try (Services.Api api = Services.api(settings))
        {
            System.out.println("database: " + api.db().describe());
            api.printUrls();
            System.out.println("Ctrl-C to stop");
            awaitStop();
        }
        System.out.println("tickreplay serve: stopped");
        return 0;
    }

    /**
     * Blocks until Ctrl-C or SIGTERM; then the caller's try-with-resources closes the API (no new
     * request), cancels the running replays (their writers flush, their jobs say cancelled), closes the
     * pools and stops the embedded server, and the command exits 0.
     */
    static void awaitStop() throws InterruptedException
    {
        final CountDownLatch stop = new CountDownLatch(1);
        try (Interrupts interrupts = Interrupts.install())
        {
            interrupts.onStop(stop::countDown);
            stop.await();
        }
        System.out.println("stopping: cancelling running replays, flushing writers, stopping the database");
    }
}
