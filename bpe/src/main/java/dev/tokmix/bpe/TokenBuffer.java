package dev.tokmix.bpe;

import java.util.Arrays;

/**
 * A growable {@code int[]} of token ids that can be cleared and reused, so steady-state encoding into it
 * allocates nothing. Not thread-safe: one buffer per thread.
 */
public final class TokenBuffer implements TokenSink {
    private int[] ids;
    private int size;

    /** Creates an empty buffer with a small initial capacity. */
    public TokenBuffer() {
        this(64);
    }

    /**
     * Creates an empty buffer.
     *
     * @param initialCapacity how many ids fit before the first growth
     */
    public TokenBuffer(int initialCapacity) {
        ids = new int[Math.max(1, initialCapacity)];
    }

    @Override
    public void accept(int tokenId) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, ids.length << 1);
        }
        ids[size++] = tokenId;
    }

    /**
     * Number of ids held.
     *
     * @return the size
     */
    public int size() {
        return size;
    }

    /**
     * Returns the id at a position.
     *
     * @param index position in {@code [0, size())}
     * @return the id
     * @throws IndexOutOfBoundsException if {@code index} is outside the buffer
     */
    public int get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + size + ")");
        }
        return ids[index];
    }

    /** Empties the buffer, keeping its capacity. */
    public void clear() {
        size = 0;
    }

    /**
     * Copies the ids out.
     *
     * @return a new array of length {@link #size()}
     */
    public int[] toArray() {
        return Arrays.copyOf(ids, size);
    }
}
