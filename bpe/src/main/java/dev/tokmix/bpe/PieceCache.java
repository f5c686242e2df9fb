package dev.tokmix.bpe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A per-thread, per-model cache from short pieces (at most 16 UTF-8 bytes) to their ids (at most 4), so the
 * common piece costs two 8-byte loads, one multiply-hash and two compares instead of a vocabulary probe and a
 * merge loop. Direct-mapped: a colliding piece simply overwrites the slot; correctness never depends on a hit.
 *
 * <p>Performance notes: on English prose ~90% of pieces are one token and nearly all are under 16 bytes, so a
 * 64K-slot table (2.3 MB) serves almost every piece from cache after warm-up. Keys are the piece bytes packed
 * little-endian into two longs with the length in the tag, read with a {@link VarHandle} from the scratch buffer
 * (which is always at least 256 bytes long, so the 16-byte read stays in bounds; bytes past the piece are
 * masked off).
 */
final class PieceCache {
    static final int MAX_BYTES = 16;
    static final int MAX_IDS = 4;
    private static final int BITS = 16;
    private static final int SIZE = 1 << BITS;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    final BpeModel owner;
    private final long[] key0 = new long[SIZE];
    private final long[] key1 = new long[SIZE];
    /** {@code length << 8 | idCount}; 0 marks an empty slot (a piece is never empty). */
    private final int[] tag = new int[SIZE];
    private final int[] ids = new int[SIZE * MAX_IDS];
    private final int[] capture = new int[BpeModel.HEAP_THRESHOLD + 1];
    private int captured;
    private final TokenSink captureSink = id -> {
        if (captured < capture.length) {
            capture[captured] = id;
        }
        captured++;
    };

    PieceCache(BpeModel owner) {
        this.owner = owner;
    }

    private static long mask(int bytes) {
        return bytes >= 8 ? -1L : (1L << (bytes << 3)) - 1;
    }

    /**
     * Encodes a piece through the cache.
     *
     * @param b   the scratch byte buffer (length &ge; 256), piece at offset 0
     * @param len piece length, 1..{@link #MAX_BYTES}
     * @return the number of ids emitted
     */
    int encode(byte[] b, int len, EncodeScratch s, TokenSink sink) {
        long k0 = (long) LONG_LE.get(b, 0) & mask(len);
        long k1 = len > 8 ? (long) LONG_LE.get(b, 8) & mask(len - 8) : 0L;
        long h = (k0 * 0x9E3779B97F4A7C15L) ^ (k1 * 0xC2B2AE3D27D4EB4FL) ^ len;
        int slot = (int) ((h ^ (h >>> 29)) * 0x94D049BB133111EBL >>> (64 - BITS));
        int t = tag[slot];
        if ((t >>> 8) == len && key0[slot] == k0 && key1[slot] == k1) {
            int n = t & 0xFF;
            int base = slot * MAX_IDS;
            for (int i = 0; i < n; i++) {
                sink.accept(ids[base + i]);
            }
            return n;
        }
        captured = 0;
        owner.encodePiece(b, 0, len, s, captureSink);
        int n = captured;
        for (int i = 0; i < n; i++) {
            sink.accept(capture[i]);
        }
        if (n <= MAX_IDS) {
            key0[slot] = k0;
            key1[slot] = k1;
            tag[slot] = (len << 8) | n;
            System.arraycopy(capture, 0, ids, slot * MAX_IDS, n);
        }
        return n;
    }
}
