/**
 * Data-mixture inference from BPE merge lists (Hayase et al. 2024): pair-count replay over per-category
 * samples and the linear program with lazy constraint generation. Built on {@code dev.tokmix.bpe}; see the
 * project issues for the plan.
 */
package dev.tokmix.mixture;
