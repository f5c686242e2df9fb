package dev.tokmix.bpe;

/**
 * A token sink that also takes the pieces whose merges the encoder leaves to someone else, each in its place in
 * the id stream ({@link Tokenizer#encodeDeferringMerges}): the CPU half of an accelerated encoder, which merges
 * the collected pieces in one batch and puts their ids back where the pieces were.
 */
public interface MergeDeferringSink extends TokenSink {
    /**
     * Takes one unmerged piece. Its ids are those of the plain merge loop over its bytes, starting from
     * {@link Tokenizer#byteTokenIds()} and applying {@link Tokenizer#forEachPairMerge} rules, lowest rank first,
     * leftmost first among equal ranks.
     *
     * @param utf8   buffer holding the piece; reused after the call returns
     * @param offset start of the piece
     * @param length length in bytes (more than 16; every byte has a token)
     */
    void deferMerge(byte[] utf8, int offset, int length);
}
