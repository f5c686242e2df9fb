package dev.tokmix.bpe;

import java.util.Arrays;

/** A growable list of primitive ints, reused across calls so hot paths allocate nothing in steady state. */
final class IntList {
    int[] data;
    int size;

    IntList(int capacity) {
        data = new int[Math.max(4, capacity)];
    }

    void clear() {
        size = 0;
    }

    void add(int value) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length << 1);
        }
        data[size++] = value;
    }

    void add(int a, int b) {
        if (size + 2 > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length << 1, size + 2));
        }
        data[size] = a;
        data[size + 1] = b;
        size += 2;
    }

    /** Makes room for {@code extra} more values, so a hot loop can write {@link #data} without checks. */
    void ensureRoom(int extra) {
        if (size + extra > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length << 1, size + extra));
        }
    }

    int get(int index) {
        return data[index];
    }

    int size() {
        return size;
    }

    /** Exchanges contents with another list in O(1), so a result can move to where callers expect it. */
    void swapContents(IntList other) {
        int[] d = data;
        data = other.data;
        other.data = d;
        int n = size;
        size = other.size;
        other.size = n;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
