package dev.tokmix.mixture;

import java.util.List;

/**
 * The result of {@link MixtureInference#infer}: the estimated share of each category in the tokenizer's training
 * data, in pair units (the LP's α: shares of adjacent token pairs, the paper's default normalisation) and in byte
 * units (α_i times the category sample's bytes per pair, renormalised), bootstrap intervals, and what the solve
 * needed.
 *
 * @param categories        category names, in the order given
 * @param pairWeights       the LP's α, summing to 1
 * @param byteWeights       α converted to byte shares, summing to 1
 * @param pairLow           per category, the 2.5th percentile of the bootstrap pair shares (NaN: no bootstrap)
 * @param pairHigh          the 97.5th percentile of the bootstrap pair shares (NaN: no bootstrap)
 * @param byteLow           the 2.5th percentile of the bootstrap byte shares (NaN: no bootstrap)
 * @param byteHigh          the 97.5th percentile of the bootstrap byte shares (NaN: no bootstrap)
 * @param replicates        bootstrap replicates behind the intervals
 * @param afterMerges       K: merge steps applied before the constrained ones (an inherited prefix); a step is one
 *                          new token, however many listed merges (splits) make it
 * @param mergesUsed        T, the merge steps the constraints cover (steps K..K+T−1)
 * @param missingMerges     steps among those T whose token no category sample forms (no constraint)
 * @param objective         the optimal total slack Σ v_t + Σ v_p
 * @param stepSlack         Σ v_t at the optimum
 * @param pairSlack         Σ v_p at the optimum
 * @param rounds            LP solves of the main estimate
 * @param constraints       constraints in the final restricted LP
 * @param replaySeconds     time to count pieces' pairs through the merges, all categories
 * @param solveSeconds      time of the scans and LP solves
 * @param bootstrapSeconds  time of the bootstrap replicates (replay and solve)
 * @param indistinguishable groups of categories whose bootstrap shares trade off against each other (empty
 *                          without at least 10 replicates)
 */
public record MixtureEstimate(List<String> categories, double[] pairWeights, double[] byteWeights, double[] pairLow,
                              double[] pairHigh, double[] byteLow, double[] byteHigh, int replicates,
                              int afterMerges, int mergesUsed, int missingMerges, double objective,
                              double stepSlack, double pairSlack, int rounds, int constraints,
                              double replaySeconds, double solveSeconds, double bootstrapSeconds,
                              List<List<String>> indistinguishable) {
}
