package dev.ferry.router.deploy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The few JVM flags of {@code JAVA_TOOL_OPTIONS} that size the JVM against its container. */
final class JvmFlags {
    private static final long MIB = 1024 * 1024;
    private final List<String> flags;

    JvmFlags(String options) {
        this.flags = Arrays.asList(options.trim().split("\\s+"));
    }

    /** The largest heap in bytes, for a container with this memory limit. */
    long maxHeap(long memoryLimit) {
        Optional<String> xmx = value("-Xmx");
        if (xmx.isPresent()) {
            return bytes(xmx.get());
        }
        Optional<String> percentage = value("-XX:MaxRAMPercentage=");
        // The JVM's own default is a quarter of the container's memory.
        double share = percentage.map(Double::parseDouble).orElse(25.0) / 100;
        return (long) (memoryLimit * share);
    }

    /** Direct memory (Netty's buffers) at most; the JVM's default is the heap's maximum. */
    long maxDirect(long memoryLimit) {
        return value("-XX:MaxDirectMemorySize=").map(JvmFlags::bytes).orElse(maxHeap(memoryLimit));
    }

    Optional<Integer> activeProcessorCount() {
        return value("-XX:ActiveProcessorCount=").map(Integer::parseInt);
    }

    Optional<Integer> ioWorkerCount() {
        return value("-Dreactor.netty.ioWorkerCount=").map(Integer::parseInt);
    }

    /** Where the JVM, Netty and Unleash's engine write temporary files (the native libraries they unpack). */
    String tmpdir() {
        return value("-Djava.io.tmpdir=").orElse("/tmp");
    }

    boolean has(String flag) {
        return flags.contains(flag);
    }

    private Optional<String> value(String prefix) {
        String found = null;
        for (String flag : flags) {
            if (flag.startsWith(prefix)) {
                found = flag.substring(prefix.length()); // the last one wins, as in the JVM
            }
        }
        return Optional.ofNullable(found);
    }

    private static long bytes(String size) {
        String s = size.toLowerCase(java.util.Locale.ROOT);
        long unit =
                switch (s.charAt(s.length() - 1)) {
                    case 'k' -> 1024;
                    case 'm' -> MIB;
                    case 'g' -> 1024 * MIB;
                    default -> 1;
                };
        return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
    }
}
