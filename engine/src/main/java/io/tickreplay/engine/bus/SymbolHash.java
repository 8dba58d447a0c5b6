package io.tickreplay.engine.bus;

/**
 * Which partition (Kafka) or stream shard (Redis) carries a symbol: murmur2 of the symbol's UTF-8
 * bytes, made positive, modulo the count. It is Kafka's own rule for keyed records, so a Kafka
 * consumer that computes the partition of a key itself (or kcat with {@code -K}) finds the same one,
 * and a symbol has the same shard number on both buses. Per-symbol order holds within a partition;
 * across symbols there is no order. Stateless; any thread.
 */
public final class SymbolHash
{
    private SymbolHash()
    {
    }

    /** The partition of {@code utf8} among {@code partitions} (> 0). */
    public static int partition(final byte[] utf8, final int partitions)
    {
        return (murmur2(utf8) & 0x7fffffff) % partitions;
    }

    /** MurmurHash2, 32 bits, seed 0x9747b28c (the variant Kafka's partitioner uses). */
    public static int murmur2(final byte[] data)
    {
        final int length = data.length;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = 0x9747b28c ^ length;
        final int blocks = length / 4;
        for (int i = 0; i < blocks; i++)
        {
            final int at = i * 4;
            int k = (data[at] & 0xff) | (data[at + 1] & 0xff) << 8 | (data[at + 2] & 0xff) << 16 | (data[at + 3] & 0xff) << 24;
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        final int tail = blocks * 4;
        switch (length - tail)
        {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
