package dev.tokmix.jmh;

import dev.tokmix.core.MixtureConfig;
import dev.tokmix.core.MixtureSampler;
import dev.tokmix.core.SampleBuffer;
import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.core.TokenShardWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The mixture sampler's cost beyond copying tokens, and the cost of opening a large blend.
 *
 * <ul>
 *   <li>{@link #sample}: {@link MixtureSampler#next} of one 4,096-token sample (4,097 ids widened into a reused
 *       {@code int[]}) from a 4-domain deterministic blend over 32 Megatron shards (uint16, 64 MiB in all);</li>
 *   <li>{@link #tokenCopyOnly}: the same 4,097 ids copied from a pseudo-random place of a pseudo-random one of
 *       those 32 shards with {@link TokenShardReader#copyTokens}: the token copy the sampler cannot avoid, over the
 *       same 64 MiB of data;</li>
 *   <li>{@link #sameCopies}: exactly the token ranges the sampler copies for its samples (recorded once), copied
 *       without the sampler. The sampler's overhead per sample is {@code sample − sameCopies};</li>
 *   <li>{@link #open1000Shards}: opening (and closing) a 1,000-shard, 10-domain blend: every index validated,
 *       no precomputed sample index (single shot).</li>
 * </ul>
 * Shards are written once into {@code java.io.tmpdir} (or {@code -Dtokmix.benchDir}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SamplerBenchmark {
    private Path dir;
    private MixtureSampler sampler;
    private SampleBuffer buffer;
    private TokenShardReader[] readers;
    private int[] copy;
    private long cursor;
    private MixtureConfig thousand;
    private int[][] pieces;
    private int replay;

    /** Writes the shards (once) and opens the 4-domain blend. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Path.of(System.getProperty("tokmix.benchDir", System.getProperty("java.io.tmpdir")))
                .resolve("tokmix-sampler-bench");
        Files.createDirectories(dir);
        SplittableRandom r = new SplittableRandom(5);
        int[] doc = new int[8000];
        for (int s = 0; s < 32; s++) {
            write(dir.resolve("big_" + s), r, doc, 1L << 20, 8000);
        }
        for (int s = 0; s < 1000; s++) {
            write(dir.resolve(String.format("small_%03d", s)), r, doc, 20_000, 400);
        }
        String four = "{\"seq_len\":4096,\"seed\":1,\"domains\":["
                + "{\"name\":\"a\",\"shards\":[\"big_[0-7].idx\"],\"weight\":0.4},"
                + "{\"name\":\"b\",\"shards\":[\"big_{8,9,10,11,12,13,14,15}.idx\"],\"weight\":0.3},"
                + "{\"name\":\"c\",\"shards\":[\"big_{16,17,18,19,20,21,22,23}.idx\"],\"weight\":0.2},"
                + "{\"name\":\"d\",\"shards\":[\"big_{24,25,26,27,28,29,30,31}.idx\"],\"weight\":0.1}]}";
        sampler = MixtureSampler.open(MixtureConfig.parse(four, dir, "four.json"), MixtureSampler.Placement.single());
        buffer = new SampleBuffer(4096, false);
        readers = new TokenShardReader[32];
        for (int i = 0; i < 32; i++) {
            readers[i] = TokenShardReader.open(dir.resolve("big_" + i + ".idx"));
        }
        copy = new int[4097];
        recordPieces(MixtureConfig.parse(four, dir, "four.json"));
        StringBuilder ten = new StringBuilder("{\"seq_len\":2048,\"seed\":1,\"domains\":[");
        for (int d = 0; d < 10; d++) {
            ten.append(d == 0 ? "" : ",").append("{\"name\":\"d").append(d).append("\",\"shards\":[\"small_")
                    .append(d).append("??.idx\"]}");
        }
        thousand = MixtureConfig.parse(ten.append("]}").toString(), dir, "thousand.json");
    }

    /**
     * Records the token ranges (shard, first token, length) that the first 4,096 samples of the blend copy, so
     * that {@link #sameCopies} can copy exactly those ranges without the sampler.
     */
    private void recordPieces(MixtureConfig config) {
        pieces = new int[4096][];
        try (MixtureSampler s = MixtureSampler.open(config, MixtureSampler.Placement.single())) {
            SampleBuffer b = new SampleBuffer(4096, true);
            for (int i = 0; i < pieces.length; i++) {
                s.next(b);
                int[] p = new int[3 * b.segmentCount];
                List<Path> order = config.domains().get(b.domain).shards();
                for (int seg = 0; seg < b.segmentCount; seg++) {
                    long doc = b.documentIds[seg];
                    int k = 0;
                    int shard = shardIndex(order.get(0));
                    while (doc >= readers[shard].documentCount()) {
                        doc -= readers[shard].documentCount();
                        shard = shardIndex(order.get(++k));
                    }
                    long from = readers[shard].documentStart(doc) + b.positionIds[b.cuSeqlens[seg]];
                    p[3 * seg] = shard;
                    p[3 * seg + 1] = (int) from;
                    p[3 * seg + 2] = b.cuSeqlens[seg + 1] - b.cuSeqlens[seg];
                }
                pieces[i] = p;
            }
        }
    }

    /** big_N.idx → N. */
    private static int shardIndex(Path idx) {
        String n = idx.getFileName().toString();
        return Integer.parseInt(n.substring(4, n.length() - 4));
    }

    private static void write(Path prefix, SplittableRandom r, int[] doc, long tokens, int maxDoc) {
        if (Files.exists(Path.of(prefix + ".idx"))) {
            return;
        }
        try (TokenShardWriter w = TokenShardWriter.create(TokenShardReader.Format.MEGATRON, prefix,
                TokenDtype.UINT16, 50257)) {
            long left = tokens;
            while (left > 0) {
                int n = (int) Math.min(left, 1 + r.nextInt(maxDoc));
                for (int i = 0; i < n; i++) {
                    doc[i] = r.nextInt(50257);
                }
                w.writeDocument(doc, 0, n);
                left -= n;
            }
            w.commit();
        }
    }

    /** Closes the samplers' shards. */
    @TearDown(Level.Trial)
    public void tearDown() {
        sampler.close();
        for (TokenShardReader r : readers) {
            r.close();
        }
    }

    /**
     * One sample.
     *
     * @return a token of it
     */
    @Benchmark
    public int sample() {
        sampler.next(buffer);
        return buffer.tokens[4096];
    }

    /**
     * The bare token copy of one sample's worth of ids.
     *
     * @return a token of it
     */
    @Benchmark
    public int tokenCopyOnly() {
        cursor = cursor * 6364136223846793005L + 1442695040888963407L;
        TokenShardReader r = readers[(int) (cursor >>> 59)];
        long at = (cursor >>> 20) % (r.tokenCount() - 4097);
        r.copyTokens(at, copy, 0, 4097);
        return copy[4096];
    }

    /**
     * Exactly the token copies of one of the blend's samples (the same shards, ranges and lengths, replayed
     * from a recording of 4,096 samples), without the sampler: the copy cost the sampler cannot avoid.
     *
     * @return a token of it
     */
    @Benchmark
    public int sameCopies() {
        int[] p = pieces[replay];
        replay = (replay + 1) & (pieces.length - 1);
        int at = 0;
        for (int i = 0; i < p.length; i += 3) {
            readers[p[i]].copyTokens(p[i + 1], copy, at, p[i + 2]);
            at += p[i + 2];
        }
        return copy[4096];
    }

    /**
     * Opens and closes the 1,000-shard blend.
     *
     * @return its document count
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public long open1000Shards() {
        try (MixtureSampler s = MixtureSampler.open(thousand, MixtureSampler.Placement.single())) {
            long docs = 0;
            for (var d : s.domains()) {
                docs += d.documentCount();
            }
            return docs;
        }
    }
}
