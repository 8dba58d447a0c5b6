package io.tickreplay.api.models;

import io.tickreplay.api.config.Checkout;
import io.tickreplay.engine.models.PredictorFactory;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ONNX Runtime, loaded on first use by a run with an ONNX model, in a class loader of its own: the onnx
 * module's classes ({@code onnx/target/classes}) and the jars of {@code onnx/target/onnx-runtime.classpath},
 * which the build writes (139 MB of ONNX Runtime, kept out of the main jar and off the classpath of every
 * other run, as the Kafka broker's jars are). The engine's classes come from the main class loader, so
 * the predictors it makes are the engine's. System properties {@code tickreplay.onnx.classes} and
 * {@code tickreplay.onnx.classpath} name them elsewhere. Thread-safe.
 */
final class OnnxRuntime
{
    private static PredictorFactory factory;

    private OnnxRuntime()
    {
    }

    /** The factory, loading ONNX Runtime the first time; a checkout without the onnx module built says how to build it. */
    static synchronized PredictorFactory factory() throws IOException
    {
        if (factory == null)
        {
            factory = load();
        }
        return factory;
    }

    private static PredictorFactory load() throws IOException
    {
        final Path classes;
        final Path classpath;
        try
        {
            classes = Checkout.file("tickreplay.onnx.classes", "onnx/target/classes");
            classpath = Checkout.file("tickreplay.onnx.classpath", "onnx/target/onnx-runtime.classpath");
        }
        catch (final URISyntaxException e)
        {
            throw new IOException(e);
        }
        if (!Files.isDirectory(classes) || !Files.isRegularFile(classpath))
        {
            throw new IOException("ONNX Runtime is not built in this checkout (" + classpath + " is missing): ./mvnw -B -q -DskipTests -pl onnx -am package");
        }
        final List<URL> urls = new ArrayList<>();
        urls.add(url(classes));
        for (final String entry : Files.readString(classpath).strip().split(File.pathSeparator))
        {
            if (!entry.isBlank())
            {
                urls.add(url(Path.of(entry)));
            }
        }
        final ClassLoader loader = new OwnFirst(urls.toArray(URL[]::new), OnnxRuntime.class.getClassLoader());
        try
        {
            return (PredictorFactory)Class.forName("io.tickreplay.onnx.OnnxPredictors", true, loader).getConstructor().newInstance();
        }
        catch (final ReflectiveOperationException | LinkageError e)
        {
            throw new IOException("ONNX Runtime could not be loaded from " + classpath + ": " + e, e);
        }
    }

    private static URL url(final Path path) throws IOException
    {
        try
        {
            return path.toUri().toURL();
        }
        catch (final MalformedURLException e)
        {
            throw new IOException(e);
        }
    }

    /**
     * Its own classes first for the onnx module and ONNX Runtime (the module may also be on a test
     * classpath, without ONNX Runtime beside it); everything else, the engine included, from the parent.
     */
    private static final class OwnFirst extends URLClassLoader
    {
        OwnFirst(final URL[] urls, final ClassLoader parent)
        {
            super("tickreplay-onnx", urls, parent);
        }

        @Override
        protected Class<?> loadClass(final String name, final boolean resolve) throws ClassNotFoundException
        {
            if (!name.startsWith("io.tickreplay.onnx.") && !name.startsWith("ai.onnxruntime."))
            {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name))
            {
                Class<?> c = findLoadedClass(name);
                if (c == null)
                {
                    c = findClass(name);
                }
                if (resolve)
                {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
