package dev.tokmix.core;

import java.lang.foreign.MemorySegment;

/**
 * A reusable heap byte buffer with a memory-segment view, grown by doubling and never shrunk, so that steady-state
 * reading allocates nothing.
 */
final class GrowableBytes {
    /** The largest Java array, with the usual headroom some VMs need. */
    static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    private byte[] bytes;
    private MemorySegment segment;
    private long length;

    GrowableBytes() {
        this(1 << 12);
    }

    GrowableBytes(int initialCapacity) {
        bytes = new byte[initialCapacity];
        segment = MemorySegment.ofArray(bytes);
    }

    /**
     * Makes room for {@code capacity} bytes, keeping the first {@link #length()}.
     *
     * @return false if that exceeds {@link #MAX_CAPACITY}
     */
    boolean ensure(long capacity) {
        if (capacity <= bytes.length) {
            return true;
        }
        if (capacity > MAX_CAPACITY) {
            return false;
        }
        long grown = Math.min(MAX_CAPACITY, Math.max(capacity, 2L * bytes.length));
        bytes = java.util.Arrays.copyOf(bytes, (int) grown);
        segment = MemorySegment.ofArray(bytes);
        return true;
    }

    byte[] array() {
        return bytes;
    }

    /** A view of the whole array; replaced when the buffer grows. */
    MemorySegment segment() {
        return segment;
    }

    long length() {
        return length;
    }

    void length(long n) {
        length = n;
    }
}
