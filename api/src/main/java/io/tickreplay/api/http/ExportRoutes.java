package io.tickreplay.api.http;

import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.api.export.ExportRequest;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.replay.JobJson;
import io.tickreplay.api.request.JsonBody;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import static io.tickreplay.api.http.Exchanges.body;
import static io.tickreplay.api.http.Exchanges.id;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * The export routes, {@code /v1/exports...}: start an export into the server's export directory
 * (a plain file name, never a path elsewhere), read one, list them, and download a completed one's
 * file. Runs on Undertow's worker threads; the export itself runs on {@link ExportService}'s pool,
 * and a download streams the file on the worker thread.
 */
record ExportRoutes(ExportService exports, Path exportDir)
{
    /** 1-200 characters before the extension (checked with the format), never a path, never a dot file. */
    private static final Pattern OUTPUT_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}(\\.[a-z]{2,7}){1,2}");
    private static final Set<String> EXPORT_FIELDS = Set.of("dataset", "provider", "symbols", "start", "end", "interval", "format", "output", "since_last",
        "signals", "horizons", "models");

    /** {@code POST /v1/exports}. */
    void start(final HttpServerExchange exchange) throws Exception
    {
        final JsonBody b = body(exchange, EXPORT_FIELDS);
        final String dataset = b.string("dataset");
        String output = b.string("output");
        final String format = b.string("format");
        if (output != null)
        {
            // a name under api.export-dir, never a path elsewhere on the server
            if (!OUTPUT_NAME.matcher(output).matches())
            {
                throw ApiError.badRequest("output", "output must be a plain file name of 1-200 characters from A-Z a-z 0-9 . _ - (not starting " +
                    "with a dot) plus its extension; it goes under the server's export directory");
            }
        }
        else
        {
            final String extension = format == null ? "csv" : format;
            output = (dataset == null ? "export" : dataset) + "-" + System.currentTimeMillis() + "-" +
                Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL) + "." + extension;
        }
        final Path target;
        try
        {
            target = exportDir.resolve(output);
        }
        catch (final InvalidPathException e)
        {
            throw ApiError.badRequest("output", "output is not a valid file name: " + e.getMessage());
        }
        final Boolean sinceLast = b.bool("since_last");
        final ExportRequest request = new ExportRequest(dataset, b.string("provider"), b.strings("symbols"), b.time("start"), b.time("end"),
            b.string("interval"), target.toString(), format, sinceLast != null && sinceLast, b.stringOrStrings("signals"), b.integers("horizons"), b.string("run"))
            .withModels(b.stringOrStrings("models"));
        final ExportService.ExportJob job;
        try
        {
            job = exports.startExclusive(request); // claims the name: of two requests for it, one wins
        }
        catch (final FileAlreadyExistsException e)
        {
            // an earlier export's download would otherwise serve other rows than its job says
            throw new ApiError(409, "output", "an export named " + output + " exists already; choose another name");
        }
        send(exchange, 200, Disclosure.job(exchange, json(exports.jobs().find(job.id()).orElseThrow())));
    }

    /** {@code GET /v1/exports/{id}}. */
    void get(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        send(exchange, 200, Disclosure.job(exchange, json(job(id(exchange, "id")))));
    }

    /** {@code GET /v1/exports}. */
    void list(final HttpServerExchange exchange) throws SQLException
    {
        Exchanges.sendJobs(exchange, exports.jobs(), ExportService.JOB_NAME, "exports", Exchanges.PageJson.each(this::json));
    }

    /** {@code GET /v1/exports/{id}/download}: the file of a completed export. */
    void download(final HttpServerExchange exchange) throws Exception
    {
        final JobRunStore.JobRun job = job(id(exchange, "id"));
        if (!job.status().equals("completed"))
        {
            throw new ApiError(409, "id", "export " + job.id() + " is " + job.status() + ": there is a file only once it completed");
        }
        final Path file = Path.of(String.valueOf(job.metadata().get("output")));
        if (!Files.isRegularFile(file))
        {
            throw new ApiError(410, "id", "the file of export " + job.id() + " is gone: " + file);
        }
        final String format = String.valueOf(job.metadata().get("format"));
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, switch (format)
        {
            case "parquet" -> "application/vnd.apache.parquet";
            case "csv.gz" -> "application/gzip";
            default -> "text/csv; charset=utf-8";
        });
        exchange.getResponseHeaders().put(Headers.CONTENT_DISPOSITION, contentDisposition(file.getFileName().toString()));
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, Files.size(file));
        if (exchange.getRequestMethod().equals(Methods.HEAD))
        {
            return; // the headers say it all
        }
        // sent by Undertow's I/O thread as the client takes it: a slow reader holds a file channel, not a worker thread
        final FileChannel channel = FileChannel.open(file);
        exchange.getResponseSender().transferFrom(channel, new io.undertow.io.IoCallback()
        {
            @Override
            public void onComplete(final HttpServerExchange done, final io.undertow.io.Sender sender)
            {
                closeQuietly(channel);
                io.undertow.io.IoCallback.END_EXCHANGE.onComplete(done, sender);
            }

            @Override
            public void onException(final HttpServerExchange failed, final io.undertow.io.Sender sender, final IOException e)
            {
                closeQuietly(channel);
                io.undertow.io.IoCallback.END_EXCHANGE.onException(failed, sender, e);
            }
        });
    }

    private static void closeQuietly(final FileChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException e)
        {
            // the download ended either way
        }
    }

    /**
     * RFC 6266: a plain {@code filename} of the name's safe ASCII (anything else as {@code _}) for old
     * clients, and {@code filename*} with the exact name percent-encoded in UTF-8 (RFC 8187).
     */
    static String contentDisposition(final String name)
    {
        final StringBuilder plain = new StringBuilder();
        final StringBuilder encoded = new StringBuilder();
        for (final byte b : name.getBytes(StandardCharsets.UTF_8))
        {
            final char c = (char)(b & 0xff);
            final boolean attrChar = c < 0x80 && (Character.isLetterOrDigit(c) || "!#$&+-.^_`|~".indexOf(c) >= 0);
            plain.append(attrChar ? c : '_');
            if (attrChar)
            {
                encoded.append(c);
            }
            else
            {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return "attachment; filename=\"" + plain + "\"; filename*=UTF-8''" + encoded;
    }

    private JobRunStore.JobRun job(final long id) throws SQLException
    {
        return exports.jobs().find(id).filter(j -> j.jobName().equals(ExportService.JOB_NAME))
            .orElseThrow(() -> ApiError.notFound("id", "no export " + id));
    }

    Map<String, Object> json(final JobRunStore.JobRun job)
    {
        final Map<String, Object> body = JobJson.of(job);
        body.put("id", job.id()); // the export's id, as its routes name it (run_id: the seed's job shape)
        final ExportService.ExportJob running = exports.active(job.id());
        if (running != null && job.status().equals("running"))
        {
            body.put("rows_written", running.rows().get()); // live, ahead of the row's final count
        }
        body.put("download", job.status().equals("completed") ? "/v1/exports/" + job.id() + "/download" : null);
        return body;
    }
}
