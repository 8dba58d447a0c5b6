package io.tickreplay.adapters.files;

import java.util.List;
import java.util.Locale;

/** The tick fields a CSV can carry and the header names (case-insensitive) that find them. */
public enum TickColumn
{
    TS(true, "ts", "timestamp", "time", "datetime", "date_time"),
    PRICE(true, "price"),
    SIZE(true, "size", "amount", "qty", "quantity", "volume"),
    BID(false, "bid", "bid_price"),
    ASK(false, "ask", "ask_price"),
    BID_SIZE(false, "bid_size", "bidsize", "bid_qty"),
    ASK_SIZE(false, "ask_size", "asksize", "ask_qty"),
    SYMBOL(false, "symbol", "ticker"),
    PROVIDER(false, "provider");

    private final boolean required;
    private final List<String> aliases;

    TickColumn(final boolean required, final String... aliases)
    {
        this.required = required;
        this.aliases = List.of(aliases);
    }

    public boolean required()
    {
        return required;
    }

    public List<String> aliases()
    {
        return aliases;
    }

    public String fieldName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TickColumn byFieldName(final String name)
    {
        for (final TickColumn column : values())
        {
            if (column.fieldName().equalsIgnoreCase(name))
            {
                return column;
            }
        }
        throw new IllegalArgumentException("unknown tick field '" + name + "' (one of ts, price, size, bid, ask, bid_size, ask_size, symbol, provider)");
    }
}
