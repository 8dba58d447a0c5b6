package io.tickreplay.api.cli;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.config.Settings;
import io.tickreplay.engine.synth.SyntheticSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Writes a realistic synthetic trading session into tick_data: U-shaped intraday activity with bursts, tick-size price steps with bid/ask quotes and sizes, lognormal trade sizes; 09:30-16:00 New York time, weekends skipped. The same --seed gives the same ticks; generating again replaces the session's days.")
public final class GenerateCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Option(names = "--provider", paramLabel = "NAME", description = "Provider of the ticks (default ibkr).")
    String provider;

    @Option(names = "--symbols", split = ",", paramLabel = "A,B", description = "Symbols (default NVDA,AAPL,MSFT,AMZN,TSLA).")
    List<String> symbols;

    @Option(names = {"--start-date", "--day"}, paramLabel = "YYYY-MM-DD", description = "First trading day (default 2025-11-03).")
    String startDate;

    @Option(names = "--days", paramLabel = "N", description = "Trading days (default 1).")
    Integer days;

    @Option(names = "--rate", paramLabel = "PER_S", description = "Mean trades per second per symbol before bursts (default 17).")
    Double rate;

    @Option(names = "--ticks", paramLabel = "N", description = "About how many ticks in all; sets --rate.")
    Long ticks;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default 42).")
    Long seed;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = new HashMap<>();
        flags.put("generate.provider", provider);
        flags.put("generate.symbols", symbols);
        flags.put("generate.start-date", startDate);
        flags.put("generate.days", days);
        flags.put("generate.rate", rate);
        flags.put("generate.seed", seed);
        final Settings settings = common.settings(flags);
        final SyntheticSession.Context ctx = SessionOptions.context(settings);
        if (ticks != null)
        {
            if (ticks < 1)
            {
                throw new UsageException("--ticks must be >= 1");
            }
            ctx.ticksPerSecond(SessionOptions.rateFor(ticks, ctx));
        }
        try (Database db = CommonOptions.openDatabase(settings))
        {
            write(db, ctx);
        }
        return 0;
    }

    static long write(final Database db, final SyntheticSession.Context ctx) throws SQLException
    {
        final SyntheticSession session = new SyntheticSession(ctx);
        final long start = System.nanoTime();
        final long count;
        try (ProgressBar bar = new ProgressBar("generating"))
        {
            count = new TickStore(db.dataSource()).writeSession(session, ctx, bar);
        }
        final long nanos = System.nanoTime() - start;
        System.out.println("generated " + Format.count(count) + " ticks for " + String.join(",", ctx.symbols()) + " (" + ctx.provider() + ") on " +
            session.tradingDays().get(0) + (session.tradingDays().size() > 1 ? " .. " + session.tradingDays().get(session.tradingDays().size() - 1) : "") +
            " in " + Format.seconds(nanos) + " (" + Format.rate(count * 1e9 / nanos) + " ticks/s)");
        return count;
    }
}
