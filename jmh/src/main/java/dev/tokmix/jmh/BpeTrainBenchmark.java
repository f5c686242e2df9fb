package dev.tokmix.jmh;

import dev.tokmix.bpe.BpeTrainer;
import dev.tokmix.bpe.PieceSplitter;
import dev.tokmix.bpe.PretokenCounts;
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
 * The trainer's two phases on one {@link Corpus} (about 1 MB), single thread: {@link #countPretokens} splits every
 * document and adds its pieces to a pretoken table that already holds them (the steady state of counting a large
 * corpus, where almost every piece is already in the table; run with {@code -prof gc} to see that it allocates
 * nothing per document or piece), and {@link #train} runs the merge loop to a vocabulary of 256 + 5,000 on the
 * corpus's counts. The whole pipeline on 100 MB is timed by {@code tokmix train} (see {@code docs/benchmarks.md}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss16m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BpeTrainBenchmark {
    /** The pretokenizer. */
    @Param({"digits+gpt2", "o200k"})
    public String pretokenizer;

    /** The text: {@code english}, {@code code} or {@code multilingual}. */
    @Param({"english", "code", "multilingual"})
    public String corpus;

    private List<String> documents;
    private PieceSplitter splitter;
    private PretokenCounts warm;
    private PretokenCounts counts;
    private Adder adder;

    /** Adds each piece once to a table; reused, so counting allocates no lambda per document. */
    private static final class Adder implements PieceSplitter.PieceSink {
        PretokenCounts into;

        @Override
        public void accept(byte[] utf8, int offset, int length) {
            into.add(utf8, offset, length, 1);
        }
    }

    /** Builds the corpus, and two tables of its pieces (one kept warm for counting, one for training). */
    @Setup
    public void setUp() {
        documents = Corpus.load(Corpus.dataDirectory(), corpus).documents();
        splitter = PieceSplitter.named(pretokenizer);
        adder = new Adder();
        warm = new PretokenCounts();
        counts = new PretokenCounts();
        adder.into = counts;
        for (String d : documents) {
            splitter.split(d, adder);
        }
        adder.into = warm;
        System.out.printf("%n[setup] corpus %s: %d documents, %,d unique pieces, %,d pieces per op%n", corpus,
                documents.size(), counts.size(), counts.totalCount());
    }

    /**
     * Splits and counts every document of the corpus into the warm table.
     *
     * @return the table's total count (grows by one pass per call)
     */
    @Benchmark
    public long countPretokens() {
        for (String d : documents) {
            splitter.split(d, adder);
        }
        return warm.totalCount();
    }

    /**
     * Trains 5,000 merges on the corpus's counts.
     *
     * @return the vocabulary size reached
     */
    @Benchmark
    public int train() {
        return new BpeTrainer(splitter, 256 + 5000, 0, List.of()).train(counts, null).vocabularySize();
    }
}
