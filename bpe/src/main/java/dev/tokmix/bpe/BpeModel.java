package dev.tokmix.bpe;

/**
 * The byte-level BPE model shared by both file families: token bytes by id, the 256 single-byte tokens, and a
 * pair table {@code (left id, right id) -> (priority, merged id)}.
 *
 * <p>Both rank semantics reduce to that table. For a {@code tokenizer.json} it holds the merge list (priority =
 * line number; a duplicate line keeps the last, as HF does). For a tiktoken rank file, where any adjacent pair
 * whose concatenated bytes form a token may merge with that token's rank, it holds every split {@code (a, b)} of
 * every token {@code t = a + b} with both halves in the vocabulary, priority {@code rank(t)}: while encoding,
 * parts are always tokens, so a pair is in the table exactly when tiktoken would find its concatenation.
 *
 * <p>Encoding a piece: whole-piece lookup when it is valid (tiktoken always; HF with {@code ignore_merges}; and
 * otherwise for any token proven merge-reachable at load, since BPE of a reachable token's bytes is itself);
 * else lowest priority first, ties to the leftmost pair. Short pieces use an array rescan (O(n²) with tiny
 * constants); pieces longer than {@link #HEAP_THRESHOLD} bytes use a binary heap with lazy deletion over a
 * linked list, O(n log n), so a megabyte without a split point stays fast.
 *
 * <p>Performance notes: the rescan path wins on the typical 2-10 byte piece (no heap, cache-resident arrays); the
 * threshold 64 was chosen so the quadratic path never costs more than ~4k pair comparisons per piece.
 */
final class BpeModel {
    static final int HEAP_THRESHOLD = 64;
    private static final int NO_RANK = Integer.MAX_VALUE;

    final byte[][] tokenBytes;
    final int[] byteToId;
    final PairTable pairs;
    final ByteStringTable vocab;
    /** Whole-piece lookup is always valid (tiktoken, or HF {@code ignore_merges: true}). */
    final boolean wholePieceAlways;
    /** Per id: BPE of the token's own bytes yields the token itself ({@code null} when never consulted). */
    final boolean[] reachable;
    /** HF {@code unk_token} id, or -1 (bytes with no token are then dropped, as HF does). */
    final int unkId;
    final boolean fuseUnk;

    /**
     * @param tokenBytes token bytes by id ({@code null} for unused ids)
     * @param encodable  ids whose bytes may be produced by encoding ({@code null} = all); an HF vocabulary
     *                   entry that is not byte-level text can be decoded but never matched
     */
    BpeModel(byte[][] tokenBytes, boolean[] encodable, int[] byteToId, PairTable pairs, boolean wholePieceAlways,
             int unkId, boolean fuseUnk) {
        this(tokenBytes, encodable, new ByteStringTable(tokenBytes, encodable), byteToId, pairs, wholePieceAlways,
                unkId, fuseUnk);
    }

    /** As above, reusing a table the loader already built over the same {@code encodable} tokens. */
    BpeModel(byte[][] tokenBytes, boolean[] encodable, ByteStringTable vocab, int[] byteToId, PairTable pairs,
             boolean wholePieceAlways, int unkId, boolean fuseUnk) {
        this.tokenBytes = tokenBytes;
        this.byteToId = byteToId;
        this.pairs = pairs;
        this.vocab = vocab;
        this.wholePieceAlways = wholePieceAlways;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.reachable = wholePieceAlways ? null : computeReachable(encodable);
    }

