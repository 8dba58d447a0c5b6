package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TickStoreIT
{
    private static Database db;
    private static TickStore store;

    @BeforeAll
    static void start()
    {
        db = PostgresTestSupport.freshSchema("store");
        store = new TickStore(db.dataSource());
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private static SyntheticSession.Context context(final long seed)
    {
        return new SyntheticSession.Context().provider("synthetic").symbols(List.of("NVDA", "TSLA")).ticksPerSecond(3).seed(seed);
    }

    @Test
    void generateIsDeterministicForASeedAndReplacesItsOwnDays() throws Exception
    {
        assertThat(store.isEmpty()).isTrue();
        final long first = store.writeSession(new SyntheticSession(context(11)), context(11), f -> { });
        final String a = digest();
        final long second = store.writeSession(new SyntheticSession(context(11)), context(11), f -> { });
        assertThat(second).isEqualTo(first);
        assertThat(digest()).isEqualTo(a);
        assertThat(store.countTicks()).isEqualTo(first);

        store.writeSession(new SyntheticSession(context(12)), context(12), f -> { });
        assertThat(digest()).isNotEqualTo(a);
        assertThat(store.summary()).extracting(TickStore.SymbolSummary::symbol).containsExactly("NVDA", "TSLA");
        assertThat(store.isEmpty()).isFalse();
    }

    private static String digest() throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) || ' ' || sum(seq) || ' ' || sum(extract(epoch FROM ts)) || ' ' || sum(price::numeric * size::numeric) || ' ' || sum(bid_size::numeric) FROM tick_data"))
        {
            rs.next();
            return rs.getString(1);
        }
    }
}
