package io.tickreplay.api.replay;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The code a run ran: the project's version and the git commit the classes were built from, with
 * whether tracked files differed from it ({@code dirty}), as the build wrote them to
 * {@code io/tickreplay/api/git.properties} (api/pom.xml). A build without git or without .git (a source
 * archive) says {@code "unknown"}. Read once; immutable.
 */
public record CodeVersion(String version, String commit, boolean dirty)
{
    public static final String UNKNOWN = "unknown";
    private static final CodeVersion CURRENT = load();

    /** The version of the classes running. */
    public static CodeVersion current()
    {
        return CURRENT;
    }

    private static CodeVersion load()
    {
        final Properties p = new Properties();
        try (InputStream in = CodeVersion.class.getResourceAsStream("/io/tickreplay/api/git.properties"))
        {
            if (in != null)
            {
                p.load(in);
            }
        }
        catch (final IOException e)
        {
            // an unreadable resource is as good as none: the version is unknown
        }
        final String version = p.getProperty("version", UNKNOWN).strip();
        final String commit = p.getProperty("commit", UNKNOWN).strip();
        return new CodeVersion(version.isEmpty() ? UNKNOWN : version, commit.isEmpty() ? UNKNOWN : commit,
            Boolean.parseBoolean(p.getProperty("dirty", "false").strip()));
    }

    /** As a run's manifest shows it. */
    public Map<String, Object> describe()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("commit", commit);
        m.put("dirty", dirty);
        return m;
    }
}
