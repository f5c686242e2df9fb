package dev.tokmix.core;

import java.util.Objects;

/**
 * A faithful port of Megatron-LM's blend, {@code build_blending_indices} in
 * {@code megatron/core/datasets/helpers.cpp}: for sample {@code n} pick the domain with the largest error
 * {@code w_i·max(n, 1) − c_i}, the first index winning ties. It is public so that a run can reproduce
 * Megatron's dataset order exactly (its {@code dataset_index} array is {@code next()} for positions 0, 1, …) and
 * so that the benchmarks can measure it next to {@link DeterministicBlender}; new code should use the latter,
 * which keeps every prefix within one sample of target (this rule reaches about 1–2) in O(log K) instead of
 * O(K) per decision.
 *
 * <p>Megatron normalises the weights in Python before calling the C++ loop; this class does the same on
 * construction. Weights are fixed: Megatron has no weight changes. Not thread-safe.
 */
public final class MegatronGreedyBlender {
    private final double[] weights;
    private final long[] counts;
    private long position;

    /**
     * Creates a blender at position 0.
     *
     * @param weights one non-negative weight per domain, normalised to sum to 1
     * @throws TokmixException if the array is null or empty, a weight is negative, NaN or infinite, or all
     *                         are zero
     */
    public MegatronGreedyBlender(double[] weights) {
        this.weights = BlendWeights.normalise(weights, -1, "MegatronGreedyBlender");
        this.counts = new long[weights.length];
    }

    /**
     * Decides the domain of the current position and advances: one pass over all domains, as in Megatron.
     *
     * @return the domain index
     */
    public int next() {
        double[] w = weights;
        long[] c = counts;
        // Megatron uses max(n, 1) so that the very first sample already follows the weights.
        double n = Math.max((double) position, 1.0);
        int best = 0;
        double bestError = w[0] * n - (double) c[0];
        for (int i = 1; i < w.length; i++) {
            double error = w[i] * n - (double) c[i];
            if (error > bestError) {
                bestError = error;
                best = i;
            }
        }
        c[best]++;
        position++;
        return best;
    }

    /**
     * The number of positions decided so far.
     *
     * @return the position
     */
    public long position() {
        return position;
    }

    /**
     * The number of samples given to a domain so far.
     *
     * @param domain a domain index
     * @return its count
     * @throws IndexOutOfBoundsException if the index is out of range
     */
    public long count(int domain) {
        return counts[Objects.checkIndex(domain, counts.length)];
    }

    /**
     * The number of domains.
     *
     * @return K
     */
    public int domainCount() {
        return counts.length;
    }

    /**
     * The normalised weights.
     *
     * @return a copy
     */
    public double[] weights() {
        return weights.clone();
    }
}
