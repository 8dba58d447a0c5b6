package io.tickreplay.api.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest
{
    @TempDir
    Path dir;

    @Test
    void defaultsComeFromTheShippedFile()
    {
        final Settings s = Settings.load(null, Map.of(), Map.of());
        assertThat(s.string("db.url")).isEmpty();
        assertThat(s.string("db.embedded-dir")).isEqualTo("data/pg");
        assertThat(s.strings("generate.symbols")).containsExactly("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");
        assertThat(s.describe()).contains("db.pool-size = 0   (default)");
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws Exception
    {
        final Path file = dir.resolve("my.conf");
        Files.writeString(file, "tickreplay { db { url = \"jdbc:postgresql://file/db\", pool-size = 3 }, generate.days = 4, import.on-error = skip }");
        final Map<String, String> env = Map.of("TICKREPLAY_DB_URL", "jdbc:postgresql://env/db?password=hunter2", "TICKREPLAY_DB_POOL_SIZE", "5");
        final Map<String, Object> flags = new HashMap<>();
        flags.put("generate.days", 7);
        flags.put("generate.symbols", List.of("A", "B"));
        flags.put("db.embedded-dir", null);

        final Settings s = Settings.load(file, env, flags);
        assertThat(s.string("db.url")).isEqualTo("jdbc:postgresql://env/db?password=hunter2");
        assertThat(s.integer("db.pool-size")).isEqualTo(5);
        assertThat(s.integer("generate.days")).isEqualTo(7);
        assertThat(s.strings("generate.symbols")).containsExactly("A", "B");
        assertThat(s.string("import.on-error")).isEqualTo("skip");
        assertThat(s.string("db.embedded-dir")).isEqualTo("data/pg");
        assertThat(s.describe())
            .contains("generate.days = 7   (flag)")
            .contains("db.pool-size = 5   (env TICKREPLAY_DB_POOL_SIZE)")
            .contains("import.on-error = skip   (file " + file + ")")
            .doesNotContain("hunter2");
    }

    @Test
    void theApiServesLoopbackByDefaultAndItsAccessSettingsComeFromTheEnvironment()
    {
        final Settings defaults = Settings.load(null, Map.of(), Map.of());
        assertThat(defaults.string("api.bind")).isEqualTo("127.0.0.1");
        assertThat(defaults.bool("api.allow-anonymous")).isFalse();
        assertThat(defaults.bool("api.public-reads")).isFalse();
        assertThat(defaults.strings("api.allowed-origins")).isEmpty();
        assertThat(defaults.millis("api.body-timeout")).isEqualTo(10_000);
        final Settings env = Settings.load(null, Map.of("TICKREPLAY_API_ALLOW_ANONYMOUS", "true", "TICKREPLAY_API_PUBLIC_READS", "yes",
            "TICKREPLAY_API_ALLOWED_ORIGINS", "https://a.example, http://b.example:3000"), Map.of("api.body-timeout", "500ms"));
        assertThat(env.bool("api.allow-anonymous")).isTrue();
        assertThat(env.bool("api.public-reads")).isTrue();
        assertThat(env.strings("api.allowed-origins")).containsExactly("https://a.example", "http://b.example:3000");
        assertThat(env.millis("api.body-timeout")).isEqualTo(500);
        assertThatThrownBy(() -> Settings.load(null, Map.of(), Map.of("api.body-timeout", "soon")).millis("api.body-timeout"))
            .hasMessageContaining("api.body-timeout");
    }

    @Test
    void aListGivenAsOneStringIsSplitAtCommas()
    {
        final Settings s = Settings.load(null, Map.of(), Map.of("generate.symbols", "NVDA, AAPL"));
        assertThat(s.strings("generate.symbols")).containsExactly("NVDA", "AAPL");
    }

    @Test
    void refusesUnknownKeysMissingFilesAndWrongTypes() throws Exception
    {
        final Path typo = dir.resolve("typo.conf");
        Files.writeString(typo, "tickreplay.db.pool_size = 3");
        assertThatThrownBy(() -> Settings.load(typo, Map.of(), Map.of())).hasMessageContaining("unknown setting 'db.pool_size'");
        assertThatThrownBy(() -> Settings.load(dir.resolve("missing.conf"), Map.of(), Map.of())).hasMessageContaining("no such file");
        final Settings s = Settings.load(null, Map.of("TICKREPLAY_DB_POOL_SIZE", "many"), Map.of());
        assertThatThrownBy(() -> s.integer("db.pool-size")).hasMessageContaining("db.pool-size must be a whole number (env TICKREPLAY_DB_POOL_SIZE)");
    }
}
