package dev.tokmix.cuda;

/**
 * The shape of one packed batch (its buffers are drawn in {@link PieceBatchFormat}).
 *
 * @param pieceCount pieces in the batch
 * @param shortCount pieces in the short list (one thread each)
 * @param longCount  pieces in the long list (one block each)
 * @param byteCount  piece bytes in all
 */
record PieceBatch(int pieceCount, int shortCount, int longCount, int byteCount) {

    int shortListAt() {
        return PieceBatchFormat.shortListAt(pieceCount);
    }

    int longListAt() {
        return PieceBatchFormat.longListAt(pieceCount, shortCount);
    }

    int bytesAt() {
        return PieceBatchFormat.bytesAt(pieceCount);
    }

    int countsAt() {
        return PieceBatchFormat.countsAt(byteCount);
    }

    long inputBytes() {
        return 4 * PieceBatchFormat.inputWords(pieceCount, byteCount);
    }

    long outputBytes() {
        return 4 * PieceBatchFormat.outputWords(pieceCount, byteCount);
    }
}
