package dev.tokmix.bpe;

import java.util.Arrays;

/**
 * The ordered merge list of a tokenizer: merge {@code rank} turns the adjacent pair {@code (left(rank),
 * right(rank))} into {@code merged(rank)}; lower ranks apply first.
 *
 * <p>For a {@code tokenizer.json} it is the file's {@code model.merges}, line for line. For a tiktoken rank file,
 * which has none, it is derived: for each multi-byte token {@code t} in rank order, BPE of {@code t}'s bytes
 * using only tokens of lower rank must end in exactly two parts {@code (a, b)}, giving the merge
 * {@code a + b -> t}. A token for which that fails is <em>unreachable</em>: it is reported by
 * {@link #unreachableTokenIds()}, never guessed. Immutable.
 */
public final class MergeList {
    private final int[] left;
    private final int[] right;
    private final int[] merged;
    private final int[] unreachable;
    private final PairTable index;

    MergeList(int[] left, int[] right, int[] merged, int[] unreachable) {
        this.left = left;
        this.right = right;
        this.merged = merged;
        this.unreachable = unreachable;
        this.index = new PairTable(left.length);
        for (int r = left.length - 1; r >= 0; r--) {
            index.putIfBetter(left[r], right[r], r, merged[r]);
        }
    }

    /**
     * Number of merges.
     *
     * @return the count
     */
    public int size() {
        return left.length;
    }

    /**
     * Left id of a merge.
     *
     * @param rank merge rank in {@code [0, size())}
     * @return the left token id
     */
    public int left(int rank) {
        return left[rank];
    }

    /**
     * Right id of a merge.
     *
     * @param rank merge rank in {@code [0, size())}
     * @return the right token id
     */
    public int right(int rank) {
        return right[rank];
    }

    /**
     * The token a merge produces.
     *
     * @param rank merge rank in {@code [0, size())}
     * @return the new token id
     */
    public int merged(int rank) {
        return merged[rank];
    }

    /**
     * The lowest rank of a merge of this pair.
     *
     * @param leftId  left token id
     * @param rightId right token id
     * @return the rank, or -1 if no merge joins them
     */
    public int rankOf(int leftId, int rightId) {
        long v = index.get(leftId, rightId);
        return v == PairTable.NONE ? -1 : (int) (v >>> 32);
    }

    /**
     * Multi-byte tokens that no merge produces (derived lists only; always empty for {@code tokenizer.json}).
     *
     * @return ids in ascending order (a copy)
     */
    public int[] unreachableTokenIds() {
        return Arrays.copyOf(unreachable, unreachable.length);
    }
}
