package dev.tokmix.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only into one 64-bit {@link MemorySegment} (no 2 GiB limit). The mapping lives in a
 * shared {@link Arena} that this object alone owns: closing it unmaps the file, and any later access, from any
 * thread, fails with {@link IllegalStateException} instead of touching freed memory.
 */
final class MappedShardBytes implements ShardBytes {
    private final Path file;
    private final Arena arena;
    private final MemorySegment segment;
    private final MappingBudget budget;
    private volatile boolean closed;

    private MappedShardBytes(Path file, Arena arena, MemorySegment segment, MappingBudget budget) {
        this.file = file;
        this.arena = arena;
        this.segment = segment;
        this.budget = budget;
    }

    /**
     * Maps a file, taking one slot of the budget (which the caller has already acquired).
     *
     * @throws UncheckedIOException naming the file; the slot and anything opened are released
     */
    static MappedShardBytes map(Path file, MappingBudget budget) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedShardBytes(file, arena, seg, budget);
        } catch (IOException e) {
            arena.close();
            budget.release();
            throw new UncheckedIOException("cannot map " + file + ": " + e
                    + "\n  remedy: check the path and permissions, or read with positioned I/O", e);
        } catch (RuntimeException | Error e) {
            arena.close();
            budget.release();
            throw e;
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public long size() {
        return segment.byteSize();
    }

    @Override
    public MemorySegment segment() {
        return segment;
    }

    @Override
    public void copy(long offset, MemorySegment dst, long dstOffset, long length) {
        MemorySegment.copy(segment, offset, dst, dstOffset, length);
    }

    @Override
    public int getInt(long offset) {
        return segment.get(TokenDtype.I32, offset);
    }

    @Override
    public long getLong(long offset) {
        return segment.get(TokenDtype.I64, offset);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            arena.close();
        } finally {
            budget.release();
        }
    }
}
