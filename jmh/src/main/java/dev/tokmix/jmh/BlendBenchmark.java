package dev.tokmix.jmh;

import dev.tokmix.core.DeterministicBlender;
import dev.tokmix.core.MegatronGreedyBlender;
import dev.tokmix.core.StochasticBlender;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time per blending decision (ns/op, one op = one {@code next()}) of the three blenders in the same run, single
 * thread: {@link DeterministicBlender} (EEDF, O(log K)), {@link StochasticBlender} (alias method over a
 * counter-based generator, O(1)) and {@link MegatronGreedyBlender} (Megatron-LM's {@code build_blending_indices}
 * rule, O(K)). Each invocation makes {@value #BATCH} decisions on a blender that lives for the whole trial, so
 * the numbers are steady state deep into a stream; run with {@code -prof gc} to see that none of them allocates.
 * Weights are Zipf (1/rank) over the domains in a fixed random order, a typical skewed mixture.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(BlendBenchmark.BATCH)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BlendBenchmark {
    /** Decisions per invocation. */
    static final int BATCH = 1024;

    /** The number of domains K. */
    @Param({"10", "100", "1000", "10000"})
    public int domains;

    /** Seed of the weights' order and of the stochastic stream. */
    @Param("20261128")
    public long seed;

    private DeterministicBlender deterministic;
    private StochasticBlender stochastic;
    private MegatronGreedyBlender megatron;

    /** Builds the three blenders on the same weights. */
    @Setup
    public void setUp() {
        double[] w = new double[domains];
        for (int i = 0; i < domains; i++) {
            w[i] = 1.0 / (i + 1);
        }
        Random random = new Random(seed);
        for (int i = domains - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = w[i];
            w[i] = w[j];
            w[j] = t;
        }
        deterministic = new DeterministicBlender(w);
        stochastic = new StochasticBlender(w, seed);
        megatron = new MegatronGreedyBlender(w);
    }

    /**
     * {@value #BATCH} EEDF decisions.
     *
     * @return the sum of the domains drawn, so the work is not dead
     */
    @Benchmark
    public int deterministic() {
        DeterministicBlender b = deterministic;
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += b.next();
        }
        return sum;
    }

    /**
     * {@value #BATCH} alias-method draws.
     *
     * @return the sum of the domains drawn
     */
    @Benchmark
    public int stochastic() {
        StochasticBlender b = stochastic;
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += b.next();
        }
        return sum;
    }

    /**
     * {@value #BATCH} decisions of Megatron's greedy rule.
     *
     * @return the sum of the domains drawn
     */
    @Benchmark
    public int megatron() {
        MegatronGreedyBlender b = megatron;
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += b.next();
        }
        return sum;
    }
}
