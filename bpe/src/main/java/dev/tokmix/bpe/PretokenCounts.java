package dev.tokmix.bpe;

import dev.tokmix.core.TokmixException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A table of unique pretokens (pieces, as UTF-8 bytes) and how often each occurs: the data model of BPE training
 * and of merge replay. Tables are mergeable ({@link #addAll}), so they can be counted in parallel or on a
 * cluster and combined.
 *
 * <p>Layout: the pieces' bytes are packed in one byte arena; an open-addressing hash table (linear probing, load
 * ≤ 1/2) maps them to entries with 64-bit counts. Adding a piece that is already present allocates nothing.
 * Not thread-safe: count with one table per thread and merge them ({@link PretokenCounter} does).
 */
public final class PretokenCounts {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** The arena is a Java array; beyond this the table refuses more bytes (about 2 GB of unique pieces). */
    private static final int MAX_ARENA = Integer.MAX_VALUE - 16;

    /** Visits each unique pretoken. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * Accepts one entry.
         *
         * @param utf8   buffer holding the piece (do not modify)
         * @param offset start of the piece
         * @param length length in bytes
         * @param count  its count
         */
        void accept(byte[] utf8, int offset, int length, long count);
    }

    private byte[] arena = new byte[1 << 16];
    private int arenaSize;
    private int[] offsets = new int[1 << 12];
    private int[] lengths = new int[1 << 12];
    private int[] hashes = new int[1 << 12];
    private long[] counts = new long[1 << 12];
    private int size;
    private int[] slots = new int[1 << 13]; // entry index + 1; 0 = empty
    private long totalCount;
    private long totalBytes;

    /** Creates an empty table. */
    public PretokenCounts() {
    }

    /**
     * Adds {@code count} occurrences of a piece.
     *
     * @param utf8   buffer
     * @param offset start of the piece
     * @param length length in bytes (≥ 1)
     * @param count  occurrences to add (≥ 1)
     * @throws TokmixException if the unique pieces outgrow the table (about 2 GB of distinct bytes)
     */
    public void add(byte[] utf8, int offset, int length, long count) {
        int h = hash(utf8, offset, length);
        int mask = slots.length - 1;
        int i = h & mask;
        while (true) {
            int e = slots[i] - 1;
            if (e < 0) {
                break;
            }
            if (hashes[e] == h && lengths[e] == length
                    && Arrays.equals(arena, offsets[e], offsets[e] + length, utf8, offset, offset + length)) {
                counts[e] += count;
                totalCount += count;
                totalBytes += count * length;
                return;
            }
            i = (i + 1) & mask;
        }
        int e = insert(utf8, offset, length, h, count);
        slots[i] = e + 1;
        if (size * 2 > slots.length) {
            rehash();
        }
    }

    private int insert(byte[] utf8, int offset, int length, int h, long count) {
        if (arenaSize + length > arena.length) {
            long want = Math.max((long) arena.length * 2, (long) arenaSize + length);
            if (arenaSize + (long) length > MAX_ARENA) {
                throw new TokmixException("pretoken table: the distinct pieces exceed " + MAX_ARENA + " bytes"
                        + "\n  remedy: train on a sample, or count in parts and drop rare pieces");
            }
            arena = Arrays.copyOf(arena, (int) Math.min(want, MAX_ARENA));
        }
        System.arraycopy(utf8, offset, arena, arenaSize, length);
        if (size == offsets.length) {
            int n = size * 2;
            offsets = Arrays.copyOf(offsets, n);
            lengths = Arrays.copyOf(lengths, n);
            hashes = Arrays.copyOf(hashes, n);
            counts = Arrays.copyOf(counts, n);
        }
        int e = size++;
        offsets[e] = arenaSize;
        lengths[e] = length;
        hashes[e] = h;
        counts[e] = count;
        arenaSize += length;
        totalCount += count;
        totalBytes += count * length;
        return e;
    }

    private void rehash() {
        int[] s = new int[slots.length * 2];
        int mask = s.length - 1;
        for (int e = 0; e < size; e++) {
            int i = hashes[e] & mask;
            while (s[i] != 0) {
                i = (i + 1) & mask;
            }
            s[i] = e + 1;
        }
        slots = s;
    }

    /** 64-bit multiply-xorshift over 8-byte words; the tail is folded in with the length. */
    static int hash(byte[] b, int off, int len) {
        long h = 0x9E3779B97F4A7C15L ^ len;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            h = (h ^ (long) LONG_LE.get(b, off + i)) * 0xFF51AFD7ED558CCDL;
            h ^= h >>> 32;
        }
        long tail = 0;
        for (; i < len; i++) {
            tail = (tail << 8) | (b[off + i] & 0xFF);
        }
        h = (h ^ tail) * 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 29;
        return (int) h ^ (int) (h >>> 32);
    }

    /**
     * Adds every entry of another table.
     *
     * @param other the table to add (unchanged)
     */
    public void addAll(PretokenCounts other) {
        addAll(other, 1);
    }

    /**
     * Adds every entry of another table {@code times} times (a resampled document set counted once).
     *
     * @param other the table to add (unchanged)
     * @param times how many copies to add (≥ 0)
     */
    public void addAll(PretokenCounts other, long times) {
        if (times < 0) {
            throw new TokmixException("times must be >= 0, got " + times);
        }
        if (times == 0) {
            return;
        }
        for (int e = 0; e < other.size; e++) {
            add(other.arena, other.offsets[e], other.lengths[e], Math.multiplyExact(other.counts[e], times));
        }
    }

    /**
     * The count of one piece.
     *
     * @param utf8 the piece's bytes
     * @return its count, 0 if absent
     */
    public long count(byte[] utf8) {
        int h = hash(utf8, 0, utf8.length);
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int e = slots[i] - 1;
            if (e < 0) {
                return 0;
            }
            if (hashes[e] == h && lengths[e] == utf8.length
                    && Arrays.equals(arena, offsets[e], offsets[e] + utf8.length, utf8, 0, utf8.length)) {
                return counts[e];
            }
        }
    }

    /**
     * Visits every entry, in insertion order.
     *
     * @param visitor receives each unique piece and its count
     */
    public void forEach(Visitor visitor) {
        for (int e = 0; e < size; e++) {
            visitor.accept(arena, offsets[e], lengths[e], counts[e]);
        }
    }

    /**
     * The number of unique pieces.
     *
     * @return the size
     */
    public int size() {
        return size;
    }

    /**
     * The number of pieces counted, repeats included.
     *
     * @return the sum of all counts
     */
    public long totalCount() {
        return totalCount;
    }

    /**
     * The bytes of text the counted pieces cover (each piece's length times its count).
     *
     * @return bytes
     */
    public long totalBytes() {
        return totalBytes;
    }

    /**
     * The bytes of the distinct pieces (what training keeps in memory).
     *
     * @return bytes
     */
    public long uniqueBytes() {
        return arenaSize;
    }

    int offset(int entry) {
        return offsets[entry];
    }

    int length(int entry) {
        return lengths[entry];
    }

    long countAt(int entry) {
        return counts[entry];
    }

    byte[] arena() {
        return arena;
    }
}
