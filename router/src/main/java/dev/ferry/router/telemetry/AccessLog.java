package dev.ferry.router.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.router.config.AccessLogConfig;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: the event loop only hands over an {@link AccessRecord}; a thread of its own turns records into JSON
 * lines and writes them, a batch at a time.
 *
 * <pre>
 *   event loop ── offer(record) ──▶ bounded queue ──▶ writer thread, every 20 ms: JSON lines ──▶ file or stdout
 *                 full? dropped and counted (ferry_access_log_dropped_total): never waits
 * </pre>
 *
 * The event loop never wakes the writer: a wake-up per request costs a system call and a context switch, more than
 * the line itself. The writer wakes on its own every {@link #INTERVAL_NANOS} and writes what came, in a few large
 * writes; the queue holds well over one interval's records at any rate one replica serves.
 *
 * The queue is lock-free (a {@link ConcurrentLinkedQueue} bounded by a counter): Logback's {@code AsyncAppender} would
 * format each message on the calling thread, takes a lock to enqueue, and does not count what it drops.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    private static final AccessLog OFF = new AccessLog();
    /** Lines are handed to the file or stdout in writes of about this size, or when the queue runs empty. */
    private static final int BATCH_BYTES = 32 * 1024;
    /** How often the writer wakes: lines reach the file within about this long. */
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final double sample;
    private final int capacity;
    private final ConcurrentLinkedQueue<AccessRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final OutputStream out;
    private final Thread writer;
    private volatile boolean closed;

    private AccessLog() {
        this.sample = 0;
        this.capacity = 0;
        this.out = null;
        this.writer = null;
    }

    private AccessLog(AccessLogConfig config, OutputStream out) {
        this.sample = config.sample();
        this.capacity = config.queueSize();
        this.out = out;
        this.writer = new Thread(this::run, "ferry-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Nothing is logged. */
    public static AccessLog off() {
        return OFF;
    }

    /** Opens the file (or takes stdout) and starts the writer; {@link #off()} when the log is not enabled. */
    public static AccessLog open(AccessLogConfig config) {
        if (!config.enabled()) {
            return OFF;
        }
        return new AccessLog(config, config.file().map(AccessLog::append).orElseGet(AccessLog::stdout));
    }

    /** Lines to any stream: for tests. */
    static AccessLog writingTo(AccessLogConfig config, OutputStream out) {
        return new AccessLog(config, out);
    }

    /**
     * Standard output as a stream that says when a write fails (a {@code PrintStream} swallows it, and the lines
     * would be lost uncounted), and that never closes the descriptor.
     */
    private static OutputStream stdout() {
        return new FilterOutputStream(new FileOutputStream(FileDescriptor.out)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    private static OutputStream append(Path file) {
        try {
            return new FileOutputStream(file.toFile(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("access-log.file: '" + file + "' cannot be opened for appending", e);
        }
    }

    /** Whether to log this request: never when off, else with the configured probability. On the event loop. */
    public boolean sampled() {
        return sample >= 1 || sample > 0 && ThreadLocalRandom.current().nextDouble() < sample;
    }

    /** Hands a record to the writer, or drops and counts it when the queue is full. Never blocks. */
    public void offer(AccessRecord record) {
        if (closed || queued.incrementAndGet() > capacity) {
            if (!closed) {
                queued.decrementAndGet();
            }
            dropped.incrementAndGet();
            return;
        }
        queue.offer(record);
    }

    /** Records dropped because the writer could not keep up (or could not write). */
    public long dropped() {
        return dropped.get();
    }

    /** Lines written so far. */
    public long written() {
        return written.get();
    }

    private void run() {
        ByteArrayOutputStream batch = new ByteArrayOutputStream(2 * BATCH_BYTES);
        try (JsonGenerator json = new JsonFactory().setRootValueSeparator(null).createGenerator(batch)) {
            json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            long inBatch = 0;
            while (true) {
                AccessRecord record = queue.poll();
                if (record != null) {
                    queued.decrementAndGet();
                    AccessLogFormat.write(record, json);
                    json.writeRaw('\n');
                    inBatch++;
                    if (batch.size() < BATCH_BYTES) {
                        continue;
                    }
                }
                json.flush();
                inBatch = flush(batch, inBatch);
                if (record == null) {
                    if (closed && queue.isEmpty()) {
                        return;
                    }
                    sleep();
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("The access log stopped: {}", e.toString());
        }
    }

    /** Writes whole lines, in one write: on stdout they never interleave with the log's. */
    private long flush(ByteArrayOutputStream batch, long lines) {
        if (lines == 0) {
            return 0;
        }
        try {
            batch.writeTo(out);
            out.flush();
            if (out instanceof PrintStream print && print.checkError()) {
                throw new IOException("the stream reports an error");
            }
            written.addAndGet(lines);
        } catch (IOException e) {
            dropped.addAndGet(lines);
            LOG.warn("Could not write {} access-log line(s): {}", lines, e.toString());
        }
        batch.reset();
        return 0;
    }

    private void sleep() {
        if (!closed) {
            LockSupport.parkNanos(this, INTERVAL_NANOS); // close() unparks
        }
    }

    /** Writes what is queued, then stops the writer (at shutdown, after the last request). */
    @Override
    public void close() {
        if (writer == null || closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (out != System.out) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("Could not close the access log: {}", e.toString());
            }
        }
    }
}
