package io.tickreplay.api.bus;

import io.tickreplay.adapters.bus.BusFormat;

import java.util.Locale;

/**
 * Which bus a replay publishes to (or a consumer reads): {@code kind} {@code inproc}, {@code kafka} or
 * {@code redis}; {@code url} ({@code host:port[,host:port]} for Kafka, {@code redis://host:port[/db]}
 * for Redis); {@code topic} (the Kafka topic, or the Redis stream key prefix; empty = {@code ticks.<provider>});
 * {@code format} {@code json} (the seed's) or {@code binary}. Immutable.
 */
public record BusSpec(String kind, String url, String topic, BusFormat format)
{
    public static final String INPROC = "inproc";
    public static final String KAFKA = "kafka";
    public static final String REDIS = "redis";

    public BusSpec
    {
        kind = kind == null ? INPROC : kind.toLowerCase(Locale.ROOT);
        if (!kind.equals(INPROC) && !kind.equals(KAFKA) && !kind.equals(REDIS))
        {
            throw new IllegalArgumentException("bus must be inproc, kafka or redis, was '" + kind + "'");
        }
        url = url == null ? "" : url.strip();
        topic = topic == null ? "" : topic.strip();
        format = format == null ? BusFormat.JSON : format;
        if (!kind.equals(INPROC) && url.isEmpty())
        {
            throw new IllegalArgumentException("a " + kind + " bus needs its url (--bus-url, bus.url or TICKREPLAY_BUS_URL)");
        }
        if (!topic.isEmpty() && !topic.matches("[A-Za-z0-9._:-]{1,200}"))
        {
            throw new IllegalArgumentException("topic must be 1-200 letters, digits or . _ : -, was '" + topic + "'");
        }
    }

    public static BusSpec inProcess()
    {
        return new BusSpec(INPROC, "", "", BusFormat.JSON);
    }

    /** This spec with the fields that are given replaced (a request's overrides of the configured bus). */
    public BusSpec with(final String newKind, final String newUrl, final String newTopic)
    {
        final String k = newKind == null ? kind : newKind;
        // a different kind of bus does not inherit the configured url
        final String u = newUrl != null ? newUrl : newKind != null && !newKind.equalsIgnoreCase(kind) ? "" : url;
        return new BusSpec(k, u, newTopic == null ? topic : newTopic, format);
    }

    /** The topic (Kafka) or key prefix (Redis) for {@code provider}'s ticks. */
    public String topicFor(final String provider)
    {
        return topic.isEmpty() ? "ticks." + provider : topic;
    }

    public boolean isInProcess()
    {
        return kind.equals(INPROC);
    }

    /** What a job's metadata and the logs say: {@code kafka localhost:9092 ticks.ibkr json}. */
    public String describe(final String provider)
    {
        return isInProcess() ? INPROC : kind + " " + url + " " + topicFor(provider) + " " + format.label();
    }
}
