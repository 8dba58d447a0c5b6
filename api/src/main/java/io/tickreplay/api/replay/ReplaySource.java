package io.tickreplay.api.replay;

import io.tickreplay.adapters.postgres.Identifiers;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One source of a replay over several ({@code "sources"} in the API, {@code --source} on the CLI):
 * a provider's symbols in {@code tick_data}, or Parquet tick files ({@code parquet}, a path or a glob)
 * read as {@code provider}'s, optionally only {@code symbols} of them; {@code symbol} names the symbol
 * of files that have no symbol column (as {@code import --symbol}).
 */
public record ReplaySource(String provider, List<String> symbols, String parquet, String symbol, String tz)
{
    /** The keys of {@code --source 'k=v;k=v'} and of a source object in the API. */
    public static final List<String> KEYS = List.of("provider", "symbols", "parquet", "symbol", "tz");

    public ReplaySource(final String provider, final List<String> symbols, final String parquet, final String symbol)
    {
        this(provider, symbols, parquet, symbol, null);
    }

    /** The zone of a Parquet source's timestamps without one (import's {@code --tz}): UTC unless {@code tz} names another. */
    public ZoneId zone()
    {
        return tz == null ? ZoneOffset.UTC : ZoneId.of(tz);
    }

    public boolean isParquet()
    {
        return parquet != null;
    }

    /**
     * A {@code --source} value: {@code provider=ibkr;symbols=NVDA,AAPL} or
     * {@code parquet=files/*.parquet;provider=binance;symbol=BTCUSDT}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ReplaySource parse(final String text)
    {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final String part : text.split(";"))
        {
            if (part.isBlank())
            {
                continue;
            }
            final int eq = part.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("'" + part.trim() + "' is not key=value (keys: " + String.join(", ", KEYS) + ")");
            }
            final String key = part.substring(0, eq).trim();
            if (!KEYS.contains(key))
            {
                throw new IllegalArgumentException("unknown key '" + key + "' (keys: " + String.join(", ", KEYS) + ")");
            }
            if (values.put(key, part.substring(eq + 1).trim()) != null)
            {
                throw new IllegalArgumentException("'" + key + "' is given twice");
            }
        }
        final String symbols = values.get("symbols");
        return new ReplaySource(values.get("provider"),
            symbols == null ? null : Arrays.stream(symbols.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
            values.get("parquet"), values.get("symbol"), values.get("tz"));
    }

    /**
     * Checks the source; {@code field} is how a message names it ({@code sources[1]}).
     *
     * @throws ReplayRequest.InvalidField with field {@code sources}
     */
    void check(final String field)
    {
        if (provider == null || provider.isBlank())
        {
            throw new ReplayRequest.InvalidField("sources", field + ": provider is required");
        }
        if (!Identifiers.isValid(provider))
        {
            throw new ReplayRequest.InvalidField("sources", field + ": provider must be " + Identifiers.RULE + ", was '" + provider + "'");
        }
        if (parquet == null && symbol != null)
        {
            throw new ReplayRequest.InvalidField("sources", field + ": symbol names the symbol of Parquet files that lack one; a database source takes symbols");
        }
        if (tz != null)
        {
            if (parquet == null)
            {
                throw new ReplayRequest.InvalidField("sources", field + ": tz is the zone of a Parquet source's timestamps without one; a database source has none");
            }
            try
            {
                ZoneId.of(tz);
            }
            catch (final DateTimeException e)
            {
                throw new ReplayRequest.InvalidField("sources", field + ": tz '" + tz + "' is not a time zone (an IANA name such as America/New_York)");
            }
        }
        if (parquet != null && parquet.isBlank())
        {
            throw new ReplayRequest.InvalidField("sources", field + ": parquet must be a file or a glob");
        }
        if (parquet == null && (symbols == null || symbols.isEmpty()))
        {
            throw new ReplayRequest.InvalidField("sources", field + ": symbols must name at least one symbol of " + provider);
        }
        final List<String> named = new ArrayList<>(symbols == null ? List.of() : symbols);
        if (symbol != null)
        {
            named.add(symbol);
        }
        for (final String s : named)
        {
            if (!Identifiers.isValid(s))
            {
                throw new ReplayRequest.InvalidField("sources", field + ": each symbol must be " + Identifiers.RULE + ", got '" + s + "'");
            }
        }
        if (symbols != null && symbols.stream().distinct().count() != symbols.size())
        {
            throw new ReplayRequest.InvalidField("sources", field + ": symbols must not repeat");
        }
    }

    /** As the job's metadata and the journal's manifest show it. */
    public Map<String, Object> describe()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        if (parquet != null)
        {
            m.put("parquet", parquet);
        }
        m.put("provider", provider);
        if (symbols != null)
        {
            m.put("symbols", symbols);
        }
        if (symbol != null)
        {
            m.put("symbol", symbol);
        }
        if (tz != null)
        {
            m.put("tz", tz);
        }
        return m;
    }
}
