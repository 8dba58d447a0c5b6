package io.tickreplay.engine.replay;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.TickBus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A bus that keeps a copy of everything published, for tests. */
public final class RecordingBus implements TickBus
{
    public final List<BusMessage> messages = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void publish(final BusMessage message)
    {
        messages.add(new BusMessage().copyFrom(message));
    }
}
