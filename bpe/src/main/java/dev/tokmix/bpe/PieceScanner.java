package dev.tokmix.bpe;

/**
 * Finds the matches of one pretokenizer pattern inside a region of UTF-16 text.
 *
 * <p>Semantics are those of a regex {@code find} loop run over the region as if it were the whole input:
 * lookarounds and {@code $}/{@code \z} see only {@code [start, end)} (an HF {@code Split} runs its regex on each
 * piece separately, and tiktoken on each text segment between special tokens). Implementations are immutable
 * and safe to share across threads; any per-call state lives in the caller's {@link IntList}.
 */
interface PieceScanner {

    /**
     * Appends the {@code (matchStart, matchEnd)} pairs of every non-empty match in {@code text[start, end)}, in
     * order, to {@code out}.
     *
     * @param text  UTF-16 text; lone surrogates have already been replaced by U+FFFD
     * @param start first char of the region
     * @param end   end (exclusive) of the region
     * @param out   receives pairs of char offsets into {@code text}
     */
    void matches(char[] text, int start, int end, IntList out);

    /**
     * The pattern this scanner implements, exactly as written in the tokenizer file.
     *
     * @return the pattern source
     */
    String pattern();
}
