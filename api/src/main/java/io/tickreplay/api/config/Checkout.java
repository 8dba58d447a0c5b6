package io.tickreplay.api.config;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where the files the build writes outside the main jar lie in the checkout this code was built in:
 * {@code broker/target/kafka-broker.classpath} (the brokers' jars) and {@code benchmarks/target/benchmarks.jar}
 * (the bench). This class's own jar or classes directory ({@code api/target/tickreplay.jar},
 * {@code api/target/classes}, or {@code benchmarks/target/benchmarks.jar} in the bench's JVM) is three
 * levels below the checkout. A system property names the file instead, for a jar that lives elsewhere.
 */
public final class Checkout
{
    private Checkout()
    {
    }

    /** The system property {@code property} where it is set, else {@code relative} below the checkout. */
    public static Path file(final String property, final String relative) throws URISyntaxException
    {
        final String configured = System.getProperty(property);
        if (configured != null)
        {
            return Path.of(configured);
        }
        final Path location = Path.of(Checkout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return location.getParent().getParent().getParent().resolve(relative);
    }
}
