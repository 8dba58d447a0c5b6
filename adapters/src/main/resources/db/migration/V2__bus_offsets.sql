-- Where each consumer group is on each partition (Kafka) or stream shard (Redis) of a topic, stored in
-- the same transaction as the rows that consuming up to there wrote: a consumer that takes a partition
-- over goes on from exactly there, so each row is written once (docs/bus.md).
-- next_position: Kafka, the next offset to read; Redis, the id of the last entry read.
CREATE TABLE IF NOT EXISTS bus_offsets (
    "group"        text        NOT NULL,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    next_position  text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY ("group", topic, partition)
);
