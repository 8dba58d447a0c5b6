package io.tickreplay.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shape docs/architecture.md draws, checked on every build from the main sources of every module:
 * the modules' one-way arrows, no package importing another in a loop, the engine free of I/O libraries,
 * the orchestration layers of the api going one way, no source file over 700 lines and no fully
 * qualified project name written inline (import it, so the dependency shows).
 */
class ArchitectureTest
{
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> MODULES = List.of("engine", "adapters", "api", "benchmarks");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)\\.[\\w*]+;", Pattern.MULTILINE);
    private static final Pattern INLINE = Pattern.compile("(?<![\\w.\"])io\\.tickreplay(?:\\.[a-z]\\w*)+\\.[A-Z]\\w*");

    /** A main source file: its module, package, the project packages it uses, and its lines. */
    private record Source(Path path, String module, String pkg, Set<String> uses, List<String> lines, List<String> inline)
    {
    }

    private static List<Source> sources()
    {
        final List<Source> out = new ArrayList<>();
        for (final String module : MODULES)
        {
            final Path main = ROOT.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(main))
            {
                continue;
            }
            try (Stream<Path> files = Files.walk(main))
            {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> out.add(read(module, f)));
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(out).as("main sources under " + ROOT).hasSizeGreaterThan(100);
        return out;
    }

    private static Source read(final String module, final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        final Matcher p = PACKAGE.matcher(text);
        assertThat(p.find()).as(file + " has a package").isTrue();
        final Set<String> uses = new TreeSet<>();
        final Matcher i = IMPORT.matcher(text);
        while (i.find())
        {
            uses.add(packageOf(i.group(1)));
        }
        final String code = stripCommentsAndStrings(text.replaceAll("(?m)^(package|import) .*$", ""));
        final List<String> inline = new ArrayList<>();
        final Matcher q = INLINE.matcher(code);
        while (q.find())
        {
            inline.add(q.group());
            uses.add(packageOf(q.group()));
        }
        return new Source(file, module, p.group(1), uses, text.lines().toList(), inline);
    }

    /** The package of a type's or a member's qualified name: up to its first capitalised segment. */
    private static String packageOf(final String qualified)
    {
        final String[] parts = qualified.split("\\.");
        final StringBuilder b = new StringBuilder();
        for (final String part : parts)
        {
            if (!part.isEmpty() && Character.isUpperCase(part.charAt(0)))
            {
                break;
            }
            b.append(b.length() == 0 ? "" : ".").append(part);
        }
        return b.toString();
    }

    private static String stripCommentsAndStrings(final String code)
    {
        return code.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ").replaceAll("\"(?:\\\\.|[^\"\\\\\n])*\"", "\"\"");
    }

    private static String moduleOf(final String pkg)
    {
        for (final String m : MODULES)
        {
            if (pkg.startsWith("io.tickreplay." + m))
            {
                return m;
            }
        }
        return null;
    }

    @Test
    void modulesPointOneWayEngineAdaptersApiBenchmarks()
    {
        final Map<String, Set<String>> allowed = Map.of(
            "engine", Set.of("engine"),
            "adapters", Set.of("engine", "adapters"),
            "api", Set.of("engine", "adapters", "api"),
            "benchmarks", Set.of("engine", "adapters", "api", "benchmarks"));
        final List<String> wrong = new ArrayList<>();
        for (final Source s : sources())
        {
            for (final String used : s.uses())
            {
                final String m = moduleOf(used);
                if (m != null && !allowed.get(s.module()).contains(m))
                {
                    wrong.add(ROOT.relativize(s.path()) + " uses " + used);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void theEngineKnowsNoDatabaseBrokerOrHttpLibrary()
    {
        final List<String> io = List.of("java.sql", "javax.sql", "org.postgresql", "org.apache.kafka", "io.lettuce", "io.undertow", "com.fasterxml.jackson");
        final List<String> wrong = new ArrayList<>();
        for (final Source s : sources())
        {
            if (s.module().equals("engine"))
            {
                s.uses().stream().filter(u -> io.stream().anyMatch(u::startsWith)).forEach(u -> wrong.add(ROOT.relativize(s.path()) + " uses " + u));
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void noPackageReachesItselfThroughItsImports()
    {
        final Map<String, Set<String>> graph = new TreeMap<>();
        for (final Source s : sources())
        {
            final Set<String> edges = graph.computeIfAbsent(s.pkg(), k -> new TreeSet<>());
            s.uses().stream().filter(u -> u.startsWith("io.tickreplay") && !u.equals(s.pkg())).forEach(edges::add);
        }
        assertThat(cycles(graph)).as("packages that import each other in a loop").isEmpty();
    }

    /**
     * The api's layers, lowest first: what runs a thing never reaches up to what serves or parses it
     * (a schedule does not import http; an adapter's listener is an interface of a lower layer).
     */
    @Test
    void theApisLayersGoOneWay()
    {
        final List<String> layers = List.of("config", "request", "job", "bus", "models", "replay", "runs", "export", "schedule", "http", "cli");
        final List<String> wrong = new ArrayList<>();
        for (final Source s : sources())
        {
            final int own = layers.indexOf(s.pkg().replace("io.tickreplay.api.", ""));
            if (!s.pkg().startsWith("io.tickreplay.api.") || own < 0)
            {
                continue;
            }
            for (final String used : s.uses())
            {
                final int other = used.startsWith("io.tickreplay.api.") ? layers.indexOf(used.replace("io.tickreplay.api.", "")) : -1;
                if (other > own || used.equals("io.tickreplay.api"))
                {
                    wrong.add(ROOT.relativize(s.path()) + " (" + layers.get(own) + ") uses " + used);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void noMainSourceFileIsOver700Lines()
    {
        assertThat(sources().stream().filter(s -> s.lines().size() > 700).map(s -> ROOT.relativize(s.path()) + ": " + s.lines().size() + " lines"))
            .isEmpty();
    }

    @Test
    void projectNamesAreImportedNotWrittenInline()
    {
        assertThat(sources().stream().filter(s -> !s.inline().isEmpty()).map(s -> ROOT.relativize(s.path()) + ": " + s.inline()).toList())
            .isEmpty();
    }

    /** The strongly connected components of more than one package (Tarjan). */
    private static List<Set<String>> cycles(final Map<String, Set<String>> graph)
    {
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new TreeSet<>();
        final List<Set<String>> out = new ArrayList<>();
        final int[] counter = {0};
        for (final String v : graph.keySet())
        {
            if (!index.containsKey(v))
            {
                connect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void connect(final String v, final Map<String, Set<String>> graph, final Map<String, Integer> index, final Map<String, Integer> low,
        final Deque<String> stack, final Set<String> onStack, final List<Set<String>> out, final int[] counter)
    {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (final String w : graph.getOrDefault(v, Set.of()))
        {
            if (!index.containsKey(w))
            {
                connect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            }
            else if (onStack.contains(w))
            {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v)))
        {
            final Set<String> component = new TreeSet<>();
            String w;
            do
            {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            }
            while (!w.equals(v));
            if (component.size() > 1)
            {
                out.add(component);
            }
        }
    }
}
