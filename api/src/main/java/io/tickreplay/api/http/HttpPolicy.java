package io.tickreplay.api.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Deque;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import static io.tickreplay.api.http.Exchanges.error;

/**
 * Who may do what, decided from a request's headers alone before its body is read: the headers
 * every answer carries, the Host a loopback server answers to (a DNS-rebound name is refused), the
 * bearer token (writes always, reads unless {@code api.public-reads}), the Origin (or Referer) of a
 * state-changing request (the server's own or one of {@code api.allowed-origins}, or none at all as
 * curl and scripts send), CORS for the listed origins, and a JSON content type from browsers.
 *
 * <p>Runs on Undertow's I/O threads; immutable; costs a few header look-ups and string compares per
 * request (no DNS: only IP literals are parsed).
 */
final class HttpPolicy
{
    /** Who a route is for: anyone ({@code /health}), token holders unless reads are public, token holders. */
    enum Access
    {
        OPEN, READ, WRITE
    }

    /** Whether the caller may see this process's pid, host and absolute paths ({@link Disclosure}). */
    static final AttachmentKey<Boolean> TRUSTED = AttachmentKey.create(Boolean.class);

    private static final HttpString X_CONTENT_TYPE_OPTIONS = new HttpString("X-Content-Type-Options");
    private static final HttpString CONTENT_SECURITY_POLICY = new HttpString("Content-Security-Policy");
    private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
    private static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
    private static final HttpString REQUEST_METHOD = new HttpString("Access-Control-Request-Method");
    private static final String FORM_TYPE = "application/x-www-form-urlencoded";
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    private final byte[] token;
    private final boolean loopback;
    private final boolean publicReads;
    private final Set<String> allowedOrigins;
    private final Set<String> allowedHosts;

    HttpPolicy(final ApiServer.Context context)
    {
        this.token = context.guarded() ? context.token().getBytes(StandardCharsets.UTF_8) : null;
        this.loopback = context.loopback();
        this.publicReads = context.publicReads();
        this.allowedOrigins = Set.copyOf(context.allowedOrigins());
        final Set<String> hosts = new HashSet<>();
        for (final String origin : allowedOrigins)
        {
            hosts.add(URI.create(origin).getHost());
        }
        this.allowedHosts = Set.copyOf(hosts);
    }

