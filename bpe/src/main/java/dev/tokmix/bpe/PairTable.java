package dev.tokmix.bpe;

import java.util.Arrays;

/**
 * Open-addressing map from an adjacent token pair {@code (left, right)} to the merge it triggers: its priority
 * (lower merges first) and the merged token id. Built once at load, then read-only.
 */
final class PairTable {
    static final long NONE = -1L;

    /**
     * Key and value side by side ({@code [2 * slot]} = key, {@code [2 * slot + 1]} = value), so a lookup costs one
     * cache miss, not two: the o200k split table is ~30 MB and far outside any cache, and on non-Latin text the
     * merge loop is bound by these misses.
     */
    private long[] table;
    private int mask;
    private int size;

    PairTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
        table = new long[cap * 2];
        mask = cap - 1;
        for (int i = 0; i < table.length; i += 2) {
            table[i] = -1L;
        }
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
        if ((size + 1) * 2 > mask + 1) {
            grow();
        }
        long k = key(left, right);
        int s = slot(k, mask);
        while (table[2 * s] != -1L && table[2 * s] != k) {
            s = (s + 1) & mask;
        }
        if (table[2 * s] == -1L) {
            size++;
        }
        table[2 * s] = k;
        table[2 * s + 1] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
    }

    /**
     * Only sets the merge if the pair has none, or has one of higher rank.
     */
    void putIfBetter(int left, int right, int rank, int merged) {
        long cur = get(left, right);
        if (cur == NONE || (int) (cur >>> 32) > rank) {
            put(left, right, rank, merged);
        }
    }

    private void grow() {
        long[] old = table;
        int cap = (mask + 1) << 1;
        table = new long[cap * 2];
        mask = cap - 1;
        for (int i = 0; i < table.length; i += 2) {
            table[i] = -1L;
        }
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != -1L) {
                int s = slot(old[i], mask);
                while (table[2 * s] != -1L) {
                    s = (s + 1) & mask;
                }
                table[2 * s] = old[i];
                table[2 * s + 1] = old[i + 1];
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
        long[] t = table;
        int m = mask;
        for (int s = slot(k, m); ; s = (s + 1) & m) {
            long cur = t[2 * s];
            if (cur == k) {
                return t[2 * s + 1];
            }
            if (cur == -1L) {
                return NONE;
            }
        }
    }

    int size() {
        return size;
    }

    /** Receives one merge of the table. */
    @FunctionalInterface
    interface EntryVisitor {
        void accept(int left, int right, int rank, int merged);
    }

    /** Calls the visitor once per pair in the table (in slot order, which carries no meaning). */
    void forEach(EntryVisitor visitor) {
        long[] t = table;
        for (int i = 0; i < t.length; i += 2) {
            if (t[i] != -1L) {
                visitor.accept((int) (t[i] >>> 32), (int) t[i], (int) (t[i + 1] >>> 32), (int) t[i + 1]);
            }
        }
    }
}
