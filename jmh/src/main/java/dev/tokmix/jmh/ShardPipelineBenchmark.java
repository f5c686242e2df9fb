package dev.tokmix.jmh;

import dev.tokmix.bpe.ShardPipeline;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenSink;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.CorpusReader;
import dev.tokmix.core.TokenShardReader;
import java.io.IOException;
import java.io.Writer;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * {@code tokmix shard}'s pipeline against the bare encoder on the same threads, same documents: about 50 MB of
 * JSON Lines (the prose and code of {@code data/text}, 2,000-character documents), written to
 * {@code java.io.tmpdir} (or {@code -Dtokmix.benchDir}).
 *
 * <ul>
 *   <li>{@link #bareEncoder}: the documents already in memory as UTF-8 arrays, split into {@code threads}
 *       contiguous slices, each encoded by one thread of a fixed pool into a reused sink that keeps nothing;</li>
 *   <li>{@link #shardPipeline}: {@link ShardPipeline#run} from the JSONL file to a Megatron shard with
 *       {@code threads} encoding threads: reading, JSON decoding, UTF-8 checks, encoding, writing, fsync,
 *       checksums and manifest.</li>
 * </ul>
 * One op is the whole corpus. The pipeline's share of the encoder's throughput is the ratio of the two times.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss16m", "-Xmx3g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class ShardPipelineBenchmark {
    /** Encoding threads, for both. */
    @Param({"2"})
    public int threads;

    /** The tokenizer. */
    @Param({"cl100k_base", "o200k_base"})
    public String tokenizer;

    private Tokenizer tok;
    private Path dir;
    private Path jsonl;
    private byte[][] documents;
    private long bytes;
    private ExecutorService pool;
    private ShardPipeline pipeline;

    /** Writes the corpus and reads it back as arrays for the bare encoder. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tok = Tokenizer.load(tokenizer);
        dir = Path.of(System.getProperty("tokmix.benchDir", System.getProperty("java.io.tmpdir")))
                .resolve("tokmix-pipeline-bench");
        Files.createDirectories(dir);
        jsonl = dir.resolve("corpus.jsonl");
        Path text = Corpus.dataDirectory().resolve("text");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Stream.concat(Files.list(text.resolve("prose")), Files.list(text.resolve("code")))) {
            s.sorted().forEach(files::add);
        }
        try (Writer w = Files.newBufferedWriter(jsonl)) {
            for (Path f : files) {
                String all = Files.readString(f);
                for (int p = 0; p < all.length(); p += 2000) {
                    int end = Math.min(all.length(), p + 2000);
                    if (end < all.length() && Character.isLowSurrogate(all.charAt(end))) {
                        end++;
                    }
                    w.write("{\"text\":");
                    w.write(dev.tokmix.core.JsonStrings.quote(all.substring(p, end)));
                    w.write("}\n");
                    p = end - 2000;
                }
            }
        }
        List<byte[]> docs = new ArrayList<>();
        CorpusReader corpus = new CorpusReader(List.of(jsonl.toString()), CorpusReader.Options.defaults());
        corpus.forEach((utf8, i) -> docs.add(utf8.toArray(ValueLayout.JAVA_BYTE)), null);
        documents = docs.toArray(new byte[0][]);
        for (byte[] d : documents) {
            bytes += d.length;
        }
        pool = Executors.newFixedThreadPool(threads);
        pipeline = new ShardPipeline(tok, null, new ShardPipeline.Options(TokenShardReader.Format.MEGATRON, null,
                true, -1, SpecialTokenPolicy.ordinary(), threads, 0, true, null));
        System.out.printf("%n[setup] %s: %,d documents, %,d bytes of text, %,d bytes on disk%n", jsonl,
                documents.length, bytes, Files.size(jsonl));
    }

    /** Removes the last op's output, so that each op writes a fresh shard (not counted). */
    @Setup(Level.Invocation)
    public void clearOutput() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (p.getFileName().toString().startsWith("out")) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Stops the pool. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
    }

    /** Counts ids and keeps nothing: the cheapest possible consumer. */
    private static final class Counter implements TokenSink {
        long n;

        @Override
        public void accept(int tokenId) {
            n++;
        }
    }

    /**
     * Encodes every document on {@code threads} threads.
     *
     * @return the number of ids
     * @throws Exception if a thread fails
     */
    @Benchmark
    public long bareEncoder() throws Exception {
        List<Future<Long>> parts = new ArrayList<>();
        int n = documents.length;
        for (int t = 0; t < threads; t++) {
            int from = (int) ((long) n * t / threads);
            int to = (int) ((long) n * (t + 1) / threads);
            parts.add(pool.submit(() -> {
                Counter c = new Counter();
                for (int i = from; i < to; i++) {
                    byte[] d = documents[i];
                    tok.encode(d, 0, d.length, SpecialTokenPolicy.ordinary(), c);
                }
                return c.n;
            }));
        }
        long total = 0;
        for (Future<Long> f : parts) {
            total += f.get();
        }
        return total;
    }

    /**
     * Shards the JSONL file.
     *
     * @return the number of tokens written
     */
    @Benchmark
    public long shardPipeline() {
        return pipeline.run(new CorpusReader(List.of(jsonl.toString()), CorpusReader.Options.defaults()),
                dir.resolve("out")).tokens();
    }
}
