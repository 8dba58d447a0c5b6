package io.tickreplay.api.request;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The names a mistyped one was probably meant to be, for an error that says "did you mean ...":
 * the same name in another case first, then names within two edits of it (case aside), then names
 * it begins or that begin with it. Stateless.
 */
public final class CloseMatches
{
    private CloseMatches()
    {
    }

    /** At most three of {@code known} close to {@code wanted}, the closest first. */
    public static List<String> of(final String wanted, final List<String> known)
    {
        final String w = wanted.toLowerCase(Locale.ROOT);
        final List<String> out = new ArrayList<>();
        for (final String k : known)
        {
            if (k.equalsIgnoreCase(wanted))
            {
                out.add(k);
            }
        }
        for (int distance = 1; distance <= 2; distance++)
        {
            for (final String k : known)
            {
                if (!out.contains(k) && Math.abs(k.length() - w.length()) <= distance && edits(w, k.toLowerCase(Locale.ROOT)) == distance)
                {
                    out.add(k);
                }
            }
        }
        for (final String k : known)
        {
            final String l = k.toLowerCase(Locale.ROOT);
            if (!out.contains(k) && w.length() >= 2 && (l.startsWith(w) || w.startsWith(l)))
            {
                out.add(k);
            }
        }
        return out.size() > 3 ? List.copyOf(out.subList(0, 3)) : List.copyOf(out);
    }

    /** Levenshtein distance. */
    static int edits(final String a, final String b)
    {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++)
            {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            final int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    /** " (did you mean A, B?)", or nothing when there is no close name. */
    public static String hint(final String wanted, final List<String> known)
    {
        final List<String> close = of(wanted, known);
        return close.isEmpty() ? "" : " (did you mean " + String.join(", ", close) + "?)";
    }
}
