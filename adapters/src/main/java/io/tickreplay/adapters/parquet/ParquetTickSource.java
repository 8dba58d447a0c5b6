package io.tickreplay.adapters.parquet;

import io.tickreplay.adapters.files.SeqAssigner;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.adapters.files.TickRowReader;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.tick.Tick;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A replay source over Parquet tick files ({@link ParquetTickReader}, the import's reader and column
 * rules): the files one after the other in name order, as one stream in the replay order (ts, symbol,
 * seq) of this source's {@link SymbolTable}, from {@code fromMicros} to before {@code endMicros}.
 *
 * <p>The files must be in time order: ts never goes back within a file nor from one file to the next
 * (daily files named by date are). A tick that goes back fails the run, naming the file and the row:
 * sorting would need the whole file in memory. Ticks of one timestamp may come in any symbol order;
 * they are held (one microsecond's ticks) and handed on by (symbol, seq). {@code seq} is the ordinal of
 * a tick among those of the same (provider, symbol, ts), in file order, as {@code import} assigns it.
 * Rows of symbols not in the table are skipped; every tick gets the source's provider. Reading stops
 * at the first tick at or after {@code endMicros}.
 *
 * <p>Reads on the caller's thread (the pipeline's source thread, through the merge); memory is one
 * row group of one file plus one timestamp's ticks. Not thread-safe but for {@link #seek} and
 * {@link #cancel}.
 */
public final class ParquetTickSource implements TickBatchSource
{
    private final List<Path> files;
    private final TickRowReader.Options options;
    private final SymbolTable symbols;
    private final long fromMicros;
    private final long endMicros;
    private final SeqAssigner seqs = SeqAssigner.sorted();
    private final Tick tick = new Tick();
    private volatile long seekTarget = Long.MIN_VALUE;
    private volatile boolean cancelled;

    private ParquetTickReader reader;
    private int fileIndex = -1;
    private long lastTs = Long.MIN_VALUE;
    private boolean ended;
    private boolean haveAhead;
    private final Tick ahead = new Tick();
    private int aheadId;

    // one timestamp's ticks, handed on in (symbol, seq) order
    private int tieCount;
    private int tieAt;
    private int[] tieSymbol = new int[64];
    private int[] tieSeq = new int[64];
    private double[] tieValues = new double[64 * 6];
    private int[] order = new int[64];
    private long tieTs;

    /**
     * @param provider the source's provider: every tick's, whatever a provider column says
     * @param symbol   the symbol of files that have no symbol column (import's {@code --symbol}); null otherwise
     * @param zone     the zone of timestamps written without one (import's {@code --tz})
     */
    public ParquetTickSource(final List<Path> files, final String provider, final String symbol, final ZoneId zone, final SymbolTable symbols,
        final long fromMicros, final long endMicros)
    {
        this.files = List.copyOf(files);
        this.options = new TickRowReader.Options(provider, symbol, Map.of(), null, zone, false);
        this.symbols = symbols;
        this.fromMicros = fromMicros;
        this.endMicros = endMicros;
    }

    /**
     * The files a path or glob names, in name order: {@code day/*.parquet}, {@code 2025-11-0[3-7].parquet},
     * {@code ticks/**.parquet}; a path without glob characters is that file.
     */
    public static List<Path> files(final String pattern) throws IOException
    {
        final Path whole = Path.of(pattern).normalize();
        if (!glob(pattern))
        {
            return Files.isRegularFile(whole) ? List.of(whole) : List.of();
        }
        // walk from the last directory before the first part with glob characters, as deep as the pattern goes
        Path base = whole.getRoot();
        int depth = 0;
        for (final Path part : whole)
        {
            if (depth == 0 && !glob(part.toString()))
            {
                base = base == null ? part : base.resolve(part);
            }
            else
            {
                depth++;
            }
        }
        final Path root = base == null ? Path.of(".") : base;
        if (!Files.isDirectory(root))
        {
            return List.of();
        }
        final PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + whole);
        try (Stream<Path> walk = Files.walk(root, pattern.contains("**") ? Integer.MAX_VALUE : depth))
        {
            return walk.filter(Files::isRegularFile).map(Path::normalize).filter(matcher::matches)
                .sorted((x, y) -> x.toString().compareTo(y.toString())).toList();
        }
    }

    private static boolean glob(final String text)
    {
        return text.indexOf('*') >= 0 || text.indexOf('?') >= 0 || text.indexOf('[') >= 0 || text.indexOf('{') >= 0;
    }

    /** The distinct symbols of {@code files} (a full read of each, only its symbol column and the ticks' own), in byte order. */
    public static List<String> symbols(final List<Path> files, final String provider, final String symbol, final ZoneId zone) throws IOException
    {
        final TreeSet<String> found = new TreeSet<>();
        final Tick t = new Tick();
        for (final Path file : files)
        {
            try (ParquetTickReader r = ParquetTickReader.open(file, new TickRowReader.Options(provider, symbol, Map.of(), null, zone, false)))
            {
                while (r.next(t))
                {
                    found.add(t.symbol);
                }
            }
            catch (final TickRowException | IllegalArgumentException | IOException e)
            {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        }
        return new ArrayList<>(found);
    }

    @Override
    public boolean next(final TickBatch batch) throws IOException
    {
        while (!batch.full() && !cancelled)
        {
            if (tieAt < tieCount)
            {
                final int k = order[tieAt++];
                final int v = k * 6;
                batch.add(tieSymbol[k], tieTs, tieSeq[k], tieValues[v], tieValues[v + 1], tieValues[v + 2], tieValues[v + 3], tieValues[v + 4],
                    tieValues[v + 5]);
                continue;
            }
            if (ended || !readTies())
            {
                break;
            }
        }
        return batch.count > 0;
    }

    /** Reads the next timestamp's ticks (in the window, not before a seek) into the tie buffer, ordered; false at the end. */
    private boolean readTies() throws IOException
    {
        tieCount = 0;
        tieAt = 0;
        while (!cancelled)
        {
            if (!haveAhead && !readTick())
            {
                ended = true;
                break;
            }
            if (tieCount > 0 && ahead.tsMicros != tieTs)
            {
                break; // the next timestamp's first tick stays ahead
            }
            haveAhead = false;
            if (ahead.tsMicros < Math.max(fromMicros, seekTarget))
            {
                continue;
            }
            tieTs = ahead.tsMicros;
            addTie(aheadId, ahead);
        }
        // one timestamp's ticks are few: an insertion sort by (symbol, seq), stable and allocation-free
        for (int i = 1; i < tieCount; i++)
        {
            final int k = order[i];
            int j = i - 1;
            while (j >= 0 && (tieSymbol[order[j]] > tieSymbol[k] || tieSymbol[order[j]] == tieSymbol[k] && tieSeq[order[j]] > tieSeq[k]))
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = k;
        }
        return tieCount > 0;
    }

    /** Reads the next tick of a symbol in the table into {@link #ahead}, numbering its seq; false at the end of the files or the window. */
    private boolean readTick() throws IOException
    {
        while (true)
        {
            if (reader == null && !openNext())
            {
                return false;
            }
            final boolean read;
            try
            {
                read = reader.next(tick);
            }
            catch (final TickRowException | IOException e)
            {
                // a bad row or a damaged row group: the file among the glob's is what the user needs first
                throw new IOException(files.get(fileIndex) + ": " + e.getMessage(), e);
            }
            if (!read)
            {
                closeReader();
                continue;
            }
            if (tick.tsMicros < lastTs)
            {
                throw new IOException(files.get(fileIndex) + ": row " + reader.lineNumber() + ": ts " + Micros.toInstant(tick.tsMicros) +
                    " goes back in time (after " + Micros.toInstant(lastTs) + "): a Parquet source's files must be sorted by ts, within each file " +
                    "and from one file to the next in name order");
            }
            lastTs = tick.tsMicros;
            if (tick.tsMicros >= endMicros)
            {
                closeReader();
                fileIndex = files.size();
                return false;
            }
            final int id = symbols.id(tick.symbol);
            if (id < 0)
            {
                continue;
            }
            try
            {
                tick.seq = seqs.next(tick.provider, tick.symbol, tick.tsMicros);
            }
            catch (final SeqAssigner.UnsortedException e)
            {
                throw new IOException(files.get(fileIndex) + ": row " + reader.lineNumber() + ": " + e.getMessage(), e);
            }
            ahead.copyFrom(tick);
            aheadId = id;
            haveAhead = true;
            return true;
        }
    }

    private void addTie(final int symbolId, final Tick t)
    {
        if (tieCount == tieSymbol.length)
        {
            final int n = tieCount * 2;
            tieSymbol = Arrays.copyOf(tieSymbol, n);
            tieSeq = Arrays.copyOf(tieSeq, n);
            tieValues = Arrays.copyOf(tieValues, n * 6);
            order = Arrays.copyOf(order, n);
        }
        final int k = tieCount++;
        tieSymbol[k] = symbolId;
        tieSeq[k] = t.seq;
        final int v = k * 6;
        tieValues[v] = t.price;
        tieValues[v + 1] = t.size;
        tieValues[v + 2] = t.bid;
        tieValues[v + 3] = t.ask;
        tieValues[v + 4] = t.bidSize;
        tieValues[v + 5] = t.askSize;
        order[k] = k;
    }

    private boolean openNext() throws IOException
    {
        if (++fileIndex >= files.size())
        {
            return false;
        }
        final Path file = files.get(fileIndex);
        try
        {
            reader = ParquetTickReader.open(file, options);
        }
        catch (final TickRowException | IllegalArgumentException | IOException e)
        {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        return true;
    }

    private void closeReader() throws IOException
    {
        if (reader != null)
        {
            final ParquetTickReader r = reader;
            reader = null;
            r.close();
        }
    }

    @Override
    public void seek(final long tsMicros)
    {
        seekTarget = tsMicros;
    }

    @Override
    public void cancel()
    {
        cancelled = true;
    }

    @Override
    public void close()
    {
        try
        {
            closeReader();
        }
        catch (final IOException e)
        {
            // reading is over; a file that fails to close loses nothing
        }
    }
}
