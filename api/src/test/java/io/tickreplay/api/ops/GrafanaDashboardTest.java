package io.tickreplay.api.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tickreplay.api.ops.GrafanaDashboard.Expr;
import io.tickreplay.api.ops.GrafanaDashboard.Panel;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * config/grafana/tickreplay.json as Grafana provisions it: a stable uid, the datasource variable on
 * every panel and target (no {@code __inputs} or {@code ${DS_...}}, which only the import dialog
 * resolves), a description and a unit on every panel, {@code $__rate_interval} in every range, and
 * the provisioning files beside it. GrafanaMetricsIT checks the metric names against a real scrape.
 */
class GrafanaDashboardTest
{
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final JsonNode DATASOURCE = GrafanaDashboard.JSON.createObjectNode().put("type", "prometheus").put("uid", "${datasource}");

    private static GrafanaDashboard dashboard;

    @BeforeAll
    static void load() throws Exception
    {
        dashboard = GrafanaDashboard.load();
    }

    @Test
    void itIsGrafanasClassicModelWithAStableUid()
    {
        final JsonNode root = dashboard.root;
        assertThat(root.path("uid").asText()).as("uid").isEqualTo("tickreplay");
        assertThat(root.path("title").asText()).as("title").isEqualTo("tickreplay");
        assertThat(root.path("schemaVersion").asInt()).as("schemaVersion").isBetween(36, 41);
        assertThat(root.path("id").isNull() || root.path("id").isMissingNode()).as("id: null, so that provisioning gives it one").isTrue();
        assertThat(root.path("panels").isArray() && !root.path("panels").isEmpty()).as("panels").isTrue();
    }

    @Test
    void noImportPlaceholdersThatProvisioningLeavesUnresolved()
    {
        assertThat(dashboard.root.has("__inputs")).as("__inputs").isFalse();
        assertThat(dashboard.root.has("__requires")).as("__requires").isFalse();
        assertThat(dashboard.text).as("a ${DS_...} placeholder").doesNotContain("${DS_").doesNotContain("$DS_");
    }

    @Test
    void theDatasourceVariableIsThere()
    {
        final List<JsonNode> variables = new ArrayList<>();
        dashboard.root.path("templating").path("list").forEach(variables::add);
        final JsonNode ds = variables.stream().filter(v -> v.path("name").asText().equals("datasource")).findFirst().orElse(null);
        assertThat(ds).as("a variable named datasource").isNotNull();
        assertThat(ds.path("type").asText()).as("datasource variable's type").isEqualTo("datasource");
        assertThat(ds.path("query").asText()).as("datasource variable's query").isEqualTo("prometheus");
        assertThat(ds.path("label").asText()).as("datasource variable's label").isEqualTo("Data Source");
        for (final JsonNode v : variables)
        {
            if (v.path("type").asText().equals("query"))
            {
                assertThat(v.path("datasource")).as("variable " + v.path("name").asText() + "'s datasource").isEqualTo(DATASOURCE);
            }
        }
    }

    @Test
    void everyPanelHasADescriptionAUnitAndTheDatasourceVariable()
    {
        final SoftAssertions softly = new SoftAssertions();
        final List<Panel> panels = dashboard.dataPanels();
        softly.assertThat(panels).hasSizeGreaterThanOrEqualTo(10);
        for (final Panel p : panels)
        {
            final JsonNode n = p.node();
            softly.assertThat(n.path("title").asText()).as(p + ": title").isNotBlank();
            softly.assertThat(n.path("description").asText()).as(p + ": description").isNotBlank();
            softly.assertThat(n.path("fieldConfig").path("defaults").path("unit").asText()).as(p + ": fieldConfig.defaults.unit").isNotBlank();
            softly.assertThat(n.path("datasource")).as(p + ": datasource").isEqualTo(DATASOURCE);
            softly.assertThat(n.path("gridPos").path("w").asInt()).as(p + ": gridPos.w").isBetween(1, 24);
            softly.assertThat(n.path("gridPos").path("h").asInt()).as(p + ": gridPos.h").isPositive();
            softly.assertThat(p.targets()).as(p + ": targets").isNotEmpty();
            final Set<String> refIds = new HashSet<>();
            for (final JsonNode t : p.targets())
            {
                final String ref = t.path("refId").asText();
                softly.assertThat(refIds.add(ref)).as(p + ": refId '" + ref + "' unique").isTrue();
                softly.assertThat(t.path("datasource")).as(p + ", target " + ref + ": datasource").isEqualTo(DATASOURCE);
                softly.assertThat(t.path("expr").asText()).as(p + ", target " + ref + ": expr").isNotBlank();
            }
        }
        softly.assertAll();
    }

