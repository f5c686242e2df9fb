package dev.tokmix.bpe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A per-thread, per-model cache from short pieces (at most 16 UTF-8 bytes) to their ids (at most 3), so the
 * common piece costs two 8-byte loads, one multiply-hash and two compares instead of a vocabulary probe and a
 * merge loop. Direct-mapped: a colliding piece simply overwrites the slot; correctness never depends on a hit.
 *
 * <p>Performance notes: on English prose ~90% of pieces are one token and nearly all are under 16 bytes, so a
 * 64K-slot table (2 MB, one 32-byte slot per lookup; separate key/tag/id arrays cost four cache misses and
 * measured ~2x slower) serves almost every piece from cache after warm-up. Keys are the piece bytes packed
 * little-endian into two longs with the length in the tag, read with a {@link VarHandle} from the scratch buffer
 * (which is always at least 256 bytes long, so the 16-byte read stays in bounds; bytes past the piece are
 * masked off).
 */
final class PieceCache {
    static final int MAX_BYTES = 16;
    static final int MAX_IDS = 3;
    private static final int BITS = 16;
    private static final int SIZE = 1 << BITS;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    final BpeModel owner;
    /**
     * Four longs per slot, one slot per 32 bytes so a lookup touches one cache line: key bytes 0-7, key bytes
     * 8-15, {@code (length << 8 | idCount) << 32 | id0}, {@code id1 << 32 | id2}. A zero tag marks an empty
     * slot (a piece is never empty).
     */
    private final long[] slots = new long[SIZE * 4];
    private final int[] capture = new int[BpeModel.HEAP_THRESHOLD + 1];
    private int captured;
    private final TokenSink captureSink = id -> {
        if (captured < capture.length) {
            capture[captured] = id;
        }
        captured++;
    };

    /**
     * A direct-mapped cache of pair lookups ({@code key, value} side by side, 16K entries = 256 KB, L2-sized) in
     * front of the model's pair table, which is tens of MB for o200k: long non-Latin pieces (CJK runs,
     * Devanagari words) repeat the same byte pairs over and over, and each table probe is otherwise a cache
     * miss.
     */
    final long[] pairCache = new long[2 << PAIR_BITS];
    static final int PAIR_BITS = 14;

    PieceCache(BpeModel owner) {
        this.owner = owner;
        for (int i = 0; i < pairCache.length; i += 2) {
            pairCache[i] = -1L;
        }
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
        int base = (int) ((h ^ (h >>> 29)) * 0x94D049BB133111EBL >>> (64 - BITS)) << 2;
        long[] sl = slots;
        long w2 = sl[base + 2];
        int tag = (int) (w2 >>> 32);
        if ((tag >>> 8) == len && sl[base] == k0 && sl[base + 1] == k1) {
            int n = tag & 0xFF;
            sink.accept((int) w2);
            if (n > 1) {
                long w3 = sl[base + 3];
                sink.accept((int) (w3 >>> 32));
                if (n > 2) {
                    sink.accept((int) w3);
                }
            }
            return n;
        }
        captured = 0;
        owner.encodePiece(b, 0, len, s, captureSink);
        int n = captured;
        int[] c = capture;
        for (int i = 0; i < n; i++) {
            sink.accept(c[i]);
        }
        if (n >= 1 && n <= MAX_IDS) {
            sl[base] = k0;
            sl[base + 1] = k1;
            sl[base + 2] = ((long) ((len << 8) | n) << 32) | (c[0] & 0xFFFFFFFFL);
            sl[base + 3] = n > 1 ? ((long) c[1] << 32) | (n > 2 ? c[2] & 0xFFFFFFFFL : 0L) : 0L;
        }
        return n;
    }
}
