package dev.tokmix.core;

import java.io.Serial;

/**
 * Base of every checked-by-contract error tokmix raises: each one names the resource it concerns, where in it
 * the problem lies (offset, line or field) and what the user can do about it.
 *
 * <p>Unchecked on purpose: a malformed file or an out-of-range id is a caller error that callers rarely recover
 * from in place, and the message carries everything needed to fix it.
 */
public class TokmixException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception whose message is the given text.
     *
     * @param message what went wrong, where, and the remedy
     */
    public TokmixException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what went wrong, where, and the remedy
     * @param cause   the underlying failure
     */
    public TokmixException(String message, Throwable cause) {
        super(message, cause);
    }
}
