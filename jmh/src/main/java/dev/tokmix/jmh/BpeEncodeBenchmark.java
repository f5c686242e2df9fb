package dev.tokmix.jmh;

import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-threaded encoding throughput of tokmix against jtokkit and DJL (Hugging Face tokenizers) on the same
 * tiktoken vocabularies and the same ~1 MB corpora of real text ({@link Corpus}).
 *
 * <p>One operation encodes every document of the corpus once, as ordinary text, and returns the token count, so
 * MB/s = ops/s × corpus bytes / 10⁶; setup prints the corpus bytes. Setup also fails fast unless the implementation
 * under test gives the same ids as a second one on every document (tokmix against jtokkit, the peers against
 * tokmix): parity is the precondition of a fair comparison.
 *
 * <p>Each (encoding, corpus, impl) runs in its own fork, so the {@link Encoder} call site stays monomorphic. The
 * data folder comes from {@code -Dtokmix.data} (or {@code $TOKMIX_DATA}); JMH forks inherit the host JVM's
 * arguments, so give it to the {@code java -jar} command, and do not override {@code -jvmArgs}. Run with
 * {@code make bench}; see {@code docs/benchmarks.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xss16m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BpeEncodeBenchmark {
    /** The tiktoken vocabulary. */
    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    /** The text: {@code english}, {@code code} or {@code multilingual}. */
    @Param({"english", "code", "multilingual"})
    public String corpus;

    /** The implementation under test: {@code tokmix}, {@code jtokkit} or {@code djl}. */
    @Param({"tokmix", "jtokkit", "djl"})
    public String impl;

    private List<String> documents;
    private Encoder encoder;

    /** Builds the corpus, opens the implementation and checks its parity with a second one. */
    @Setup
    public void setUp() {
        Path data = Corpus.dataDirectory();
        Corpus c = Corpus.load(data, corpus);
        encoder = Encoder.open(impl, encoding, data);
        String peer = impl.equals("tokmix") ? "jtokkit" : "tokmix";
        long tokens;
        try (Encoder reference = Encoder.open(peer, encoding, data)) {
            tokens = Encoder.checkParity(impl, encoder, peer, reference, c.documents());
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
        documents = c.documents();
        System.out.printf("%n[setup] data %s; corpus %s: %d documents, %d chars, %d UTF-8 bytes, %d %s tokens"
                        + " (%s = %s); MB/s = ops/s x %.6f%n",
                data, corpus, documents.size(), c.charCount(), c.lengthBytes(), tokens, encoding, impl, peer,
                c.lengthBytes() / 1e6);
    }

    /** Releases native resources (DJL). */
    @TearDown
    public void tearDown() {
        encoder.close();
    }

    /**
     * Encodes the whole corpus once.
     *
     * @return the number of tokens
     */
    @Benchmark
    public long encodeCorpus() {
        long tokens = 0;
        for (String d : documents) {
            tokens += encoder.encode(d);
        }
        return tokens;
    }
}
