package io.tickreplay.api.http;

import io.undertow.server.Connectors;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.AttachmentKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static io.tickreplay.api.http.Exchanges.error;

/**
 * A request's body, read on the connection's I/O thread without ever blocking it: at most
 * {@code api.max-body-bytes}, due whole within {@code api.body-timeout} of the request's start;
 * then the exchange, with its body attached, goes to a worker thread. Until then the request holds
 * a connection and a buffer of at most the cap, never a worker, however slowly it sends.
 *
 * <pre>
 *   headers parsed --> arm(): deadline = now + timeout
 *        |
 *        '-> read(): Content-Length far over the cap, or a 100-continue over it --> 413 at once
 *              |-> each piece: kept while under the cap, counted and dropped past it
 *              |-> last piece: under the cap --> dispatch to a worker (deadline cancelled)
 *              |               over the cap  --> 413 (all of it read: the connection stays usable)
 *              |-> cap + SWALLOW_BYTES (a declared length) or DRAIN_UNDECLARED_BYTES (chunked) read --> 413, connection closed
 *              '-> deadline first           --> 408 (or 413 if already over), connection closed
 * </pre>
 *
 * A request refused from its headers before its body was read keeps its deadline too: Undertow
 * drains what remains after the answer, and a drain still running at the deadline is cut off.
 *
 * <p>Thread: everything here runs on the exchange's I/O thread (the deadline is scheduled on it), so
 * a request's state needs no lock. Cost: one timer per request with a body, the body once in a
 * byte array.
 */
final class BodyReader
{
    /**
     * Bytes past the cap still read and dropped before answering 413: a client that sends its whole
     * body before reading an answer (most do) then reads the 413 instead of having its connection
     * reset by a close with its bytes unread. Past this, the connection is closed.
     */
    static final int SWALLOW_BYTES = 1 << 20;

    /**
     * A body of no declared length (chunked) over the cap is drained up to this much before the 413: a
     * client streaming a 50 MB body then reads its answer instead of a reset (loopback drains it in well
     * under a second; a slow one meets the body timeout first). A declared length over the cap by more
     * than {@link #SWALLOW_BYTES} is refused at once, unread.
     */
    static final int DRAIN_UNDECLARED_BYTES = 64 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(BodyReader.class);
    private static final AttachmentKey<byte[]> BODY = AttachmentKey.create(byte[].class);
    private static final AttachmentKey<Pending> PENDING = AttachmentKey.create(Pending.class);
    private static final byte[] EMPTY = new byte[0];

    private final int maxBodyBytes;
    private final long timeoutMillis;

    BodyReader(final int maxBodyBytes, final long timeoutMillis)
    {
        this.maxBodyBytes = maxBodyBytes;
        this.timeoutMillis = timeoutMillis;
    }

    /** The body read for this exchange, empty when there was none; on the worker thread. */
    static byte[] body(final HttpServerExchange exchange)
    {
        final byte[] body = exchange.getAttachment(BODY);
        return body == null ? EMPTY : body;
    }

