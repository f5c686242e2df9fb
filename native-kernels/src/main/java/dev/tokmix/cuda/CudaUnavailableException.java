package dev.tokmix.cuda;

import dev.tokmix.core.TokmixException;
import java.io.Serial;

/** The CUDA path was asked for, but this machine cannot run it: the message says why and what to do. */
public final class CudaUnavailableException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why CUDA is unavailable, and the remedy
     */
    public CudaUnavailableException(String message) {
        super(message);
    }
}
