package io.tickreplay.adapters.postgres;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@code export model-weights RUN_ID}: a run's {@code model_weights} as CSV, one row per (model, symbol,
 * bar whose close brought a label), in (model, provider, symbol, ts) order: {@code model, provider, symbol,
 * ts, intercept} and a column per feature ({@code w_<feature>}). Streamed from the database in batches
 * (constant memory), written under a temporary name and moved into place when whole.
 */
public final class ModelWeightsExport
{
    private ModelWeightsExport()
    {
    }

    /**
     * @param features the model's features, for the column names (one model per file)
     * @return the rows written
     */
    public static long write(final DataSource dataSource, final long runId, final String model, final List<String> features, final Path output)
        throws SQLException, IOException
    {
        final Path parent = output.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        final Path temporary = Files.createTempFile(parent, "." + output.getFileName(), ".tmp");
        long rows = 0;
        try
        {
            try (Connection c = dataSource.getConnection())
            {
                c.setAutoCommit(false); // a cursor: fetched in batches
                try (PreparedStatement s = c.prepareStatement("SELECT provider, symbol, ts, weights FROM model_weights WHERE run_id = ? AND model = ? " +
                    "ORDER BY provider, symbol, ts");
                     BufferedWriter out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8))
                {
                    s.setFetchSize(4096);
                    s.setLong(1, runId);
                    s.setString(2, model);
                    out.write("model,provider,symbol,ts,intercept");
                    for (final String f : features)
                    {
                        out.write(",w_" + f);
                    }
                    out.write('\n');
                    try (ResultSet rs = s.executeQuery())
                    {
                        final StringBuilder line = new StringBuilder();
                        while (rs.next())
                        {
                            line.setLength(0);
                            line.append(model).append(',').append(rs.getString(1)).append(',').append(rs.getString(2)).append(',')
                                .append(rs.getObject(3, OffsetDateTime.class).toInstant());
                            final Array weights = rs.getArray(4);
                            for (final Double w : (Double[])weights.getArray())
                            {
                                line.append(',').append(w);
                            }
                            out.append(line).append('\n');
                            rows++;
                        }
                    }
                }
                c.commit();
            }
            Files.move(temporary, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return rows;
        }
        finally
        {
            Files.deleteIfExists(temporary);
        }
    }
}
