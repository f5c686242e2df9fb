package dev.tokmix.bpe;

import dev.tokmix.core.TokmixException;

/**
 * Replays a tokenizer's merge list over counted pieces and reports how every adjacent-pair count changes: the
 * data behind data-mixture inference (Hayase et al. 2024, §3.1). Before step t the count of a pair is its
 * initial count plus the changes of steps 0..t−1; every adjacent window counts and pairs never cross pieces,
 * as in training. It runs on the trainer's merge engine, so replaying a trained tokenizer over its own
 * training counts reproduces the counts the trainer saw.
 *
 * <pre>{@code
 * Tokenizer gpt2 = Tokenizer.load("r50k_base");
 * PretokenCounts counts = ...; // pieces split by gpt2.pieceSplitter()
 * long[] mergedCounts = MergeReplay.replay(gpt2, counts, 30_000, listener);
 * }</pre>
 */
public final class MergeReplay {

    /** Hears the counts: first every initial pair count, then each step's changes followed by {@link #stepDone}. */
    public interface Listener {
        /**
         * A pair's count changed: before step 0 this is its initial count; during a step, the change summed over
         * the step (the merged pair's own change is minus its count, as it disappears).
         *
         * @param leftId  the pair's left token id
         * @param rightId the pair's right token id
         * @param delta   the change (never 0)
         */
        void changed(int leftId, int rightId, long delta);

        /**
         * A step is complete.
         *
         * @param step        the merge's rank
         * @param mergedCount the count the merge's pair had just before it (0: it never occurs in these pieces)
         */
        default void stepDone(int step, long mergedCount) {
        }

        /** Every initial count has been reported; what follows are the changes of step 0 onwards. */
        default void initialCountsDone() {
        }
    }

    private MergeReplay() {
    }

    /**
     * Replays the first {@code steps} merges of a tokenizer.
     *
     * @param tokenizer the tokenizer (its merge list and byte tokens)
     * @param counts    pieces split by {@code tokenizer.pieceSplitter()}, with counts
     * @param steps     how many merges to replay (≤ the merge list's size)
     * @param listener  receives the counts and their changes, or null
     * @return per step, the count the merge's pair had just before it
     * @throws TokmixException if {@code steps} exceeds the merge list, or a byte has no token
     */
    public static long[] replay(Tokenizer tokenizer, PretokenCounts counts, int steps, Listener listener) {
        return replay(tokenizer, counts, 0, steps, listener);
    }

    /**
     * Replays the first {@code steps} merges, reporting counts only from merge {@code from} on: merges
     * 0..from−1 are applied silently (an inherited prefix, e.g. the cl100k merges Llama 3 starts with), then the
     * listener hears every pair count as it stands before merge {@code from} as "initial", followed by the
     * changes of each later step.
     *
     * @param tokenizer the tokenizer (its merge list and byte tokens)
     * @param counts    pieces split by {@code tokenizer.pieceSplitter()}, with counts
     * @param from      merges applied before reporting starts (0 ≤ from ≤ steps)
     * @param steps     how many merges to replay in all (≤ the merge list's size)
     * @param listener  receives the counts and their changes, or null
     * @return per step (all {@code steps}), the count the merge's pair had just before it
     * @throws TokmixException if {@code steps} exceeds the merge list, {@code from} is out of range, or a byte
     *                         has no token
     */
    public static long[] replay(Tokenizer tokenizer, PretokenCounts counts, int from, int steps,
                                Listener listener) {
        MergeList merges = tokenizer.merges();
        if (steps < 0 || steps > merges.size()) {
            throw new TokmixException("cannot replay " + steps + " merges: " + tokenizer.name() + " has "
                    + merges.size() + "\n  remedy: ask for at most " + merges.size() + " merges");
        }
        if (from < 0 || from > steps) {
            throw new TokmixException("cannot start reporting at merge " + from + " of " + steps
                    + "\n  remedy: use a prefix between 0 and " + steps);
        }
        int[] byteId = tokenizer.byteTokenIds();
        for (int b = 0; b < 256; b++) {
            if (byteId[b] < 0) {
                throw new TokmixException(tokenizer.name() + " has no token for byte 0x" + Integer.toHexString(b)
                        + ", so its merges cannot be replayed over raw bytes\n  remedy: use a byte-level BPE"
                        + " tokenizer with all 256 byte tokens");
            }
        }
        BpeTrainer.Engine engine = new BpeTrainer.Engine(counts, byteId, tokenizer.idLimit(), 0, null, false, 0);
        long[] merged = new long[steps];
        for (int t = 0; t < steps; t++) {
            if (t == from && listener != null) {
                engine.reportInitialCounts(listener);
                listener.initialCountsDone();
                engine.changes = listener;
            }
            merged[t] = engine.replay(merges.left(t), merges.right(t), merges.merged(t));
            if (listener != null && t >= from) {
                listener.stepDone(t, merged[t]);
            }
        }
        if (from == steps && listener != null) {
            engine.reportInitialCounts(listener);
            listener.initialCountsDone();
        }
        return merged;
    }
}
