package dev.tokmix.mixture;

import java.util.List;

/**
 * The result of {@link MixtureInference#infer}: the estimated share of each category in the tokenizer's training
 * data, in pair units (the LP's α: shares of adjacent byte pairs, the paper's default normalisation) and in byte
 * units (α_i times the category sample's bytes per pair, renormalised), with what the solve needed.
 *
 * @param categories    category names, in the order given
 * @param pairWeights   the LP's α, summing to 1
 * @param byteWeights   α converted to byte shares, summing to 1
 * @param mergesUsed    T, the merges the constraints cover
 * @param missingMerges merges among the first T whose pair occurs in no category sample (no constraint)
 * @param objective     the optimal total slack Σ v_t + Σ v_p
 * @param rounds        LP solves
 * @param constraints   constraints in the final restricted LP
 * @param replaySeconds time to count pieces' pairs through the merges, all categories
 * @param solveSeconds  time of the scans and LP solves
 */
public record MixtureEstimate(List<String> categories, double[] pairWeights, double[] byteWeights, int mergesUsed,
                              int missingMerges, double objective, int rounds, int constraints,
                              double replaySeconds, double solveSeconds) {
}
