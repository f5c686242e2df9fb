package dev.tokmix.core;

import java.io.Serial;

/** A JSON document that does not parse; the message names the source, line and column, and a remedy. */
public final class JsonSyntaxException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, where, and the remedy
     */
    public JsonSyntaxException(String message) {
        super(message);
    }
}
