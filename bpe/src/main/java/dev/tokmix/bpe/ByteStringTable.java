package dev.tokmix.bpe;

import java.util.Arrays;

/**
 * Immutable open-addressing map from byte strings (the token byte strings of a vocabulary) to token ids.
 * Lookups take a range of a caller's buffer and allocate nothing; keys are the vocabulary's own arrays.
 */
final class ByteStringTable {
    private final int[] slots;
    private final int[] hashes;
    private final byte[][] keys;
    private final int mask;

    /**
     * Builds the table over every non-null entry of {@code tokenBytes}.
     *
     * @param tokenBytes token bytes by id; {@code null} entries are skipped
     * @param include    which ids to include ({@code null} = all non-null)
     */
    ByteStringTable(byte[][] tokenBytes, boolean[] include) {
        int count = 0;
        for (int i = 0; i < tokenBytes.length; i++) {
            if (tokenBytes[i] != null && (include == null || include[i])) {
                count++;
            }
        }
        int cap = Integer.highestOneBit(Math.max(4, count * 2 - 1)) << 1;
        slots = new int[cap];
        hashes = new int[cap];
        keys = tokenBytes;
        mask = cap - 1;
        Arrays.fill(slots, -1);
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] k = tokenBytes[id];
            if (k == null || (include != null && !include[id])) {
                continue;
            }
            int h = hash(k, 0, k.length);
            int s = h & mask;
            while (slots[s] >= 0) {
                s = (s + 1) & mask;
            }
            slots[s] = id;
            hashes[s] = h;
        }
    }

    static int hash(byte[] b, int off, int len) {
        int h = 0x9E3779B9 ^ len;
        for (int i = 0; i < len; i++) {
            h = (h ^ b[off + i]) * 0x01000193;
        }
        return h ^ (h >>> 15);
    }

    /** Short keys dominate; a plain loop beats the intrinsic's set-up cost below 16 bytes. */
    private static boolean equal(byte[] k, byte[] b, int off, int len) {
        if (len > 16) {
            return Arrays.equals(k, 0, len, b, off, off + len);
        }
        for (int i = 0; i < len; i++) {
            if (k[i] != b[off + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the id whose bytes equal {@code b[off, off + len)}, or -1.
     *
     * @param b   buffer
     * @param off start
     * @param len length
     * @return the id or -1
     */
    int get(byte[] b, int off, int len) {
        int h = hash(b, off, len);
        int m = mask;
        int[] sl = slots;
        for (int s = h & m; ; s = (s + 1) & m) {
            int id = sl[s];
            if (id < 0) {
                return -1;
            }
            if (hashes[s] == h) {
                byte[] k = keys[id];
                if (k.length == len && equal(k, b, off, len)) {
                    return id;
                }
            }
        }
    }
}
