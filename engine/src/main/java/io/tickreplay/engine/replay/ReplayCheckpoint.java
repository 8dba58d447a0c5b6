package io.tickreplay.engine.replay;

/**
 * Where a replay was when every writer had committed everything before a checkpoint marker: the last
 * tick it emitted before the marker, how many ticks it had emitted and the {@link StreamChecksum} state
 * after them. The marker sits between two tick times, so every tick with {@code ts <= lastTsMicros} of
 * the run's window was emitted and written, and no tick after it was: a resumed run emits from
 * {@code lastTsMicros + 1}.
 *
 * @param id            the marker's number in the run that took it
 * @param lastTsMicros  ts of the last tick emitted before the marker
 * @param lastSymbol    its symbol
 * @param lastSeq       its seq
 * @param ticks         ticks emitted up to it, the run's own and any a run it resumed had emitted
 * @param checksum      the stream checksum's value after them ({@link StreamChecksum#value()})
 * @param firstTsMicros ts of the run's first emitted tick
 */
public record ReplayCheckpoint(long id, long lastTsMicros, String lastSymbol, int lastSeq, long ticks, long checksum, long firstTsMicros)
{
    /** The first tick time a run resumed from this checkpoint emits. */
    public long resumeFromMicros()
    {
        return lastTsMicros + 1;
    }

    /** The checksum as {@link StreamChecksum#hex()} writes it. */
    public String checksumHex()
    {
        return String.format("%016x", checksum);
    }
}
