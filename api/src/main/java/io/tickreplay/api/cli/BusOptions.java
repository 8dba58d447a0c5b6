package io.tickreplay.api.cli;

import picocli.CommandLine.Option;

import java.util.Map;

/** {@code --bus}, {@code --bus-url} and {@code --topic}: the flags of every command that publishes to or reads a bus. */
public final class BusOptions
{
    @Option(names = "--bus", paramLabel = "inproc|kafka|redis", description = "The stream bus (bus.kind; env TICKREPLAY_BUS; default inproc).")
    String kind;

    @Option(names = "--bus-url", paramLabel = "URL",
        description = "Kafka: host:port[,host:port]; Redis: redis://host:port[/db] (bus.url; env TICKREPLAY_BUS_URL).")
    String url;

    @Option(names = "--topic", paramLabel = "NAME", description = "Kafka topic or Redis stream key prefix (bus.topic; default ticks.<provider>).")
    String topic;

    /** Puts the given flags into a command's settings flags. */
    public Map<String, Object> into(final Map<String, Object> flags)
    {
        flags.put("bus.kind", kind);
        flags.put("bus.url", url);
        flags.put("bus.topic", topic);
        return flags;
    }
}
