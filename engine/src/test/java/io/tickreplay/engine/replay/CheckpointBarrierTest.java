package io.tickreplay.engine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class CheckpointBarrierTest
{
    private final List<Long> recorded = new ArrayList<>();
    private final CheckpointBarrier barrier = new CheckpointBarrier(2, c -> recorded.add(c.id()));

    private static ReplayCheckpoint at(final long id)
    {
        return new ReplayCheckpoint(id, id * 1_000, "NVDA", 0, id * 10, id, 0);
    }

    @Test
    void aCheckpointIsRecordedOnceEveryParticipantHasAcknowledgedIt()
    {
        barrier.open(at(1));
        barrier.ack(1);
        assertThat(recorded).isEmpty();
        barrier.ack(1);
        assertThat(recorded).containsExactly(1L);
        assertThat(barrier.committed()).isEqualTo(1);
    }

    @Test
    void writersTrailingTheEmitterByMoreThanAnIntervalStillGetCheckpointsRecorded()
    {
        // the emitter passes markers 2 and 3 before the writers have acknowledged 1: the open one is kept
        assertThat(barrier.open(at(1))).isTrue();
        assertThat(barrier.open(at(2))).as("refused while 1 waits").isFalse();
        assertThat(barrier.open(at(3))).isFalse();
        barrier.ack(1);
        barrier.ack(1);
        barrier.ack(2); // late acknowledgements of a refused marker change nothing
        barrier.ack(2);
        assertThat(barrier.open(at(4))).isTrue();
        barrier.ack(3);
        barrier.ack(3);
        barrier.ack(4);
        barrier.ack(4);
        assertThat(recorded).containsExactly(1L, 4L);
    }

    @Test
    void aParticipantThatNeverAcknowledgesRecordsNothingMore()
    {
        barrier.open(at(1));
        barrier.ack(1); // the other writer failed
        barrier.open(at(2));
        barrier.ack(2);
        assertThat(recorded).isEmpty();
    }
}
