package dev.tokmix.bpe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A per-thread, per-model cache from pieces to their ids, so the common piece costs two 8-byte loads, one
 * multiply-hash and two compares instead of a vocabulary probe and a merge loop. Two tables: the short table holds
 * pieces of at most 16 UTF-8 bytes and 3 ids packed into one 32-byte slot; the long table (allocated on first use)
 * holds pieces of up to {@value #LONG_MAX_BYTES} bytes and {@value #LONG_MAX_IDS} ids, and short pieces of more
 * than 3 ids, keyed by a 64-bit hash and checked byte for byte on every hit. Both are two-way set associative; a
 * colliding piece overwrites a way, and correctness never depends on a hit.
 *
 * <p>Performance notes: on English prose ~90% of pieces are one token and nearly all are under 16 bytes; one
 * 32-byte slot per lookup (separate key/tag/id arrays cost four cache misses and measured ~2x slower). Keys are the
 * piece bytes packed little-endian into two longs with the length in the tag, read with a {@link VarHandle} from
 * the scratch buffer (which is always at least 256 bytes long, so the 16-byte read stays in bounds; bytes past the
 * piece are masked off).
 * <ul>
 *   <li>Issue 7, measured with thread CPU time (best of 8 passes over the 1 MB corpora of the JMH benchmark):
 *   before, the short table was direct-mapped with 64K slots (2 MB) and pieces over 16 bytes or 3 ids always
 *   merged. On o200k multilingual text that left 9.6% of pieces (33% of bytes) uncached, and the 37.7K distinct
 *   pieces of 1 MB collided in the direct-mapped table. Adding the long table (two-way, 32K ways, 4.3 MB) and
 *   making the short table two-way with 128K ways (4 MB): o200k multilingual 15.1 -> 28.3 MB/s, cl100k
 *   multilingual 21.1 -> 29.8, o200k english 50.2 -> 57.4, code 49.8 -> 55.5. Before, at least 15.7% of o200k
 *   multilingual pieces (over 16 bytes or 3 ids) always merged, plus direct-mapped collisions (not counted); now
 *   2.4% of lookups miss in steady state and 33% on a cold first pass over the corpus. The benchmark encodes the
 *   same 1 MB over and over, so its steady state flatters long pieces, which repeat less in a stream of new text.
 *   </li>
 *   <li>A 64K-way short table (2 MB, same memory as before but two-way) left 1.4% misses on English against 0.4%
 *   with 128K ways; kept the larger one.</li>
 *   <li>Long-table slots of 128 bytes (pieces up to 128 bytes, 32 ids) with 8K ways: the 7.7K distinct long pieces
 *   of the multilingual corpus thrashed it (+15% only); 64-byte keys and 16 ids with 4x the ways won.</li>
 * </ul>
 */
final class PieceCache {
    static final int MAX_BYTES = 16;
    static final int MAX_IDS = 3;
    /** Longest piece served by the long table; longer pieces go straight to the merge loop. */
    static final int LONG_MAX_BYTES = 64;
    /** Most ids a long-table entry holds. */
    static final int LONG_MAX_IDS = 16;
    private static final int LONG_BITS = 15;
    private static final int LONG_SIZE = 1 << LONG_BITS;
    private static final int SET_BITS = 16;
    private static final int SIZE = 2 << SET_BITS;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    final BpeModel owner;
    /**
     * Four longs per slot, one slot per 32 bytes so a lookup touches one cache line: key bytes 0-7, key bytes
     * 8-15, {@code (length << 8 | idCount) << 32 | id0}, {@code id1 << 32 | id2}. A zero tag marks an empty
     * slot (a piece is never empty).
     */
    private final long[] slots = new long[SIZE * 4];
    /**
     * The long table, allocated on first use: per slot a 64-bit hash of the piece (0 = empty), its length and id
     * count, its bytes (compared in full on every hit, so a hash collision can never change ids) and its ids.
     */
    private long[] longHashes;
    private int[] longInfo;
    private byte[] longKeys;
    private int[] longIds;
    private final int[] capture = new int[LONG_MAX_BYTES + 1];
    /** Lookup outcomes since this cache was made: served by the short table, by the long table, or merged. */
    long shortHits;
    long longHits;
    long misses;
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
        if (len > MAX_BYTES) {
            return encodeLong(b, len, s, sink, -1);
        }
        long k0 = (long) LONG_LE.get(b, 0) & mask(len);
        long k1 = len > 8 ? (long) LONG_LE.get(b, 8) & mask(len - 8) : 0L;
        long h = (k0 * 0x9E3779B97F4A7C15L) ^ (k1 * 0xC2B2AE3D27D4EB4FL) ^ len;
        int base = (int) ((h ^ (h >>> 29)) * 0x94D049BB133111EBL >>> (64 - SET_BITS)) << 3;
        long[] sl = slots;
        // Two ways per set, most recently filled first; both sit in one 64-byte span of the array.
        for (int at = base; at <= base + 4; at += 4) {
            long w2 = sl[at + 2];
            int tag = (int) (w2 >>> 32);
            if ((tag >>> 8) == len && sl[at] == k0 && sl[at + 1] == k1) {
                shortHits++;
                int n = tag & 0xFF;
                sink.accept((int) w2);
                if (n > 1) {
                    long w3 = sl[at + 3];
                    sink.accept((int) (w3 >>> 32));
                    if (n > 2) {
                        sink.accept((int) w3);
                    }
                }
                return n;
            }
        }
        // A short piece of more than MAX_IDS ids lives in the long table; a miss there encodes and stores it.
        return encodeLong(b, len, s, sink, base);
    }

    /**
     * Encodes a piece of at most {@link #MAX_BYTES} chars straight from the UTF-16 text when it is all ASCII: the
     * key is packed from the chars (an ASCII char is its UTF-8 byte), so the common hit never writes the piece's
     * bytes. The bytes are written only on a miss.
     *
     * @param t  the text
     * @param ps first char of the piece
     * @param n  piece length in chars, 1..{@link #MAX_BYTES}
     * @param b  the scratch byte buffer (length &ge; 256)
     * @return the number of ids emitted, or -1 (nothing emitted) when the piece is not all ASCII
     */
    int encodeAscii(char[] t, int ps, int n, byte[] b, EncodeScratch s, TokenSink sink) {
        long k0 = 0;
        long k1 = 0;
        int any = 0;
        int m = n < 8 ? n : 8;
        for (int j = 0; j < m; j++) {
            char c = t[ps + j];
            any |= c;
            k0 |= (long) c << (j << 3);
        }
        for (int j = 8; j < n; j++) {
            char c = t[ps + j];
            any |= c;
            k1 |= (long) c << ((j - 8) << 3);
        }
        if (any >= 0x80) {
            return -1;
        }
        long h = (k0 * 0x9E3779B97F4A7C15L) ^ (k1 * 0xC2B2AE3D27D4EB4FL) ^ n;
        int base = (int) ((h ^ (h >>> 29)) * 0x94D049BB133111EBL >>> (64 - SET_BITS)) << 3;
        long[] sl = slots;
        for (int at = base; at <= base + 4; at += 4) {
            long w2 = sl[at + 2];
            int tag = (int) (w2 >>> 32);
            if ((tag >>> 8) == n && sl[at] == k0 && sl[at + 1] == k1) {
                shortHits++;
                int ids = tag & 0xFF;
                sink.accept((int) w2);
                if (ids > 1) {
                    long w3 = sl[at + 3];
                    sink.accept((int) (w3 >>> 32));
                    if (ids > 2) {
                        sink.accept((int) w3);
                    }
                }
                return ids;
            }
        }
        LONG_LE.set(b, 0, k0);
        LONG_LE.set(b, 8, k1);
        return encodeLong(b, n, s, sink, base);
    }

    /**
     * Encodes a piece through the long table: pieces of {@link #MAX_BYTES} + 1 to {@link #LONG_MAX_BYTES} bytes,
     * and short pieces that missed the short table (their ids go to the short table when they fit there).
     *
     * @param b         the scratch byte buffer (length &ge; 256), piece at offset 0
     * @param len       piece length, 1..{@link #LONG_MAX_BYTES}
     * @param shortBase the short-table slot of a short piece, or -1
     * @return the number of ids emitted
     */
    private int encodeLong(byte[] b, int len, EncodeScratch s, TokenSink sink, int shortBase) {
        if (longHashes == null) {
            longHashes = new long[LONG_SIZE];
            longInfo = new int[LONG_SIZE];
            longKeys = new byte[LONG_SIZE * LONG_MAX_BYTES];
            longIds = new int[LONG_SIZE * LONG_MAX_IDS];
        }
        // len + 8 <= 72 < 256 = minimum buffer length: every 8-byte read is in bounds, the tail is masked.
        long h = len * 0x9E3779B97F4A7C15L;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            h = (h ^ (long) LONG_LE.get(b, i)) * 0xC2B2AE3D27D4EB4FL;
            h ^= h >>> 31;
        }
        if (i < len) {
            h = (h ^ ((long) LONG_LE.get(b, i) & mask(len - i))) * 0xC2B2AE3D27D4EB4FL;
        }
        h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL;
        h ^= h >>> 32;
        h |= 1L;
        // Two ways: the slot the hash names and its neighbour.
        int slot = (int) (h >>> (64 - LONG_BITS));
        long[] hashes = longHashes;
        for (int way = 0; way < 2; way++, slot ^= 1) {
            int info = longInfo[slot];
            int keyAt = slot * LONG_MAX_BYTES;
            if (hashes[slot] == h && (info >>> 8) == len
                    && Arrays.equals(longKeys, keyAt, keyAt + len, b, 0, len)) {
                longHits++;
                int n = info & 0xFF;
                int[] ids = longIds;
                int idsAt = slot * LONG_MAX_IDS;
                for (int k = 0; k < n; k++) {
                    sink.accept(ids[idsAt + k]);
                }
                return n;
            }
        }
        misses++;
        captured = 0;
        owner.encodePiece(b, 0, len, s, captureSink);
        int n = captured;
        int[] c = capture;
        for (int k = 0; k < n; k++) {
            sink.accept(c[k]);
        }
        if (shortBase >= 0 && n >= 1 && n <= MAX_IDS) {
            long[] sl = slots;
            System.arraycopy(sl, shortBase, sl, shortBase + 4, 4);
            sl[shortBase] = (long) LONG_LE.get(b, 0) & mask(len);
            sl[shortBase + 1] = len > 8 ? (long) LONG_LE.get(b, 8) & mask(len - 8) : 0L;
            sl[shortBase + 2] = ((long) ((len << 8) | n) << 32) | (c[0] & 0xFFFFFFFFL);
            sl[shortBase + 3] = n > 1 ? ((long) c[1] << 32) | (n > 2 ? c[2] & 0xFFFFFFFFL : 0L) : 0L;
        } else if (n >= 1 && n <= LONG_MAX_IDS) {
            // Fill an empty way if there is one, else replace the way a hash bit picks (random replacement).
            if (hashes[slot] != 0L && (hashes[slot ^ 1] == 0L || (h & 2) != 0)) {
                slot ^= 1;
            }
            hashes[slot] = h;
            longInfo[slot] = (len << 8) | n;
            System.arraycopy(b, 0, longKeys, slot * LONG_MAX_BYTES, len);
            System.arraycopy(c, 0, longIds, slot * LONG_MAX_IDS, n);
        }
        return n;
    }
}
