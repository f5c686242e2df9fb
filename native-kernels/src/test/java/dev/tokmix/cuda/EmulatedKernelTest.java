package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.MergeDeferringSink;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA source itself, compiled with g++ ({@code src/test/cuda/emulate_kernels.cpp}: a std::thread per CUDA
 * thread, a std::barrier for {@code __syncthreads}), against its Java twin on the same packed batches: catches a
 * .cu that drifted from the twin, a barrier not every thread reaches, and index arithmetic the twin does not
 * share. Skipped, saying so, where g++ is missing (the twin's own tests still run).
 */
class EmulatedKernelTest {
    @TempDir
    static Path dir;
    static Path binary;

    @BeforeAll
    static void compile() throws Exception {
        Path src = Path.of("src/test/cuda/emulate_kernels.cpp").toAbsolutePath();
        Path include = Path.of("src/main/cuda").toAbsolutePath();
        binary = dir.resolve("emulate_kernels");
        Process p;
        try {
            p = new ProcessBuilder("g++", "-std=c++20", "-O2", "-pthread", "-I" + include, src.toString(), "-o",
                    binary.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("g++ not found, so bpe_merge.cu is not emulated on this machine: " + e.getMessage());
            return;
        }
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "g++ took too long");
        assertEquals(0, p.exitValue(), "g++ failed on bpe_merge.cu:\n" + log);
    }

    /** Runs the emulated kernels and the twin on one batch and compares counts and ids of every piece. */
    static void compare(PairMergeTable table, List<byte[]> pieces, int shortMax, int longThreads, String what)
            throws Exception {
        PieceCollector c = new PieceCollector();
        c.reset();
        for (byte[] p : pieces) {
            c.deferMerge(p, 0, p.length);
        }
        MemorySegment in = MemorySegment.ofArray(new long[(int) PieceBatchFormat.inputWords(c.pieceCount,
                c.byteCount) / 2 + 1]);
        PieceBatch b = c.pack(in, shortMax);
        int inputWords = (int) PieceBatchFormat.inputWords(b.pieceCount(), b.byteCount());
        Path modelFile = dir.resolve("model-" + System.identityHashCode(table) + ".bin");
        if (!Files.exists(modelFile)) {
            MemorySegment model = MemorySegment.ofArray(new long[(int) (table.modelBytes() / 8)]);
            table.writeTo(model);
            Files.write(modelFile, model.toArray(ValueLayout.JAVA_BYTE));
        }
        int modelWords = (int) (table.modelBytes() / 4);
        // The emulator runs here, so the host's byte order is the file's.
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.nativeOrder());
        header.putInt(0x5543544B).putInt(b.pieceCount()).putInt(b.shortCount()).putInt(b.longCount())
                .putInt(b.byteCount()).putInt(PieceBatchFormat.SHORT_THREADS).putInt(longThreads)
                .putInt(table.mask).putInt(table.shift).putInt(inputWords).putInt(modelWords);
        Path batch = dir.resolve("batch.bin");
        Path out = dir.resolve("out.bin");
        try (var ch = Files.newByteChannel(batch, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(header.flip());
            ch.write(ByteBuffer.wrap(in.asSlice(0, 4L * inputWords).toArray(ValueLayout.JAVA_BYTE)));
        }
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(binary.toString(), batch.toString(), modelFile.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(150, TimeUnit.SECONDS), what + ": emulation hung");
        assertEquals(0, p.exitValue(), what + ": emulation failed (a barrier some thread never reached ends it"
                + " by alarm):\n" + log);
        long emulatedNanos = System.nanoTime() - t0;
        ByteBuffer emulated = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.nativeOrder());

        int[] mem = new int[(int) (PieceBatchFormat.outputWords(b.pieceCount(), b.byteCount())
                + PieceBatchFormat.workspaceWords(b.byteCount()))];
        new CudaKernelModel(table, longThreads, false).run(in, b, mem);
        int countsAt = b.countsAt();
        for (int i = 0; i < b.pieceCount(); i++) {
            int n = mem[countsAt + i];
            assertEquals(n, emulated.getInt(4 * (countsAt + i)), what + ": count of piece " + i);
            int start = c.pieceStarts[i];
            for (int k = 0; k < n; k++) {
                assertEquals(mem[start + k], emulated.getInt(4 * (start + k)), what + ": piece " + i + " id " + k);
            }
        }
        System.out.printf("[emulated] %s: %d pieces (%d short, %d long), %d bytes, identical (emulation %.1f s)%n",
                what, b.pieceCount(), b.shortCount(), b.longCount(), b.byteCount(), emulatedNanos / 1e9);
    }

    @Test
    void cudaSourceMatchesItsTwinOnRandomTables() throws Exception {
        long seed = 99;
        System.out.println("cudaSourceMatchesItsTwinOnRandomTables seed " + seed);
        Random rnd = new Random(seed);
        for (int trial = 0; trial < 12; trial++) {
            KernelModelTest.RandomRules rr = KernelModelTest.RandomRules.make(rnd, 30 + rnd.nextInt(150),
                    trial % 2 == 1, trial % 3 == 2);
            List<byte[]> pieces = KernelModelTest.randomPieces(rnd, 100, trial % 4 < 2 ? 100 : 300);
            compare(rr.table(), pieces, trial % 2 == 0 ? 64 : 0, new int[] {1, 4, 8, 2, 4, 16}[trial % 6],
                    "random table " + trial + (trial % 2 == 1 ? " (shared ranks)" : ""));
        }
    }

    @Test
    void cudaSourceHandlesTheRoundCuttingCases() throws Exception {
        compare(KernelModelTest.leftNeighbourCase().table(), List.of(TestCorpus.utf8("ababab")), 0, 2,
                "left neighbour merged in the round");
        compare(KernelModelTest.reRankCase().table(), List.of(TestCorpus.utf8("cabd")), 0, 2,
                "pair next to a merge re-ranked");
        compare(KernelModelTest.equalRankCase().table(), List.of(TestCorpus.utf8("abab")), 0, 2,
                "created pair of the round's own rank");
    }

    @Test
    void cudaSourceMergesAHundredKilobyteRunLikeItsTwin() throws Exception {
        byte[] run = new byte[100_000];
        Arrays.fill(run, (byte) 'a');
        compare(KernelModelTest.powersOfA(6).table(), List.of(run, Arrays.copyOf(run, 65), Arrays.copyOf(run, 999)),
                64, 128, "100 KB of 'a', 128 threads");
    }

    @Test
    void cudaSourceMatchesItsTwinOnO200kPiecesOfMultilingualText() throws Exception {
        long t0 = System.nanoTime();
        Tokenizer t = TestCorpus.tokenizer("o200k_base");
        System.out.printf("[emulated] o200k loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        List<byte[]> pieces = new ArrayList<>();
        MergeDeferringSink sink = new MergeDeferringSink() {
            @Override
            public void accept(int tokenId) {
            }

            @Override
            public void deferMerge(byte[] utf8, int offset, int length) {
                pieces.add(Arrays.copyOfRange(utf8, offset, offset + length));
            }
        };
        for (byte[] d : TestCorpus.documents("prose", 4_000, 4096)) {
            t.encodeDeferringMerges(d, 0, d.length, SpecialTokenPolicy.ordinary(), sink);
        }
        for (byte[] d : TestCorpus.documents("code", 10_000, 4096)) {
            t.encodeDeferringMerges(d, 0, d.length, SpecialTokenPolicy.ordinary(), sink);
        }
        long t1 = System.nanoTime();
        PairMergeTable table = PairMergeTable.of(t);
        System.out.printf("[emulated] o200k table: %d rules in %d slots, %.1f s%n", table.size, table.capacity(),
                (System.nanoTime() - t1) / 1e9);
        compare(table, pieces, 64, 8, "o200k deferred pieces");
        compare(table, pieces.subList(0, Math.min(pieces.size(), 250)), 0, 4, "o200k, all in the block kernel");
    }
}
