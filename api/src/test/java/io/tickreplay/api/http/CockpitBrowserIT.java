package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cockpit in a real browser: Debian's chromium, headless, driven by Selenium through Debian's
 * chromedriver (both paths given explicitly; {@code .ci/run} installs them). A replay started from the
 * form progresses and completes in the table; another is paused and resumed from its row; charts draw
 * (non-blank canvas pixels); an export runs and its file downloads. Screenshots of each page at 1280x800
 * go to {@code target/cockpit-screenshots/}, and of the page that failed on a failure.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
// in a fixed order: the first takes the newest run to be the one it just started, so it runs before any other
// starts runs; the tests added with issue 21 run last, one replay at a time (the test pool has 4 connections)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CockpitBrowserIT
{
    private static final Path SHOTS = Path.of("target", "cockpit-screenshots");

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static String base;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("browser", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(2).seed(11),
            new ReplayService.Context().journalDir(dir.resolve("journal")).progressIntervalMillis(250));
        // as the demo holds: earlier trading days in October at a low rate before the session of 2025-11-03
        final SyntheticSession.Context history = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL"))
            .startDate(LocalDate.parse("2025-10-01")).days(23).ticksPerSecond(0.02).seed(12);
        new TickStore(services.db.dataSource()).writeSession(new SyntheticSession(history), history, f -> { });
        server = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://localhost:" + server.start();
        Files.createDirectories(SHOTS);
        final ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800");
        // the cockpit asks before it cancels or restarts a run: a person answers OK unless a test reads the question first
        options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.ACCEPT);
        final ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort().build();
        browser = new ChromeDriver(driver, options);
        browser.manage().window().setSize(new Dimension(1280, 800));
    }

    @AfterAll
    static void stop()
    {
        if (browser != null)
        {
            browser.quit();
        }
        if (server != null)
        {
            server.close();
        }
        if (services != null)
        {
            services.close();
        }
    }

    private static WebDriverWait waitUpTo(final int seconds)
    {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }

    private static Object js(final String script, final Object... args)
    {
        return ((JavascriptExecutor)browser).executeScript(script, args);
    }

    /** A datetime-local input set as a person would leave it (its value, then input and change events). */
    private static void setValue(final String id, final String value)
    {
        js("const e = document.getElementById(arguments[0]); e.value = arguments[1];" +
            "e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));", id, value);
    }

    private static void shot(final String name) throws Exception
    {
        final File png = ((TakesScreenshot)browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A screenshot of the whole page, not only the window's height (at most 2400 px tall), at the window's width. */
    private static void shotWhole(final String name) throws Exception
    {
        final Dimension window = browser.manage().window().getSize();
        final long height = ((Number)js("return document.documentElement.scrollHeight")).longValue();
        browser.manage().window().setSize(new Dimension(window.getWidth(), (int)Math.min(2400, Math.max(window.getHeight(), height + 140))));
        try
        {
            Thread.sleep(500); // the charts follow their container's width: let them settle
            shot(name);
        }
        finally
        {
            browser.manage().window().setSize(window);
        }
    }

    /** Runs a step; on any failure keeps a screenshot of the page as it was, then fails. */
    private static void step(final String name, final ThrowingRunnable body) throws Exception
    {
        try
        {
            body.run();
        }
        catch (final Throwable t)
        {
            shot("FAILED-" + name);
            throw t;
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable
    {
        void run() throws Exception;
    }

    /** Pixels of the element's canvases that are not transparent and not the page's white. */
    private static long paintedPixels(final String containerId)
    {
        return ((Number)js("let n = 0; for (const c of document.querySelectorAll('#' + arguments[0] + ' canvas')) {" +
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;" +
            " for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) n++; } }" +
            " return n;", containerId)).longValue();
    }

    private static String statusOf(final String table, final String attribute, final long id)
    {
        final List<WebElement> cells = browser.findElements(By.cssSelector("#" + table + " tr[" + attribute + "='" + id + "'] td.status"));
        return cells.isEmpty() ? "" : cells.get(0).getText().strip();
    }

    private static long newestRunId() throws Exception
    {
        return call("GET", base + "/v1/replay/ticks?limit=1", null).json().get("runs").get(0).get("run_id").asLong();
    }

    @Test
    @Order(1)
    void aPersonDrivesAReplayAChartAndAnExportFromTheCockpit() throws Exception
    {
        browser.get(base + "/#/replays");
        step("replays-form", () ->
        {
            // every control a person and a screen reader look for, by its visible label
            for (final String label : List.of("Provider", "Symbols", "Start", "End", "Speed"))
            {
                final WebElement l = browser.findElement(By.xpath("//label[starts-with(normalize-space(.), '" + label + "')]"));
                assertThat(l.getAttribute("for")).as("label " + label).isNotBlank();
                assertThat(browser.findElements(By.id(l.getAttribute("for")))).as("the control of label " + label).hasSize(1);
            }
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("provider"))).getOptions().stream().anyMatch(o -> o.getAttribute("value").equals("ibkr")));
            new Select(browser.findElement(By.id("provider"))).selectByValue("ibkr");
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("symbols"))).getOptions().size() == 2);
            final Select symbols = new Select(browser.findElement(By.id("symbols")));
            symbols.deselectAll();
            symbols.selectByValue("NVDA");
            setValue("start", "2025-11-03T14:30:00");
            setValue("end", "2025-11-03T15:30:00");
            new Select(browser.findElement(By.id("speed"))).selectByValue("0");
            shot("replays-1280x800");
        });

        // a burst replay from the form: it appears in the table and completes there
        step("replay-completes", () ->
        {
            browser.findElement(By.id("start-replay")).click();
            waitUpTo(30).until(d -> d.findElements(By.cssSelector("#active-replays tr[data-run-id]")).size() >= 1);
            final long runId = newestRunId();
            waitUpTo(120).until(d -> statusOf("active-replays", "data-run-id", runId).equals("completed"));
            final JsonNode job = call("GET", base + "/v1/replay/ticks/" + runId, null).json();
            assertThat(job.get("symbols")).extracting(JsonNode::asText).containsExactly("NVDA");
            assertThat(job.get("min_ts").asText()).isEqualTo("2025-11-03T14:30:00Z");
            shot("replays-completed");

            // its drilldown draws the emission rate
            browser.get(base + "/#/replays/" + runId);
            waitUpTo(30).until(d -> paintedPixels("rate-chart") > 200);
            shot("run-drilldown");
        });

        // a schedule shows on the replays page with its next fire, and its last run links to that run's drilldown
        step("schedules", () ->
        {
            final JsonNode schedule = call("POST", base + "/v1/schedules", "{\"name\": \"browser-nightly\", \"cron\": \"0 22 * * 1-5\", " +
                "\"zone\": \"America/New_York\", \"window\": {\"last\": \"4h\"}, \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}}").json();
            final long runId = newestRunId();
            new io.tickreplay.adapters.postgres.JobScheduleStore(services.db.dataSource()).recordOutcome(schedule.get("id").asLong(), runId, "started");
            browser.get(base + "/#/replays");
            browser.navigate().refresh();
            final By row = By.cssSelector("#schedules tr[data-schedule-id='" + schedule.get("id").asLong() + "']");
            waitUpTo(30).until(d -> !d.findElements(row).isEmpty());
            final String text = browser.findElement(row).getText();
            assertThat(text).contains("browser-nightly").contains("0 22 * * 1-5").contains("America/New_York")
                .contains(schedule.get("next_fire_at").asText().substring(0, 10));
            browser.findElement(row).findElement(By.linkText("run " + runId)).click();
            waitUpTo(30).until(d -> d.getCurrentUrl().endsWith("#/replays/" + runId));
            assertThat(call("DELETE", base + "/v1/schedules/" + schedule.get("id").asLong(), null).status()).isEqualTo(204);
        });

        // a slow one, paused and resumed from its row
        step("pause-resume", () ->
        {
            final long runId = call("POST", base + "/v1/replay/ticks",
                "{\"provider\": \"ibkr\", \"symbols\": [\"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T20:30:00Z\", \"speed\": 5}")
                .json().get("run_id").asLong();
            browser.get(base + "/#/replays");
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("running"));
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Pause']")).click();
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("paused"));
            assertThat(call("GET", base + "/v1/replay/ticks/" + runId, null).json().get("status").asText()).isEqualTo("paused");
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Resume']")).click();
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("running"));
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Cancel']")).click();
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("cancelled"));
        });

        step("signals-chart", () ->
        {
            // a million rows of one signal on a day of their own: the page draws them downsampled
            try (Connection c = services.db.connection(); Statement s = c.createStatement())
            {
                // as a writer does: into the live partition of signal_rows, by ids (the signals view takes a row at a time)
                s.execute("WITH k AS (SELECT signal_key_id('ibkr', 'NVDA') AS id), n AS (SELECT signal_name_id('vwap_deviation_bps') AS id) " +
                    "INSERT INTO signal_rows (ts, value, run_id, key_id, name_id) SELECT " +
                    "timestamptz '2025-11-04 14:30:00+00' + i * interval '20 milliseconds', sin(i / 5000.0) * 10 + random(), 0, k.id, n.id " +
                    "FROM generate_series(0, 999999) i, k, n");
            }
            browser.get(base + "/#/signals");
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("sig-provider"))).getOptions().stream().anyMatch(o -> o.getAttribute("value").equals("ibkr")));
            new Select(browser.findElement(By.id("sig-provider"))).selectByValue("ibkr");
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("sig-symbol"))).getOptions().stream().anyMatch(o -> o.getAttribute("value").equals("NVDA")));
            new Select(browser.findElement(By.id("sig-symbol"))).selectByValue("NVDA");
            new Select(browser.findElement(By.id("sig-name"))).selectByValue("vwap_deviation_bps");
            setValue("sig-start", "2025-11-04T14:30:00");
            setValue("sig-end", "2025-11-04T20:30:00");
            new Select(browser.findElement(By.id("sig-source"))).selectByValue("live");
            browser.findElement(By.id("show-signal")).click();
            waitUpTo(60).until(d -> js("return window.lastChartTiming ? window.lastChartTiming.rows : 0") instanceof Number n && n.longValue() == 1_000_000);
            waitUpTo(30).until(d -> paintedPixels("signal-chart") > 500);
            final Object first = js("return JSON.stringify(window.lastChartTiming)");
            // again, as a person looking twice does: the rows just written now have their hint bits set and are cached
            js("window.lastChartTiming = null");
            browser.findElement(By.id("show-signal")).click();
            waitUpTo(60).until(d -> js("return window.lastChartTiming ? window.lastChartTiming.rows : 0") instanceof Number n && n.longValue() == 1_000_000);
            System.out.println("CockpitBrowserIT signals page, 1,000,000 rows (server query and downsampling, transfer and draw, in the browser): first " +
                first + ", again " + js("return JSON.stringify(window.lastChartTiming)"));
            shot("signals-1280x800");
        });

        step("export", () ->
        {
            browser.get(base + "/#/exports");
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("exp-provider"))).getOptions().stream().anyMatch(o -> o.getAttribute("value").equals("ibkr")));
            new Select(browser.findElement(By.id("exp-dataset"))).selectByValue("ticks");
            new Select(browser.findElement(By.id("exp-provider"))).selectByValue("ibkr");
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("exp-symbols"))).getOptions().size() == 2);
            final Select symbols = new Select(browser.findElement(By.id("exp-symbols")));
            symbols.deselectAll();
            symbols.selectByValue("NVDA");
            setValue("exp-start", "2025-11-03T14:30:00");
            setValue("exp-end", "2025-11-03T15:00:00");
            new Select(browser.findElement(By.id("exp-format"))).selectByValue("csv");
            browser.findElement(By.id("exp-output")).sendKeys("browser-ticks");
            browser.findElement(By.id("start-export")).click();
            waitUpTo(60).until(d -> !d.findElements(By.cssSelector("#exports tr[data-export-id] a.download")).isEmpty());
            final WebElement link = browser.findElement(By.cssSelector("#exports tr[data-export-id] a.download"));
            final String id = link.findElement(By.xpath("./ancestor::tr")).getAttribute("data-export-id");
            final JsonNode job = call("GET", base + "/v1/exports/" + id, null).json();
            assertThat(job.get("status").asText()).isEqualTo("completed");
            final HttpResponse<String> file = ApiServices.send("GET", link.getAttribute("href"), null);
            assertThat(file.statusCode()).isEqualTo(200);
            final List<String> lines = file.body().lines().toList();
            assertThat(lines.get(0)).startsWith("provider,symbol,ts");
            assertThat(lines).hasSize(job.get("rows_written").asInt() + 1);
            assertThat(job.get("rows_written").asInt()).isPositive();
            shot("exports-1280x800");
        });

        step("latency", () ->
        {
            browser.get(base + "/#/latency");
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("lat-run"))).getOptions().size() >= 1);
            shot("latency-1280x800");
        });

        step("narrow", () ->
        {
            browser.manage().window().setSize(new Dimension(390, 844));
            browser.get(base + "/#/replays");
            waitUpTo(30).until(d -> !d.findElements(By.cssSelector("#active-replays tr[data-run-id]")).isEmpty());
            final long overflow = ((Number)js("return document.documentElement.scrollWidth - window.innerWidth")).longValue();
            assertThat(overflow).as("the page fits a 390 px wide screen (tables scroll inside their own box)").isLessThanOrEqualTo(0);
            assertThat(browser.findElement(By.id("start-replay")).isDisplayed()).isTrue();
            shot("replays-390");
            browser.manage().window().setSize(new Dimension(1280, 800));
        });
    }

    /**
     * A burst replay while the cockpit watches (its event stream open on the replays page) against the
     * same replay with no page open, alternated three times: the figures are printed for the docs, not
     * asserted (the machine is shared); what is asserted is that both complete with the same checksum.
     */
    @Test
    @Order(2)
    void aBurstReplayWatchedByTheCockpitAgainstOneThatIsNot() throws Exception
    {
        final String body = "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", " +
            "\"end\": \"2025-11-03T21:00:00Z\", \"speed\": 0, \"journal\": false}";
        final List<Double> watched = new java.util.ArrayList<>();
        final List<Double> unwatched = new java.util.ArrayList<>();
        final java.util.Set<String> checksums = new java.util.HashSet<>();
        for (int round = 0; round < 3; round++)
        {
            for (final boolean watching : new boolean[] {round % 2 == 0, round % 2 != 0})
            {
                browser.get(watching ? base + "/#/replays" : "about:blank");
                if (watching)
                {
                    waitUpTo(30).until(d -> (Boolean)js("return document.querySelector('#active-replays') !== null"));
                }
                final long runId = call("POST", base + "/v1/replay/ticks", body).json().get("run_id").asLong();
                final JsonNode[] done = new JsonNode[1];
                waitUpTo(180).until(d ->
                {
                    try
                    {
                        done[0] = call("GET", base + "/v1/replay/ticks/" + runId, null).json();
                        return !done[0].get("status").asText().equals("running");
                    }
                    catch (final Exception e)
                    {
                        return false;
                    }
                });
                assertThat(done[0].get("status").asText()).isEqualTo("completed");
                checksums.add(done[0].get("metadata").get("checksum").asText());
                (watching ? watched : unwatched).add(done[0].get("metadata").get("ticks_per_second").asDouble());
            }
        }
        assertThat(checksums).as("the same stream, watched or not").hasSize(1);
        final double w = watched.stream().sorted().toList().get(1);
        final double u = unwatched.stream().sorted().toList().get(1);
        System.out.printf("CockpitBrowserIT burst replay watched by the cockpit: %s ticks/s (median %.0f); not watched: %s (median %.0f); ratio %.3f%n",
            watched, w, unwatched, u, w / u);
    }

    /** The job once it is no longer running or paused. */
    private static JsonNode awaitEnd(final long runId, final int seconds)
    {
        final JsonNode[] done = new JsonNode[1];
        waitUpTo(seconds).until(d ->
        {
            try
            {
                done[0] = call("GET", base + "/v1/replay/ticks/" + runId, null).json();
                final String status = done[0].get("status").asText();
                return !status.equals("running") && !status.equals("paused");
            }
            catch (final Exception e)
            {
                return false;
            }
        });
        return done[0];
    }

    /** A burst replay of everything the store holds, as the demo runs it (every signal into the table). */
    private static long demoLikeRun() throws Exception
    {
        final JsonNode provider = call("GET", base + "/v1/providers", null).json().get("providers").get(0);
        final Instant end = Instant.parse(provider.get("last_ts").asText()).plusNanos(1000);
        final long runId = call("POST", base + "/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"" +
            provider.get("first_ts").asText() + "\", \"end\": \"" + end + "\", \"speed\": 0}").json().get("run_id").asLong();
        assertThat(awaitEnd(runId, 180).get("status").asText()).isEqualTo("completed");
        return runId;
    }

    /** A fresh load of the page at this route (not a same-document hash change). */
    private static void load(final String route)
    {
        browser.get(base + "/" + route);
        browser.navigate().refresh();
    }

    private static Instant utcField(final String id)
    {
        final String text = browser.findElement(By.id(id)).getAttribute("value");
        assertThat(text).as(id + " in UTC, 24-hour").matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}(:\\d{2})?");
        return Instant.parse(text.replace(' ', 'T') + (text.length() == 16 ? ":00Z" : "Z"));
    }

    /** The texts of the buttons a person sees in a run's row. */
    @SuppressWarnings("unchecked")
    private static List<String> visibleButtons(final long runId)
    {
        return (List<String>)js("return [...document.querySelectorAll(\"#active-replays tr[data-run-id='\" + arguments[0] + \"'] button\")]" +
            ".filter(b => b.offsetParent !== null).map(b => b.textContent.trim())", String.valueOf(runId));
    }

    private static long rowHeight(final long runId)
    {
        return ((Number)js("return Math.round(document.querySelector(\"#active-replays tr[data-run-id='\" + arguments[0] + \"']\").getBoundingClientRect().height)",
            String.valueOf(runId))).longValue();
    }

    /**
     * After a demo-like run the cockpit opens on data: the Signals page draws that run's latest hour of
     * vwap_deviation_bps with nothing chosen, and the Replays form holds the latest five minutes of ticks
     * at 10x, which replays in 30 s and does replay ticks.
     */
    @Test
    @Order(3)
    void afterTheDemoTheCockpitOpensOnData() throws Exception
    {
        final long demoRun = demoLikeRun();
        step("signals-defaults", () ->
        {
            js("window.lastChartTiming = null");
            load("#/signals");
            waitUpTo(60).until(d -> js("return window.lastChartTiming ? window.lastChartTiming.rows : 0") instanceof Number n && n.longValue() > 0);
            waitUpTo(30).until(d -> paintedPixels("signal-chart") > 500);
            assertThat(new Select(browser.findElement(By.id("sig-source"))).getFirstSelectedOption().getAttribute("value"))
                .as("the source is the latest run that wrote signals, not live").isEqualTo(String.valueOf(demoRun));
            assertThat(browser.findElement(By.id("sig-provider")).getAttribute("value")).isEqualTo("ibkr");
            assertThat(browser.findElement(By.id("sig-name")).getAttribute("value")).isEqualTo("vwap_deviation_bps");
            final Instant start = utcField("sig-start");
            final Instant end = utcField("sig-end");
            assertThat(Duration.between(start, end)).as("the run's latest hour at most").isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
            assertThat(end).as("the run's latest rows: the session of 2025-11-03, not October").isAfter(Instant.parse("2025-11-03T20:00:00Z"));
            assertThat(browser.findElement(By.id("chart-info")).getText()).contains("rows").doesNotStartWith("0 rows");
            shot("signals-defaults-1280x800");
        });

        step("replays-defaults", () ->
        {
            load("#/replays");
            waitUpTo(30).until(d -> !d.findElement(By.id("end")).getAttribute("value").isEmpty());
            final JsonNode provider = call("GET", base + "/v1/providers", null).json().get("providers").get(0);
            final Instant lastTick = Instant.parse(provider.get("last_ts").asText());
            final Instant start = utcField("start");
            final Instant end = utcField("end");
            assertThat(new Select(browser.findElement(By.id("symbols"))).getAllSelectedOptions()).extracting(o -> o.getAttribute("value"))
                .as("every symbol of the provider, so that the form can start as it is").containsExactlyInAnyOrder("NVDA", "AAPL");
            assertThat(browser.findElement(By.id("speed")).getAttribute("value")).isEqualTo("10");
            assertThat(Duration.between(start, end)).isEqualTo(Duration.ofMinutes(5));
            assertThat(end).as("the latest ticks: the window ends at the minute after the last one").isAfter(lastTick)
                .isBeforeOrEqualTo(lastTick.plusSeconds(60));
            assertThat(Duration.between(start, end).dividedBy(10)).as("the window at the default speed lasts under a minute")
                .isLessThan(Duration.ofMinutes(1));
            shot("replays-defaults-1280x800");
            load("#/exports");
            waitUpTo(30).until(d -> !d.findElement(By.id("exp-end")).getAttribute("value").isEmpty());
            utcField("exp-start");
            utcField("exp-end");
            shot("exports-defaults-1280x800");
            load("#/replays");
            waitUpTo(30).until(d -> !d.findElement(By.id("end")).getAttribute("value").isEmpty());

            final long before = newestRunId();
            browser.findElement(By.id("start-replay")).click();
            waitUpTo(30).until(d -> newestRunIdOrZero() > before);
            final long runId = newestRunId();
            waitUpTo(30).until(d -> !statusOf("active-replays", "data-run-id", runId).isEmpty());
            shot("replays-1280x800-running");
            final JsonNode job = awaitEnd(runId, 120);
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("min_ts").asText()).isEqualTo(start.toString());
            assertThat(job.get("rows_written").asLong()).as("the default window has ticks").isPositive();
            assertThat(job.get("metadata").get("speed").asDouble()).isEqualTo(10.0);
        });

        step("defaults-390", () ->
        {
            browser.manage().window().setSize(new Dimension(390, 844));
            try
            {
                js("window.lastChartTiming = null");
                load("#/signals");
                waitUpTo(60).until(d -> js("return window.lastChartTiming ? window.lastChartTiming.rows : 0") instanceof Number n && n.longValue() > 0);
                waitUpTo(30).until(d -> paintedPixels("signal-chart") > 200);
                assertThat(((Number)js("return document.documentElement.scrollWidth - window.innerWidth")).longValue())
                    .as("the signals page with its chart fits a 390 px wide screen").isLessThanOrEqualTo(0);
                shot("signals-390");
                load("#/replays");
                waitUpTo(30).until(d -> !d.findElements(By.cssSelector("#active-replays tr[data-run-id]")).isEmpty());
                waitUpTo(30).until(d -> !d.findElement(By.id("end")).getAttribute("value").isEmpty());
                assertThat(((Number)js("return document.documentElement.scrollWidth - window.innerWidth")).longValue())
                    .as("the replays page fits a 390 px wide screen").isLessThanOrEqualTo(0);
                shot("replays-defaults-390");
            }
            finally
            {
                browser.manage().window().setSize(new Dimension(1280, 800));
            }
        });
    }

    /**
     * A run's row shows the controls that apply to its status and no others, a finished run's in one
     * line; Cancel and a resume that restarts from the checkpoint ask first, and a "no" leaves the run
     * as it was; the window, speed and size are columns; times are typed in UTC on a 24-hour clock; the run's
     * metadata is a table of fields.
     */
    @Test
    @Order(4)
    void eachRowShowsTheControlsThatApplyAndAsksBeforeItCancelsOrRestarts() throws Exception
    {
        final long doneId = call("POST", base + "/v1/replay/ticks",
            "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T15:00:00Z\", \"end\": \"2025-11-03T15:10:00Z\", \"speed\": 0}")
            .json().get("run_id").asLong();
        assertThat(awaitEnd(doneId, 120).get("status").asText()).isEqualTo("completed");
        final long runId = call("POST", base + "/v1/replay/ticks",
            "{\"provider\": \"ibkr\", \"symbols\": [\"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T20:30:00Z\", \"speed\": 5}")
            .json().get("run_id").asLong();
        load("#/replays");
        step("running-row", () ->
        {
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("running"));
            assertThat(visibleButtons(runId)).containsExactly("Pause", "Cancel", "Set speed", "Seek");
            assertThat(row(runId).findElement(By.cssSelector("td.window")).getText()).isEqualTo("2025-11-03 14:30 \u2192 20:30");
            assertThat(row(runId).findElement(By.cssSelector("td.speed")).getText()).isEqualTo("5x");
            assertThat(row(runId).findElement(By.id("run-seek-" + runId)).getAttribute("type")).as("24-hour UTC text, not the locale's picker").isEqualTo("text");
        });

        step("completed-row", () ->
        {
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", doneId).equals("completed"));
            assertThat(visibleButtons(doneId)).as("a completed run has nothing to control").isEmpty();
            assertThat(row(doneId).findElement(By.linkText("Details")).isDisplayed()).isTrue();
            assertThat(row(doneId).findElement(By.cssSelector("td.window")).getText()).isEqualTo("2025-11-03 15:00 \u2192 15:10");
            assertThat(row(doneId).findElement(By.cssSelector("td.speed")).getText()).isEqualTo("burst");
            // what the run keeps: its signal rows and their size on disk (runs prune deletes them)
            waitUpTo(30).until(d -> row(doneId).findElement(By.cssSelector("td.size")).getText().matches("[0-9,]+ rows · [0-9.]+ (KiB|MiB)"));
            assertThat(Long.parseLong(row(doneId).findElement(By.cssSelector("td.size")).getText().split(" ")[0].replace(",", ""))).isPositive();
            assertThat(rowHeight(doneId)).as("one line").isLessThan(60);
        });

        step("cancel-asks", () ->
        {
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Cancel']")).click();
            final Alert no = browser.switchTo().alert();
            assertThat(no.getText()).contains("Cancel run " + runId);
            no.dismiss();
            Thread.sleep(1500);
            assertThat(call("GET", base + "/v1/replay/ticks/" + runId, null).json().get("status").asText()).as("a no leaves it running").isEqualTo("running");
            // a checkpoint is taken every 5 s of a run: let it have one to restart from
            waitUpTo(60).until(d -> checkpointed(runId));
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Cancel']")).click();
            browser.switchTo().alert().accept();
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("cancelled"));
            assertThat(visibleButtons(runId)).as("a cancelled run can only be restarted from its checkpoint").containsExactly("Resume from checkpoint");
            assertThat(rowHeight(runId)).as("one line").isLessThan(60);
            shot("replays-finished-rows");
        });

        step("resume-from-checkpoint-asks", () ->
        {
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Resume from checkpoint']")).click();
            final Alert no = browser.switchTo().alert();
            assertThat(no.getText()).contains("run " + runId).contains("checkpoint");
            no.dismiss();
            Thread.sleep(1500);
            assertThat(call("GET", base + "/v1/replay/ticks/" + runId, null).json().get("status").asText()).as("a no leaves it cancelled").isEqualTo("cancelled");
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Resume from checkpoint']")).click();
            browser.switchTo().alert().accept();
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("running"));
            row(runId).findElement(By.xpath(".//button[normalize-space(.)='Cancel']")).click();
            browser.switchTo().alert().accept();
            waitUpTo(30).until(d -> statusOf("active-replays", "data-run-id", runId).equals("cancelled"));
        });

        step("utc-24-hour", () ->
        {
            waitUpTo(30).until(d -> !d.findElement(By.id("end")).getAttribute("value").isEmpty());
            for (final String id : List.of("start", "end", "sig-start", "sig-end", "exp-start", "exp-end"))
            {
                assertThat(browser.findElement(By.id(id)).getAttribute("type")).as(id).isEqualTo("text");
                assertThat(browser.findElement(By.id(id)).getAttribute("placeholder")).as(id).isEqualTo("YYYY-MM-DD HH:MM");
            }
            final WebElement start = browser.findElement(By.id("start"));
            start.clear();
            start.sendKeys("2025-11-03 9:15 PM");
            browser.findElement(By.id("start-replay")).click();
            final WebElement error = browser.findElement(By.id("replay-error"));
            waitUpTo(10).until(d -> error.isDisplayed());
            assertThat(error.getText()).contains("Start (UTC)").contains("24-hour").contains("(field: start)");
            assertThat(start.getAttribute("aria-invalid")).isEqualTo("true");
            start.clear();
            start.sendKeys("2025-11-03 20:15");
            assertThat(start.getAttribute("aria-invalid")).isNull();
            final WebElement end = browser.findElement(By.id("end"));
            end.clear();
            end.sendKeys("2025-11-03 20:20");
            new Select(browser.findElement(By.id("speed"))).selectByValue("0");
            final Select symbols = new Select(browser.findElement(By.id("symbols")));
            symbols.deselectAll();
            symbols.selectByValue("NVDA");
            final long before = newestRunId();
            browser.findElement(By.id("start-replay")).click();
            waitUpTo(30).until(d -> newestRunIdOrZero() > before);
            final JsonNode job = call("GET", base + "/v1/replay/ticks/" + newestRunId(), null).json();
            assertThat(job.get("min_ts").asText()).as("20:15 typed is 20:15 UTC").isEqualTo("2025-11-03T20:15:00Z");
            assertThat(job.get("metadata").get("end").asText()).isEqualTo("2025-11-03T20:20:00Z");
        });

        step("metadata-fields", () ->
        {
            load("#/replays/" + doneId);
            waitUpTo(30).until(d -> d.findElements(By.cssSelector("#run-metadata tbody tr")).size() > 5);
            @SuppressWarnings("unchecked")
            final List<List<String>> rows = (List<List<String>>)js("return [...document.querySelectorAll('#run-metadata tbody tr')]" +
                ".map(r => [r.cells[0].textContent.trim(), r.cells[1].textContent.trim()])");
            assertThat(rows).extracting(r -> r.get(0)).contains("speed", "end", "checksum", "request.sink");
            assertThat(rows).allSatisfy(r -> assertThat(r.get(1)).as(r.get(0) + " is a value, not a JSON dump").doesNotStartWith("{").doesNotStartWith("[{"));
            assertThat(rows).filteredOn(r -> r.get(0).equals("speed")).extracting(r -> r.get(1)).containsExactly("0");
            waitUpTo(30).until(d -> paintedPixels("rate-chart") > 200);
            shotWhole("run-drilldown-fields");
        });
    }

    /**
     * The latency page opens on a signals stage, writes latencies in the unit their size calls for, and
     * draws its axes without the y title over its tick labels or the last percentile cut off.
     */
    @Test
    @Order(5)
    void theLatencyPageReadsInUnitsAndOpensOnTheSignals() throws Exception
    {
        final long runId = demoLikeRun();
        load("#/latency");
        step("latency-stage-and-units", () ->
        {
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("lat-run"))).getOptions().size() >= 1);
            new Select(browser.findElement(By.id("lat-run"))).selectByValue(String.valueOf(runId));
            waitUpTo(30).until(d -> paintedPixels("latency-chart") > 500);
            assertThat(browser.findElement(By.id("lat-stage")).getAttribute("value")).as("the signals stage first").isEqualTo("signals-0");
            final String info = browser.findElement(By.id("latency-info")).getText();
            final Matcher max = Pattern.compile("max ([\\d.,]+) (\u00b5s|ms|s)\\b").matcher(info);
            assertThat(max.find()).as(info).isTrue();
            final double value = Double.parseDouble(max.group(1).replace(",", ""));
            assertThat(value).as("a unit the size calls for: " + info).isLessThan(1000);
            final String unit = browser.findElement(By.id("latency-chart")).getAttribute("data-unit");
            assertThat(js("return document.getElementById('latency-chart').uplot.axes[1].label")).isEqualTo("latency (" + unit + ")");

            // the widest y tick label fits between the ticks and the title
            final Number room = (Number)js("const u = document.getElementById('latency-chart').uplot, a = u.axes[1];" +
                "const c = document.createElement('canvas').getContext('2d'); c.font = a.font[0];" +
                "const widest = Math.max(...a._values.filter(v => v != null).map(v => c.measureText(String(v)).width));" +
                "return a._size - a.ticks.size - a.gap - widest;");
            assertThat(room.doubleValue()).as("space left between the y tick labels and the title").isGreaterThanOrEqualTo(0);
            // the last percentile label ends inside the canvas
            final Number overhang = (Number)js("const u = document.getElementById('latency-chart').uplot, a = u.axes[0];" +
                "const c = document.createElement('canvas').getContext('2d'); c.font = a.font[0];" +
                "const last = String(a._values[a._values.length - 1]); const r = devicePixelRatio || 1;" +
                "return (u.bbox.left + u.bbox.width) / r + c.measureText(last).width / 2 - u.width;");
            assertThat(overhang.doubleValue()).as("the last percentile label is not cut off").isLessThanOrEqualTo(0);
            shot("latency-signals-1280x800");
        });
    }

    private static boolean checkpointed(final long runId)
    {
        try (Connection c = services.db.connection(); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT count(*) FROM replay_checkpoints WHERE run_id = " + runId))
        {
            return rs.next() && rs.getLong(1) > 0;
        }
        catch (final SQLException e)
        {
            return false;
        }
    }

    private static long newestRunIdOrZero()
    {
        try
        {
            return newestRunId();
        }
        catch (final Exception e)
        {
            return 0;
        }
    }

    private static WebElement row(final long runId)
    {
        return browser.findElement(By.cssSelector("#active-replays tr[data-run-id='" + runId + "']"));
    }
}
