package dev.tokmix.bpe;

import java.io.Serial;

/**
 * A pretokenizer pattern uses a regex construct that tokmix cannot reproduce exactly. tokmix refuses it rather
 * than approximate, because an approximate pretokenizer silently changes token ids.
 */
public final class UnsupportedPatternException extends TokenizerFormatException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param pattern the pattern source
     * @param index   char index of the offending construct
     * @param reason  what is not supported
     */
    public UnsupportedPatternException(String pattern, int index, String reason) {
        super("unsupported pretokenizer pattern at index " + index + ": " + reason + "\n  pattern: " + pattern
                + "\n  remedy: rewrite the pattern without this construct, or file an issue with the tokenizer"
                + " so a hand-written scanner can be added");
    }
}
