package io.tickreplay.adapters.live;

import io.tickreplay.adapters.postgres.ModelScoreWriter;
import io.tickreplay.adapters.postgres.PgSignalWriter;
import io.tickreplay.engine.bus.BusListener;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.models.ModelOutput;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.signals.PredictionSignal;
import io.tickreplay.engine.signals.SignalChain;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalWriteListener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The seed's SignalConsumer: computes signals from one provider's ticks on a bus, live or replayed,
 * and writes them with the replay's writer (batches of {@code batchRows} rows or {@code batchMillis},
 * the seed's 200 / 5 s), {@code metadata.origin} and {@code replay_run_id} taken from each tick.
 * Symbols are interned as they appear, up to {@code maxSymbols}; ticks of further symbols are
 * counted in {@link #dropped()}. A value is written once the symbol's next tick has another ts (the
 * spec's "last tick of a ts wins"), or at {@link #close()}.
 *
 * <pre>
 * try (SignalConsumer signals = SignalConsumer.start(bus, dataSource, "ibkr", List.of("all"), 1024, 200, 5000)) { ... }
 * </pre>
 */
public final class SignalConsumer implements BusListener, AutoCloseable
{
    private final String provider;
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<byte[]> names = new ArrayList<>();
    private final int maxSymbols;
    private final PgSignalWriter writer;
    private final SignalChain chain;
    private final ModelScoreWriter scores;
    private InProcessBus.Subscription subscription;
    private final ScheduledExecutorService timer;
    private long dropped;
    private byte origin = BusMessage.ORIGIN_LIVE;
    private long replayRunId;
    private volatile RuntimeException failure;

    private SignalConsumer(final InProcessBus bus, final DataSource dataSource, final String provider, final List<String> signalNames,
        final int maxSymbols, final int batchRows, final long batchMillis, final long windowStart, final long windowEnd, final List<ModelSpec> models)
    {
        this.provider = provider;
        this.maxSymbols = maxSymbols;
        this.writer = new PgSignalWriter(dataSource, provider, id -> names.get(id), PredictionSignal.withModels(SignalSet.of(signalNames, 1).calculators(),
            models), 0, batchRows, batchMillis, System::nanoTime, SignalWriteListener.NONE);
        this.scores = models.isEmpty() ? null : new ModelScoreWriter(dataSource, 0, id -> new String(names.get(id), StandardCharsets.UTF_8), id -> provider,
            maxSymbols, models.stream().map(ModelSpec::name).toList());
        this.chain = SignalChain.context().signals(signalNames).symbols(maxSymbols).window(windowStart, windowEnd).models(models)
            .modelOutput(scores == null ? ModelOutput.NONE : scores).sink(writer).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "signal-consumer-flush");
            t.setDaemon(true);
            return t;
        });
    }

    /** Builds the consumer, then subscribes it and starts its flush timer; on a failure closes what was built. */
    public static SignalConsumer start(final InProcessBus bus, final DataSource dataSource, final String provider, final List<String> signalNames,
        final int maxSymbols, final int batchRows, final long batchMillis)
    {
        return start(bus, dataSource, provider, signalNames, maxSymbols, batchRows, batchMillis, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * As above, for ticks of a known window {@code [windowStart, windowEnd)} (a stored session published
     * again): bar signals only for minutes inside it, as a replay of that window writes them.
     */
    public static SignalConsumer start(final InProcessBus bus, final DataSource dataSource, final String provider, final List<String> signalNames,
        final int maxSymbols, final int batchRows, final long batchMillis, final long windowStart, final long windowEnd)
    {
        return start(bus, dataSource, provider, signalNames, maxSymbols, batchRows, batchMillis, windowStart, windowEnd, List.of());
    }

    /**
     * As above, with models whose predictions ({@code pred_<name>}) and scores ({@code model_scores}) it
     * writes at their bars' closes (docs/models.md), for the live pipeline (run 0) or the replay whose ticks it is given.
     */
    public static SignalConsumer start(final InProcessBus bus, final DataSource dataSource, final String provider, final List<String> signalNames,
        final int maxSymbols, final int batchRows, final long batchMillis, final long windowStart, final long windowEnd, final List<ModelSpec> models)
    {
        final SignalConsumer consumer = new SignalConsumer(bus, dataSource, provider, signalNames, maxSymbols, batchRows, batchMillis, windowStart,
            windowEnd, models);
        try
        {
            consumer.subscription = bus.subscribe("signal-consumer-" + provider, consumer);
            consumer.timer.scheduleAtFixedRate(consumer::flushIfDue, batchMillis, batchMillis, TimeUnit.MILLISECONDS);
            return consumer;
        }
        catch (final RuntimeException e)
        {
            consumer.timer.shutdownNow();
            if (consumer.subscription != null)
            {
                consumer.subscription.close();
            }
            consumer.writer.close();
            throw e;
        }
    }

    @Override
    public void onMessage(final BusMessage m, final boolean endOfBatch)
    {
        if (!provider.equals(m.provider))
        {
            return;
        }
        synchronized (this)
        {
            final int id = id(m.symbol);
            if (id < 0)
            {
                dropped++;
                return;
            }
            final long runId = m.origin == BusMessage.ORIGIN_REPLAY ? m.replayRunId : 0;
            if (m.origin != origin || runId != replayRunId)
            {
                // held values belong to the previous context: out with them before the metadata changes
                chain.releaseAll();
                origin = m.origin;
                replayRunId = runId;
                writer.run(runId);
                if (scores != null)
                {
                    scores.run(runId);
                }
            }
            try
            {
                chain.onTick(id, m.tsMicros, m.seq, m.price, m.size, m.bid, m.ask, m.bidSize, m.askSize);
                if (endOfBatch)
                {
                    chain.endOfBatch();
                }
            }
            catch (final RuntimeException e)
            {
                failure = e;
                throw e;
            }
        }
    }

    private int id(final String symbol)
    {
        final Integer known = ids.get(symbol);
        if (known != null)
        {
            return known;
        }
        if (names.size() == maxSymbols)
        {
            return -1;
        }
        final int id = names.size();
        names.add(symbol.getBytes(StandardCharsets.UTF_8));
        ids.put(symbol, id);
        return id;
    }

    private synchronized void flushIfDue()
    {
        try
        {
            chain.endOfBatch();
        }
        catch (final RuntimeException e)
        {
            failure = e;
        }
    }

    /** Ticks of symbols beyond {@code maxSymbols}: not computed. */
    public synchronized long dropped()
    {
        return dropped;
    }

    /** The last failure (a write the database refused), or null. */
    public RuntimeException failure()
    {
        return failure;
    }

    /** Rows written so far for the signal with this index in the selection. */
    public long written(final int signalId)
    {
        return writer.written(signalId);
    }

    /** Takes what the bus has handed over, computes the held values and writes everything. */
    @Override
    public void close() throws InterruptedException
    {
        subscription.awaitCaughtUp(30_000);
        subscription.close();
        timer.shutdownNow();
        synchronized (this)
        {
            chain.end();
            writer.close();
        }
    }
}
