package dev.tokmix.core;

/**
 * One training sample, filled in place by the sampler (allocate once, reuse for every sample): {@code seqLen + 1}
 * tokens (inputs are {@code tokens[0, seqLen)}, labels {@code tokens[1, seqLen]}, as Megatron's GPT dataset), a
 * loss mask, and on request the document structure inside the sample.
 *
 * <p>Document structure (only when built with {@code withDocuments}): {@link #segmentCount} segments, segment s
 * covering {@code tokens[cuSeqlens[s], cuSeqlens[s + 1])} and coming from document {@code documentIds[s]} of the
 * domain (its index over the domain's shards, in shard order); {@code positionIds[i]} is the position of token i
 * inside its document (restarting at 0 at each document start; a document cut at the sample's start continues
 * its count). Padding (no-cross-document packing) is its own final segment with document id -1.
 */
public final class SampleBuffer {
    /** Tokens, {@code seqLen + 1}. */
    public final int[] tokens;
    /** 1 where the token counts for the loss, 0 at EOD tokens (when an EOD id is set) and padding. */
    public final byte[] lossMask;
    /** Position of each token in its document, or null without document structure. */
    public final int[] positionIds;
    /** Segment starts plus the end ({@code segmentCount + 1} used), or null. */
    public final int[] cuSeqlens;
    /** Domain document index of each segment (-1 for padding), or null. */
    public final long[] documentIds;
    /** Segments used in {@link #cuSeqlens} / {@link #documentIds}. */
    public int segmentCount;
    /** Domain the sample came from. */
    public int domain;
    /** The sample's index within its domain's stream (over all epochs). */
    public long domainSample;
    /** The domain epoch the sample belongs to (0-based). */
    public long epoch;
    /** Global position of the sample in the mixture. */
    public long position;

    /**
     * Allocates a buffer.
     *
     * @param seqLen        sequence length (the buffer holds {@code seqLen + 1} tokens)
     * @param withDocuments also fill position ids, cu_seqlens and document ids
     */
    public SampleBuffer(int seqLen, boolean withDocuments) {
        if (seqLen < 1) {
            throw new IllegalArgumentException("seqLen must be >= 1, not " + seqLen);
        }
        tokens = new int[seqLen + 1];
        lossMask = new byte[seqLen + 1];
        positionIds = withDocuments ? new int[seqLen + 1] : null;
        cuSeqlens = withDocuments ? new int[seqLen + 3] : null;
        documentIds = withDocuments ? new long[seqLen + 2] : null;
    }

    /**
     * The sequence length.
     *
     * @return {@code tokens.length - 1}
     */
    public int seqLen() {
        return tokens.length - 1;
    }
}
