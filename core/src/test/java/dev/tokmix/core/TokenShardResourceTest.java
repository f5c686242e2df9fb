package dev.tokmix.core;

import static dev.tokmix.core.ShardFixtures.shardPath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.core.ShardFixtures.Case;
import dev.tokmix.core.TokenShardReader.Access;
import dev.tokmix.core.TokenShardReader.Format;
import dev.tokmix.core.TokenShardReader.Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What readers hold and release: idempotent close, "closed" errors after it, close racing with reads on other
 * threads (mapped: the shared arena; positioned: the channel), and the mapping budget (fallback, refusal,
 * release on close and on a failed open).
 */
class TokenShardResourceTest {
    @TempDir
    Path dir;

    private static Options with(Access access, MappingBudget budget) {
        return Options.defaults().withAccess(access).withMappings(budget);
    }

    /** One shard per format (headerless: the llm.c file's tokens as a raw array). */
    private List<Path> shards() {
        int[][] docs = {{50256, 1, 2, 3}, {50256, 4}, {50256, 65535, 0}};
        List<Path> paths = new ArrayList<>();
        for (Format f : List.of(Format.MEGATRON, Format.LLMC, Format.NPY)) {
            Path prefix = dir.resolve("s-" + f.name());
            ShardFixtures.write(new Case(f, TokenDtype.UINT16), prefix, docs);
            paths.add(shardPath(f, prefix));
        }
        return paths;
    }

    private static void assertClosed(Executable e, String what) {
        IllegalStateException ex = assertThrows(IllegalStateException.class, e::run, what);
        assertTrue(ex.getMessage().contains("closed"), what + ": " + ex.getMessage());
    }

