package dev.ferry.router.transport;

import io.netty.channel.Channel;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import reactor.netty.Connection;
import reactor.netty.NettyOutbound;
import reactor.netty.channel.ChannelOperations;

/**
 * Whether the backend request of one Reactor Netty exchange may still go out, and what is left of it when the exchange
 * ends without having taken the response.
 *
 * <p>Reactor Netty can fail an exchange on an error of its new connection before the connection is ready (epoll
 * reporting a read on a socket still connecting: {@link java.nio.channels.NotYetConnectedException}, which Netty does
 * not close the channel for) and then, once the connect completes, still send the request and receive the response,
 * with no one left to read it. The response waits in the connection's inbound queue, its buffers never released, the
 * connection held until the response timeout; and the backend got a request whose client was told it never arrived.
 * So the request is sent only while its exchange is still waiting for it, and an exchange that ends without having
 * taken its response closes the connection that response would come on.
 */
final class BackendRequestClaim {
    private static final Object ENDED = new Object();

    /** null, then the exchange's backend connection (its {@link ChannelOperations}, the last attempt's), then {@link #ENDED}. */
    private final AtomicReference<Object> state = new AtomicReference<>();

    private volatile boolean responseTaken;

    /**
     * From the request's send callback, on the connection's event loop: whether to send. When the exchange has ended
     * already, the connection is closed instead, before a byte of the request is written. Called again for each
     * attempt when Reactor Netty retries the request on another connection.
     */
    boolean send(NettyOutbound request) {
        for (Object current = state.get(); current != ENDED; current = state.get()) {
            if (state.compareAndSet(current, request)) {
                return true;
            }
        }
        request.withConnection(Connection::dispose);
        return false;
    }

    /** The response's head is handed to the exchange, which owns its body from now on. */
    void responseTaken() {
        responseTaken = true;
    }

    /** The exchange ended, however it ended. */
    void ended() {
        Object sentOn = state.getAndSet(ENDED);
        if (responseTaken || !(sentOn instanceof ChannelOperations<?, ?> ops)) {
            return;
        }
        // Sent, and nothing will read its response: close the connection, unless Reactor Netty has already let it go
        // (it is then no longer bound to this exchange and may serve another one).
        Channel channel = ops.channel();
        if (!channel.isRegistered()) {
            return;
        }
        try {
            channel.eventLoop().execute(() -> {
                if (ChannelOperations.get(channel) == ops) {
                    ops.dispose();
                }
            });
        } catch (RejectedExecutionException | IllegalStateException e) {
            // The channel was deregistered meanwhile: closed, nothing left to release
        }
    }
}
