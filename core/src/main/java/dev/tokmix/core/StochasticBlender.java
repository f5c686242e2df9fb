package dev.tokmix.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * Draws the domain of each global sample position independently from the current weights: Vose's alias method
 * over random numbers from {@link CounterRandom}, so the draw at position {@code n} is a pure function of
 * {@code (seed, weights, n)} and resuming needs no replay. Use it where independence is wanted (bandit-style
 * exploration, importance-weighted estimates); counts drift from their targets by O(√n), so for exact
 * proportions use {@link DeterministicBlender}.
 *
 * <p><b>Draw.</b> One 64-bit number {@code x = mix(seed, n)}; the 128-bit product {@code x·K} splits it: the high
 * word {@code floor(x·K / 2^64)} is the alias column, uniform on {@code [0, K)} to within {@code K / 2^64}, and the
 * top 32 bits of the low word are a coin independent of the column (the low word runs over a grid of step
 * {@code K} within each column). The column keeps its own domain when the coin is below its threshold, else
 * gives its alias. Thresholds are stored as 32-bit fractions packed with the alias in one {@code long} (one
 * memory access per draw), which rounds each column's probability by at most 2^-33.
 *
 * <p>Example: {@code new StochasticBlender(new double[] {0.7, 0.3}, 42)} draws the same domains for positions
 * 0, 1, 2, … on every machine; {@link #restore} at any snapshot continues the same stream.
 *
 * <p>Not thread-safe: one blender per stream of decisions (any thread can compute any position's draw from a
 * blender restored at that position).
 */
public final class StochasticBlender {
    private static final int ALIAS_BITS = 31;
    private static final long ALIAS_MASK = (1L << ALIAS_BITS) - 1;
    private static final long ONE = 1L << 32;

    /**
     * A checkpoint of a {@link StochasticBlender}.
     *
     * @param position the number of positions drawn so far
     * @param seed     the random stream
     * @param weights  the current weights, normalised (as returned by {@link #weights()})
     * @param counts   samples drawn for each domain so far (they sum to {@code position})
     */
    public record State(long position, long seed, double[] weights, long[] counts) {
        /**
         * Creates a state, copying the arrays.
         *
         * @throws TokmixException if an array is null
         */
        public State {
            if (weights == null || counts == null) {
                throw new TokmixException("StochasticBlender.State: weights and counts must be given — build states"
                        + " with StochasticBlender.snapshot()");
            }
            weights = weights.clone();
            counts = counts.clone();
        }

        /** @return a copy of the normalised weights */
        @Override
        public double[] weights() {
            return weights.clone();
        }

        /** @return a copy of the per-domain counts */
        @Override
        public long[] counts() {
            return counts.clone();
        }

        /** States are equal when all fields are, arrays compared element by element (doubles bit for bit). */
        @Override
        public boolean equals(Object o) {
            return o instanceof State s && position == s.position && seed == s.seed
                    && Arrays.equals(weights, s.weights) && Arrays.equals(counts, s.counts);
        }

        /** @return a hash over all fields, consistent with {@link #equals} */
        @Override
        public int hashCode() {
            return Objects.hash(position, seed, Arrays.hashCode(weights), Arrays.hashCode(counts));
        }

        /** @return the fields, arrays written out */
        @Override
        public String toString() {
            return "State[position=" + position + ", seed=" + seed + ", weights=" + Arrays.toString(weights)
                    + ", counts=" + Arrays.toString(counts) + "]";
        }
    }

    private final int domainCount;
    private final long seed;
    private final long streamKey;
    private final long[] counts;
    private final long[] table;
    private double[] weights;
    private long position;

    /**
     * Creates a blender at position 0.
     *
     * @param weights one non-negative weight per domain, normalised to sum to 1; a zero weight is never drawn
     * @param seed    the random stream; the same seed and weights give the same draws everywhere
     * @throws TokmixException if the array is null or empty, a weight is negative, NaN or infinite, or all
     *                         are zero
     */
    public StochasticBlender(double[] weights, long seed) {
        this(BlendWeights.normalise(weights, -1, "StochasticBlender"), seed, 0, new long[weights.length]);
    }

    private StochasticBlender(double[] normalised, long seed, long position, long[] counts) {
        // Any array length fits the 31 alias bits.
        this.domainCount = normalised.length;
        this.seed = seed;
        this.streamKey = CounterRandom.key(seed);
        this.position = position;
        this.counts = counts;
        this.table = new long[domainCount];
        install(normalised);
    }

    /**
     * Rebuilds a blender from a checkpoint; it draws exactly what the snapshotted one would have drawn.
     *
     * @param state a state from {@link #snapshot()}
     * @return a blender at {@code state.position()}
     * @throws TokmixException if the state is inconsistent (lengths differ, counts negative or not summing to
     *                         the position, weights not normalised)
     */
    public static StochasticBlender restore(State state) {
        String owner = "StochasticBlender.restore";
        if (state == null) {
            throw new TokmixException(owner + ": no state given; pass a state from StochasticBlender.snapshot()");
        }
        double[] w = BlendWeights.checkNormalised(state.weights, -1, owner);
        long[] counts = state.counts();
        if (counts.length != w.length) {
            throw new TokmixException(owner + ": the state has " + w.length + " weights and " + counts.length
                    + " counts; they must match — restore from an unmodified snapshot()");
        }
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 0) {
                throw new TokmixException(owner + ": counts[" + i + "] is " + counts[i] + "; counts are >= 0 —"
                        + " restore from an unmodified snapshot()");
            }
            sum += counts[i];
        }
        if (sum != state.position) {
            throw new TokmixException(owner + ": counts sum to " + sum + " at position " + state.position
                    + "; they must sum to the position — restore from an unmodified snapshot()");
        }
        return new StochasticBlender(w, state.seed, state.position, counts);
    }

    /**
     * Draws the domain of the current position and advances. O(1), allocation-free.
     *
     * @return the domain index, in {@code [0, domainCount())}
     */
    public int next() {
        long n = position;
        long x = CounterRandom.mixKeyed(streamKey, n);
        long k = domainCount;
        int column = (int) Math.unsignedMultiplyHigh(x, k);
        long coin = (x * k) >>> 32;
        long entry = table[column];
        int domain = coin < (entry >>> ALIAS_BITS) ? column : (int) (entry & ALIAS_MASK);
        counts[domain]++;
        position = n + 1;
        return domain;
    }

    /**
     * Changes the weights from the current position on. O(K) (rebuilds the alias table).
     *
     * @param weights one non-negative weight per domain, normalised to sum to 1
     * @throws TokmixException if the length differs from {@link #domainCount()}, a weight is negative, NaN or
     *                         infinite, or all are zero
     */
    public void setWeights(double[] weights) {
        install(BlendWeights.normalise(weights, domainCount, "StochasticBlender.setWeights"));
    }

    /**
     * Vose's construction: columns scaled to mean 1 are paired small-with-large until one list runs out; the
     * rest keep themselves. Leftovers are 1 up to rounding, except that a zero-weight domain must never keep
     * its column, whatever rounding did.
     */
    private void install(double[] normalised) {
        int k = domainCount;
        weights = normalised;
        double[] scaled = new double[k];
        int[] small = new int[k];
        int[] large = new int[k];
        int smallCount = 0;
        int largeCount = 0;
        int heaviest = 0;
        for (int i = 0; i < k; i++) {
            scaled[i] = normalised[i] * k;
            if (scaled[i] < 1) {
                small[smallCount++] = i;
            } else {
                large[largeCount++] = i;
            }
            if (normalised[i] > normalised[heaviest]) {
                heaviest = i;
            }
        }
        while (smallCount > 0 && largeCount > 0) {
            int s = small[--smallCount];
            int l = large[--largeCount];
            table[s] = pack(scaled[s], l);
            scaled[l] = (scaled[l] + scaled[s]) - 1;
            if (scaled[l] < 1) {
                small[smallCount++] = l;
            } else {
                large[largeCount++] = l;
            }
        }
        while (largeCount > 0) {
            int l = large[--largeCount];
            table[l] = pack(1, l);
        }
        while (smallCount > 0) {
            int s = small[--smallCount];
            table[s] = normalised[s] == 0 ? pack(0, heaviest) : pack(1, s);
        }
    }

    /** Threshold as a 33-bit fraction of 2^32 (so 1 means always keep) above a 31-bit alias. */
    private static long pack(double keep, int alias) {
        long threshold = Math.min(ONE, Math.max(0, Math.round(keep * ONE)));
        return (threshold << ALIAS_BITS) | alias;
    }

    /**
     * The probability that a draw under the current weights picks a domain: its normalised weight, to record
     * with each draw for importance weights.
     *
     * @param domain a domain index
     * @return the probability, in {@code [0, 1]}
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public double probability(int domain) {
        return weights[Objects.checkIndex(domain, domainCount)];
    }

    /**
     * The number of positions drawn so far, which is also the next position to draw.
     *
     * @return the position
     */
    public long position() {
        return position;
    }

    /**
     * The number of samples drawn for a domain so far.
     *
     * @param domain a domain index
     * @return its count
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public long count(int domain) {
        return counts[Objects.checkIndex(domain, domainCount)];
    }

    /**
     * The number of domains.
     *
     * @return K
     */
    public int domainCount() {
        return domainCount;
    }

    /**
     * The seed of the random stream.
     *
     * @return the seed given at construction
     */
    public long seed() {
        return seed;
    }

    /**
     * The current weights, normalised to sum to 1.
     *
     * @return a copy
     */
    public double[] weights() {
        return weights.clone();
    }

    /**
     * Captures everything future draws depend on.
     *
     * @return a state for {@link #restore}
     */
    public State snapshot() {
        return new State(position, seed, weights, counts);
    }
}
