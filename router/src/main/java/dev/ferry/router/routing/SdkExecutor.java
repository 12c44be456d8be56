package dev.ferry.router.routing;

import io.getunleash.util.UnleashScheduledExecutor;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SDK's threads, as its own executor has them (one for the polling, one for one-off tasks), but owned here so
 * that closing the router waits for a fetch, backup or flag state being applied to finish: nothing then writes into
 * the backup or held-tenants files after the router stopped.
 */
final class SdkExecutor implements UnleashScheduledExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(SdkExecutor.class);

    private final ScheduledThreadPoolExecutor polling =
            new ScheduledThreadPoolExecutor(1, daemon("unleash-api-executor"));
    private final ExecutorService once = Executors.newSingleThreadExecutor(daemon("unleash-once-executor"));

    private static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void setInterval(Runnable command, long initialDelaySeconds, long periodSeconds) {
        polling.scheduleAtFixedRate(
                () -> {
                    try {
                        command.run();
                    } catch (RuntimeException e) {
                        LOG.error("Unleash background task crashed", e);
                    }
                },
                initialDelaySeconds,
                periodSeconds,
                TimeUnit.SECONDS);
    }

    @Override
    public Future<Void> scheduleOnce(Runnable runnable) {
        return once.submit(runnable, null);
    }

    @Override
    public void shutdown() {
        polling.shutdown();
        once.shutdown();
    }

    @Override
    public void shutdownNow() {
        polling.shutdownNow();
        once.shutdownNow();
    }

    /** Stops both threads and waits for their current tasks, up to {@code timeout}. */
    void stop(Duration timeout) {
        shutdownNow();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            polling.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
            once.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
