package dev.ferry.admin.tenants;

import java.nio.charset.StandardCharsets;

/**
 * Where a tenant falls in a percentage wave, computed as Unleash computes it: {@code normalizedValue(tenantId, groupId)}
 * is murmur3 (x86, 32 bit, seed 0) of {@code groupId + ":" + tenantId}, unsigned, {@code % 100 + 1}; a {@code
 * flexibleRollout} of N % matches when that is at most N. Raising N only adds tenants while the groupId stays.
 */
public final class WaveHash {
    private WaveHash() {}

    /** @return 1 to 100 */
    public static int normalized(String groupId, String tenant) {
        int hash = murmur3((groupId + ":" + tenant).getBytes(StandardCharsets.UTF_8), 0);
        return (int) (Integer.toUnsignedLong(hash) % 100) + 1;
    }

    /** MurmurHash3_x86_32. */
    static int murmur3(byte[] data, int seed) {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = seed;
        int blocks = data.length / 4;
        for (int i = 0; i < blocks; i++) {
            int at = i * 4;
            int k = (data[at] & 0xff)
                    | (data[at + 1] & 0xff) << 8
                    | (data[at + 2] & 0xff) << 16
                    | (data[at + 3] & 0xff) << 24;
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int tail = blocks * 4;
        int remaining = data.length & 3;
        if (remaining > 0) {
            int k = 0;
            if (remaining == 3) {
                k ^= (data[tail + 2] & 0xff) << 16;
            }
            if (remaining >= 2) {
                k ^= (data[tail + 1] & 0xff) << 8;
            }
            k ^= data[tail] & 0xff;
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
        }
        h ^= data.length;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