    @Test
    void panelIdsAreUniqueAndRowsHoldOnlyWhatTheyShouldHold()
    {
        final Set<Integer> ids = new HashSet<>();
        for (final Panel p : dashboard.panels())
        {
            assertThat(p.node().path("id").isInt()).as(p + ": id").isTrue();
            assertThat(ids.add(p.node().path("id").asInt())).as(p + ": id unique").isTrue();
        }
        for (final JsonNode p : dashboard.root.path("panels"))
        {
            if (p.path("type").asText().equals("row") && !p.path("collapsed").asBoolean())
            {
                // an open row's panels follow it at the top level; panels inside it would be drawn nowhere
                assertThat(p.path("panels").isEmpty()).as("row \"" + p.path("title").asText() + "\" is open and holds panels").isTrue();
            }
        }
    }

    private static final Pattern RATE_OR_INCREASE = Pattern.compile("\\b(rate|irate|increase)\\s*\\(");

    @Test
    void everyRangeIsRateInterval()
    {
        final SoftAssertions softly = new SoftAssertions();
        for (final Expr e : dashboard.exprs())
        {
            softly.assertThat(PromQl.ranges(e.expr())).as(e.where() + ": its ranges in " + e.expr()).allMatch(r -> r.equals("$__rate_interval"));
            final long calls = RATE_OR_INCREASE.matcher(e.expr()).results().count();
            softly.assertThat(PromQl.ranges(e.expr())).as(e.where() + ": a [$__rate_interval] for each rate/increase in " + e.expr())
                .hasSizeGreaterThanOrEqualTo((int)calls);
        }
        softly.assertAll();
    }

