package dev.tokmix.cuda;

/**
 * The buffers of one merge batch, shared by the CUDA kernels ({@code src/main/cuda/bpe_merge.cu}) and their CPU
 * twin ({@link CudaKernelModel}). Words are 4-byte ints in the host's byte order (CUDA hosts are little-endian,
 * as the device is); offsets below count words from a buffer's start.
 *
 * <pre>
 * input (host, pinned -> device), one copy per batch:
 * +--------------------------------+ 0
 * | piece offsets, pieceCount + 1  |  offsets[i] = first byte of piece i in the byte section;
 * |                                |  offsets[pieceCount] = byteCount
 * +--------------------------------+ shortListAt = pieceCount + 1
 * | short list, shortCount words   |  pieces of at most SHORT_MAX_BYTES bytes (one thread each)
 * +--------------------------------+ longListAt = shortListAt + shortCount
 * | long list, longCount words     |  the other pieces (one block each)
 * +--------------------------------+ bytesAt = 2 * pieceCount + 1
 * | piece bytes, byteCount bytes   |  back to back, padded to a word
 * +--------------------------------+ inputWords = bytesAt + ceil(byteCount / 4)
 *
 * output (device -> host, pinned), one copy per batch:
 * +--------------------------------+ 0
 * | ids, byteCount words           |  piece i's ids at [offsets[i], offsets[i] + counts[i]) (a piece never has
 * |                                |  more ids than bytes)
 * +--------------------------------+ countsAt = byteCount
 * | counts, pieceCount words       |  ids per piece; BAD_BYTE_COUNT if a byte has no token,
 * |                                |  STALLED_COUNT if a round merged nothing (both bugs)
 * +--------------------------------+ outputWords = byteCount + pieceCount
 *
 * workspace (device only, bpe_merge_long): WORKSPACE_PLANES planes of byteCount words (wsStride = byteCount);
 * a long piece uses [offsets[i], offsets[i + 1]) of each plane.
 *
 * model (device, one per tokenizer, uploaded once):
 * +--------------------------------+ 0
 * | byte ids, 256 words            |  the merge loop's starting token of each byte value (-1: none)
 * +--------------------------------+ MODEL_TABLE_AT = 256 (8-byte aligned)
 * | pair table, 2 longs per slot   |  key = left &lt;&lt; 32 | right (EMPTY_KEY: free slot),
 * |                                |  value = rank &lt;&lt; 32 | merged id; linear probing from
 * |                                |  (key * HASH_MULTIPLIER) &gt;&gt;&gt; (64 - log2 capacity)
 * +--------------------------------+ modelWords = 256 + 4 * capacity
 * </pre>
 *
 * <p>A batch holds at most {@link #MAX_BATCH_BYTES} bytes, so every word offset above, and
 * {@code 3 * wsStride + offset} in the kernel, fits an {@code int}.
 */
final class PieceBatchFormat {
    /** Longest piece the one-thread kernel takes (its per-thread arrays); {@code SHORT_MAX_BYTES} in the .cu. */
    static final int SHORT_MAX_BYTES = 64;
    /** Shared-memory scan size of the block kernel; {@code MAX_LONG_THREADS} in the .cu. */
    static final int MAX_LONG_THREADS = 256;
    /** Threads per block of the block kernel (a power of two, at most {@link #MAX_LONG_THREADS}). */
    static final int LONG_THREADS = 128;
    /** Threads per block of the one-thread-per-piece kernel. */
    static final int SHORT_THREADS = 128;
    /** Rank of a pair with no merge; {@code NO_RANK} in the .cu. */
    static final int NO_RANK = Integer.MAX_VALUE;
    /** A free table slot's key and a failed lookup's value; {@code EMPTY_KEY} in the .cu. */
    static final long EMPTY_KEY = -1L;
    /** Fibonacci hashing multiplier; {@code HASH_MULTIPLIER} in the .cu. */
    static final long HASH_MULTIPLIER = 0x9E3779B97F4A7C15L;
    /** Count written for a piece with a byte that has no token; {@code BAD_BYTE_COUNT} in the .cu. */
    static final int BAD_BYTE_COUNT = -1;
    /** Count written if a block-kernel round merged nothing (a bug guard; never spins); in the .cu too. */
    static final int STALLED_COUNT = -3;
    /** Marks a rank the block kernel must look up again after a round; {@code RECOMPUTE} in the .cu. */
    static final int RECOMPUTE = -2;
    /** Workspace planes of the block kernel (second ids, two ranks, chosen merges). */
    static final int WORKSPACE_PLANES = 4;
    /** Word offset of the pair table in the model buffer. */
    static final int MODEL_TABLE_AT = 256;
    /** Largest batch, in piece bytes (word offsets stay well inside an int). */
    static final int MAX_BATCH_BYTES = 1 << 28;

    private PieceBatchFormat() {
    }

    static int offsetsAt() {
        return 0;
    }

    static int shortListAt(int pieceCount) {
        return pieceCount + 1;
    }

    static int longListAt(int pieceCount, int shortCount) {
        return pieceCount + 1 + shortCount;
    }

    static int bytesAt(int pieceCount) {
        return 2 * pieceCount + 1;
    }

    static long inputWords(int pieceCount, int byteCount) {
        return bytesAt(pieceCount) + ((byteCount + 3L) >>> 2);
    }

    static int idsAt() {
        return 0;
    }

    static int countsAt(int byteCount) {
        return byteCount;
    }

    static long outputWords(int pieceCount, int byteCount) {
        return (long) byteCount + pieceCount;
    }

    static long workspaceWords(int byteCount) {
        return (long) WORKSPACE_PLANES * byteCount;
    }

    static long modelWords(int capacity) {
        return MODEL_TABLE_AT + 4L * capacity;
    }
}
