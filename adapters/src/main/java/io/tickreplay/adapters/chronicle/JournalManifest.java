package io.tickreplay.adapters.chronicle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.engine.replay.SymbolTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} beside a journal's queue files: what was replayed (the query, window and
 * speed), the symbols in id order (the journal's records refer to them by index), and, once the run
 * has ended, how many ticks it emitted and their {@link io.tickreplay.engine.replay.StreamChecksum}.
 * A run over several sources adds {@code providers}, the provider of each symbol id (its symbols then go
 * source by source, and one name may appear under two providers) and {@code sources}, what each source
 * was; a one-source manifest has neither, as before.
 * Written to a temporary file and renamed, so a reader never sees half of one.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record JournalManifest(
    @JsonProperty("format") String format,
    @JsonProperty("layout_version") int layoutVersion,
    @JsonProperty("run_id") long runId,
    @JsonProperty("provider") String provider,
    @JsonProperty("symbols") List<String> symbols,
    @JsonProperty("start") String start,
    @JsonProperty("end") String end,
    @JsonProperty("speed") double speed,
    @JsonProperty("query") String query,
    @JsonProperty("status") String status,
    @JsonProperty("ticks") long ticks,
    @JsonProperty("checksum") String checksum,
    @JsonProperty("first_ts") String firstTs,
    @JsonProperty("last_ts") String lastTs,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("completed_at") String completedAt,
    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("providers") List<String> providers,
    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("sources") List<Map<String, Object>> sources)
{
    /** A one-source run's manifest: the layout every journal had before several sources. */
    public JournalManifest(final String format, final int layoutVersion, final long runId, final String provider, final List<String> symbols,
        final String start, final String end, final double speed, final String query, final String status, final long ticks, final String checksum,
        final String firstTs, final String lastTs, final String createdAt, final String completedAt)
    {
        this(format, layoutVersion, runId, provider, symbols, start, end, speed, query, status, ticks, checksum, firstTs, lastTs, createdAt,
            completedAt, null, null);
    }

    /** The run's symbol table, ids as the journal's records use them. */
    public SymbolTable symbolTable()
    {
        return SymbolTable.inOrder(providers, symbols);
    }

    public static final String FILE = "manifest.json";
    public static final String FORMAT = "tickreplay-journal";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public JournalManifest withOutcome(final String newStatus, final long newTicks, final String newChecksum, final String newFirstTs,
        final String newLastTs, final String newCompletedAt)
    {
        return new JournalManifest(format, layoutVersion, runId, provider, symbols, start, end, speed, query, newStatus, newTicks,
            newChecksum, newFirstTs, newLastTs, createdAt, newCompletedAt, providers, sources);
    }

    public void write(final Path directory) throws IOException
    {
        Files.createDirectories(directory);
        final Path tmp = directory.resolve(FILE + ".tmp");
        MAPPER.writeValue(tmp.toFile(), this);
        Files.move(tmp, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static JournalManifest read(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE);
        if (!Files.isRegularFile(file))
        {
            throw new IOException("no journal manifest at " + file);
        }
        final JournalManifest manifest = MAPPER.readValue(file.toFile(), JournalManifest.class);
        if (!FORMAT.equals(manifest.format()) || manifest.layoutVersion() != JournalLayout.VERSION)
        {
            throw new IOException(file + " is not a version " + JournalLayout.VERSION + " tickreplay journal manifest");
        }
        return manifest;
    }
}
