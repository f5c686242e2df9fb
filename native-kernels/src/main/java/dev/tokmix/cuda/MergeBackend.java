package dev.tokmix.cuda;

import java.lang.foreign.MemorySegment;

/**
 * Runs the merge kernels over packed batches: on a CUDA device ({@link CudaDriverBackend}) or on the CPU
 * ({@link CudaKernelModel}, the kernels' twin). Thread-safe; each thread merges through its own {@link Lane}.
 */
interface MergeBackend extends AutoCloseable {

    /**
     * Opens a lane: host and device buffers (and, on a device, a stream) for one batch at a time.
     *
     * @return a new lane, owned by the caller until closed
     */
    Lane openLane();

    /**
     * What runs the kernels, for the log line and the device check's table.
     *
     * @return e.g. {@code "NVIDIA H100 80GB HBM3 (sm_90, driver 13.0)"}
     */
    String description();

    /** Releases what the backend holds (lanes must be closed first). Idempotent. */
    @Override
    void close();

    /** Buffers for one batch at a time, reused and grown across batches; one thread at a time. */
    interface Lane extends AutoCloseable {
        /**
         * The host input buffer, at least {@code bytes} long (pinned on a device); its contents may be lost.
         *
         * @param bytes bytes needed
         * @return the buffer
         */
        MemorySegment input(long bytes);

        /**
         * Merges every piece of the batch packed in {@link #input}; blocks until the output is on the host.
         *
         * @param batch the packed batch's shape
         */
        void merge(PieceBatch batch);

        /**
         * The host output buffer of the last {@link #merge}.
         *
         * @return at least {@code batch.outputBytes()} bytes
         */
        MemorySegment output();

        /**
         * Runs only the kernels of the last merged batch again, its input already on the device, and times them.
         *
         * @param batch   the batch last merged
         * @param repeats how many times
         * @return nanoseconds per run, host clock around the launches and one synchronisation
         */
        long timeKernels(PieceBatch batch, int repeats);

        /** Releases the lane's buffers. Idempotent. */
        @Override
        void close();
    }
}
