package dev.tokmix.core;

/**
 * Online reweighting of a mixture from training feedback. The sampler feeds it per-domain losses
 * ({@link #observe}) and asks it for new weights every {@code update_every} positions ({@link #decide}); a decision
 * taken at position p takes effect at p + {@code delay}, a position declared in advance, so every rank that fed it
 * the same (all-reduced) losses applies the same weights at the same sample.
 *
 * <p>Implementations must be deterministic functions of their observations, and their whole state must survive
 * {@link #state()} / {@link #restore(double[])} (it goes into the sampler's checkpoint).
 */
public interface WeightController {
    /**
     * Adds training feedback for one domain since the last decision.
     *
     * @param domain     the domain index
     * @param lossSum    the sum of per-token losses
     * @param tokenCount how many tokens that sum covers
     */
    void observe(int domain, double lossSum, long tokenCount);

    /**
     * Decides new weights from the feedback since the last decision (and clears it).
     *
     * @param current the weights in force
     * @return the new weights (≥ 0, not all 0)
     */
    double[] decide(double[] current);

    /**
     * The controller's state, for checkpoints.
     *
     * @return the state as numbers
     */
    double[] state();

    /**
     * Restores a state from {@link #state()}.
     *
     * @param state the numbers
     */
    void restore(double[] state);

    /**
     * The built-in controller a configuration names.
     *
     * @param c       the configuration
     * @param names   the domains, in order
     * @param initial the initial weights
     * @return the controller
     */
    static WeightController of(MixtureConfig.Controller c, java.util.List<String> names, double[] initial) {
        double[] ref = new double[names.size()];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = c.referenceLoss().getOrDefault(names.get(i), 0.0);
        }
        return switch (c.type()) {
            case "doremi" -> new DoremiController(initial, ref, c.eta(), c.smoothing());
            case "exp3" -> new Exp3Controller(initial.length, c.eta(), c.smoothing());
            default -> throw new TokmixException("unknown controller " + c.type() + "\n  remedy: doremi or exp3");
        };
    }
}
