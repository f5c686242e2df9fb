package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real kernels on a CUDA device against the CPU encoder and against their twin: skipped, with the reason,
 * where there is no device. {@code native-kernels/device-check.sh} runs the same checks on 50+ MB.
 */
class CudaDeviceParityTest {
    static CudaEncoderProvider cuda;

    @BeforeEach
    void device() {
        cuda = CudaEncoderProvider.get();
        Assumptions.assumeTrue(cuda.available(), () -> "no CUDA device: " + cuda.unavailableReason());
    }

    static CudaBatchEncoder.Options options() {
        return new CudaBatchEncoder.Options(Math.min(8, Runtime.getRuntime().availableProcessors()), 1 << 20, 0, 4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"o200k_base", "cl100k_base", "llama3"})
    void deviceGivesTheCpuEncodersIds(String name) {
        Tokenizer t = TestCorpus.tokenizer(name);
        List<byte[]> docs = KernelModelParityTest.proseAndCode(45_000, 150_000);
        docs.addAll(KernelModelParityTest.edgeDocuments());
        try (CudaBatchEncoder enc = cuda.open(t, SpecialTokenPolicy.ordinary(), options())) {
            long[] c = KernelModelParityTest.assertParity(t, docs, enc, SpecialTokenPolicy.ordinary(),
                    name + " on " + enc.device());
            assertTrue(c[0] > 0, "groups must have reached the device");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"o200k_base", "llama3"})
    void deviceBlockKernelAloneGivesTheCpuEncodersIds(String name) {
        Tokenizer t = TestCorpus.tokenizer(name);
        List<byte[]> docs = KernelModelParityTest.proseAndCode(20_000, 50_000);
        try (CudaBatchEncoder enc = cuda.open(t, SpecialTokenPolicy.ordinary(), options(), 0)) {
            KernelModelParityTest.assertParity(t, docs, enc, SpecialTokenPolicy.ordinary(),
                    name + " block kernel only on the device");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"o200k_base"})
    void deviceOutputBufferEqualsTheTwins(String name) {
        Tokenizer t = TestCorpus.tokenizer(name);
        List<byte[]> pieces = new java.util.ArrayList<>();
        for (byte[] d : KernelModelParityTest.proseAndCode(10_000, 20_000)) {
            t.encodeDeferringMerges(d, 0, d.length, SpecialTokenPolicy.ordinary(),
                    new dev.tokmix.bpe.MergeDeferringSink() {
                        @Override
                        public void accept(int tokenId) {
                        }

                        @Override
                        public void deferMerge(byte[] utf8, int offset, int length) {
                            pieces.add(java.util.Arrays.copyOfRange(utf8, offset, offset + length));
                        }
                    });
        }
        PairMergeTable table = PairMergeTable.of(t);
        try (CudaDriverBackend device = CudaDriverBackend.open(table, 0)) {
            for (int shortMax : new int[] {PieceBatchFormat.SHORT_MAX_BYTES, 0}) {
                int[][] onDevice = ModelRunner.merge(device, pieces, shortMax);
                int[][] twin = ModelRunner.merge(new CudaKernelModel(table), pieces, shortMax);
                for (int i = 0; i < pieces.size(); i++) {
                    assertArrayEquals(twin[i], onDevice[i], "piece " + i + ", short list up to " + shortMax);
                }
                System.out.printf("[device] %d pieces identical to the twin (short list up to %d bytes)%n",
                        pieces.size(), shortMax);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cl100k_base"})
    void closingTwiceIsHarmlessAndLaterUseFails(String name) {
        CudaBatchEncoder enc = cuda.open(TestCorpus.tokenizer(name), SpecialTokenPolicy.ordinary(), options());
        enc.close();
        enc.close();
        assertThrows(IllegalStateException.class, () -> enc.encode(new byte[][] {{'a'}},
                new dev.tokmix.bpe.TokenSink[] {id -> { }}));
        assertEquals(0, enc.counters()[0]);
    }
}
