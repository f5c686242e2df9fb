package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.SpecialTokenPolicy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The provider probes once, and without a GPU says why and refuses to open, with a remedy. */
class CudaEncoderProviderTest {

    @Test
    void probesOnceAndDescribesTheOutcome() {
        CudaEncoderProvider p = CudaEncoderProvider.get();
        assertSame(p, CudaEncoderProvider.get());
        System.out.println("[provider] " + p);
        if (p.available()) {
            assertNull(p.unavailableReason());
            assertTrue(p.device().contains("compute capability"), p.device());
        } else {
            assertNull(p.device());
            assertFalse(p.unavailableReason().isBlank());
        }
    }

    @Test
    void withoutADeviceOpeningFailsWithTheReasonAndARemedy() {
        CudaEncoderProvider p = CudaEncoderProvider.get();
        Assumptions.assumeFalse(p.available(), "a CUDA device is present: " + p.device());
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> p.open(TestCorpus.tokenizer("cl100k_base"), SpecialTokenPolicy.ordinary()));
        assertTrue(e.getMessage().contains(p.unavailableReason()), e.getMessage());
        assertTrue(e.getMessage().contains("remedy"), e.getMessage());
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
        assertFalse(EncoderDevice.AUTO.usesCuda(1L << 40), "auto must fall back to the CPU");
    }

    @Test
    void aMissingDriverIsReportedByTheLibraryJCudaCouldNotOpen() {
        // JCuda 12.6's message on a machine without a driver (shortened; stack traces elided).
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library"
                + " \"JCudaDriver-12.6.0-linux-x86_64\"\nOperating system name: Linux\n---(start of nested stack"
                + " traces)---\njava.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in"
                + " java.library.path: /usr/lib\n\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java)\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot"
                + " open shared object file: No such file or directory\n\tat java.base/jdk.internal.loader\n");
        assertEquals("libcuda.so.1: cannot open shared object file: No such file or directory",
                CudaEncoderProvider.linkFailure(e));
        assertEquals("something else", CudaEncoderProvider.linkFailure(new UnsatisfiedLinkError("something else")));
    }

    @Test
    void devicesParseAndAutoNeedsALargeInput() {
        assertEquals(EncoderDevice.CPU, EncoderDevice.parse("cpu"));
        assertEquals(EncoderDevice.CUDA, EncoderDevice.parse("CUDA"));
        assertEquals(EncoderDevice.CUDA, EncoderDevice.parse("gpu"));
        assertEquals(EncoderDevice.AUTO, EncoderDevice.parse("Auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderDevice.parse("tpu"));
        assertTrue(e.getMessage().contains("cpu, cuda or auto"));
        assertFalse(EncoderDevice.CPU.usesCuda(1L << 40));
        assertTrue(EncoderDevice.CUDA.usesCuda(0));
        assertFalse(EncoderDevice.AUTO.usesCuda(EncoderDevice.AUTO_MIN_BYTES - 1));
    }

    @Test
    void optionsRejectValuesOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new CudaBatchEncoder.Options(0, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new CudaBatchEncoder.Options(1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new CudaBatchEncoder.Options(1, 1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> new CudaBatchEncoder.Options(1, 1, 0, 0));
        CudaBatchEncoder.Options o = CudaBatchEncoder.Options.defaults().withThreads(3).withGroupBytes(5)
                .withMinDeviceBytes(0);
        assertEquals(3, o.threads());
        assertEquals(5, o.groupBytes());
        assertEquals(0, o.minDeviceBytes());
    }
}
