package dev.tokmix.bpe;

import dev.tokmix.core.TokmixException;
import java.io.Serial;

/**
 * A tokenizer file is malformed or uses a feature tokmix does not support. The message names the file, the
 * line or JSON field, and what to do. No half-built tokenizer is ever returned alongside this exception.
 */
public class TokenizerFormatException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the file, the position (line or field), the problem and the remedy
     */
    public TokenizerFormatException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message the file, the position (line or field), the problem and the remedy
     * @param cause   the underlying failure
     */
    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
