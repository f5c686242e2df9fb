package dev.tokmix.cuda;

import dev.tokmix.bpe.MergeDeferringSink;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The CPU half of one group of documents: their id streams, in which each deferred piece leaves a placeholder
 * ({@code -1 - piece}), and the deferred pieces' bytes back to back. After the merge, the pieces' ids are copied
 * in ({@link #takeResults}) and {@link #emit} writes each document's ids in order. Reused across groups; used by
 * one thread at a time.
 */
final class PieceCollector implements MergeDeferringSink {
    int[] stream = new int[1 << 14];
    int streamSize;
    int[] documentEnds = new int[64];
    int documentCount;
    byte[] bytes = new byte[1 << 16];
    int byteCount;
    /** {@code pieceStarts[i]}: first byte of piece i; {@code pieceStarts[pieceCount]} = byteCount. */
    int[] pieceStarts = new int[1 << 12];
    int pieceCount;
    int[] resultIds = new int[0];
    int[] resultCounts = new int[0];

    void reset() {
        streamSize = 0;
        documentCount = 0;
        byteCount = 0;
        pieceCount = 0;
        pieceStarts[0] = 0;
    }

    @Override
    public void accept(int tokenId) {
        if (streamSize == stream.length) {
            stream = Arrays.copyOf(stream, stream.length * 2);
        }
        stream[streamSize++] = tokenId;
    }

    @Override
    public void deferMerge(byte[] utf8, int offset, int length) {
        if (byteCount + length > PieceBatchFormat.MAX_BATCH_BYTES) {
            throw new IllegalStateException("a group's deferred pieces passed " + PieceBatchFormat.MAX_BATCH_BYTES
                    + " bytes; CudaBatchEncoder.Options.groupBytes keeps groups far below that");
        }
        if (byteCount + length > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, byteCount + length));
        }
        System.arraycopy(utf8, offset, bytes, byteCount, length);
        byteCount += length;
        if (pieceCount + 2 > pieceStarts.length) {
            pieceStarts = Arrays.copyOf(pieceStarts, pieceStarts.length * 2);
        }
        accept(-1 - pieceCount);
        pieceStarts[++pieceCount] = byteCount;
    }

    /** Ends the current document. */
    void endDocument() {
        if (documentCount == documentEnds.length) {
            documentEnds = Arrays.copyOf(documentEnds, documentEnds.length * 2);
        }
        documentEnds[documentCount++] = streamSize;
    }

    /**
     * Packs the deferred pieces into a batch's input buffer ({@link PieceBatchFormat}).
     *
     * @param input         at least {@code batch.inputBytes()} bytes
     * @param shortMaxBytes longest piece for the short list ({@code <= SHORT_MAX_BYTES})
     * @return the batch's shape
     */
    PieceBatch pack(MemorySegment input, int shortMaxBytes) {
        int pieces = pieceCount;
        int shorts = 0;
        for (int i = 0; i < pieces; i++) {
            if (pieceStarts[i + 1] - pieceStarts[i] <= shortMaxBytes) {
                shorts++;
            }
        }
        PieceBatch b = new PieceBatch(pieces, shorts, pieces - shorts, byteCount);
        MemorySegment.copy(pieceStarts, 0, input, ValueLayout.JAVA_INT_UNALIGNED,
                4L * PieceBatchFormat.offsetsAt(), pieces + 1);
        long s = 4L * b.shortListAt();
        long l = 4L * b.longListAt();
        for (int i = 0; i < pieces; i++) {
            if (pieceStarts[i + 1] - pieceStarts[i] <= shortMaxBytes) {
                input.set(ValueLayout.JAVA_INT_UNALIGNED, s, i);
                s += 4;
            } else {
                input.set(ValueLayout.JAVA_INT_UNALIGNED, l, i);
                l += 4;
            }
        }
        MemorySegment.copy(bytes, 0, input, ValueLayout.JAVA_BYTE, 4L * b.bytesAt(), byteCount);
        return b;
    }

    /**
     * Copies the merged ids out of a batch's output buffer, so the buffer can serve the next batch.
     *
     * @throws IllegalStateException if the kernel reported a byte without a token (the CPU never defers one)
     */
    void takeResults(MemorySegment output, PieceBatch b) {
        if (resultIds.length < byteCount) {
            resultIds = new int[Math.max(byteCount, resultIds.length * 2)];
        }
        if (resultCounts.length < pieceCount) {
            resultCounts = new int[Math.max(pieceCount, resultCounts.length * 2)];
        }
        MemorySegment.copy(output, ValueLayout.JAVA_INT_UNALIGNED, 4L * PieceBatchFormat.idsAt(), resultIds, 0,
                byteCount);
        MemorySegment.copy(output, ValueLayout.JAVA_INT_UNALIGNED, 4L * b.countsAt(), resultCounts, 0,
                pieceCount);
        for (int i = 0; i < pieceCount; i++) {
            int c = resultCounts[i];
            if (c < 1 || c > pieceStarts[i + 1] - pieceStarts[i]) {
                throw new IllegalStateException("merge kernel returned " + c + " ids for deferred piece " + i
                        + " of " + (pieceStarts[i + 1] - pieceStarts[i]) + " bytes (" + (c
                        == PieceBatchFormat.BAD_BYTE_COUNT ? "a byte without a token"
                        : c == PieceBatchFormat.STALLED_COUNT ? "a merge round stalled" : "out of range")
                        + "); this is a bug in tokmix's CUDA path: please report it with the input; remedy meanwhile:"
                        + " --device cpu");
            }
        }
    }

    /**
     * Writes document {@code d}'s ids (placeholders replaced by their piece's merged ids).
     *
     * @return the number of ids written
     */
    long emit(int d, dev.tokmix.bpe.TokenSink sink) {
        int from = d == 0 ? 0 : documentEnds[d - 1];
        int to = documentEnds[d];
        int[] st = stream;
        int[] ids = resultIds;
        long n = 0;
        for (int i = from; i < to; i++) {
            int v = st[i];
            if (v >= 0) {
                sink.accept(v);
                n++;
            } else {
                int piece = -1 - v;
                int start = pieceStarts[piece];
                int count = resultCounts[piece];
                for (int k = 0; k < count; k++) {
                    sink.accept(ids[start + k]);
                }
                n += count;
            }
        }
        return n;
    }
}