    private boolean[] computeReachable(boolean[] encodable) {
        boolean[] r = new boolean[tokenBytes.length];
        int[] parts = new int[256];
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] b = tokenBytes[id];
            if (b == null || (encodable != null && !encodable[id])) {
                continue;
            }
            if (b.length == 1) {
                r[id] = byteToId[b[0] & 0xFF] == id;
                continue;
            }
            if (parts.length < b.length) {
                parts = new int[b.length];
            }
            int n = mergeParts(b, 0, b.length, NO_RANK, parts);
            r[id] = n == 1 && parts[0] == id;
        }
        return r;
    }

    /**
     * Runs plain BPE (no whole-piece shortcut) over {@code b[off, off + len)} using only merges of priority
     * below {@code maxRank}; writes the resulting ids to {@code out}.
     *
     * @return the number of parts, or -1 if some byte has no token
     */
    int mergeParts(byte[] b, int off, int len, int maxRank, int[] out) {
        int[] ranks = new int[len];
        int n = len;
        for (int i = 0; i < len; i++) {
            int id = byteToId[b[off + i] & 0xFF];
            if (id < 0) {
                return -1;
            }
            out[i] = id;
        }
        for (int i = 0; i + 1 < n; i++) {
            ranks[i] = rankOf(out[i], out[i + 1], maxRank);
        }
        while (n > 1) {
            int best = NO_RANK;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (ranks[i] < best) {
                    best = ranks[i];
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            out[at] = (int) pairs.get(out[at], out[at + 1]);
            System.arraycopy(out, at + 2, out, at + 1, n - at - 2);
            System.arraycopy(ranks, at + 2, ranks, at + 1, Math.max(0, n - at - 3));
            n--;
            if (at > 0) {
                ranks[at - 1] = rankOf(out[at - 1], out[at], maxRank);
            }
            if (at + 1 < n) {
                ranks[at] = rankOf(out[at], out[at + 1], maxRank);
            }
        }
        return n;
    }

    private int rankOf(int left, int right, int maxRank) {
        long v = pairs.get(left, right);
        if (v == PairTable.NONE) {
            return NO_RANK;
        }
        int r = (int) (v >>> 32);
        return r < maxRank ? r : NO_RANK;
    }

    /**
     * Encodes one pretokenized piece of UTF-8 bytes.
     *
     * @param b    buffer
     * @param off  start
     * @param len  length, &ge; 1
     * @param s    the calling thread's scratch
     * @param sink receives the ids
     * @return number of ids emitted
     */
    int encodePiece(byte[] b, int off, int len, EncodeScratch s, TokenSink sink) {
        if (len == 1) {
            int id = byteToId[b[off] & 0xFF];
            if (id >= 0) {
                sink.accept(id);
                return 1;
            }
            return emitUnknown(sink, false) ? 1 : 0;
        }
        int whole = vocab.get(b, off, len);
        if (whole >= 0 && (wholePieceAlways || reachable[whole])) {
            sink.accept(whole);
            return 1;
        }
        return len <= HEAP_THRESHOLD ? encodeShort(b, off, len, s, sink) : encodeLong(b, off, len, s, sink);
    }

    /**
     * As {@link #encodePiece}, except that a piece needing the merge loop is handed to {@code deferral} unmerged
     * (its ids are then the merge loop's over its bytes: an accelerator runs the loop for many pieces at once).
     * Pieces with a byte that has no token stay here, since HF's unknown-token rules are not the merge loop's.
     *
     * @return number of ids emitted (0 for a deferred piece)
     */
    int encodePieceOrDefer(byte[] b, int off, int len, EncodeScratch s, TokenSink sink, MergeDeferringSink deferral) {
        if (len > 1) {
            int whole = vocab.get(b, off, len);
            if (whole >= 0 && (wholePieceAlways || reachable[whole])) {
                sink.accept(whole);
                return 1;
            }
            int[] byteIds = byteToId;
            int i = 0;
            while (i < len && byteIds[b[off + i] & 0xFF] >= 0) {
                i++;
            }
            if (i == len) {
                deferral.deferMerge(b, off, len);
                return 0;
            }
        }
        return encodePiece(b, off, len, s, sink);
    }

    private boolean emitUnknown(TokenSink sink, boolean previousWasUnk) {
        if (unkId < 0 || (fuseUnk && previousWasUnk)) {
            return false;
        }
        sink.accept(unkId);
        return true;
    }

    private int encodeShort(byte[] b, int off, int len, EncodeScratch s, TokenSink sink) {
        int[] ids = s.partIds;
        int[] ranks = s.partRanks;
        int[] byteIds = byteToId;
        PairTable pt = pairs;
        long[] pc = s.pairCache;
        int n = 0;
        for (int i = 0; i < len; i++) {
            int id = byteIds[b[off + i] & 0xFF];
            if (id < 0) {
                return encodeWithUnknowns(b, off, len, s, sink);
            }
            ids[n++] = id;
        }
        for (int i = 0; i + 1 < n; i++) {
            ranks[i] = rank(pt, pc, ids[i], ids[i + 1]);
        }
        while (n > 1) {
            int best = NO_RANK;
            int at = -1;
            for (int i = 0, last = n - 1; i < last; i++) {
                int r = ranks[i];
                if (r < best) {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            ids[at] = (int) lookup(pt, pc, ids[at], ids[at + 1]);
            int tail = n - at - 2;
            if (tail > 0) {
                System.arraycopy(ids, at + 2, ids, at + 1, tail);
                System.arraycopy(ranks, at + 2, ranks, at + 1, tail - 1 > 0 ? tail - 1 : 0);
            }
            n--;
            if (at > 0) {
                ranks[at - 1] = rank(pt, pc, ids[at - 1], ids[at]);
            }
            if (at + 1 < n) {
                ranks[at] = rank(pt, pc, ids[at], ids[at + 1]);
            }
        }
        for (int i = 0; i < n; i++) {
            sink.accept(ids[i]);
        }
        return n;
    }

    private static int rank(PairTable pt, long[] pairCache, int left, int right) {
        long v = lookup(pt, pairCache, left, right);
        return v == PairTable.NONE ? NO_RANK : (int) (v >>> 32);
    }

    /** A pair-table lookup through the thread's direct-mapped pair cache ({@code null} = no cache). */
    private static long lookup(PairTable pt, long[] cache, int left, int right) {
        if (cache == null) {
            return pt.get(left, right);
        }
        long k = PairTable.key(left, right);
        int slot = (int) ((k * 0x9E3779B97F4A7C15L) >>> (64 - PieceCache.PAIR_BITS)) << 1;
        if (cache[slot] == k) {
            return cache[slot + 1];
        }
        long v = pt.get(left, right);
        cache[slot] = k;
        cache[slot + 1] = v;
        return v;
    }

    /** Rare path: some byte has no token (an HF vocabulary without all 256 bytes); HF skips or emits unk. */
    private int encodeWithUnknowns(byte[] b, int off, int len, EncodeScratch s, TokenSink sink) {
        int count = 0;
        int i = 0;
        boolean prevUnk = false;
        while (i < len) {
            int j = i;
            while (j < len && byteToId[b[off + j] & 0xFF] >= 0) {
                j++;
            }
            if (j > i) {
                count += j - i <= HEAP_THRESHOLD ? encodeShort(b, off + i, j - i, s, sink)
                        : encodeLong(b, off + i, j - i, s, sink);
                prevUnk = false;
            }
            if (j < len) {
                if (emitUnknown(sink, prevUnk)) {
                    count++;
                }
                prevUnk = true;
                j++;
            }
            i = j;
        }
        return count;
    }

    /**
     * O(n log n) merge for long pieces: a min-heap of {@code (rank << 32 | position)} entries over a doubly
     * linked list of parts; an entry is stale when its position is dead or its pair's rank changed. Position
     * order equals list order, so the heap's tie-break by position is HF's and tiktoken's "leftmost first".
     */
    private int encodeLong(byte[] b, int off, int len, EncodeScratch s, TokenSink sink) {
        s.ensureLong(len);
        int[] ids = s.longIds;
        int[] next = s.longNext;
        int[] prev = s.longPrev;
        long[] heap = s.heap;
        PairTable pt = pairs;
        long[] pc = s.pairCache;
        for (int i = 0; i < len; i++) {
            int id = byteToId[b[off + i] & 0xFF];
            if (id < 0) {
                return encodeWithUnknowns(b, off, len, s, sink);
            }
            ids[i] = id;
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        int hs = 0;
        for (int i = 0; i + 1 < len; i++) {
            int r = rank(pt, pc, ids[i], ids[i + 1]);
            if (r != NO_RANK) {
                hs = heapPush(heap, hs, ((long) r << 32) | i);
            }
        }
        while (hs > 0) {
            long top = heap[0];
            hs = heapPop(heap, hs);
            int pos = (int) top;
            int r = (int) (top >>> 32);
            if (ids[pos] < 0) {
                continue;
            }
            int nx = next[pos];
            if (nx >= len) {
                continue;
            }
            long v = lookup(pt, pc, ids[pos], ids[nx]);
            if (v == PairTable.NONE || (int) (v >>> 32) != r) {
                continue;
            }
            ids[pos] = (int) v;
            ids[nx] = -1;
            int nn = next[nx];
            next[pos] = nn;
            if (nn < len) {
                prev[nn] = pos;
                int r2 = rank(pt, pc, ids[pos], ids[nn]);
                if (r2 != NO_RANK) {
                    hs = heapPush(heap, hs, ((long) r2 << 32) | pos);
                }
            }
            int pv = prev[pos];
            if (pv >= 0) {
                int r3 = rank(pt, pc, ids[pv], ids[pos]);
                if (r3 != NO_RANK) {
                    hs = heapPush(heap, hs, ((long) r3 << 32) | pv);
                }
            }
        }
        int count = 0;
        for (int i = 0; i < len; i = next[i]) {
            sink.accept(ids[i]);
            count++;
        }
        return count;
    }

    private static int heapPush(long[] h, int size, long v) {
        int i = size;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (h[p] <= v) {
                break;
            }
            h[i] = h[p];
            i = p;
        }
        h[i] = v;
        return size + 1;
    }

    private static int heapPop(long[] h, int size) {
        int n = size - 1;
        long v = h[n];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && h[c + 1] < h[c]) {
                c++;
            }
            if (h[c] >= v) {
                break;
            }
            h[i] = h[c];
            i = c;
        }
        if (n > 0) {
            h[i] = v;
        }
        return n;
    }
}
