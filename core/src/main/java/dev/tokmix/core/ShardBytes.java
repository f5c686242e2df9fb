package dev.tokmix.core;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Read access to the bytes of one file, mapped or by positioned reads; the two implementations behave alike,
 * including their errors. Each instance owns what it opened and {@link #close()} releases it (idempotent).
 */
sealed interface ShardBytes extends AutoCloseable permits MappedShardBytes, PositionedShardBytes {
    /** The file. */
    Path file();

    /** The file's size in bytes. */
    long size();

    /** The mapping, or {@code null} when reads are positioned. */
    MemorySegment segment();

    /** Copies {@code length} bytes at {@code offset} into {@code dst} at {@code dstOffset}. */
    void copy(long offset, MemorySegment dst, long dstOffset, long length);

    /** Reads {@code length} bytes at {@code offset} (small reads: headers). */
    default byte[] read(long offset, int length) {
        byte[] b = new byte[length];
        copy(offset, MemorySegment.ofArray(b), 0, length);
        return b;
    }

    /** A little-endian int at {@code offset}. */
    int getInt(long offset);

    /** A little-endian long at {@code offset}. */
    long getLong(long offset);

    @Override
    void close();
}
