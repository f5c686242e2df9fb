package dev.tokmix.bpe;

/**
 * A token matched in the raw text before pretokenization: a tiktoken special token, or an HF added token with
 * its flags.
 *
 * @param content    the token text
 * @param id         its id
 * @param special    a control token (subject to {@link SpecialTokenPolicy}); non-special added tokens are
 *                   always matched
 * @param lstrip     swallow whitespace to its left
 * @param rstrip     swallow whitespace to its right
 * @param singleWord only match when not inside a word
 * @param normalized matched on normalised text rather than raw text
 */
public record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip,
                         boolean singleWord, boolean normalized) {
}
