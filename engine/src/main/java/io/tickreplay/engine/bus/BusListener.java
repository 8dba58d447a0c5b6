package io.tickreplay.engine.bus;

/** A consumer of the in-process bus: called on its own thread, in bus order, with a flyweight it must not keep. */
@FunctionalInterface
public interface BusListener
{
    void onMessage(BusMessage message, boolean endOfBatch) throws Exception;
}
