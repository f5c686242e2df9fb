package dev.tokmix.mixture;

import dev.tokmix.bpe.MergeReplay;
import java.util.Arrays;

/**
 * One category's pair counts over a merge replay, in binary: the initial count of every pair, and per step the
 * merge pair's count and the summed count changes of that step. Pairs (keyed {@code left << 32 | right}) are first
 * numbered per trace as they are seen, then renumbered into a pair index shared by all categories ({@link #index});
 * 64-bit counts, no step cap.
 */
final class CategoryTrace implements MergeReplay.Listener {
    // Pairs are numbered as they are first seen (one hash lookup per reported change, on the replaying thread).
    private PairIndex local = new PairIndex();
    private int[] ids = new int[1 << 12];
    private long[] values = new long[1 << 12];
    private int size;
    private int initialSize = -1;
    private int[] stepEnd = new int[1 << 10];
    private int steps;
    long[] mergedCount = new long[1 << 10];
    /** After {@link #index}: per reported change, its pair's index in the shared index. */
    int[] pairs;

    @Override
    public void changed(int leftId, int rightId, long delta) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        ids[size] = local.add(key(leftId, rightId));
        values[size] = delta;
        size++;
    }

    @Override
    public void initialCountsDone() {
        initialSize = size;
    }

    @Override
    public void stepDone(int step, long merged) {
        if (steps == stepEnd.length) {
            stepEnd = Arrays.copyOf(stepEnd, steps * 2);
            mergedCount = Arrays.copyOf(mergedCount, steps * 2);
        }
        stepEnd[steps] = size;
        mergedCount[steps] = merged;
        steps++;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Renumbers the pairs through the shared index (which holds every key of {@link #distinctKeys}). */
    void index(PairIndex index) {
        int[] map = new int[local.size()];
        for (int j = 0; j < map.length; j++) {
            map[j] = index.indexOf(local.keyOf(j));
        }
        pairs = new int[size];
        for (int i = 0; i < size; i++) {
            pairs[i] = map[ids[i]];
        }
        ids = null;
        local = null;
    }

    /** This trace's distinct pair keys, numbered in first-seen order. */
    PairIndex distinctKeys() {
        return local;
    }

    int initialSize() {
        return initialSize;
    }

    /** Start (inclusive) of step t's changes. */
    int stepStart(int t) {
        return t == 0 ? initialSize : stepEnd[t - 1];
    }

    int stepEnd(int t) {
        return stepEnd[t];
    }

    long value(int i) {
        return values[i];
    }

    /** Sum of the initial counts: the category's number of adjacent pairs (the paper's normaliser). */
    long initialPairCount() {
        long n = 0;
        for (int i = 0; i < initialSize; i++) {
            n += values[i];
        }
        return n;
    }
}
