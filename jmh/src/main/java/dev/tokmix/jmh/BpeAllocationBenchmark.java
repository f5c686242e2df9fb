package dev.tokmix.jmh;

import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * tokmix's allocation per corpus pass, meant to be run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the
 * bytes allocated per operation, one operation being one pass over a {@link Corpus}. {@link #reusedBuffer} encodes
 * into one reused {@link TokenBuffer} (the allocation-free path); {@link #newArrays} uses the convenience
 * {@code encodeOrdinary}, which returns a fresh {@code int[]} per document, for contrast. Setup prints the documents
 * and tokens per pass, to turn B/op into B/document and B/token. Forks, flags and the data folder are as in
 * {@link BpeEncodeBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xss16m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BpeAllocationBenchmark {
    /** The tiktoken vocabulary. */
    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    /** The text: {@code english}, {@code code} or {@code multilingual}. */
    @Param({"english", "code", "multilingual"})
    public String corpus;

    private List<String> documents;
    private Tokenizer tokenizer;
    private Encoder reused;

    /** Builds the corpus and loads the tokenizer. */
    @Setup
    public void setUp() {
        Corpus c = Corpus.load(Corpus.dataDirectory(), corpus);
        documents = c.documents();
        tokenizer = Tokenizer.load(encoding);
        reused = new Encoder.Tokmix(tokenizer);
        System.out.printf("%n[setup] corpus %s: %d documents, %d UTF-8 bytes, %d %s tokens per op%n",
                corpus, documents.size(), c.lengthBytes(), newArrays(), encoding);
    }

    /**
     * Encodes the corpus into one reused buffer.
     *
     * @return the number of tokens
     */
    @Benchmark
    public long reusedBuffer() {
        long tokens = 0;
        for (String d : documents) {
            tokens += reused.encode(d);
        }
        return tokens;
    }

    /**
     * Encodes the corpus into a new array per document.
     *
     * @return the number of tokens
     */
    @Benchmark
    public long newArrays() {
        long tokens = 0;
        for (String d : documents) {
            tokens += tokenizer.encodeOrdinary(d).length;
        }
        return tokens;
    }
}
