package dev.tokmix.core;

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
    private final LossTotals losses;

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
        this.losses = new LossTotals(initial.length);
    }

    @Override
    public void observe(int domain, double sum, long tokenCount) {
        losses.add(domain, sum, tokenCount);
    }

    @Override
    public double[] decide(double[] current) {
        int k = alpha.length;
        for (int i = 0; i < k; i++) {
            double lambda = losses.has(i) ? Math.max(losses.mean(i) - reference[i], 0) : 0;
            alpha[i] *= Math.exp(eta * lambda);
        }
        normalise(alpha);
        for (int i = 0; i < k; i++) {
            alpha[i] = (1 - smoothing) * alpha[i] + smoothing / k;
        }
        losses.clear();
        return alpha.clone();
    }

    @Override
    public double[] state() {
        double[] s = new double[3 * alpha.length];
        System.arraycopy(alpha, 0, s, 0, alpha.length);
        losses.writeTo(s, alpha.length);
        return s;
    }

    @Override
    public void restore(double[] s) {
        System.arraycopy(s, 0, alpha, 0, alpha.length);
        losses.readFrom(s, alpha.length);
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
