package dev.tokmix.bpe;

import dev.tokmix.core.TokmixException;
import java.io.Serial;

/** A token id passed to decode is not a token of this tokenizer. */
public final class TokenIdOutOfRangeException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param tokenizer the tokenizer name
     * @param id        the bad id
     * @param index     its position in the input sequence
     * @param idLimit   one past the largest id the tokenizer defines
     */
    public TokenIdOutOfRangeException(String tokenizer, int id, long index, int idLimit) {
        super("token id " + id + " at position " + index + " is not a token of " + tokenizer + " (ids are in [0, "
                + idLimit + ") and some ids in that range may be unused)\n  remedy: decode with the tokenizer"
                + " that produced the ids");
    }
}
