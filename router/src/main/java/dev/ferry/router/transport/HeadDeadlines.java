package dev.ferry.router.transport;

import dev.ferry.router.config.Durations;
import dev.ferry.router.exchange.ProxyFailure;
import dev.ferry.router.metrics.RouterMeters;
import dev.ferry.router.pipeline.ErrorResponses;
import dev.ferry.router.pipeline.Refusal;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;

/**
 * The request-head deadline ({@code limits.request-head-timeout}) of every HTTP/1.x client connection, whichever
 * transport serves it: what each connection's {@link HeadDeadline} shares.
 */
public final class HeadDeadlines {
    final long timeoutNanos;
    final ErrorResponses errors;
    final RouterMeters meters;
    final Refusal refusal;

    public HeadDeadlines(Duration timeout, ErrorResponses errors, RouterMeters meters) {
        this.timeoutNanos = timeout.toNanos();
        this.errors = errors;
        this.meters = meters;
        this.refusal = new Refusal(
                ProxyFailure.REQUEST_HEAD_TIMEOUT,
                "the request's head did not arrive whole within limits.request-head-timeout, "
                        + Durations.format(timeout) + " (expected: the request line and every header within it)");
    }

    /** Puts the deadline around the HTTP codec of a new connection; before the fast path's handler is installed. */
    public void install(ChannelPipeline pipeline) {
        HeadDeadline.install(pipeline, this);
    }
}
