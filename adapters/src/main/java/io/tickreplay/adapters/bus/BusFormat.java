package io.tickreplay.adapters.bus;

import java.util.Locale;

/**
 * How a message travels on Kafka or Redis: {@code json}, the seed's JSON ({@link io.tickreplay.engine.bus.BusJson}),
 * or {@code binary}, the compact {@link io.tickreplay.engine.bus.BusFrame} (74 bytes and the names).
 */
public enum BusFormat
{
    JSON, BINARY;

    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BusFormat parse(final String name)
    {
        for (final BusFormat f : values())
        {
            if (f.label().equalsIgnoreCase(name))
            {
                return f;
            }
        }
        throw new IllegalArgumentException("bus.format must be json or binary, was '" + name + "'");
    }
}