    @FunctionalInterface
    private interface Executable {
        void run();
    }

    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void closeIsIdempotentAndEveryLaterReadSaysClosed(Access access) {
        MappingBudget budget = new MappingBudget(8);
        List<Path> paths = new ArrayList<>(shards());
        paths.add(null);
        for (Path p : paths) {
            TokenShardReader r = p != null ? TokenShardReader.open(p, with(access, budget))
                    : TokenShardReader.open(dir.resolve("s-LLMC.bin"),
                            with(access, budget).withHeaderlessDtype(TokenDtype.UINT16));
            String what = r.toString();
            assertEquals(access == Access.MAPPED ? (r.indexFile() != null ? 2 : 1) : 0, budget.liveMappings(), what);
            r.close();
            r.close();
            assertEquals(0, budget.liveMappings(), what);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment dst = arena.allocate(64);
                List<Executable> reads = List.of(() -> r.token(0), () -> r.copyTokens(0, new int[2], 0, 2),
                        () -> r.copyRawTokens(0, 2, dst, 0), r::documentCount, () -> r.documentStart(0),
                        () -> r.documentEnd(0), () -> r.documentLength(0), () -> r.readDocument(0, new int[64]),
                        () -> r.document(0), r::maxTokenId);
                for (int i = 0; i < reads.size(); i++) {
                    assertClosed(reads.get(i), what + ", read " + i);
                }
            }
            r.close();
        }
    }

    /**
     * One thread copies tokens, document bounds and raw bytes in a loop while another closes the reader: the
     * reading thread ends with an {@link IllegalStateException} (never another exception, never a crash), the
     * closing thread returns normally, and the budget is whole again.
     */
    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void closeDuringConcurrentReadsEndsEachReaderWithIllegalStateException(Access access) throws Exception {
        int[][] docs = new int[64][];
        for (int d = 0; d < docs.length; d++) {
            docs[d] = new int[1000 + 37 * d];
            for (int i = 0; i < docs[d].length; i++) {
                docs[d][i] = (d * 7919 + i) & 0xFFFF;
            }
        }
        List<Path> paths = new ArrayList<>();
        for (Case c : List.of(new Case(Format.MEGATRON, TokenDtype.INT32), new Case(Format.NPY, TokenDtype.UINT16),
                new Case(Format.MEGATRON, TokenDtype.INT64))) {
            Path prefix = dir.resolve("race-" + c.format() + c.dtype());
            ShardFixtures.write(c, prefix, docs);
            paths.add(shardPath(c.format(), prefix));
        }
        MappingBudget budget = new MappingBudget(16);
        for (int round = 0; round < 12; round++) {
            TokenShardReader r = TokenShardReader.open(paths.get(round % paths.size()), with(access, budget));
            int readers = 2;
            CountDownLatch started = new CountDownLatch(readers);
            List<AtomicReference<Throwable>> endings = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < readers; t++) {
                AtomicReference<Throwable> ending = new AtomicReference<>();
                endings.add(ending);
                int seed = round * 31 + t;
                Thread thread = Thread.ofPlatform().start(() -> {
                    int[] buf = new int[40_000];
                    long total = r.tokenCount();
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment raw = arena.allocate(8L * buf.length);
                        long x = seed;
                        for (int i = 0; ; i++) {
                            x = x * 6364136223846793005L + 1442695040888963407L;
                            int count = (int) ((x >>> 33) % buf.length);
                            long start = (x >>> 17) % (total - count);
                            r.copyTokens(start, buf, 0, count);
                            long d = (x >>> 40) % docs.length;
                            r.readDocument(d, buf);
                            r.copyRawTokens(start, count, raw, 0);
                            r.token(start);
                            if (i == 3) {
                                started.countDown();
                            }
                        }
                    } catch (Throwable e) {
                        ending.set(e);
                    } finally {
                        started.countDown();
                    }
                });
                threads.add(thread);
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            r.close();
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
                assertFalse(thread.isAlive(), "a reader kept reading after close");
            }
            for (AtomicReference<Throwable> ending : endings) {
                Throwable e = ending.get();
                IllegalStateException ise = assertInstanceOf(IllegalStateException.class, e, "round " + round);
                assertTrue(ise.getMessage().toLowerCase(java.util.Locale.ROOT).contains("closed"), ise.getMessage());
            }
            assertEquals(0, budget.liveMappings());
        }
    }

    @Test
    void spentBudgetFallsBackToPositionedReadsUnderAutoAndRefusesMapped() {
        Path shard = shardPath(Format.LLMC, dir.resolve("s-LLMC"));
        shards();
        MappingBudget budget = new MappingBudget(1);
        assertEquals(1, budget.maxLiveMappings());
        int[] tokens;
        try (TokenShardReader first = TokenShardReader.open(shard, with(Access.AUTO, budget))) {
            assertTrue(first.mapped());
            assertEquals(1, budget.liveMappings());
            tokens = new int[(int) first.tokenCount()];
            first.copyTokens(0, tokens, 0, tokens.length);
            try (TokenShardReader second = TokenShardReader.open(shard, with(Access.AUTO, budget))) {
                assertFalse(second.mapped());
                int[] again = new int[tokens.length];
                second.copyTokens(0, again, 0, again.length);
                assertArrayEquals(tokens, again);
                assertEquals(first.documentCount(), second.documentCount());
                for (long d = 0; d < first.documentCount(); d++) {
                    assertArrayEquals(first.document(d), second.document(d));
                }
            }
            assertEquals(1, budget.liveMappings());
            TokmixException refused = assertThrows(TokmixException.class,
                    () -> TokenShardReader.open(shard, with(Access.MAPPED, budget)));
            assertTrue(refused.getMessage().contains("remedy"), refused.getMessage());
            assertEquals(1, budget.liveMappings());
        }
        assertEquals(0, budget.liveMappings());
        try (TokenShardReader again = TokenShardReader.open(shard, with(Access.MAPPED, budget))) {
            assertTrue(again.mapped());
        }
        assertEquals(0, budget.liveMappings());
    }

    /** A Megatron shard maps two files: with one slot, MAPPED fails and gives the index's slot back. */
    @Test
    void mappedOpenNeedingMoreSlotsThanLeftReleasesThoseItTook() {
        shards();
        Path idx = dir.resolve("s-MEGATRON.idx");
        MappingBudget one = new MappingBudget(1);
        assertThrows(TokmixException.class, () -> TokenShardReader.open(idx, with(Access.MAPPED, one)));
        assertEquals(0, one.liveMappings());
        try (TokenShardReader r = TokenShardReader.open(idx, with(Access.AUTO, one))) {
            // The index took the slot; the tokens are read with positioned reads.
            assertFalse(r.mapped());
            assertEquals(1, one.liveMappings());
            assertArrayEquals(new int[] {50256, 4}, r.document(1));
        }
        assertEquals(0, one.liveMappings());
        MappingBudget none = new MappingBudget(0);
        try (TokenShardReader r = TokenShardReader.open(idx, with(Access.AUTO, none))) {
            assertFalse(r.mapped());
            assertArrayEquals(new int[] {50256, 65535, 0}, r.document(2));
        }
        assertThrows(IllegalArgumentException.class, () -> new MappingBudget(-1));
    }

    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"AUTO", "POSITIONED"})
    void failedOpenReleasesItsMappingSlots(Access access) throws IOException {
        List<Path> paths = shards();
        MappingBudget budget = new MappingBudget(8);
        try (TokenShardReader held = TokenShardReader.open(paths.get(1), with(access, budget))) {
            int live = budget.liveMappings();
            // A corrupt llm.c version, a Megatron data file too short, document offsets past the tokens, an id
            // over the limit, a missing data file: each open fails after mapping something.
            Path llmc = dir.resolve("bad.bin");
            byte[] b = Files.readAllBytes(paths.get(1));
            b[4] = 9;
            Files.write(llmc, b);
            Path bin = dir.resolve("s-MEGATRON.bin");
            byte[] data = Files.readAllBytes(bin);
            Files.write(bin, new byte[3]);
            Path docs = dir.resolve("s-NPY.docs.npy");
            byte[] offsets = Files.readAllBytes(docs);
            byte[] broken = offsets.clone();
            broken[broken.length - 8] = 99;
            Files.write(docs, broken);
            List<Executable> opens = List.of(() -> TokenShardReader.open(llmc, with(access, budget)),
                    () -> TokenShardReader.open(paths.get(0), with(access, budget)),
                    () -> TokenShardReader.open(paths.get(2), with(access, budget)),
                    () -> TokenShardReader.open(paths.get(1), with(access, budget).withIdLimit(100)));
            for (Executable open : opens) {
                assertThrows(ShardFormatException.class, open::run);
                assertEquals(live, budget.liveMappings());
            }
            Files.delete(bin);
            assertThrows(UncheckedIOException.class, () -> TokenShardReader.open(paths.get(0), with(access, budget)));
            assertEquals(live, budget.liveMappings());
            Files.write(bin, data);
            Files.write(docs, offsets);
            try (TokenShardReader ok = TokenShardReader.open(paths.get(0), with(access, budget))) {
                assertEquals(3, ok.documentCount());
            }
            assertEquals(live, budget.liveMappings());
            assertEquals(3, held.documentCount(), "the reader held open is unaffected");
        }
        assertEquals(0, budget.liveMappings());
    }
}
