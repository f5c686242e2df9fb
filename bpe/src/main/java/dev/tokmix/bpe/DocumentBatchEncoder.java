package dev.tokmix.bpe;

/**
 * Encodes a batch of documents laid out back to back in one UTF-8 buffer: the encoding step of
 * {@link ShardPipeline}, replaceable by an accelerated encoder (the CUDA encoder of {@code tokmix-native-kernels}).
 * Implementations give exactly {@link Tokenizer#encode(byte[], int, int, SpecialTokenPolicy, TokenSink)}'s ids
 * for each document and may be called from several threads at once.
 */
@FunctionalInterface
public interface DocumentBatchEncoder {

    /** Receives a batch's ids in document order, told where each document starts and ends. */
    interface DocumentSink extends TokenSink {
        /**
         * Document {@code document} starts: its ids follow.
         *
         * @param document index in the batch
         */
        default void startDocument(int document) {
        }

        /**
         * Document {@code document} has ended: all its ids were accepted.
         *
         * @param document index in the batch
         */
        default void endDocument(int document) {
        }
    }

    /**
     * Encodes documents {@code 0..documents-1}, document {@code d} being
     * {@code text[d == 0 ? 0 : documentEnds[d - 1], documentEnds[d])}.
     *
     * @param text         the documents' UTF-8 bytes, back to back
     * @param documentEnds end offset of each document (non-decreasing)
     * @param documents    how many documents
     * @param policy       which special tokens are matched, text, or errors
     * @param sink         receives, per document in order, {@code startDocument}, its ids, {@code endDocument}
     * @return the number of ids emitted
     * @throws DisallowedSpecialTokenException if a document holds a special token the policy disallows
     */
    long encode(byte[] text, int[] documentEnds, int documents, SpecialTokenPolicy policy, DocumentSink sink);
}
