package dev.tokmix.jmh;

import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.core.TokenShardWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading a page-cached 1 GiB Megatron shard (uint16, 512 Mi tokens, documents of 1–4,000 tokens) written by
 * {@link TokenShardWriter} into {@code java.io.tmpdir} (or {@code -Dtokmix.benchDir}) once per fork.
 *
 * <ul>
 *   <li>{@link #plainSegmentCopy}: the baseline, {@code MemorySegment.copy} of the mapped {@code .bin} into a
 *       reused 1 MiB native buffer, chunk by chunk;</li>
 *   <li>{@link #streamRawTokens}: the same bytes through {@link TokenShardReader#copyRawTokens} (bounds checks,
 *       header offset, the positioned fallback when {@code access=POSITIONED});</li>
 *   <li>{@link #streamTokensAsInt}: every token widened to {@code int} into a reused {@code int[]}
 *       ({@link TokenShardReader#copyTokens});</li>
 *   <li>{@link #randomDocument}: one random document read into a reused {@code int[]} (ns per document).</li>
 * </ul>
 * One op of the streaming benchmarks is the whole GiB; divide 1,024 MiB by the time for MiB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class ShardReadBenchmark {
    private static final long TOKENS = 512L << 20;
    private static final int CHUNK_BYTES = 1 << 20;

    /** How the reader reaches the bytes. */
    @Param({"MAPPED", "POSITIONED"})
    public String access;

    private Path dir;
    private TokenShardReader reader;
    private Arena arena;
    private FileChannel channel;
    private MemorySegment mapped;
    private MemorySegment buffer;
    private int[] ints;
    private int[] document;
    private SplittableRandom random;

    /** Writes the shard (once per fork) and reads it once, so that it is in the page cache. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Path.of(System.getProperty("tokmix.benchDir", System.getProperty("java.io.tmpdir")))
                .resolve("tokmix-shard-bench");
        Path prefix = dir.resolve("gib");
        if (!Files.exists(dir.resolve("gib.idx"))) {
            Files.createDirectories(dir);
            SplittableRandom r = new SplittableRandom(1);
            int[] doc = new int[4000];
            try (TokenShardWriter w = TokenShardWriter.create(TokenShardReader.Format.MEGATRON, prefix,
                    TokenDtype.UINT16, 50257)) {
                long left = TOKENS;
                while (left > 0) {
                    int n = (int) Math.min(left, 1 + r.nextInt(4000));
                    for (int i = 0; i < n; i++) {
                        doc[i] = r.nextInt(50257);
                    }
                    w.writeDocument(doc, 0, n);
                    left -= n;
                }
                w.commit();
            }
        }
        reader = TokenShardReader.open(dir.resolve("gib.idx"), TokenShardReader.Options.defaults()
                .withAccess(TokenShardReader.Access.valueOf(access)));
        arena = Arena.ofShared();
        channel = FileChannel.open(dir.resolve("gib.bin"), StandardOpenOption.READ);
        mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        buffer = arena.allocate(CHUNK_BYTES, 64);
        ints = new int[CHUNK_BYTES / 2];
        long longest = 0;
        for (long d = 0; d < reader.documentCount(); d++) {
            longest = Math.max(longest, reader.documentLength(d));
        }
        document = new int[(int) longest];
        random = new SplittableRandom(7);
        plainSegmentCopy();
        System.out.printf("%n[setup] %s: %,d tokens, %,d documents, %s%n", dir.resolve("gib.bin"),
                reader.tokenCount(), reader.documentCount(), reader.mapped() ? "mapped" : "positioned reads");
    }

    /** Closes the reader and the baseline's mapping; the shard stays for the next fork. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        reader.close();
        arena.close();
        channel.close();
    }

    /**
     * Baseline: copies the mapped token file into the reused buffer, 1 MiB at a time.
     *
     * @return a byte of the buffer, so that nothing is optimised away
     */
    @Benchmark
    public byte plainSegmentCopy() {
        long size = mapped.byteSize();
        for (long off = 0; off < size; off += CHUNK_BYTES) {
            MemorySegment.copy(mapped, off, buffer, 0, Math.min(CHUNK_BYTES, size - off));
        }
        return buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 17);
    }

    /**
     * Streams every token as stored (uint16) into the reused buffer.
     *
     * @return a byte of the buffer
     */
    @Benchmark
    public byte streamRawTokens() {
        long n = reader.tokenCount();
        long per = CHUNK_BYTES / 2;
        for (long t = 0; t < n; t += per) {
            reader.copyRawTokens(t, Math.min(per, n - t), buffer, 0);
        }
        return buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 17);
    }

    /**
     * Streams every token widened to int into a reused array.
     *
     * @return a token of the array
     */
    @Benchmark
    public int streamTokensAsInt() {
        long n = reader.tokenCount();
        int per = ints.length;
        for (long t = 0; t < n; t += per) {
            reader.copyTokens(t, ints, 0, (int) Math.min(per, n - t));
        }
        return ints[17];
    }

    /**
     * Reads one random document into a reused array.
     *
     * @return its length
     */
    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int randomDocument() {
        return reader.readDocument(random.nextLong(reader.documentCount()), document);
    }
}
