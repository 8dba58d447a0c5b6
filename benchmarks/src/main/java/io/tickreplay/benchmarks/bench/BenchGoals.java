package io.tickreplay.benchmarks.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark issue's goals, judged on a bench report's figures. */
final class BenchGoals
{
    private BenchGoals()
    {
    }

    /** The benchmark issue's goals, judged on this run's figures (only those whose suites ran), printed and kept in the report. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> of(final Map<String, Object> report)
    {
        final Map<String, Object> goals = new LinkedHashMap<>();
        final Map<String, Object> signals = (Map<String, Object>)report.get("signals");
        final Map<String, Object> replay = (Map<String, Object>)report.get("replay");
        final Map<String, Object> latency = (Map<String, Object>)report.get("latency");
        final Map<String, Object> limits = (Map<String, Object>)report.get("limits");
        final Map<String, Object> bus = (Map<String, Object>)report.get("bus");
        if (bus != null)
        {
            final Map<String, Object> kafka = (Map<String, Object>)bus.get("kafka");
            goal(goals, "replay -> Kafka (json) >= 0.8x Kafka's ProducerPerformance", number((Map<String, Object>)kafka.get("json"), "ratio"), 0.8);
            goal(goals, "replay -> Kafka (binary) >= 0.8x Kafka's ProducerPerformance", number((Map<String, Object>)kafka.get("binary"), "ratio"), 0.8);
            goal(goals, "replay -> Redis >= 0.8x a pipelined XADD loop", number((Map<String, Object>)bus.get("redis"), "ratio"), 0.8);
            goal(goals, "replay -> Kafka -> 2 SignalConsumers >= 0.8x the replay writing the rows itself",
                number((Map<String, Object>)bus.get("kafka_consumers_signals"), "ratio"), 0.8);
            final Map<String, Object> busLatency = (Map<String, Object>)bus.get("latency");
            for (final String[] k : new String[][] {{"kafka", "5"}, {"redis", "2"}})
            {
                final double p99 = number((Map<String, Object>)busLatency.get(k[0]), "p99_ms");
                final Map<String, Object> g = new LinkedHashMap<>();
                g.put("value", p99);
                g.put("goal", Double.parseDouble(k[1]));
                g.put("met", p99 <= Double.parseDouble(k[1]));
                goals.put("latency at 10k ticks/s, publish -> " + k[0] + " consumer, p99 <= " + k[1] + " ms", g);
            }
        }
        final Map<String, Object> imports = (Map<String, Object>)report.get("import");
        if (imports != null)
        {
            for (final Map.Entry<String, Object> layout : imports.entrySet())
            {
                final Map<String, Object> l = (Map<String, Object>)layout.getValue();
                goal(goals, "Parquet import >= 1M rows/s (" + layout.getKey() + ")", number(l, "best_tickreplay_import_parquet_rows_per_s"), 1_000_000);
            }
        }
        if (limits != null)
        {
            goal(goals, "replay with 2 signals persisted >= 0.9x PostgreSQL's concurrent COPY-out + COPY-in limit (metadata full)",
                number((Map<String, Object>)limits.get("full"), "ratio_replay_to_limit"), 0.9);
        }
        if (signals != null)
        {
            goal(goals, "(b) replay with 2 signals persisted >= 3x PostgreSQL computing them", number(signals, "ratio_replay_to_postgres_compute"), 3.0);
            goal(goals, "(b) >= 0.8x PostgreSQL's COPY-in of the same rows", number(signals, "ratio_replay_to_copy_in"), 0.8);
            goal(goals, "(b) >= 10x the naive JDBC replayer", number(signals, "ratio_replay_to_naive_jdbc"), 10.0);
        }
        if (replay != null)
        {
            goal(goals, "(a) replay to the bus >= 0.8x PostgreSQL's ordered COPY-out", number(replay, "ratio_replay_to_copy_out_ordered"), 0.8);
            final double journal = ((List<Number>)replay.get("replay_journal_to_bus_ticks_per_s")).stream().mapToDouble(Number::doubleValue).max().orElse(0);
            goal(goals, "(f) journal replay >= 10M ticks/s", journal, 10_000_000);
        }
        if (latency != null)
        {
            final double p99 = number((Map<String, Object>)latency.get("signals"), "p99_us");
            final Map<String, Object> g = new LinkedHashMap<>();
            g.put("value", p99);
            g.put("goal", 50.0);
            g.put("met", p99 <= 50.0);
            goals.put("latency p99 <= 50 us at " + latency.get("offered_ticks_per_s") + " ticks/s offered (shared mode)", g);
        }
        if (!goals.isEmpty())
        {
            System.out.println("goals (this run, this machine):");
            goals.forEach((name, v) ->
            {
                final Map<String, Object> g = (Map<String, Object>)v;
                System.out.printf(Locale.ROOT, "  %-72s %14s  %s%n", name, String.format(Locale.ROOT, "%,.2f", (Double)g.get("value")),
                    (Boolean)g.get("met") ? "met" : "NOT met");
            });
        }
        return goals;
    }

    private static void goal(final Map<String, Object> goals, final String name, final double value, final double goal)
    {
        final Map<String, Object> g = new LinkedHashMap<>();
        g.put("value", value);
        g.put("goal", goal);
        g.put("met", value >= goal);
        goals.put(name, g);
    }

    private static double number(final Map<String, Object> m, final String key)
    {
        final Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