    /** First thing for a request: a request whose body has not all arrived gets its deadline. */
    void arm(final HttpServerExchange exchange)
    {
        if (exchange.isRequestComplete())
        {
            return;
        }
        final Pending pending = new Pending(exchange);
        exchange.putAttachment(PENDING, pending);
        pending.deadline = exchange.getIoThread().executeAfter(pending::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        exchange.addExchangeCompleteListener((ex, next) ->
        {
            pending.deadline.remove();
            next.proceed();
        });
    }

    /** Reads the whole body, then runs {@code then} on a worker thread; or answers 413 / 408 itself. */
    void read(final HttpServerExchange exchange, final HttpHandler then)
    {
        final Pending pending = exchange.getAttachment(PENDING);
        if (pending == null || exchange.isRequestComplete())
        {
            exchange.dispatch(then);
            return;
        }
        final long length = exchange.getRequestContentLength();
        if (length > maxBodyBytes && (length > (long)maxBodyBytes + SWALLOW_BYTES || HttpContinue.requiresContinueResponse(exchange)))
        {
            // too much to drop, or not sent yet (the client waits for a 100 that is never sent): answer now
            pending.done = true;
            exchange.setPersistent(false);
            tooLarge(exchange, length);
            return;
        }
        pending.then = then;
        pending.declared = length >= 0;
        pending.body = new byte[(int)Math.min(length >= 0 ? length : 1024, maxBodyBytes)];
        exchange.getRequestReceiver().receivePartialBytes(pending::take, pending::failed);
    }

    private void tooLarge(final HttpServerExchange exchange, final long length)
    {
        error(exchange, 413, null, length < 0
            ? "the body is over " + maxBodyBytes + " bytes, the most accepted"
            : "the body is " + length + " bytes; at most " + maxBodyBytes + " are accepted");
    }

    /** One request's body on its way in. */
    private final class Pending
    {
        private final HttpServerExchange exchange;
        private XnioExecutor.Key deadline;
        private HttpHandler then;
        private byte[] body;
        private long received;
        private boolean done;
        private boolean declared;

        Pending(final HttpServerExchange exchange)
        {
            this.exchange = exchange;
        }

        void take(final HttpServerExchange ex, final byte[] piece, final boolean last)
        {
            if (done)
            {
                return;
            }
            if (received + piece.length <= maxBodyBytes)
            {
                if (received + piece.length > body.length)
                {
                    body = Arrays.copyOf(body, (int)Math.min(maxBodyBytes, Math.max(received + piece.length, 2L * body.length)));
                }
                System.arraycopy(piece, 0, body, (int)received, piece.length);
            }
            else
            {
                body = null; // over the cap: what comes is counted and dropped
            }
            received += piece.length;
            if (last)
            {
                finish();
                if (received > maxBodyBytes)
                {
                    tooLarge(ex, received); // all of it read: the connection can serve the next request
                }
                else
                {
                    ex.putAttachment(BODY, body.length == received ? body : Arrays.copyOf(body, (int)received));
                    body = null;
                    ex.dispatch(then);
                }
            }
            else if (received > (long)maxBodyBytes + (declared ? SWALLOW_BYTES : DRAIN_UNDECLARED_BYTES))
            {
                finish();
                ex.getRequestReceiver().pause();
                ex.setPersistent(false);
                tooLarge(ex, -1); // more may come: only "over the cap" is known
            }
        }

        void failed(final HttpServerExchange ex, final IOException e)
        {
            if (done)
            {
                return;
            }
            finish();
            if (e instanceof RequestTooBigException)
            {
                ex.setPersistent(false);
                tooLarge(ex, -1);
            }
            else
            {
                LOG.debug("{} {}: the body broke off: {}", ex.getRequestMethod(), ex.getRequestPath(), e.toString());
                IoUtils.safeClose(ex.getConnection());
            }
        }

        /** The deadline: on the I/O thread, so never at the same time as {@link #take}. */
        void expire()
        {
            if (exchange.isRequestComplete())
            {
                return; // read in time; a worker may own the exchange now
            }
            if (done || exchange.isResponseStarted())
            {
                IoUtils.safeClose(exchange.getConnection()); // answered already; what remains of the body is not waited for
                return;
            }
            final boolean over = received > maxBodyBytes;
            finish();
            if (then != null)
            {
                exchange.getRequestReceiver().pause();
            }
            exchange.setPersistent(false);
            Connectors.executeRootHandler(ex ->
            {
                if (over)
                {
                    tooLarge(ex, -1);
                }
                else
                {
                    error(ex, 408, null, "the body did not arrive whole within api.body-timeout (" + timeoutMillis + " ms; " + received + " bytes came)");
                }
            }, exchange);
        }

        private void finish()
        {
            done = true;
            deadline.remove();
        }
    }
}
