package dev.tokmix.core;

/**
 * A binary min-heap of domain indices keyed by positions ({@code long}), ordered by {@code (key, index)} so that
 * equal keys go to the lowest index: the order of removals is a function of the keys alone, never of the heap's
 * layout, which is what lets a restored blender rebuild its heaps and continue exactly.
 *
 * <p>Keys live in the heap's own array next to the indices (not looked up through the index) so a sift reads
 * two arrays at the same offset per level. No position index is kept: the blenders only ever look at, replace
 * or remove the top and add new entries, and rebuild from scratch on a weight change. Capacity is fixed at
 * construction. A 4-ary variant (fewer levels, more compares per level) measured slower at K = 1,000.
 */
final class DomainHeap {
    private final long[] keys;
    private final int[] ids;
    private int size;

    DomainHeap(int capacity) {
        keys = new long[capacity];
        ids = new int[capacity];
    }

    int size() {
        return size;
    }

    long topKey() {
        return keys[0];
    }

    int topId() {
        return ids[0];
    }

    void clear() {
        size = 0;
    }

    /** Appends without ordering; call {@link #heapify()} after a run of these. */
    void append(long key, int id) {
        keys[size] = key;
        ids[size] = id;
        size++;
    }

    /** Floyd's bottom-up build: O(size). */
    void heapify() {
        for (int i = (size >>> 1) - 1; i >= 0; i--) {
            siftDown(i, keys[i], ids[i]);
        }
    }

    void add(long key, int id) {
        int i = size++;
        long[] k = keys;
        int[] d = ids;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            long pk = k[parent];
            int pd = d[parent];
            if (!less(key, id, pk, pd)) {
                break;
            }
            k[i] = pk;
            d[i] = pd;
            i = parent;
        }
        k[i] = key;
        d[i] = id;
    }

    /** Removes the top: the last entry sifts down from the root. */
    void removeTop() {
        int last = --size;
        if (last > 0) {
            siftDown(0, keys[last], ids[last]);
        }
    }

    /** Removes the top and adds {@code (key, id)} in one sift. */
    void replaceTop(long key, int id) {
        siftDown(0, key, id);
    }

    private void siftDown(int i, long key, int id) {
        long[] k = keys;
        int[] d = ids;
        int n = size;
        int half = n >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            long ck = k[child];
            int cd = d[child];
            int right = child + 1;
            if (right < n && less(k[right], d[right], ck, cd)) {
                child = right;
                ck = k[right];
                cd = d[right];
            }
            if (!less(ck, cd, key, id)) {
                break;
            }
            k[i] = ck;
            d[i] = cd;
            i = child;
        }
        k[i] = key;
        d[i] = id;
    }

    private static boolean less(long k1, int id1, long k2, int id2) {
        return k1 < k2 || (k1 == k2 && id1 < id2);
    }
}
