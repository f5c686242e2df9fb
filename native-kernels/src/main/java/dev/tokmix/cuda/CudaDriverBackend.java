package dev.tokmix.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JITOptions;

/**
 * The merge kernels on a CUDA device through JCuda's driver API: the one class of tokmix that imports JCuda,
 * loaded by name from {@link CudaEncoderProvider} so that the library links without it.
 *
 * <p>Context: the device's primary context, retained once by this backend (its one owner) and released once in
 * {@link #close()}; every thread that calls the driver makes it current first. The primary context is used rather
 * than {@code cuCtxCreate}: JCuda 12.6 binds {@code cuCtxCreate_v2}, which CUDA 13 keeps only among its legacy
 * entry points ({@code cuCtxCreate} is {@code cuCtxCreate_v4} there), and a symbol missing at lazy binding would
 * end the JVM rather than throw. Every other entry point used here has the same versioned name in CUDA 12.6 and
 * 13.0's {@code cuda.h} (checked with {@code nm -D} against the JCuda native library).
 *
 * <p>Module: PTX from the classpath ({@code bpe_merge.sm_90.ptx} on compute capability 9.0 and above, else the
 * portable {@code bpe_merge.sm_75.ptx}), JIT-compiled by the driver in {@code cuModuleLoadData}. The PTX is
 * made by {@code make ptx} with nvcc 13 and relabelled to ISA 8.0 (see {@code native-kernels/build-ptx.sh}),
 * so any driver from CUDA 12.0 on accepts it. JCuda's NVRTC and PTX-compiler wrappers are never used: they link
 * CUDA 12 libraries.
 *
 * <p>Lanes: a non-blocking stream, pinned host input and output ({@code cuMemAllocHost}), device input, output
 * and workspace; all grown by doubling and reused. A merge is one host-to-device copy, the short and the long
 * kernel, one device-to-host copy and one stream synchronisation.
 */
final class CudaDriverBackend implements MergeBackend {
    private final CUdevice device;
    private final CUcontext context;
    private final CUmodule module;
    private final CUfunction shortKernel;
    private final CUfunction longKernel;
    private final CUdeviceptr model;
    private final PairMergeTable table;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<DriverLane> lanes = new ArrayList<>();

    private CudaDriverBackend(CUdevice device, CUcontext context, CUmodule module, CUfunction shortKernel,
                              CUfunction longKernel, CUdeviceptr model, PairMergeTable table, String description) {
        this.device = device;
        this.context = context;
        this.module = module;
        this.shortKernel = shortKernel;
        this.longKernel = longKernel;
        this.model = model;
        this.table = table;
        this.description = description;
    }

