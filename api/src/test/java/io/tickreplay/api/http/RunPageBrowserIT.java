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
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A run's page in a real browser (headless chromium and chromedriver, as {@link CockpitBrowserIT}): two
 * replays at 300x (paced, so that they have a lag; 3 s each) of the same fifteen minutes, then run A's page:
 * its manifest and statistics against the API and the database, candlesticks drawn from its bars (their
 * green and red pixels), its signal; compared
 * with run B, both series, their difference (zero in every shared column) and the diff's "equal"; compared
 * with live rows written as A's plus 1.5, a difference of -1.5 in every shared column. A run whose manifest
 * is gone says "no manifest". Screenshots go to {@code target/cockpit-screenshots/}.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RunPageBrowserIT
{
    private static final String WINDOW = "\"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T14:45:00Z\"";
    private static final String NAME = "vwap_deviation_bps";

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static String base;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("runpage", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(2).seed(11),
            new ReplayService.Context().journalDir(dir.resolve("journal")).progressIntervalMillis(250));
        server = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://localhost:" + server.start();
        browser = HeadlessChromium.start(1280, 800, false);
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

    private static void shot(final String name) throws Exception
    {
        HeadlessChromium.shot(browser, name);
    }

    /** Pixels of the container's canvases within a small distance of the colour (r, g, b), opaque. */
    private static long pixelsOf(final String containerId, final int r, final int g, final int b)
    {
        return ((Number)js("let n = 0; for (const c of document.querySelectorAll('#' + arguments[0] + ' canvas')) {" +
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;" +
            " for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 200 && Math.abs(d[i] - arguments[1]) + Math.abs(d[i + 1] - arguments[2])" +
            " + Math.abs(d[i + 2] - arguments[3]) < 60) n++; } } return n;", containerId, r, g, b)).longValue();
    }

    private static long startReplay() throws Exception
    {
        final long id = call("POST", base + "/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], " + WINDOW + ", \"speed\": 300}")
            .json().get("run_id").asLong();
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < until)
        {
            final String status = call("GET", base + "/v1/replay/ticks/" + id, null).json().get("status").asText();
            if (!status.equals("running"))
            {
                assertThat(status).as("run " + id).isEqualTo("completed");
                return id;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("run " + id + " did not complete in 90 s");
    }

    private static long sql(final String query) throws Exception
    {
        try (Connection c = services.db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String text(final String css)
    {
        return browser.findElement(By.cssSelector(css)).getText().strip();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lastCompare()
    {
        return (Map<String, Object>)js("return window.lastRunCompare ?? null");
    }

    @Test
    void aRunsPageShowsWhatItHoldsAndComparesItWithAnotherRunAndWithLive() throws Exception
    {
        final long a = startReplay();
        final long b = startReplay();
        final JsonNode job = call("GET", base + "/v1/replay/ticks/" + a, null).json();
        final JsonNode manifest = call("GET", base + "/v1/replay/ticks/" + a + "/manifest", null).json();
        final long ticks = job.get("metadata").get("ticks").asLong();
        assertThat(ticks).isGreaterThan(1000);
        final long vwapRows = sql("SELECT count(*) FROM signal_rows_r" + a + " WHERE name_id = signal_name_id('" + NAME + "')");
        final long bars1m = sql("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + a + " AND \"interval\" = '1m'");
        assertThat(vwapRows).isGreaterThan(100);
        assertThat(bars1m).isGreaterThan(10);

        browser.get(base + "/#/replays/" + a);
        step("statistics", () ->
        {
            waitUpTo(30).until(d -> !d.findElements(By.cssSelector("#run-summary dd[data-stat='ticks']")).isEmpty() &&
                !text("#run-summary dd[data-stat='signal-rows']").equals("—"));
            assertThat(text("#run-summary dd[data-stat='ticks']")).isEqualTo(String.format(Locale.US, "%,d", ticks));
            assertThat(text("#run-summary dd[data-stat='rate']")).matches("[\\d,]+ ticks/s");
            assertThat(text("#run-summary dd[data-stat='lag-p50']")).matches("[\\d.,]+ ms");
            assertThat(text("#run-summary dd[data-stat='lag-p99']")).matches("[\\d.,]+ ms");
            assertThat(text("#run-summary dd[data-stat='bars']")).contains(String.format(Locale.US, "%,d × 1m", bars1m));
            assertThat(text("#run-rows tr[data-name='" + NAME + "'] td.num")).isEqualTo(String.format(Locale.US, "%,d", vwapRows));
            assertThat(text("#run-rows tr[data-name='" + NAME + "']")).contains("NVDA").contains("AAPL");
        });
        step("manifest", () ->
        {
            assertThat(text("#run-manifest")).contains("2025-11-03 14:30:00 UTC → 2025-11-03 14:45:00 UTC")
                .contains(manifest.get("code").get("commit").asText());
            assertThat(text("#run-manifest-signals")).contains("rsi_14").contains("period 14");
            final JsonNode nvda = manifest.get("data").get(0).get("symbol").asText().equals("NVDA") ? manifest.get("data").get(0) : manifest.get("data").get(1);
            assertThat(text("#run-manifest-data")).contains("ibkr:NVDA").contains(nvda.get("checksum").asText())
                .contains(String.format(Locale.US, "%,d", nvda.get("ticks").asLong()));
        });
        step("candles-and-signal", () ->
        {
            waitUpTo(30).until(d -> !d.findElements(By.cssSelector("#run-candles canvas")).isEmpty());
            new Select(browser.findElement(By.id("run-symbol"))).selectByVisibleText("NVDA (ibkr)");
            new Select(browser.findElement(By.id("run-signal"))).selectByValue(NAME);
            waitUpTo(30).until(d -> text("#run-view-info").startsWith("NVDA · " + NAME));
            // the candles' bodies and wicks: green up, red down; the signal in the accent blue
            waitUpTo(10).until(d -> pixelsOf("run-candles", 21, 128, 61) + pixelsOf("run-candles", 185, 28, 28) > 200);
            assertThat(pixelsOf("run-signal-chart", 37, 99, 235)).isGreaterThan(100);
            assertThat(text("#run-view-info")).contains(String.format(Locale.US, "%,d 1m bars", sql("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + a +
                " AND \"interval\" = '1m' AND symbol = 'NVDA'")));
        });
        step("compare-with-a-run", () ->
        {
            waitUpTo(30).until(d -> new Select(d.findElement(By.id("run-compare"))).getOptions().stream().anyMatch(o -> o.getAttribute("value").equals(String.valueOf(b))));
            new Select(browser.findElement(By.id("run-compare"))).selectByValue(String.valueOf(b));
            waitUpTo(60).until(d -> !d.findElements(By.id("run-diff-verdict")).isEmpty());
            assertThat(text("#run-diff-verdict")).isEqualTo("Runs " + a + " and " + b + ": equal");
            assertThat(text("#run-diff-signals")).contains(NAME);
            final Map<String, Object> compare = lastCompare();
            assertThat(compare.get("with")).isEqualTo(String.valueOf(b));
            assertThat(((Number)compare.get("common")).longValue()).isGreaterThan(100);
            assertThat(((Number)compare.get("nonZero")).longValue()).isZero();
            assertThat(pixelsOf("run-signal-chart", 217, 119, 6)).as("the other run's series").isGreaterThan(100);
            assertThat(pixelsOf("run-diff-chart", 71, 85, 105)).as("the difference line").isGreaterThan(100);
            js("document.getElementById('run-compare-block').scrollIntoView()");
            shot("run-compare-run-1280x800");
        });
        step("compare-with-live", () ->
        {
            try (Connection c = services.db.connection(); Statement s = c.createStatement())
            {
                // live rows of the same window: run A's, 1.5 higher
                s.execute("INSERT INTO signal_rows (ts, value, run_id, key_id, name_id) SELECT ts, value + 1.5, 0, key_id, name_id FROM signal_rows_r" + a +
                    " WHERE name_id = signal_name_id('" + NAME + "') AND key_id = signal_key_id('ibkr', 'NVDA')");
            }
            js("window.lastRunCompare = null");
            new Select(browser.findElement(By.id("run-compare"))).selectByValue("live");
            waitUpTo(30).until(d -> lastCompare() != null && "live".equals(lastCompare().get("with")));
            final Map<String, Object> compare = lastCompare();
            final long common = ((Number)compare.get("common")).longValue();
            assertThat(common).isGreaterThan(100);
            assertThat(((Number)compare.get("nonZero")).longValue()).isEqualTo(common);
            assertThat(((Number)compare.get("maxAbs")).doubleValue()).isCloseTo(1.5, within(1e-9));
            assertThat(text("#run-diff-info")).contains("largest |difference| 1.5");
            assertThat(text("#run-diff-answer")).contains("Live has no run to diff against");
            assertThat(browser.findElements(By.id("run-diff-verdict"))).isEmpty();
            assertThat(pixelsOf("run-diff-chart", 71, 85, 105)).isGreaterThan(100);
            shotWhole("run-page-compare-live");
        });
        step("no-manifest", () ->
        {
            try (Connection c = services.db.connection(); Statement s = c.createStatement())
            {
                s.execute("UPDATE job_runs SET metadata = metadata - 'manifest' WHERE id = " + b);
            }
            browser.get(base + "/#/replays/" + b);
            waitUpTo(30).until(d -> !d.findElements(By.cssSelector("#run-manifest [data-manifest='none']")).isEmpty());
            assertThat(text("#run-manifest")).startsWith("no manifest");
        });
    }

    /** The whole page at the window's width (at most 3000 px tall). */
    private static void shotWhole(final String name) throws Exception
    {
        final Dimension window = browser.manage().window().getSize();
        js("window.scrollTo(0, 0)");
        final long height = ((Number)js("return document.documentElement.scrollHeight")).longValue();
        browser.manage().window().setSize(new Dimension(window.getWidth(), (int)Math.min(3000, Math.max(window.getHeight(), height + 140))));
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

    private static void step(final String name, final ThrowingRunnable body) throws Exception
    {
        try
        {
            body.run();
        }
        catch (final Throwable t)
        {
            shot("FAILED-run-page-" + name);
            throw t;
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable
    {
        void run() throws Exception;
    }
}
