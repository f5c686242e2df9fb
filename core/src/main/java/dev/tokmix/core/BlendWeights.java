package dev.tokmix.core;

/** Checks and normalises the domain weights every blender takes. */
final class BlendWeights {
    /** How far from 1 the weights of a restored state may sum: a few ulps per domain, and then some. */
    static final double RESTORED_SUM_TOLERANCE = 1e-9;

    private BlendWeights() {
    }

    /**
     * Checks raw weights and scales them to sum to 1. Dividing by the largest weight first keeps huge weights
     * (1e308 each) from overflowing the sum; the result is a deterministic function of the input bits, which
     * resume relies on.
     *
     * @param raw      one weight per domain, not necessarily summing to 1
     * @param expected the number of domains the caller has, or -1 when the array defines it
     * @param owner    the class named in error messages
     * @return a fresh array of weights summing to 1 (up to rounding)
     * @throws TokmixException if the array is null, empty or of the wrong length, a weight is negative, NaN or
     *                         infinite, or all are zero
     */
    static double[] normalise(double[] raw, int expected, String owner) {
        checkShape(raw, expected, owner);
        double max = 0;
        for (int i = 0; i < raw.length; i++) {
            double w = raw[i];
            if (!(w >= 0) || w == Double.POSITIVE_INFINITY) {
                throw new TokmixException(owner + ": weight[" + i + "] is " + w + "; every weight must be finite"
                        + " and >= 0 — pass a non-negative number for that domain (0 leaves it out of the blend)");
            }
            max = Math.max(max, w);
        }
        if (max == 0) {
            throw new TokmixException(owner + ": all " + raw.length + " weights are 0; at least one must be"
                    + " positive — give the domains you want sampled a positive weight");
        }
        double[] w = new double[raw.length];
        double sum = 0;
        for (int i = 0; i < raw.length; i++) {
            w[i] = raw[i] / max;
            sum += w[i];
        }
        for (int i = 0; i < raw.length; i++) {
            w[i] /= sum;
        }
        return w;
    }

    /**
     * Checks weights from a saved state, which must be used bit for bit (normalising them again could change
     * their last bits, and with them future decisions).
     *
     * @throws TokmixException if they are not finite, non-negative and summing to 1
     */
    static double[] checkNormalised(double[] weights, int expected, String owner) {
        checkShape(weights, expected, owner);
        double sum = 0;
        for (int i = 0; i < weights.length; i++) {
            double w = weights[i];
            if (!(w >= 0) || w == Double.POSITIVE_INFINITY) {
                throw new TokmixException(owner + ": saved weight[" + i + "] is " + w + "; a state holds finite,"
                        + " non-negative weights — restore from a state produced by snapshot()");
            }
            sum += w;
        }
        if (!(Math.abs(sum - 1) <= RESTORED_SUM_TOLERANCE)) {
            throw new TokmixException(owner + ": saved weights sum to " + sum + ", not 1; a state holds normalised"
                    + " weights — restore from a state produced by snapshot()");
        }
        return weights.clone();
    }

    private static void checkShape(double[] weights, int expected, String owner) {
        if (weights == null || weights.length == 0) {
            throw new TokmixException(owner + ": no weights given — pass one weight per domain (at least one)");
        }
        if (expected >= 0 && weights.length != expected) {
            throw new TokmixException(owner + ": " + weights.length + " weights given for " + expected
                    + " domains; pass exactly one weight per domain (use 0 to leave a domain out)");
        }
    }
}
