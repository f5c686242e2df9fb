package dev.tokmix.cuda;

import dev.tokmix.core.TokmixException;
import java.io.Serial;

/** A CUDA driver call failed while the CUDA path was in use: names the call, the CUDA error and a remedy. */
public final class CudaException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String errorName;

    /**
     * Creates the exception.
     *
     * @param call      the driver call, with what it was doing
     * @param errorName the CUDA error, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}
     * @param remedy    what the user can do
     */
    public CudaException(String call, String errorName, String remedy) {
        super(call + " failed: " + errorName + "\n  remedy: " + remedy);
        this.errorName = errorName;
    }

    /**
     * The CUDA error's name.
     *
     * @return e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}
     */
    public String errorName() {
        return errorName;
    }
}
