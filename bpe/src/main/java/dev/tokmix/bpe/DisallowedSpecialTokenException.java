package dev.tokmix.bpe;

import dev.tokmix.core.TokmixException;
import java.io.Serial;

/**
 * The text contains a special token that the {@link SpecialTokenPolicy} disallows, as tiktoken raises for
 * {@code encode(text)} by default: special-token text from users must not silently become control tokens.
 */
public final class DisallowedSpecialTokenException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String token;
    private final int charOffset;

    /**
     * Creates the exception.
     *
     * @param token      the special token found
     * @param charOffset its UTF-16 offset in the input
     */
    public DisallowedSpecialTokenException(String token, int charOffset) {
        super("the text contains the special token " + token + " at char offset " + charOffset
                + ", which is disallowed\n  remedy: allow it (SpecialTokenPolicy.allowing(...) or --allowed-special),"
                + " or encode it as ordinary text (encodeOrdinary / SpecialTokenPolicy.ordinary())");
        this.token = token;
        this.charOffset = charOffset;
    }

    /**
     * The special token text that was found.
     *
     * @return the token
     */
    public String token() {
        return token;
    }

    /**
     * Where it starts in the input.
     *
     * @return the UTF-16 char offset
     */
    public int charOffset() {
        return charOffset;
    }
}
