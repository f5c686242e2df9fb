package dev.tokmix.bpe;

/**
 * Receives token ids one at a time, in order. Encoding writes into a caller-supplied sink so that nothing is
 * allocated per token: a {@link TokenBuffer}, a counter, or a writer straight into a shard.
 */
@FunctionalInterface
public interface TokenSink {
    /**
     * Accepts the next token id.
     *
     * @param tokenId the id, in {@code [0, Tokenizer.idLimit())}
     */
    void accept(int tokenId);
}
