package io.tickreplay.api.cli;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.config.Settings;
import io.tickreplay.engine.synth.SyntheticSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
        "The main job on the embedded default: loads a realistic synthetic session (~2M ticks) if the store is",
        "empty, then shows what the store holds."
    })
public final class DemoCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Option(names = "--exit", description = "End after the summary instead of staying up.")
    boolean exit;

    @Option(names = "--ticks", description = "About how many ticks to generate when the store is empty (default 2,000,000).")
    Long ticks;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = new HashMap<>();
        flags.put("demo.target-ticks", ticks);
        final Settings settings = common.settings(flags);
        System.out.println("tickreplay demo: effective configuration");
        System.out.print(settings.describe());

        try (Database db = CommonOptions.openDatabase(settings))
        {
            System.out.println("database: " + db.describe());
            final TickStore store = new TickStore(db.dataSource());
            if (store.isEmpty())
            {
                final SyntheticSession.Context ctx = SessionOptions.context(settings);
                final long target = settings.longValue("demo.target-ticks");
                if (target < 1)
                {
                    throw new UsageException("--ticks must be >= 1");
                }
                ctx.ticksPerSecond(SessionOptions.rateFor(target, ctx));
                System.out.println("the store is empty: generating a synthetic session of about " + Format.count(target) + " ticks");
                GenerateCommand.write(db, ctx);
            }
            System.out.println();
            System.out.println("tick_data holds:");
            System.out.printf("  %-10s %-8s %12s  %-27s  %-27s%n", "provider", "symbol", "ticks", "first ts", "last ts");
            long total = 0;
            for (final TickStore.SymbolSummary s : store.summary())
            {
                System.out.printf("  %-10s %-8s %12s  %-27s  %-27s%n", s.provider(), s.symbol(), Format.count(s.ticks()),
                    Format.instant(s.minTs()), Format.instant(s.maxTs()));
                total += s.ticks();
            }
            System.out.printf("  %-19s %12s%n", "total", Format.count(total));
        }
        return 0;
    }
}
