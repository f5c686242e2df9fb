package dev.tokmix.core;

import java.util.Arrays;

/**
 * EXP3 online data mixing (as in Albalak et al. 2023, "Efficient Online Data Mixing"): each domain is an arm whose
 * reward is its mean training loss (a domain the model still finds hard is worth sampling). Each decision adds
 * the importance-weighted reward r_i / p_i of the domains that got feedback to their gains G_i, then
 * p_i = (1 − γ) · softmax(η G)_i + γ / K.
 */
public final class Exp3Controller implements WeightController {
    private final double[] gains;
    private final double[] probabilities;
    private final double eta;
    private final double gamma;
    private final LossTotals losses;

    /**
     * Creates the controller.
     *
     * @param domains number of domains
     * @param eta     learning rate
     * @param gamma   exploration, in [0, 1]
     */
    public Exp3Controller(int domains, double eta, double gamma) {
        this.gains = new double[domains];
        this.probabilities = new double[domains];
        Arrays.fill(probabilities, 1.0 / domains);
        this.eta = eta;
        this.gamma = gamma;
        this.losses = new LossTotals(domains);
    }

    @Override
    public void observe(int domain, double sum, long tokenCount) {
        losses.add(domain, sum, tokenCount);
    }

    @Override
    public double[] decide(double[] current) {
        int k = gains.length;
        for (int i = 0; i < k; i++) {
            if (losses.has(i)) {
                gains[i] += eta * losses.mean(i) / Math.max(probabilities[i], 1e-12);
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double g : gains) {
            max = Math.max(max, g);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            probabilities[i] = Math.exp(gains[i] - max);
            sum += probabilities[i];
        }
        for (int i = 0; i < k; i++) {
            probabilities[i] = (1 - gamma) * probabilities[i] / sum + gamma / k;
        }
        losses.clear();
        return probabilities.clone();
    }

    @Override
    public double[] state() {
        int k = gains.length;
        double[] s = new double[4 * k];
        System.arraycopy(gains, 0, s, 0, k);
        System.arraycopy(probabilities, 0, s, k, k);
        losses.writeTo(s, 2 * k);
        return s;
    }

    @Override
    public void restore(double[] s) {
        int k = gains.length;
        System.arraycopy(s, 0, gains, 0, k);
        System.arraycopy(s, k, probabilities, 0, k);
        losses.readFrom(s, 2 * k);
    }
}
