package dev.tokmix.bpe;

import java.util.Arrays;

/**
 * Open-addressing map from an adjacent token pair {@code (left, right)} to the merge it triggers: its priority
 * (lower merges first) and the merged token id. Built once at load, then read-only.
 */
final class PairTable {
    static final long NONE = -1L;

    private long[] keys;
    private long[] values;
    private int mask;
    private int size;

    PairTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        mask = cap - 1;
        Arrays.fill(keys, -1L);
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /**
     * Sets the merge for a pair, replacing any earlier one (HF keeps the last duplicate merge line).
     *
     * @param left   left id
     * @param right  right id
     * @param rank   priority, lower first
     * @param merged the merged id
     */
    void put(int left, int right, int rank, int merged) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        long k = key(left, right);
        int s = slot(k, mask);
        while (keys[s] != -1L && keys[s] != k) {
            s = (s + 1) & mask;
        }
        if (keys[s] == -1L) {
            size++;
        }
        keys[s] = k;
        values[s] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
    }

    /**
     * Only sets the merge if the pair has none, or has one of higher rank (used for tiktoken split enumeration).
     */
    void putIfBetter(int left, int right, int rank, int merged) {
        long cur = get(left, right);
        if (cur == NONE || (int) (cur >>> 32) > rank) {
            put(left, right, rank, merged);
        }
    }

    private void grow() {
        long[] ok = keys;
        long[] ov = values;
        keys = new long[ok.length << 1];
        values = new long[ok.length << 1];
        Arrays.fill(keys, -1L);
        mask = keys.length - 1;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != -1L) {
                int s = slot(ok[i], mask);
                while (keys[s] != -1L) {
                    s = (s + 1) & mask;
                }
                keys[s] = ok[i];
                values[s] = ov[i];
            }
        }
    }

    /**
     * Looks a pair up.
     *
     * @param left  left id
     * @param right right id
     * @return {@code rank << 32 | merged}, or {@link #NONE}
     */
    long get(int left, int right) {
        long k = key(left, right);
        long[] ks = keys;
        int m = mask;
        for (int s = slot(k, m); ; s = (s + 1) & m) {
            long cur = ks[s];
            if (cur == k) {
                return values[s];
            }
            if (cur == -1L) {
                return NONE;
            }
        }
    }

    int size() {
        return size;
    }
}
