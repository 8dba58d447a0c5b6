package io.tickreplay.api.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The dashboard this project ships, {@code config/grafana/tickreplay.json}, as its tests read it:
 * every panel (those nested in a collapsed row too) with a name for assertion messages, and every
 * PromQL expression (targets and query variables).
 */
final class GrafanaDashboard
{
    static final ObjectMapper JSON = new ObjectMapper();

    /** The repository's top folder: the api module's parent (Maven runs tests in the module's folder and sets {@code basedir}). */
    static Path repo()
    {
        return Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
    }

    static Path file()
    {
        return repo().resolve("config/grafana/tickreplay.json");
    }

    /** A panel and where it sits, e.g. {@code panel 7 "Replay lag" (in row "Replay")}. */
    record Panel(JsonNode node, String name)
    {
        boolean isRow()
        {
            return "row".equals(node.path("type").asText());
        }

        List<JsonNode> targets()
        {
            final List<JsonNode> out = new ArrayList<>();
            node.path("targets").forEach(out::add);
            return out;
        }

        @Override
        public String toString()
        {
            return name;
        }
    }

    /** An expression and where it comes from, e.g. {@code panel 7 "Replay lag", target A}. */
    record Expr(String expr, String where)
    {
    }

    final JsonNode root;
    final String text;

    private GrafanaDashboard(final String text) throws IOException
    {
        this.text = text;
        this.root = JSON.readTree(text);
    }

    static GrafanaDashboard load() throws IOException
    {
        return new GrafanaDashboard(Files.readString(file()));
    }

    /** Every panel, rows included, in order; a collapsed row's panels follow it. */
    List<Panel> panels()
    {
        final List<Panel> out = new ArrayList<>();
        String row = null;
        for (final JsonNode p : root.path("panels"))
        {
            final Panel panel = new Panel(p, describe(p, null));
            out.add(panel);
            if (panel.isRow())
            {
                row = p.path("title").asText();
                for (final JsonNode nested : p.path("panels"))
                {
                    out.add(new Panel(nested, describe(nested, row)));
                }
            }
            else if (row != null)
            {
                out.set(out.size() - 1, new Panel(p, describe(p, row)));
            }
        }
        return out;
    }

    private static String describe(final JsonNode p, final String row)
    {
        return ("row".equals(p.path("type").asText()) ? "row " : "panel ") + p.path("id").asText("?") + " \"" + p.path("title").asText() + "\"" +
            (row == null ? "" : " (in row \"" + row + "\")");
    }

    /** The panels that show data: every panel but rows. */
    List<Panel> dataPanels()
    {
        return panels().stream().filter(p -> !p.isRow()).toList();
    }

    /** Every PromQL expression: each target's {@code expr}, and each query variable's query. */
    List<Expr> exprs()
    {
        final List<Expr> out = new ArrayList<>();
        for (final Panel p : dataPanels())
        {
            for (final JsonNode t : p.targets())
            {
                out.add(new Expr(t.path("expr").asText(), p.name() + ", target " + t.path("refId").asText()));
            }
        }
        for (final JsonNode v : root.path("templating").path("list"))
        {
            if ("query".equals(v.path("type").asText()))
            {
                final JsonNode q = v.path("query");
                out.add(new Expr(promQlOf(q.isObject() ? q.path("query").asText() : q.asText()), "variable " + v.path("name").asText()));
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern LABEL_VALUES = java.util.regex.Pattern.compile("(?s)\\s*label_values\\((.*),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*");
    private static final java.util.regex.Pattern QUERY_RESULT = java.util.regex.Pattern.compile("(?s)\\s*query_result\\((.*)\\)\\s*");

    /** The PromQL inside a Prometheus variable's query: {@code label_values(SELECTOR, label)} and {@code query_result(EXPR)} are Grafana's, not PromQL. */
    static String promQlOf(final String query)
    {
        final java.util.regex.Matcher values = LABEL_VALUES.matcher(query);
        if (values.matches())
        {
            return values.group(1);
        }
        final java.util.regex.Matcher result = QUERY_RESULT.matcher(query);
        return result.matches() ? result.group(1) : query.matches("(?s)\\s*label_values\\(\\s*\\w+\\s*\\)\\s*") ? "" : query;
    }
}
