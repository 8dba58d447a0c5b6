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
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cockpit's Models page in a real browser (headless chromium, as {@link CockpitBrowserIT}): two
 * online-linear models run by one burst replay; the registry lists them; run and models chosen, the
 * page draws each model's rolling IC and hit rate (the points /v1/models/{name}/scores gives) overlaid,
 * and the scatter of predictions against realized returns (the points /v1/models/{name}/predictions
 * gives). Its screenshot goes to {@code target/cockpit-screenshots/}.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ModelsPageBrowserIT
{
    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static String base;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("modelpage", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(2).seed(11),
            new ReplayService.Context().journalDir(dir.resolve("journal")).models(dir.resolve("models"), 1 << 20).progressIntervalMillis(250));
        server = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://localhost:" + server.start();
        browser = HeadlessChromium.start(1280, 1600, false);
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

    private static Object js(final String script, final Object... args)
    {
        return ((JavascriptExecutor)browser).executeScript(script, args);
    }

    @Test
    void theModelsPageListsTheRegistryAndDrawsTwoModelsScoresAndAScatterOfWhatTheApiGives() throws Exception
    {
        for (final String m : List.of("{\"name\": \"fast\", \"lambda\": 0.95", "{\"name\": \"slow\", \"lambda\": 0.999"))
        {
            final ApiServices.Reply added = call("POST", base + "/v1/models", m + ", \"type\": \"online-linear\", \"features\": [\"close\", \"spread_bps\"], " +
                "\"interval\": \"1m\", \"horizon\": 2}");
            assertThat(added.status()).as(added.text()).isEqualTo(201);
        }
        final long run = call("POST", base + "/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], " +
            "\"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T16:30:00Z\", \"speed\": 0, \"signals\": [\"spread_bps\"], \"models\": [\"fast\", \"slow\"]}")
            .json().get("run_id").asLong();
        final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!call("GET", base + "/v1/replay/ticks/" + run, null).json().get("status").asText().equals("completed"))
        {
            assertThat(System.nanoTime()).as("run " + run + " completes").isLessThan(until);
            Thread.sleep(200);
        }

        final JsonNode fast = call("GET", base + "/v1/models/fast/scores?run_id=" + run + "&symbol=AAPL", null).json().get("series").get(0);
        final JsonNode slow = call("GET", base + "/v1/models/slow/scores?run_id=" + run + "&symbol=AAPL", null).json().get("series").get(0);
        final JsonNode points = call("GET", base + "/v1/models/fast/predictions?run_id=" + run + "&symbol=AAPL", null).json().get("points");
        assertThat(fast.get("ts").size()).isGreaterThan(50).isEqualTo(slow.get("ts").size());
        assertThat(points.size()).isGreaterThan(50);
        assertThat(fast.get("ic").toString()).as("the two models learn at different speeds: their scores differ").isNotEqualTo(slow.get("ic").toString());
        final ApiServices.Reply missing = call("GET", base + "/v1/models/fast/scores", null);
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("field").asText()).isEqualTo("run_id");

        browser.get(base + "/#/models");
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(b -> b.findElements(By.cssSelector("#models tbody tr")).size() == 2);
        assertThat(browser.findElement(By.cssSelector("#models tbody tr[data-model='fast'] .model-type")).getText()).isEqualTo("online-linear");
        new Select(browser.findElement(By.id("mdl-a"))).selectByValue("fast");
        new Select(browser.findElement(By.id("mdl-b"))).selectByValue("slow");
        browser.findElement(By.id("mdl-run-a")).sendKeys(String.valueOf(run));
        browser.findElement(By.id("mdl-show")).click();
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(b -> js("return document.getElementById('mdl-scatter').dataset.points || null") != null);
        new Select(browser.findElement(By.id("mdl-symbol"))).selectByValue("AAPL");
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(b -> String.valueOf(points.size()).equals(
            js("return document.getElementById('mdl-scatter-caption').textContent.includes('AAPL') ? document.getElementById('mdl-scatter').dataset.points : null")));

        // the IC chart: both models' series, each the API's points (uPlot holds them aligned by time)
        assertThat(((Number)js("return document.getElementById('mdl-ic-chart').uplot.series.length")).intValue()).isEqualTo(3);
        assertThat(((Number)js("return document.getElementById('mdl-ic-chart').uplot.data[1].filter(v => v !== null).length")).intValue())
            .isEqualTo(count(fast.get("ic")));
        assertThat(((Number)js("return document.getElementById('mdl-ic-chart').uplot.data[2].filter(v => v !== null).length")).intValue())
            .isEqualTo(count(slow.get("ic")));
        assertThat(((Number)js("return document.getElementById('mdl-hit-chart').uplot.data[1].filter(v => v !== null).length")).intValue())
            .isEqualTo(count(fast.get("hit_rate")));
        assertThat((String)js("return document.getElementById('mdl-ic-chart').uplot.series[1].label")).isEqualTo("fast run " + run);
        assertThat((String)js("return document.getElementById('mdl-ic-chart').uplot.series[2].label")).isEqualTo("slow run " + run);
        final long drawn = ((Number)js("const c = document.getElementById('mdl-scatter'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;" +
            " let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 100 && d[i + 2] > 150 && d[i] < 120) n++; } return n;")).longValue();
        assertThat(drawn).as("the scatter's dots are drawn").isGreaterThan(50);
        HeadlessChromium.shot(browser, "cockpit-models");
    }

    private static int count(final JsonNode values)
    {
        int n = 0;
        for (final JsonNode v : values)
        {
            n += v.isNull() ? 0 : 1;
        }
        return n;
    }
}
