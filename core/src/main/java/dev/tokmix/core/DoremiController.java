package dev.tokmix.core;

import java.util.Arrays;

/**
 * DoReMi's exponentiated-gradient update (Xie et al. 2023), online: domains whose loss exceeds their reference loss
 * gain weight. Each decision: λ_i = max(mean loss_i − reference_i, 0) over the feedback since the last decision
 * (0 for domains without feedback); α_i ← α_i · exp(η λ_i), normalised; then mixed with the uniform distribution,
 * α ← (1 − c) α + c / K, so no domain starves.
 */
public final class DoremiController implements WeightController {
    private final double[] alpha;
    private final double[] reference;
    private final double eta;
    private final double smoothing;
    private final double[] lossSum;
    private final long[] tokens;

    /**
     * Creates the controller.
     *
     * @param initial   initial weights
     * @param reference per-domain reference losses (0 = the plain loss)
     * @param eta       step size
     * @param smoothing mixing with uniform, in [0, 1]
     */
    public DoremiController(double[] initial, double[] reference, double eta, double smoothing) {
        this.alpha = normalise(initial.clone());
        this.reference = reference.clone();
        this.eta = eta;
        this.smoothing = smoothing;
        this.lossSum = new double[initial.length];
        this.tokens = new long[initial.length];
    }

    @Override
    public void observe(int domain, double sum, long tokenCount) {
        lossSum[domain] += sum;
        tokens[domain] += tokenCount;
    }

    @Override
    public double[] decide(double[] current) {
        int k = alpha.length;
        for (int i = 0; i < k; i++) {
            double lambda = tokens[i] == 0 ? 0 : Math.max(lossSum[i] / tokens[i] - reference[i], 0);
            alpha[i] *= Math.exp(eta * lambda);
        }
        normalise(alpha);
        for (int i = 0; i < k; i++) {
            alpha[i] = (1 - smoothing) * alpha[i] + smoothing / k;
        }
        Arrays.fill(lossSum, 0);
        Arrays.fill(tokens, 0);
        return alpha.clone();
    }

    @Override
    public double[] state() {
        double[] s = new double[3 * alpha.length];
        System.arraycopy(alpha, 0, s, 0, alpha.length);
        System.arraycopy(lossSum, 0, s, alpha.length, alpha.length);
        for (int i = 0; i < tokens.length; i++) {
            s[2 * alpha.length + i] = tokens[i];
        }
        return s;
    }

    @Override
    public void restore(double[] s) {
        int k = alpha.length;
        System.arraycopy(s, 0, alpha, 0, k);
        System.arraycopy(s, k, lossSum, 0, k);
        for (int i = 0; i < k; i++) {
            tokens[i] = (long) s[2 * k + i];
        }
    }

    static double[] normalise(double[] w) {
        double sum = 0;
        for (double v : w) {
            sum += v;
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = sum > 0 ? w[i] / sum : 1.0 / w.length;
        }
        return w;
    }
}
