package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
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
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        server = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://localhost:" + server.start();
        Files.createDirectories(SHOTS);
        final ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800");
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
                s.execute("INSERT INTO signals (provider, symbol, ts, name, value) SELECT 'ibkr', 'NVDA', " +
                    "timestamptz '2025-11-04 14:30:00+00' + i * interval '20 milliseconds', 'vwap_deviation_bps', sin(i / 5000.0) * 10 + random() " +
                    "FROM generate_series(0, 999999) i");
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

    private static WebElement row(final long runId)
    {
        return browser.findElement(By.cssSelector("#active-replays tr[data-run-id='" + runId + "']"));
    }
}