    private static void check(int result, String call, String remedy) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call, CUresult.stringFor(result), remedy);
        }
    }

    private static void check(int result, String call) {
        check(result, call, "check the driver with nvidia-smi; if the GPU is busy or broken, encode with"
                + " --device cpu");
    }

    private static CUdevice device(int ordinal) {
        int r = cuInit(0);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new CudaUnavailableException("cuInit failed: " + CUresult.stringFor(r)
                    + " (driver installed, but no usable GPU or a driver/library mismatch)");
        }
        int[] count = {0};
        check(cuDeviceGetCount(count), "cuDeviceGetCount");
        if (count[0] == 0) {
            throw new CudaUnavailableException("the CUDA driver sees no device");
        }
        if (ordinal < 0 || ordinal >= count[0]) {
            throw new CudaUnavailableException("tokmix.cuda.device=" + ordinal + " but there are " + count[0]
                    + " devices (0.." + (count[0] - 1) + ")");
        }
        CUdevice dev = new CUdevice();
        check(cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        return dev;
    }

    private static int attribute(CUdevice dev, int attribute) {
        int[] v = {0};
        check(cuDeviceGetAttribute(v, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    /** Compute capability as {@code 10 * major + minor}. */
    private static int computeCapability(CUdevice dev) {
        return 10 * attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                + attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    }

    /**
     * Probes the driver and a device (called by name from {@link CudaEncoderProvider}).
     *
     * @param ordinal the device
     * @return the device's description
     * @throws CudaUnavailableException if there is no usable device
     * @throws UnsatisfiedLinkError     if JCuda's native library or {@code libcuda.so.1} cannot be loaded
     */
    static String probe(int ordinal) {
        CUdevice dev = device(ordinal);
        int cc = computeCapability(dev);
        String d = describe(dev, ordinal, cc);
        if (cc < 75) {
            throw new CudaUnavailableException(d + " has compute capability " + cc / 10 + "." + cc % 10
                    + "; the kernels need 7.5 or more");
        }
        return d;
    }

    private static String describe(CUdevice dev, int ordinal, int cc) {
        byte[] name = new byte[256];
        check(cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        long[] mem = {0};
        check(cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
        int[] version = {0};
        check(cuDriverGetVersion(version), "cuDriverGetVersion");
        int sms = attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        return String.format("%s (device %d, compute capability %d.%d, %d SMs, %.1f GiB, driver %d.%d)",
                new String(name, 0, len, StandardCharsets.UTF_8), ordinal, cc / 10, cc % 10, sms,
                mem[0] / (double) (1L << 30), version[0] / 1000, version[0] % 1000 / 10);
    }

    /** The PTX resource for a compute capability, with the terminating NUL {@code cuModuleLoadData} wants. */
    static String ptxResource(int cc) {
        return cc >= 90 ? "bpe_merge.sm_90.ptx" : "bpe_merge.sm_75.ptx";
    }

    private static byte[] ptx(String resource) {
        try (InputStream in = CudaDriverBackend.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new CudaUnavailableException("PTX resource dev/tokmix/cuda/" + resource + " is missing from"
                        + " the classpath; rebuild tokmix-native-kernels (make ptx, then make build)");
            }
            byte[] text = in.readAllBytes();
            byte[] z = new byte[text.length + 1];
            System.arraycopy(text, 0, z, 0, text.length);
            return z;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read PTX resource " + resource, e);
        }
    }

    /**
     * Opens the backend: retains the primary context, loads the module, uploads the table. On failure, releases
     * whatever it had acquired.
     *
     * @param table   the tokenizer's merge rules
     * @param ordinal the device
     * @return the backend
     */
    static CudaDriverBackend open(PairMergeTable table, int ordinal) {
        CUdevice dev = device(ordinal);
        int cc = computeCapability(dev);
        String description = describe(dev, ordinal, cc);
        CUcontext ctx = new CUcontext();
        check(cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain");
        CUmodule module = null;
        CUdeviceptr model = null;
        try {
            check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            String resource = ptxResource(cc);
            CUmodule loaded = new CUmodule();
            byte[] ptx = ptx(resource);
            int r = cuModuleLoadData(loaded, ptx);
            if (r != CUresult.CUDA_SUCCESS) {
                check(r, "cuModuleLoadData(" + resource + ", JIT for compute capability " + cc / 10 + "." + cc % 10
                        + ")" + jitLog(ptx), "the driver must accept PTX ISA 8.0 (a CUDA 12.0 or newer driver);"
                        + " update the NVIDIA driver, or encode with --device cpu");
            }
            module = loaded;
            CUfunction shortKernel = new CUfunction();
            check(cuModuleGetFunction(shortKernel, module, "bpe_merge_short"), "cuModuleGetFunction(bpe_merge_short)");
            CUfunction longKernel = new CUfunction();
            check(cuModuleGetFunction(longKernel, module, "bpe_merge_long"), "cuModuleGetFunction(bpe_merge_long)");
            long bytes = table.modelBytes();
            CUdeviceptr allocated = new CUdeviceptr();
            check(cuMemAlloc(allocated, bytes), "cuMemAlloc(" + bytes + " bytes for the merge table)", "free GPU"
                    + " memory (nvidia-smi shows who holds it) or encode with --device cpu");
            model = allocated;
            ByteBuffer staging = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
            table.writeTo(MemorySegment.ofBuffer(staging));
            check(cuMemcpyHtoD(model, Pointer.to(staging), bytes), "cuMemcpyHtoD(merge table)");
            return new CudaDriverBackend(dev, ctx, module, shortKernel, longKernel, model, table, description);
        } catch (RuntimeException | Error e) {
            if (model != null) {
                cuMemFree(model);
            }
            if (module != null) {
                cuModuleUnload(module);
            }
            cuDevicePrimaryCtxRelease(dev);
            throw e;
        }
    }

    /**
     * The driver JIT's error log for a PTX image that failed to load (a second attempt through
     * {@code cuModuleLoadDataEx} with a log buffer), for the exception message; empty if none can be had.
     */
    private static String jitLog(byte[] ptx) {
        try {
            JITOptions options = new JITOptions();
            options.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[8192]);
            CUmodule retry = new CUmodule();
            if (cuModuleLoadDataJIT(retry, Pointer.to(ptx), options) == CUresult.CUDA_SUCCESS) {
                cuModuleUnload(retry);
                return "";
            }
            String log = options.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
            return log == null || log.isBlank() ? "" : "; JIT log: " + log.strip();
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }

    @Override
    public Lane openLane() {
        if (closed.get()) {
            throw new IllegalStateException("CUDA backend already closed");
        }
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        DriverLane lane = new DriverLane();
        synchronized (lanes) {
            lanes.add(lane);
        }
        return lane;
    }

    @Override
    public String description() {
        return description;
    }

    /** Releases lanes still open, the table, the module and the context retain. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cuCtxSetCurrent(context);
        synchronized (lanes) {
            for (DriverLane l : lanes) {
                l.close();
            }
            lanes.clear();
        }
        // Best effort from here: a failing free must not keep the context retained.
        cuMemFree(model);
        cuModuleUnload(module);
        cuDevicePrimaryCtxRelease(device);
    }

    /** A kernel argument that is a device pointer ({@code cuLaunchKernel} takes pointers to the values). */
    private static Pointer param(CUdeviceptr p) {
        return Pointer.to(p);
    }

    private static Pointer param(int v) {
        return Pointer.to(new int[] {v});
    }

    /** A stream with its pinned host buffers and device buffers. */
    private final class DriverLane implements Lane {
        private final CUstream stream = new CUstream();
        private final AtomicBoolean laneClosed = new AtomicBoolean();
        private Pointer hostIn;
        private long hostInBytes;
        private MemorySegment hostInSegment;
        private Pointer hostOut;
        private long hostOutBytes;
        private MemorySegment hostOutSegment;
        private CUdeviceptr deviceIn;
        private long deviceInBytes;
        private CUdeviceptr deviceOut;
        private long deviceOutBytes;
        private CUdeviceptr workspace;
        private long workspaceBytes;

        DriverLane() {
            check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        }

        private static long grown(long current, long needed) {
            return Math.max(needed, Math.min(Integer.MAX_VALUE - 4096L, 2 * current));
        }

        @Override
        public MemorySegment input(long bytes) {
            if (hostInBytes < bytes) {
                check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
                long size = grown(hostInBytes, bytes);
                Pointer p = new Pointer();
                check(cuMemAllocHost(p, size), "cuMemAllocHost(" + size + " pinned bytes)",
                        "lower CudaBatchEncoder.Options.groupBytes or free host memory");
                if (hostIn != null) {
                    cuMemFreeHost(hostIn);
                }
                hostIn = p;
                hostInBytes = size;
                hostInSegment = MemorySegment.ofBuffer(p.getByteBuffer(0, size).order(ByteOrder.nativeOrder()));
            }
            return hostInSegment;
        }

        private MemorySegment hostOutput(long bytes) {
            if (hostOutBytes < bytes) {
                long size = grown(hostOutBytes, bytes);
                Pointer p = new Pointer();
                check(cuMemAllocHost(p, size), "cuMemAllocHost(" + size + " pinned bytes)",
                        "lower CudaBatchEncoder.Options.groupBytes or free host memory");
                if (hostOut != null) {
                    cuMemFreeHost(hostOut);
                }
                hostOut = p;
                hostOutBytes = size;
                hostOutSegment = MemorySegment.ofBuffer(p.getByteBuffer(0, size).order(ByteOrder.nativeOrder()));
            }
            return hostOutSegment;
        }

        private static CUdeviceptr allocate(long bytes, String what) {
            CUdeviceptr p = new CUdeviceptr();
            check(cuMemAlloc(p, bytes), "cuMemAlloc(" + bytes + " bytes of " + what + ")",
                    "lower CudaBatchEncoder.Options.groupBytes, free GPU memory, or encode with --device cpu");
            return p;
        }

        @Override
        public void merge(PieceBatch b) {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            long in = b.inputBytes();
            long out = b.outputBytes();
            hostOutput(out);
            // A buffer is freed before its larger replacement is allocated (device memory is the scarce one), and
            // forgotten first, so a failed allocation never leaves a freed pointer for close() to free again.
            if (deviceInBytes < in) {
                long size = grown(deviceInBytes, in);
                free(deviceIn);
                deviceIn = null;
                deviceInBytes = 0;
                deviceIn = allocate(size, "batch input");
                deviceInBytes = size;
            }
            if (deviceOutBytes < out) {
                long size = grown(deviceOutBytes, out);
                free(deviceOut);
                deviceOut = null;
                deviceOutBytes = 0;
                deviceOut = allocate(size, "batch output");
                deviceOutBytes = size;
            }
            long ws = 4 * PieceBatchFormat.workspaceWords(b.byteCount());
            if (b.longCount() > 0 && workspaceBytes < ws) {
                long size = grown(workspaceBytes, ws);
                free(workspace);
                workspace = null;
                workspaceBytes = 0;
                workspace = allocate(size, "long-piece workspace");
                workspaceBytes = size;
            }
            check(cuMemcpyHtoDAsync(deviceIn, hostIn, in, stream), "cuMemcpyHtoDAsync(" + in + " bytes)");
            launch(b);
            check(cuMemcpyDtoHAsync(hostOut, deviceOut, out, stream), "cuMemcpyDtoHAsync(" + out + " bytes)");
            check(cuStreamSynchronize(stream), "cuStreamSynchronize (BPE merge kernels)",
                    "a kernel failed; rerun with --device cpu and report the input that caused it");
        }

        private void free(CUdeviceptr p) {
            if (p != null) {
                cuMemFree(p);
            }
        }

        private void launch(PieceBatch b) {
            if (b.shortCount() > 0) {
                Pointer p = Pointer.to(param(deviceIn), param(PieceBatchFormat.offsetsAt()), param(b.shortListAt()),
                        param(b.shortCount()), param(b.bytesAt()), param(model),
                        param(PieceBatchFormat.MODEL_TABLE_AT), param(table.mask), param(table.shift),
                        param(deviceOut), param(b.countsAt()));
                int blocks = (b.shortCount() + PieceBatchFormat.SHORT_THREADS - 1) / PieceBatchFormat.SHORT_THREADS;
                check(cuLaunchKernel(shortKernel, blocks, 1, 1, PieceBatchFormat.SHORT_THREADS, 1, 1, 0, stream, p,
                        null), "cuLaunchKernel(bpe_merge_short, " + b.shortCount() + " pieces)");
            }
            if (b.longCount() > 0) {
                Pointer p = Pointer.to(param(deviceIn), param(PieceBatchFormat.offsetsAt()), param(b.longListAt()),
                        param(b.longCount()), param(b.bytesAt()), param(model),
                        param(PieceBatchFormat.MODEL_TABLE_AT), param(table.mask), param(table.shift),
                        param(deviceOut), param(b.countsAt()), param(workspace), param(b.byteCount()));
                check(cuLaunchKernel(longKernel, b.longCount(), 1, 1, PieceBatchFormat.LONG_THREADS, 1, 1, 0, stream,
                        p, null), "cuLaunchKernel(bpe_merge_long, " + b.longCount() + " pieces)");
            }
        }

        @Override
        public MemorySegment output() {
            return hostOutSegment;
        }

        @Override
        public long timeKernels(PieceBatch b, int repeats) {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            check(cuStreamSynchronize(stream), "cuStreamSynchronize");
            long t0 = System.nanoTime();
            for (int r = 0; r < repeats; r++) {
                launch(b);
            }
            check(cuStreamSynchronize(stream), "cuStreamSynchronize (timed kernels)");
            return (System.nanoTime() - t0) / Math.max(1, repeats);
        }

        @Override
        public void close() {
            if (!laneClosed.compareAndSet(false, true)) {
                return;
            }
            cuCtxSetCurrent(context);
            cuStreamSynchronize(stream);
            for (CUdeviceptr p : new CUdeviceptr[] {deviceIn, deviceOut, workspace}) {
                if (p != null) {
                    cuMemFree(p);
                }
            }
            for (Pointer p : new Pointer[] {hostIn, hostOut}) {
                if (p != null) {
                    cuMemFreeHost(p);
                }
            }
            cuStreamDestroy(stream);
        }
    }
}
