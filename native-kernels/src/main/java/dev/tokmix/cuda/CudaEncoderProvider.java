package dev.tokmix.cuda;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Decides once per JVM whether the CUDA path can run here, and opens {@link CudaBatchEncoder}s on it. The
 * first {@link #get()} probes the driver (JCuda's native library, {@code cuInit}, a device of compute
 * capability 7.5 or more) and logs one line, {@code tokmix CUDA: ...} ({@link System.Logger}), saying which
 * device will be used or why none: at INFO, except on a machine with no NVIDIA driver (or with the probe
 * switched off), where it is DEBUG, so the CPU path leaves no trace. Nothing touches CUDA again after a failed
 * probe. Without a GPU, a driver or even the JCuda jar,
 * {@link #available()} is simply false: JCuda is loaded by name, only by {@code CudaDriverBackend}.
 *
 * <pre>{@code
 * CudaEncoderProvider cuda = CudaEncoderProvider.get();
 * System.out.println(cuda.available() ? cuda.device() : cuda.unavailableReason());
 * }</pre>
 *
 * <p>Set {@code -Dtokmix.cuda=off} (or the environment variable {@code TOKMIX_CUDA=off}) to skip the probe, and
 * {@code -Dtokmix.cuda.device=N} to use device N instead of 0.
 */
public final class CudaEncoderProvider {
    private static final System.Logger LOG = System.getLogger("dev.tokmix.cuda");
    private static final String BACKEND = "dev.tokmix.cuda.CudaDriverBackend";

    private final String device;
    private final String reason;
    private final int ordinal;
    /** No driver, no JCuda, or switched off: an ordinary CPU machine, logged at DEBUG only. */
    private final boolean expected;

    private CudaEncoderProvider(String device, String reason, int ordinal, boolean expected) {
        this.device = device;
        this.reason = reason;
        this.ordinal = ordinal;
        this.expected = expected;
    }

    private static final class Holder {
        static final CudaEncoderProvider INSTANCE = probe();
    }

    /**
     * The provider, probing the driver on first use.
     *
     * @return the JVM-wide provider
     */
    public static CudaEncoderProvider get() {
        return Holder.INSTANCE;
    }

    private static CudaEncoderProvider probe() {
        String setting = System.getProperty("tokmix.cuda", System.getenv("TOKMIX_CUDA"));
        int ordinal = Integer.getInteger("tokmix.cuda.device", 0);
        CudaEncoderProvider p;
        if (setting != null && (setting.equalsIgnoreCase("off") || setting.equalsIgnoreCase("false")
                || setting.equals("0"))) {
            p = new CudaEncoderProvider(null, "disabled by tokmix.cuda=" + setting + " (or TOKMIX_CUDA)", ordinal,
                    true);
        } else {
            p = probeDriver(ordinal);
        }
        // One line. A machine without an NVIDIA driver is the common case, not news: DEBUG, so the CPU path
        // leaves no trace; a driver whose device cannot be used is worth an INFO line.
        LOG.log(p.available() || !p.expected ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                p.available() ? "tokmix CUDA: merging BPE pieces on " + p.device
                        : "tokmix CUDA: unavailable (" + p.reason + "); encoding on the CPU");
        return p;
    }

    private static CudaEncoderProvider probeDriver(int ordinal) {
        try {
            Class<?> backend = Class.forName(BACKEND, true, CudaEncoderProvider.class.getClassLoader());
            MethodHandle probe = MethodHandles.lookup().findStatic(backend, "probe",
                    MethodType.methodType(String.class, int.class));
            return new CudaEncoderProvider((String) probe.invokeExact(ordinal), null, ordinal, false);
        } catch (UnsatisfiedLinkError e) {
            // JCuda's native library needs libcuda.so.1, which only an NVIDIA driver installs.
            return new CudaEncoderProvider(null, "no CUDA driver: " + linkFailure(e), ordinal, true);
        } catch (LinkageError e) {
            return new CudaEncoderProvider(null, "JCuda cannot be loaded: " + firstLine(e), ordinal, true);
        } catch (CudaUnavailableException e) {
            return new CudaEncoderProvider(null, firstLine(e), ordinal, false);
        } catch (Throwable e) {
            return new CudaEncoderProvider(null, "CUDA probe failed: " + firstLine(e), ordinal, false);
        }
    }

    /**
     * The line of JCuda's multi-line load error that names the missing library (its message nests the stack
     * traces of two load attempts), e.g. {@code libcuda.so.1: cannot open shared object file: No such file or
     * directory}.
     */
    static String linkFailure(UnsatisfiedLinkError e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        for (String line : m.split("\n")) {
            if (line.contains("cannot open shared object file")) {
                String tag = "UnsatisfiedLinkError: ";
                int u = line.lastIndexOf(tag);
                String s = u >= 0 ? line.substring(u + tag.length()) : line;
                int so = s.indexOf(".so: ");
                return so >= 0 ? s.substring(so + ".so: ".length()) : s;
            }
        }
        return firstLine(e);
    }

    private static String firstLine(Throwable e) {
        Throwable t = e;
        String m = t.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                m = t.getMessage();
            }
        }
        if (m == null) {
            m = e.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * Whether the CUDA path can run.
     *
     * @return true if a usable device was found
     */
    public boolean available() {
        return device != null;
    }

    /**
     * Why the CUDA path cannot run.
     *
     * @return the reason (no driver, no device, a too old device, disabled), or null when available
     */
    public String unavailableReason() {
        return reason;
    }

    /**
     * The device that will run the kernels.
     *
     * @return e.g. {@code "NVIDIA H100 80GB HBM3 (device 0, compute capability 9.0, 132 SMs, 79.1 GiB, driver 13.0)"},
     *     or null when unavailable
     */
    public String device() {
        return device;
    }

    /**
     * Opens an encoder on the device with default options.
     *
     * @param tokenizer the tokenizer
     * @param policy    special tokens in the text
     * @return a new encoder; close it to release the device
     * @throws CudaUnavailableException if CUDA is unavailable here (the message says why and what to do)
     * @throws CudaException            if setting up the device fails
     */
    public CudaBatchEncoder open(Tokenizer tokenizer, SpecialTokenPolicy policy) {
        return open(tokenizer, policy, CudaBatchEncoder.Options.defaults());
    }

    /**
     * Opens an encoder on the device.
     *
     * @param tokenizer the tokenizer
     * @param policy    special tokens in the text
     * @param options   threads, group size, device threshold, lanes
     * @return a new encoder; close it to release the device
     * @throws CudaUnavailableException if CUDA is unavailable here (the message says why and what to do)
     * @throws CudaException            if setting up the device fails
     */
    public CudaBatchEncoder open(Tokenizer tokenizer, SpecialTokenPolicy policy, CudaBatchEncoder.Options options) {
        return open(tokenizer, policy, options, PieceBatchFormat.SHORT_MAX_BYTES);
    }

    /** As above; {@code shortMaxBytes} 0 sends every piece to the block kernel (device tests). */
    CudaBatchEncoder open(Tokenizer tokenizer, SpecialTokenPolicy policy, CudaBatchEncoder.Options options,
                          int shortMaxBytes) {
        if (!available()) {
            throw new CudaUnavailableException("the CUDA encoder is unavailable: " + reason + "\n  remedy: run on a"
                    + " machine with an NVIDIA GPU (compute capability 7.5+) and its driver, or encode on the CPU"
                    + " (--device cpu, or --device auto to choose by itself)");
        }
        return CudaBatchEncoder.create(tokenizer, policy, options, table -> openBackend(table, ordinal),
                shortMaxBytes);
    }

    private static MergeBackend openBackend(PairMergeTable table, int ordinal) {
        try {
            Class<?> backend = Class.forName(BACKEND, true, CudaEncoderProvider.class.getClassLoader());
            MethodHandle open = MethodHandles.lookup().findStatic(backend, "open",
                    MethodType.methodType(backend, PairMergeTable.class, int.class));
            return (MergeBackend) open.invoke(table, ordinal);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot open the CUDA backend: " + e, e);
        }
    }

    @Override
    public String toString() {
        return available() ? "CUDA: " + device : "CUDA unavailable: " + reason;
    }
}
