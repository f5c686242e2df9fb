package dev.tokmix.bpe;

/**
 * Per-thread working memory of the encoder, reused across calls so steady-state encoding allocates nothing.
 * Obtained through {@link #acquire()}; a re-entrant call on the same thread (a sink that encodes) gets a fresh
 * instance instead of corrupting the one in use.
 */
final class EncodeScratch {
    private static final ThreadLocal<EncodeScratch> LOCAL = ThreadLocal.withInitial(EncodeScratch::new);

    boolean inUse;
    char[] text = new char[1024];
    char[] normalized = new char[256];
    byte[] pieceBytes = new byte[256];
    final IntList segments = new IntList(64);
    final IntList pieces = new IntList(256);
    final IntList piecesNext = new IntList(256);
    final IntList matches = new IntList(256);
    final int[] partIds = new int[BpeModel.HEAP_THRESHOLD + 1];
    final int[] partRanks = new int[BpeModel.HEAP_THRESHOLD + 1];
    int[] longIds = new int[0];
    int[] longNext = new int[0];
    int[] longPrev = new int[0];
    long[] heap = new long[0];
    final Counter counter = new Counter();
    /** Where pieces needing the merge loop go instead, during {@link Tokenizer#encodeDeferringMerges}; else null. */
    MergeDeferringSink deferral;
    /** The pair-lookup cache of the model being encoded (see {@link PieceCache#pairCache}). */
    long[] pairCache;
    /** Piece caches of the models this thread used most recently (most recent first). */
    private final PieceCache[] caches = new PieceCache[4];

    /**
     * Returns this thread's cache for a model, creating it (and evicting the least recent) if needed, and makes
     * its pair cache the one the merge loop uses: choosing the model's cache is the one place that knows which
     * model is being encoded.
     */
    PieceCache cache(BpeModel model) {
        PieceCache[] c = caches;
        if (c[0] != null && c[0].owner == model) {
            pairCache = c[0].pairCache;
            return c[0];
        }
        int i = 1;
        while (i < c.length && c[i] != null && c[i].owner != model) {
            i++;
        }
        PieceCache found = i < c.length && c[i] != null ? c[i] : new PieceCache(model);
        System.arraycopy(c, 0, c, 1, Math.min(i, c.length - 1));
        c[0] = found;
        pairCache = found.pairCache;
        return found;
    }

    /** A sink that only counts, for {@code countTokens}. */
    static final class Counter implements TokenSink {
        long count;

        @Override
        public void accept(int tokenId) {
            count++;
        }
    }

    static EncodeScratch acquire() {
        EncodeScratch s = LOCAL.get();
        if (s.inUse) {
            s = new EncodeScratch();
        }
        s.inUse = true;
        return s;
    }

    void release() {
        inUse = false;
    }

    char[] text(int length) {
        if (text.length < length) {
            text = new char[Math.max(length, text.length * 2)];
        }
        return text;
    }

    byte[] pieceBytes(int length) {
        if (pieceBytes.length < length) {
            pieceBytes = new byte[Math.max(length, pieceBytes.length * 2)];
        }
        return pieceBytes;
    }

    void ensureLong(int length) {
        if (longIds.length < length) {
            int n = Math.max(length, longIds.length * 2);
            longIds = new int[n];
            longNext = new int[n];
            longPrev = new int[n];
            heap = new long[3 * n];
        }
    }
}
