package io.tickreplay.adapters.chronicle;

/**
 * The binary layout of a replay journal. Each Chronicle Queue document holds a block of ticks, in
 * emission order, little-endian:
 *
 * <pre>
 *  document
 *   0  int32  count           ticks in this block (1..1024)
 *   4  int32  layout version  (1)
 *   8  count x tick record
 *
 *  tick record (64 bytes)
 *   0  int32  symbol_id       index into the manifest's "symbols" list
 *   4  int32  seq
 *   8  int64  ts              microseconds since 1970-01-01T00:00:00Z
 *  16  float64 price
 *  24  float64 size
 *  32  float64 bid            NaN when absent
 *  40  float64 ask            NaN when absent
 *  48  float64 bid_size       NaN when absent
 *  56  float64 ask_size       NaN when absent
 * </pre>
 *
 * Blocks, rather than a document per tick, keep the queue's per-document cost (header, index) off
 * the per-tick path in both directions.
 */
public final class JournalLayout
{
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 8;
    public static final int RECORD_BYTES = 64;
    public static final int MAX_TICKS_PER_BLOCK = 1024;
    public static final int MAX_BLOCK_BYTES = HEADER_BYTES + MAX_TICKS_PER_BLOCK * RECORD_BYTES;

    public static final int SYMBOL_ID_OFFSET = 0;
    public static final int SEQ_OFFSET = 4;
    public static final int TS_OFFSET = 8;
    public static final int PRICE_OFFSET = 16;
    public static final int SIZE_OFFSET = 24;
    public static final int BID_OFFSET = 32;
    public static final int ASK_OFFSET = 40;
    public static final int BID_SIZE_OFFSET = 48;
    public static final int ASK_SIZE_OFFSET = 56;

    private JournalLayout()
    {
    }
}
