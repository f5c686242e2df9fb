package dev.tokmix.mixture;

import java.util.Arrays;

/** Open-addressing map from pair keys ({@code left << 32 | right}) to dense indices 0..size−1. */
final class PairIndex {
    private long[] keys = new long[1 << 16];
    private int[] slots = new int[1 << 16]; // index + 1; 0 = empty
    private long[] byIndex = new long[1 << 12];
    private int size;

    int add(long key) {
        int mask = slots.length - 1;
        int i = slot(key, mask);
        while (slots[i] != 0) {
            if (keys[i] == key) {
                return slots[i] - 1;
            }
            i = (i + 1) & mask;
        }
        if (size == byIndex.length) {
            byIndex = Arrays.copyOf(byIndex, size * 2);
        }
        byIndex[size] = key;
        keys[i] = key;
        slots[i] = ++size;
        if (size * 2 > slots.length) {
            grow();
        }
        return size - 1;
    }

    /** The index of a key, or -1. */
    int indexOf(long key) {
        int mask = slots.length - 1;
        for (int i = slot(key, mask); slots[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return slots[i] - 1;
            }
        }
        return -1;
    }

    /** The key of an index. */
    long keyOf(int index) {
        return byIndex[index];
    }

    int size() {
        return size;
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] k = new long[keys.length * 2];
        int[] s = new int[slots.length * 2];
        int mask = s.length - 1;
        for (int idx = 0; idx < size; idx++) {
            long key = byIndex[idx];
            int i = slot(key, mask);
            while (s[i] != 0) {
                i = (i + 1) & mask;
            }
            k[i] = key;
            s[i] = idx + 1;
        }
        keys = k;
        slots = s;
    }
}
