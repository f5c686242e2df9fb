package dev.tokmix.cuda;

import java.util.Locale;

/**
 * Where an encoder merges BPE pieces: {@code tokmix shard --device cpu|cuda|auto} and any caller choosing between
 * {@link dev.tokmix.bpe.BatchEncoder} and {@link CudaBatchEncoder}. Either way the ids are the same.
 */
public enum EncoderDevice {
    /** The CPU encoder on all cores. */
    CPU,
    /** The CUDA encoder; an error if this machine cannot run it. */
    CUDA,
    /** CUDA when it is available and the input is large enough to pay for it ({@link #AUTO_MIN_BYTES}), else CPU. */
    AUTO;

    /** Input size from which {@link #AUTO} picks CUDA: below it, loading the device table costs more than it saves. */
    public static final long AUTO_MIN_BYTES = 64L << 20;

    /**
     * Parses {@code cpu}, {@code cuda} or {@code auto} (case-insensitive).
     *
     * @param name the name
     * @return the device
     * @throws IllegalArgumentException naming the accepted values
     */
    public static EncoderDevice parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("unknown device \"" + name + "\"; use cpu, cuda or auto");
        };
    }

    /**
     * Whether to encode on CUDA: {@link #CUDA} always (the caller then opens it and gets a clear error if it is
     * unavailable), {@link #CPU} never, {@link #AUTO} when the provider is available and the input is at least
     * {@link #AUTO_MIN_BYTES}. {@link #AUTO} probes the driver only for inputs that large.
     *
     * @param inputBytes size of the input, or -1 if unknown (then treated as large)
     * @return true to use {@link CudaBatchEncoder}
     */
    public boolean usesCuda(long inputBytes) {
        return switch (this) {
            case CPU -> false;
            case CUDA -> true;
            case AUTO -> (inputBytes < 0 || inputBytes >= AUTO_MIN_BYTES) && CudaEncoderProvider.get().available();
        };
    }
}
