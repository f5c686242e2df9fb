package dev.tokmix.cuda;

import dev.tokmix.bpe.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The merge rules of a tokenizer as the device reads them: the 256 starting byte ids and an open-addressing
 * table {@code (left id, right id) -> (rank, merged id)} with linear probing (layout in
 * {@link PieceBatchFormat}). Built once per tokenizer on the host, uploaded once, read-only after; the CPU twin
 * ({@link CudaKernelModel}) probes this very array, so a probing bug shows up in the tests on every machine.
 *
 * <p>Fibonacci hashing takes the top bits of {@code key * 0x9E3779B97F4A7C15}: the pair key's low word (the
 * right id) and high word (the left id) both reach them, and it costs one 64-bit multiply on either side. The
 * load factor is at most 1/2 (o200k_base: 446,189 rules, every split of every token, in 2^20 slots, 16 MB), so
 * a probe is short; there is always a free slot, so a probe for a missing pair ends.
 */
final class PairMergeTable {
    final int[] byteIds;
    /** {@code [2s]} = key, {@code [2s + 1]} = value. */
    final long[] slots;
    final int mask;
    final int shift;
    final int size;

    private PairMergeTable(int[] byteIds, long[] slots, int size) {
        this.byteIds = byteIds;
        this.slots = slots;
        this.mask = slots.length / 2 - 1;
        this.shift = 64 - Integer.numberOfTrailingZeros(slots.length / 2);
        this.size = size;
    }

    /**
     * The table of a tokenizer's merge loop.
     *
     * @param tokenizer the tokenizer
     * @return its table, at most half full
     */
    static PairMergeTable of(Tokenizer tokenizer) {
        int[][] rules = {new int[1 << 16], new int[1 << 16], new int[1 << 16], new int[1 << 16]};
        int[] n = {0};
        tokenizer.forEachPairMerge((left, right, rank, merged) -> {
            int i = n[0]++;
            if (i == rules[0].length) {
                for (int k = 0; k < 4; k++) {
                    rules[k] = Arrays.copyOf(rules[k], i * 2);
                }
            }
            rules[0][i] = left;
            rules[1][i] = right;
            rules[2][i] = rank;
            rules[3][i] = merged;
        });
        return build(tokenizer.byteTokenIds(), rules[0], rules[1], rules[2], rules[3], n[0],
                capacityFor(n[0]));
    }

    /**
     * The smallest power-of-two capacity that keeps the table at most half full.
     *
     * @param rules number of rules
     * @return the capacity, at least 2
     */
    static int capacityFor(int rules) {
        if (rules > 1 << 29) {
            throw new IllegalArgumentException(rules + " merge rules are more than a device table holds (2^29)");
        }
        return Math.max(2, Integer.highestOneBit(Math.max(1, 2 * rules - 1)) << 1);
    }

    /**
     * Builds a table with a given capacity (tests use tiny, nearly full ones to force long probes).
     *
     * @param byteIds  256 starting ids
     * @param left     left ids
     * @param right    right ids
     * @param rank     ranks, {@code 0 <= rank < NO_RANK}
     * @param merged   merged ids, {@code >= 0}
     * @param count    number of rules
     * @param capacity slots: a power of two greater than {@code count}
     * @return the table
     * @throws IllegalArgumentException for a bad capacity, an out-of-range value or a repeated pair
     */
    static PairMergeTable build(int[] byteIds, int[] left, int[] right, int[] rank, int[] merged, int count,
                                int capacity) {
        if (byteIds.length != 256) {
            throw new IllegalArgumentException("byte ids must have 256 entries, not " + byteIds.length);
        }
        if (capacity < 2 || Integer.bitCount(capacity) != 1 || capacity <= count) {
            throw new IllegalArgumentException("capacity " + capacity + " must be a power of two above the "
                    + count + " rules (a probe for a missing pair ends at a free slot)");
        }
        long[] slots = new long[2 * capacity];
        for (int s = 0; s < slots.length; s += 2) {
            slots[s] = PieceBatchFormat.EMPTY_KEY;
        }
        PairMergeTable t = new PairMergeTable(byteIds.clone(), slots, count);
        for (int i = 0; i < count; i++) {
            if (left[i] < 0 || right[i] < 0 || merged[i] < 0 || rank[i] < 0 || rank[i] == PieceBatchFormat.NO_RANK) {
                throw new IllegalArgumentException("merge rule " + i + " (" + left[i] + ", " + right[i] + ") -> "
                        + merged[i] + " at rank " + rank[i] + " is out of range");
            }
            long key = key(left[i], right[i]);
            int s = t.home(key);
            while (slots[2 * s] != PieceBatchFormat.EMPTY_KEY) {
                if (slots[2 * s] == key) {
                    throw new IllegalArgumentException("merge rule " + i + " repeats the pair (" + left[i] + ", "
                            + right[i] + ")");
                }
                s = (s + 1) & t.mask;
            }
            slots[2 * s] = key;
            slots[2 * s + 1] = ((long) rank[i] << 32) | (merged[i] & 0xFFFFFFFFL);
        }
        return t;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** The first slot probed for a key (the kernel's {@code (key * HASH_MULTIPLIER) >> shift}). */
    int home(long key) {
        return (int) ((key * PieceBatchFormat.HASH_MULTIPLIER) >>> shift);
    }

    int capacity() {
        return mask + 1;
    }

    /**
     * Looks a pair up exactly as {@code pair_lookup} in the kernel does.
     *
     * @return {@code rank << 32 | merged}, or {@link PieceBatchFormat#EMPTY_KEY}
     */
    long lookup(int left, int right) {
        long key = key(left, right);
        long[] t = slots;
        int m = mask;
        int s = home(key);
        for (int probe = 0; probe <= m; probe++) {
            long k = t[2 * s];
            if (k == key) {
                return t[2 * s + 1];
            }
            if (k == PieceBatchFormat.EMPTY_KEY) {
                return PieceBatchFormat.EMPTY_KEY;
            }
            s = (s + 1) & m;
        }
        return PieceBatchFormat.EMPTY_KEY;
    }

    /** The pair's rank, or {@link PieceBatchFormat#NO_RANK} ({@code pair_rank} in the kernel). */
    int rank(int left, int right) {
        long v = lookup(left, right);
        return v == PieceBatchFormat.EMPTY_KEY ? PieceBatchFormat.NO_RANK : (int) (v >>> 32);
    }

    long modelBytes() {
        return 4 * PieceBatchFormat.modelWords(capacity());
    }

    /**
     * Writes the model buffer (byte ids, then the table at {@link PieceBatchFormat#MODEL_TABLE_AT}).
     *
     * @param model at least {@link #modelBytes()} bytes, 8-byte aligned
     */
    void writeTo(MemorySegment model) {
        MemorySegment.copy(byteIds, 0, model, ValueLayout.JAVA_INT_UNALIGNED, 0, 256);
        MemorySegment.copy(slots, 0, model, ValueLayout.JAVA_LONG_UNALIGNED, 4L * PieceBatchFormat.MODEL_TABLE_AT,
                slots.length);
    }
}