    @Test
    void theStageLatencyIsAHeatmapOfItsBoundedBuckets()
    {
        final List<Panel> heatmaps = dashboard.dataPanels().stream().filter(p -> p.node().path("type").asText().equals("heatmap")).toList();
        assertThat(heatmaps).as("heatmap panels").anySatisfy(p -> assertThat(p.targets()).anySatisfy(t ->
            assertThat(PromQl.metricNames(t.path("expr").asText())).containsExactly("tickreplay_stage_latency_seconds_bucket")));
        for (final Panel p : heatmaps)
        {
            assertThat(p.node().path("options").path("calculate").asBoolean(true)).as(p + ": options.calculate (the buckets are Prometheus's)").isFalse();
            for (final JsonNode t : p.targets())
            {
                assertThat(t.path("format").asText()).as(p + ", target " + t.path("refId").asText() + ": format").isEqualTo("heatmap");
                assertThat(t.path("expr").asText()).as(p + ", target " + t.path("refId").asText() + ": summed by le over _bucket")
                    .containsPattern("sum by \\(le\\)").contains("_bucket[");
            }
        }
    }

    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\}\\}");

    /** A legend naming a label the expression aggregates away shows nothing: each {{label}} must be one it groups by. */
    @Test
    void everyLegendLabelIsOneTheExpressionKeeps()
    {
        final SoftAssertions softly = new SoftAssertions();
        for (final Panel p : dashboard.dataPanels())
        {
            for (final JsonNode t : p.targets())
            {
                final String expr = t.path("expr").asText();
                final java.util.regex.Matcher m = LEGEND_LABEL.matcher(t.path("legendFormat").asText());
                while (m.find())
                {
                    softly.assertThat(PromQl.groupingLabels(expr)).as(p + ", target " + t.path("refId").asText() + ": legend {{" + m.group(1) + "}} kept by " + expr)
                        .contains(m.group(1));
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void everyExpressionNamesAMetric()
    {
        final SoftAssertions softly = new SoftAssertions();
        for (final Expr e : dashboard.exprs())
        {
            softly.assertThat(PromQl.metricNames(e.expr())).as(e.where() + ": metric names in " + e.expr()).isNotEmpty();
        }
        softly.assertAll();
    }

    @Test
    void theProvisioningFilesPointGrafanaAtPrometheusAndAtAFolder() throws Exception
    {
        final Path provisioning = GrafanaDashboard.repo().resolve("config/grafana/provisioning");
        final JsonNode datasources = YAML.readTree(Files.readString(provisioning.resolve("datasources/prometheus.yml")));
        assertThat(datasources.path("apiVersion").asInt()).as("datasources apiVersion").isEqualTo(1);
        final JsonNode prometheus = datasources.path("datasources").path(0);
        assertThat(prometheus.path("name").asText()).as("datasource name").isEqualTo("Prometheus");
        assertThat(prometheus.path("type").asText()).as("datasource type").isEqualTo("prometheus");
        assertThat(prometheus.path("url").asText()).as("datasource url").isEqualTo("http://localhost:9090");

        final JsonNode dashboards = YAML.readTree(Files.readString(provisioning.resolve("dashboards/tickreplay.yml")));
        assertThat(dashboards.path("apiVersion").asInt()).as("dashboards apiVersion").isEqualTo(1);
        final JsonNode provider = dashboards.path("providers").path(0);
        assertThat(provider.path("type").asText()).as("dashboard provider type").isEqualTo("file");
        final String path = provider.path("options").path("path").asText();
        assertThat(path).as("dashboard provider options.path").isNotBlank().startsWith("/");
        final String last = Path.of(path).getFileName().toString();
        assertThat(last).as("dashboard provider options.path ends in a folder, not a file: " + path).doesNotContain(".");
    }

    @Test
    void prometheusScrapesTheApisMetricsEveryFiveSeconds() throws Exception
    {
        final JsonNode config = YAML.readTree(Files.readString(GrafanaDashboard.repo().resolve("config/prometheus.yml")));
        final List<JsonNode> jobs = new ArrayList<>();
        config.path("scrape_configs").forEach(jobs::add);
        final JsonNode job = jobs.stream().filter(j -> j.path("job_name").asText().equals("tickreplay")).findFirst().orElse(null);
        assertThat(job).as("scrape job tickreplay").isNotNull();
        assertThat(job.path("metrics_path").asText("/metrics")).as("metrics_path").isEqualTo("/metrics");
        assertThat(job.path("scrape_interval").asText(config.path("global").path("scrape_interval").asText())).as("scrape_interval").isEqualTo("5s");
        assertThat(job.path("static_configs").path(0).path("targets").path(0).asText()).as("target").isEqualTo("localhost:8083");
    }

    @Test
    void promQlNamesAreTheMetricsOnly()
    {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, stage) (rate(tickreplay_stage_latency_seconds_bucket{stage=~\"signals.*\"}[$__rate_interval])))"))
            .containsExactly("tickreplay_stage_latency_seconds_bucket");
        assertThat(PromQl.metricNames("max by (name) (signals_compute_duration_seconds{quantile=\"0.99\"})")).containsExactly("signals_compute_duration_seconds");
        assertThat(PromQl.metricNames("sum(rate(a_sum[$__rate_interval])) / sum(rate(a_count[5m] offset 1h)) > bool 0 and on (job) up"))
            .containsExactly("a_count", "a_sum", "up");
        assertThat(PromQl.metricNames("sum without (instance) (x{run_id=~\"$run_id\", ring=\"ticks\"}) * on (run_id) group_left (symbol) y"))
            .containsExactly("x", "y");
        assertThat(PromQl.metricNames("topk(5, sum(rate(z_total[${__rate_interval}])) by (name)) + 1e-9 * 2"))
            .containsExactly("z_total");
        assertThat(PromQl.metricNames(GrafanaDashboard.promQlOf("label_values(tick_replay_ticks_emitted_total, run_id)")))
            .containsExactly("tick_replay_ticks_emitted_total");
        assertThat(PromQl.ranges("rate(a[$__rate_interval]) + increase(b[5m]) + c[10m:1m]")).containsExactly("$__rate_interval", "5m", "10m:1m");
        assertThat(PromQl.exactMatchers("x{quantile=\"0.99\", run_id=~\"$run_id\", a!=\"b\", c=\"$v\"} + y{ring = \"ticks\"}"))
            .containsExactly(java.util.Map.entry("quantile", "0.99"), java.util.Map.entry("ring", "ticks"));
        assertThat(PromQl.groupingLabels("sum by (le, stage) (x) + sum without (run_id) (y) + on (job) sum(z) by (name)"))
            .containsExactly("le", "name", "stage");
    }
}