    /**
     * First, for every request: the headers every answer carries, whether the caller is trusted,
     * CORS headers for a listed origin, and a CORS preflight answered. False when it answered.
     */
    boolean greet(final HttpServerExchange exchange)
    {
        final HeaderMap out = exchange.getResponseHeaders();
        out.put(X_CONTENT_TYPE_OPTIONS, "nosniff");
        out.put(Headers.CACHE_CONTROL, "no-store");
        out.put(CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'");
        // without a token only a loopback server trusts its callers: they are on this machine
        exchange.putAttachment(TRUSTED, token == null ? loopback : authorised(exchange));
        final String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        final String normalised = origin == null ? null : origin(origin);
        final boolean listed = normalised != null && allowedOrigins.contains(normalised);
        if (listed)
        {
            out.put(ALLOW_ORIGIN, origin);
            out.add(Headers.VARY, "Origin");
        }
        if (origin != null && exchange.getRequestMethod().equals(Methods.OPTIONS) && exchange.getRequestHeaders().contains(REQUEST_METHOD))
        {
            if (!listed)
            {
                error(exchange, 403, "Origin", "origin " + origin + " is not in api.allowed-origins");
                return false;
            }
            out.put(ALLOW_METHODS, "GET, HEAD, POST, DELETE");
            out.put(ALLOW_HEADERS, "Authorization, Content-Type");
            out.put(MAX_AGE, "600");
            exchange.setStatusCode(204);
            exchange.endExchange();
            return false;
        }
        return true;
    }

    /** Admits a request to a route from its headers, or throws the refusal. {@code json}: the route takes a JSON body. */
    void admit(final HttpServerExchange exchange, final Access access, final boolean json)
    {
        checkHost(exchange);
        if (token != null && (access == Access.WRITE || access == Access.READ && !publicReads) && !trusted(exchange))
        {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            throw new ApiError(401, "Authorization", access == Access.WRITE
                ? "this route changes state: it needs the header Authorization: Bearer <api.token>"
                : "this route needs the header Authorization: Bearer <api.token> (reads are open only with api.public-reads = true)");
        }
        if (access == Access.WRITE)
        {
            checkOrigin(exchange);
            if (json)
            {
                checkContentType(exchange);
            }
        }
    }

    static boolean trusted(final HttpServerExchange exchange)
    {
        return Boolean.TRUE.equals(exchange.getAttachment(TRUSTED));
    }

    /** {@code scheme://host[:port]} of a URL or origin, lower case, without a default port; null if it is none. */
    static String origin(final String url)
    {
        try
        {
            final URI uri = new URI(url.strip());
            final String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
            if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme)))
            {
                return null;
            }
            final int port = uri.getPort() == ("http".equals(scheme) ? 80 : 443) ? -1 : uri.getPort();
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (port == -1 ? "" : ":" + port);
        }
        catch (final URISyntaxException e)
        {
            return null;
        }
    }

    /** Whether {@code value} is an origin as a setting gives one: no path, query or user. */
    static boolean isOrigin(final String value)
    {
        try
        {
            final URI uri = new URI(value.strip());
            return origin(value) != null && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")) &&
                uri.getRawQuery() == null && uri.getRawUserInfo() == null;
        }
        catch (final URISyntaxException e)
        {
            return false;
        }
    }

    private boolean authorised(final HttpServerExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        byte[] given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
            ? header.substring(7).strip().getBytes(StandardCharsets.UTF_8) : null;
        if (given == null && exchange.getRequestPath().equals("/v1/events"))
        {
            // a browser's EventSource cannot set a header: the event stream (a read) takes the token as ?access_token=
            final Deque<String> param = exchange.getQueryParameters().get("access_token");
            given = param == null || param.isEmpty() ? null : param.peekFirst().getBytes(StandardCharsets.UTF_8);
        }
        // constant time: the comparison must not tell an attacker how much of a guess was right
        return given != null && MessageDigest.isEqual(given, token);
    }

    /**
     * A loopback server answers only to a loopback name: a page whose name an attacker re-points at
     * 127.0.0.1 (DNS rebinding) would otherwise be same-origin with it and read and write freely.
     */
    private void checkHost(final HttpServerExchange exchange)
    {
        if (!loopback)
        {
            return;
        }
        String host = exchange.getHostName().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        if (host.equals("localhost") || host.endsWith(".localhost") || allowedHosts.contains(host) || loopbackLiteral(host))
        {
            return;
        }
        throw new ApiError(403, "Host", "this server listens on loopback and answers to localhost or a loopback address, not to '" + host +
            "'; a name of its own goes in api.allowed-origins");
    }

    private static boolean loopbackLiteral(final String host)
    {
        if (!IP_LITERAL.matcher(host).matches())
        {
            return false;
        }
        try
        {
            return InetAddress.getByName(host).isLoopbackAddress(); // a literal: no lookup
        }
        catch (final UnknownHostException e)
        {
            return false;
        }
    }

    /**
     * A browser names the page a request comes from (Origin, or at least Referer); curl and scripts
     * send neither and are not checked. Only the server's own origin and the listed ones may change state.
     */
    private void checkOrigin(final HttpServerExchange exchange)
    {
        final String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        final String referer = origin == null ? exchange.getRequestHeaders().getFirst(Headers.REFERER) : null;
        final String claimed = origin != null ? origin : referer;
        if (claimed == null)
        {
            return;
        }
        final String own = own(exchange);
        final String from = origin(claimed);
        if (from != null && (from.equals(own) || allowedOrigins.contains(from)))
        {
            return;
        }
        final String field = origin != null ? "Origin" : "Referer";
        throw new ApiError(403, field, "a request from another origin may not change state (" + field + ": " +
            (claimed.length() > 200 ? claimed.substring(0, 200) + "..." : claimed) + "; this server is " + own + "): list it in api.allowed-origins");
    }

    /** The origin the client addressed: the request's scheme and Host. */
    private static String own(final HttpServerExchange exchange)
    {
        final String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
        final String own = origin(exchange.getRequestScheme() + "://" + (host == null ? exchange.getHostAndPort() : host));
        return own == null ? "" : own;
    }

    /**
     * A body is JSON. From a browser (Origin or Referer sent) it must say so: a form type is what a
     * page may send anywhere without asking. curl's default ({@code -d} sends the form type) and no type
     * at all stay readable as JSON for the seed's scripts.
     */
    private static void checkContentType(final HttpServerExchange exchange)
    {
        final String type = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        final String media = type == null ? null : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (Exchanges.JSON_TYPE.equals(media))
        {
            return;
        }
        final boolean browser = exchange.getRequestHeaders().contains(Headers.ORIGIN) || exchange.getRequestHeaders().contains(Headers.REFERER);
        if (browser)
        {
            throw new ApiError(415, "Content-Type", "a request from a page (it sent Origin or Referer) must send its body as Content-Type: application/json, was " +
                (type == null ? "none" : type));
        }
        if (media != null && !media.equals(FORM_TYPE))
        {
            throw new ApiError(415, "Content-Type", "the body must be JSON (Content-Type: application/json), was " + type);
        }
    }
}
