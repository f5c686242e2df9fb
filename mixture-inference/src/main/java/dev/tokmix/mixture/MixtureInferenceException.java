package dev.tokmix.mixture;

import dev.tokmix.core.TokmixException;
import java.io.Serial;

/** Inference could not produce an answer: bad categories or settings, or a solver that did not reach optimality. */
public final class MixtureInferenceException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and the remedy
     */
    public MixtureInferenceException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what went wrong and the remedy
     * @param cause   the underlying failure
     */
    public MixtureInferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
