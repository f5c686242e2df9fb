package dev.tokmix.core;

import java.util.Arrays;

/**
 * Per-domain training loss fed to a {@link WeightController} since its last decision: sums and token counts, the
 * part every controller shares, including its place in the controller's checkpoint state.
 */
final class LossTotals {
    private final double[] sum;
    private final long[] tokens;

    LossTotals(int domains) {
        sum = new double[domains];
        tokens = new long[domains];
    }

    void add(int domain, double lossSum, long tokenCount) {
        sum[domain] += lossSum;
        tokens[domain] += tokenCount;
    }

    boolean has(int domain) {
        return tokens[domain] > 0;
    }

    /** Mean loss per token of a domain (0 without feedback). */
    double mean(int domain) {
        return tokens[domain] == 0 ? 0 : sum[domain] / tokens[domain];
    }

    void clear() {
        Arrays.fill(sum, 0);
        Arrays.fill(tokens, 0);
    }

    /** Writes sums then counts into {@code state} from {@code at} (2K values). */
    void writeTo(double[] state, int at) {
        int k = sum.length;
        System.arraycopy(sum, 0, state, at, k);
        for (int i = 0; i < k; i++) {
            state[at + k + i] = tokens[i];
        }
    }

    /** Reads what {@link #writeTo} wrote. */
    void readFrom(double[] state, int at) {
        int k = sum.length;
        System.arraycopy(state, at, sum, 0, k);
        for (int i = 0; i < k; i++) {
            tokens[i] = (long) state[at + k + i];
        }
    }
}
