package dev.tokmix.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file read with positioned reads ({@code pread}): for file systems that limit or forbid mappings, and when the
 * {@link MappingBudget} is spent. Thread-safe: {@link FileChannel#read(ByteBuffer, long)} keeps no position.
 */
final class PositionedShardBytes implements ShardBytes {
    private final Path file;
    private final FileChannel channel;
    private final long size;
    private volatile boolean closed;

    private PositionedShardBytes(Path file, FileChannel channel, long size) {
        this.file = file;
        this.channel = channel;
        this.size = size;
    }

    static PositionedShardBytes open(Path file) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            try {
                return new PositionedShardBytes(file, ch, ch.size());
            } catch (RuntimeException | Error e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e
                    + "\n  remedy: check the path and permissions", e);
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public MemorySegment segment() {
        return null;
    }

    @Override
    public void copy(long offset, MemorySegment dst, long dstOffset, long length) {
        if (closed) {
            throw new IllegalStateException(file + ": already closed");
        }
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException(file + ": bytes [" + offset + ", " + (offset + length)
                    + ") are outside the file (" + size + " bytes)");
        }
        // Only native segments and heap segments over a byte[] have a ByteBuffer view; a heap segment over any
        // other array (int[], long[]: MemorySegment.ofArray) makes asByteBuffer() throw, so those are read
        // through a small heap buffer and copied, as the mapped twin's MemorySegment.copy accepts them all.
        boolean direct = dst.isNative() || dst.heapBase().orElse(null) instanceof byte[];
        long done = 0;
        while (done < length) {
            // A ByteBuffer view is at most 2 GiB; read in chunks of 1 GiB (64 KiB through the bounce buffer).
            int chunk = (int) Math.min(length - done, direct ? 1L << 30 : 1L << 16);
            ByteBuffer bb = direct ? dst.asSlice(dstOffset + done, chunk).asByteBuffer() : ByteBuffer.allocate(chunk);
            while (bb.hasRemaining()) {
                int n;
                try {
                    n = channel.read(bb, offset + done + bb.position());
                } catch (ClosedChannelException e) {
                    throw new IllegalStateException(file + ": already closed", e);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file + " at byte offset "
                            + (offset + done + bb.position()) + ": " + e, e);
                }
                if (n < 0) {
                    throw new UncheckedIOException(new IOException(file + " shrank while being read (now ends"
                            + " before byte " + (offset + done + bb.position()) + ")"));
                }
            }
            if (!direct) {
                MemorySegment.copy(MemorySegment.ofArray(bb.array()), 0, dst, dstOffset + done, chunk);
            }
            done += chunk;
        }
    }

    @Override
    public int getInt(long offset) {
        byte[] b = read(offset, 4);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Override
    public long getLong(long offset) {
        byte[] b = read(offset, 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // A read-only channel has nothing to flush.
        }
    }
}
