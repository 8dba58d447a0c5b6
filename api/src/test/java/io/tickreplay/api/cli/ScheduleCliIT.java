package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static io.tickreplay.api.cli.CliIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tickreplay schedule add|list|remove} as a user runs them, against a real PostgreSQL (a schema of its own). */
class ScheduleCliIT
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Database db;
    private static String url;

    @BeforeAll
    static void start()
    {
        db = PostgresTestSupport.freshSchema("schedule_cli");
        url = db.url();
        assertThat(run("generate", "--db-url", url, "--provider", "schedcli", "--symbols", "NVDA", "--rate", "0.2", "--seed", "9").exit()).isZero();
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private static CliIT.Run schedule(final String... args)
    {
        final String[] all = new String[args.length + 3];
        all[0] = "schedule";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--db-url";
        all[args.length + 2] = url;
        return run(all);
    }

    private static String[] add(final String name, final String... more)
    {
        final String[] base = {"add", "--name", name, "--cron", "0 22 * * 1-5", "--zone", "America/New_York", "--provider", "schedcli", "--symbols", "NVDA"};
        final String[] args = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return args;
    }

    @Test
    void addListAndRemoveASchedule() throws Exception
    {
        final CliIT.Run added = schedule(add("cli-nightly", "--window", "previous-trading-day=09:30-16:00", "--speed", "0", "--signals", "none",
            "--misfire", "skip"));
        assertThat(added.exit()).as(added.err()).isZero();
        final JsonNode s = JSON.readTree(added.out());
        assertThat(s.get("name").asText()).isEqualTo("cli-nightly");
        assertThat(s.get("misfire").asText()).isEqualTo("skip");
        assertThat(s.get("window").get("session").asText()).isEqualTo("09:30-16:00");
        assertThat(s.get("replay").get("speed").asDouble()).isZero();
        assertThat(s.get("next_fire_at").asText()).isNotBlank();
        final long id = s.get("id").asLong();

        final CliIT.Run last = schedule(add("cli-hourly", "--window", "last=4h"));
        assertThat(last.exit()).as(last.err()).isZero();
        final CliIT.Run fixed = schedule(add("cli-fixed", "--start", "2025-11-03T14:30:00Z", "--end", "2025-11-03T15:30:00Z"));
        assertThat(fixed.exit()).as(fixed.err()).isZero();
        assertThat(JSON.readTree(fixed.out()).get("window").get("start").asText()).isEqualTo("2025-11-03T14:30:00Z");

        final CliIT.Run table = schedule("list");
        assertThat(table.exit()).isZero();
        assertThat(table.out()).contains("next_fire_at").contains("cli-nightly").contains("cli-hourly").contains("0 22 * * 1-5").contains("America/New_York");
        final JsonNode listed = JSON.readTree(schedule("list", "--json").out());
        assertThat(listed.get("schedules")).hasSize(3);

        final CliIT.Run removed = schedule("remove", String.valueOf(id));
        assertThat(removed.exit()).as(removed.err()).isZero();
        assertThat(JSON.readTree(schedule("list", "--json").out()).get("schedules")).hasSize(2);
        final CliIT.Run again = schedule("remove", String.valueOf(id));
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err().strip().lines()).hasSize(1);
        assertThat(again.err()).contains("no schedule " + id);
    }

    @Test
    void badFlagsExitWithTwoAndOneLineNamingTheFlag()
    {
        assertBad(schedule(add("bad-cron", "--window", "last=4h").clone()), null);
        assertBad(schedule(withCron(add("bad-cron", "--window", "last=4h"), "0 25 * * *")), "--cron");
        final String[] badZone = add("bad-zone", "--window", "last=4h");
        badZone[6] = "Mars/Olympus";
        assertBad(schedule(badZone), "--zone");
        assertBad(schedule(add("bad-window", "--window", "last=4 hours")), "--window");
        assertBad(schedule(add("bad-window2", "--window", "tomorrow")), "--window");
        assertBad(schedule(add("no-window")), "--window");
        assertBad(schedule(add("bad-speed", "--window", "last=4h", "--speed", "-1")), "--speed");
        assertBad(schedule(add("bad-signals", "--window", "last=4h", "--signals", "nonsense")), "--signals");
        assertBad(schedule(add("bad-misfire", "--window", "last=4h", "--misfire", "later")), "--misfire");
        assertBad(schedule(add("both", "--window", "last=4h", "--start", "2025-11-03T14:30:00Z")), "--start");
        assertBad(schedule(add("bad name", "--window", "last=4h")), "--name");
        final CliIT.Run duplicate = schedule(add("dup", "--window", "last=4h"));
        assertThat(duplicate.exit()).as(duplicate.err()).isZero();
        assertBad(schedule(add("dup", "--window", "last=4h")), "--name");
    }

    private static String[] withCron(final String[] args, final String cron)
    {
        final String[] copy = args.clone();
        copy[4] = cron;
        return copy;
    }

    private static void assertBad(final CliIT.Run run, final String flag)
    {
        if (flag == null)
        {
            assertThat(run.exit()).as(run.err()).isZero(); // the control: the same line with good values is taken
            return;
        }
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
        assertThat(run.err()).contains(flag);
    }

    @ParameterizedTest(name = "schedule {0} --help")
    @ValueSource(strings = {"add", "list", "remove"})
    void everySubcommandExplainsItself(final String sub)
    {
        final CliIT.Run help = run("schedule", sub, "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: tickreplay schedule " + sub).contains("--db-url");
        assertThat(run("schedule", "--help").out()).contains("add").contains("list").contains("remove");
    }
}
