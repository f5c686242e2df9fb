package dev.tokmix.bpe;

import java.io.Serial;

/** The tokenizer file is well-formed but uses a model, normaliser or pretokenizer tokmix does not implement. */
public final class UnsupportedTokenizerException extends TokenizerFormatException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the file, the field, what is unsupported and the remedy
     */
    public UnsupportedTokenizerException(String message) {
        super(message);
    }
}
