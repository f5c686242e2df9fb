package dev.tokmix.mixture;

import java.util.Arrays;

/** An indexed binary max-heap of items 0..n−1 keyed by doubles; ties go to the smaller item. */
final class MaxHeap {
    private final double[] key;
    private final int[] slot;
    private int[] heap;
    private int size;

    MaxHeap(int n) {
        key = new double[n];
        slot = new int[n];
        Arrays.fill(slot, -1);
        heap = new int[Math.max(16, n)];
    }

    boolean isEmpty() {
        return size == 0;
    }

    int top() {
        return heap[0];
    }

    double key(int item) {
        return key[item];
    }

    /** Inserts or re-keys an item. */
    void set(int item, double k) {
        if (slot[item] < 0) {
            key[item] = k;
            heap[size] = item;
            slot[item] = size;
            up(size++);
        } else {
            double old = key[item];
            key[item] = k;
            if (k > old) {
                up(slot[item]);
            } else if (k < old) {
                down(slot[item]);
            }
        }
    }

    int pop() {
        int t = heap[0];
        remove(t);
        return t;
    }

    void remove(int item) {
        int i = slot[item];
        slot[item] = -1;
        int last = heap[--size];
        if (i < size) {
            heap[i] = last;
            slot[last] = i;
            down(i);
            up(slot[last]);
        }
    }

    private boolean before(int a, int b) {
        return key[a] > key[b] || (key[a] == key[b] && a < b);
    }

    private void up(int i) {
        int x = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!before(x, heap[p])) {
                break;
            }
            heap[i] = heap[p];
            slot[heap[i]] = i;
            i = p;
        }
        heap[i] = x;
        slot[x] = i;
    }

    private void down(int i) {
        int x = heap[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && before(heap[c + 1], heap[c])) {
                c++;
            }
            if (!before(heap[c], x)) {
                break;
            }
            heap[i] = heap[c];
            slot[heap[i]] = i;
            i = c;
        }
        heap[i] = x;
        slot[x] = i;
    }
}
