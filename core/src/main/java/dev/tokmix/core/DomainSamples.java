package dev.tokmix.core;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One domain of a mixture as a stream of fixed-length samples: its token shards' documents, permuted per epoch by
 * a keyed {@link FeistelPermutation} (key = f(seed, domain, epoch)), then either concatenated and cut into
 * windows of {@code seqLen + 1} tokens that overlap by one token (Megatron's GPT dataset:
 * {@code (tokens − 1) / seqLen} samples per epoch, the leftover tokens of an epoch dropped), or packed whole
 * without crossing documents ({@link Packing#NO_CROSS_DOCUMENT}: greedily, in permuted order, each document cut
 * to {@code seqLen + 1} tokens, the rest of a sample padded).
 *
 * <p>Memory: the only per-document array is one epoch's prefix sums of document lengths in permuted order
 * (8 bytes per document; the sample starts too when packing without crossing documents, and the slot list when
 * per-document weights replicate documents). An epoch's layout is built when the stream first enters it, in
 * O(documents); random access into an epoch is a binary search.
 *
 * <p>Per-document weights (SampleMix-style, from a score sidecar): document d appears
 * {@code floor(w_d) + Bernoulli(frac(w_d))} times in epoch e, the coin drawn by {@link CounterRandom} from
 * (seed, domain, d, e), so every rank draws the same epochs.
 *
 * <p>Not thread-safe (one per sampler); the shard readers it reads are.
 */
public final class DomainSamples {
    /** How documents become samples. */
    public enum Packing {
        /** Concatenate documents and cut fixed windows (pretraining). */
        CONCAT,
        /** Whole documents only, padded (SFT-like data). */
        NO_CROSS_DOCUMENT;

        /**
         * Parses {@code concat} or {@code no_cross_document}.
         *
         * @param s the name
         * @return the packing
         */
        public static Packing parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT).replace('-', '_')) {
                case "concat" -> CONCAT;
                case "no_cross_document" -> NO_CROSS_DOCUMENT;
                default -> throw new TokmixException("unknown packing \"" + s
                        + "\"\n  remedy: use concat or no_cross_document");
            };
        }
    }

    private final String name;
    private final int domainIndex;
    private final List<TokenShardReader> shards;
    private final long[] shardFirstDocument;
    private final long documentCount;
    private final long tokenCount;
    private final int seqLen;
    private final long seed;
    private final Packing packing;
    private final int padId;
    private final int eodId;
    private final double[] documentWeights;

    // The epoch whose layout is built.
    private long epoch = -1;
    private FeistelPermutation permutation;
    private long[] slots;
    private long slotCount;
    private long[] prefix;
    private long[] sampleStarts;
    private long epochSamples;
    // Samples before each epoch, as far as epochs have been built (epoch k starts at epochFirstSample[k]).
    private long[] epochFirstSample = {0};
    private int epochsKnown;

    /**
     * Creates a domain over open shard readers (which the caller keeps and closes).
     *
     * @param name            domain name, for messages
     * @param domainIndex     its index in the mixture (part of the permutation key)
     * @param shards          its shards, in order
     * @param seqLen          sequence length
     * @param seed            the mixture's seed
     * @param packing         how documents become samples
     * @param eodId           EOD id for the loss mask, or -1
     * @param padId           padding id (no-cross-document packing)
     * @param documentWeights per-document weights (one per document, ≥ 0), or null
     * @throws TokmixException if the domain has no tokens for a single sample, or the weights do not fit
     */
    public DomainSamples(String name, int domainIndex, List<TokenShardReader> shards, int seqLen, long seed,
                         Packing packing, int eodId, int padId, double[] documentWeights) {
        this.name = name;
        this.domainIndex = domainIndex;
        this.shards = List.copyOf(shards);
        this.seqLen = seqLen;
        this.seed = seed;
        this.packing = Objects.requireNonNull(packing);
        this.eodId = eodId;
        this.padId = padId;
        shardFirstDocument = new long[shards.size() + 1];
        long tokens = 0;
        for (int i = 0; i < shards.size(); i++) {
            shardFirstDocument[i + 1] = shardFirstDocument[i] + shards.get(i).documentCount();
            tokens += shards.get(i).tokenCount();
        }
        documentCount = shardFirstDocument[shards.size()];
        tokenCount = tokens;
        if (documentWeights != null) {
            if (documentWeights.length != documentCount) {
                throw new TokmixException("domain " + name + ": " + documentWeights.length
                        + " document weights for " + documentCount + " documents\n  remedy: give one weight per"
                        + " document, in shard order");
            }
            for (int d = 0; d < documentWeights.length; d++) {
                double w = documentWeights[d];
                if (!(w >= 0) || Double.isInfinite(w)) {
                    throw new TokmixException("domain " + name + ": document " + d + " has weight " + w
                            + "\n  remedy: document weights must be finite and >= 0");
                }
            }
        }
        this.documentWeights = documentWeights;
        if (documentCount == 0 || tokenCount == 0) {
            throw new TokmixException("domain " + name + " is empty (" + shards.size() + " shards, no tokens)"
                    + "\n  remedy: give it shards with data, or drop it from the mixture");
        }
    }

    /**
     * The domain's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Documents over all shards.
     *
     * @return the count
     */
    public long documentCount() {
        return documentCount;
    }

    /**
     * Tokens over all shards.
     *
     * @return the count
     */
    public long tokenCount() {
        return tokenCount;
    }

    /**
     * Samples in one epoch when every epoch holds the same (concatenated documents, no per-document weights);
     * otherwise those of epoch 0.
     *
     * @return the count
     */
    public long samplesPerEpoch() {
        return uniformEpochs() ? Math.max(0, (tokenCount - 1) / seqLen) : samplesInEpoch(0);
    }

    private boolean uniformEpochs() {
        return documentWeights == null && packing == Packing.CONCAT;
    }

    /**
     * Samples in epoch {@code e}.
     *
     * @param e the epoch
     * @return the count (0 if the epoch holds too few tokens for one sample)
     */
    public long samplesInEpoch(long e) {
        if (uniformEpochs()) {
            return samplesPerEpoch();
        }
        build(e);
        return epochSamples;
    }

    /**
     * The epoch that domain sample {@code s} belongs to.
     *
     * @param s the domain sample index
     * @return the epoch
     * @throws TokmixException if epochs hold no samples at all
     */
    public long epochOf(long s) {
        if (uniformEpochs()) {
            long per = samplesPerEpoch();
            if (per == 0) {
                throw tooSmall();
            }
            return s / per;
        }
        while (epochFirstSample[epochsKnown] <= s) {
            if (!extendEpochs()) {
                throw tooSmall();
            }
        }
        // The last epoch k with epochFirstSample[k] <= s (empty epochs share their start with the next one).
        int lo = 0;
        int hi = epochsKnown;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (epochFirstSample[mid] <= s) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private TokmixException tooSmall() {
        return new TokmixException("domain " + name + " has " + tokenCount + " tokens, not enough for one sample"
                + " of " + (seqLen + 1) + " tokens\n  remedy: lower seq_len, add data, or drop the domain");
    }

    /** Records the sample count of the next epochs until one holds a sample; false after 64 empty epochs. */
    private boolean extendEpochs() {
        for (int empty = 0; empty < 64; empty++) {
            long n = samplesInEpoch(epochsKnown);
            if (epochsKnown + 1 >= epochFirstSample.length) {
                epochFirstSample = Arrays.copyOf(epochFirstSample, epochFirstSample.length * 2);
            }
            epochFirstSample[epochsKnown + 1] = epochFirstSample[epochsKnown] + n;
            epochsKnown++;
            if (n > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Samples in epochs 0 .. e−1: the domain's sample index where epoch {@code e} starts.
     *
     * @param e the epoch
     * @return the count
     */
    public long samplesBefore(long e) {
        if (!uniformEpochs()) {
            while (epochsKnown < e) {
                if (!extendEpochs()) {
                    throw tooSmall();
                }
            }
        }
        return firstSampleOf(e);
    }

    private long firstSampleOf(long e) {
        if (uniformEpochs()) {
            return e * samplesPerEpoch();
        }
        return epochFirstSample[(int) e];
    }

    /** Builds epoch e's permutation, slots, prefix sums and (no-cross) sample starts, unless already built. */
    private void build(long e) {
        if (e == epoch) {
            return;
        }
        long key = CounterRandom.mix(seed ^ 0x5DEECE66DL * (domainIndex + 1), e);
        if (documentWeights == null) {
            slots = null;
            slotCount = documentCount;
        } else {
            long total = 0;
            long[] s = slots != null && slots.length > 0 ? slots : new long[(int) Math.min(documentCount, 1 << 20)];
            for (int d = 0; d < documentWeights.length; d++) {
                double w = documentWeights[d];
                long copies = (long) Math.floor(w);
                double frac = w - copies;
                if (frac > 0 && CounterRandom.uniform(key ^ 0x632BE59BD9B4E019L, d) < frac) {
                    copies++;
                }
                for (long c = 0; c < copies; c++) {
                    if (total == s.length) {
                        s = Arrays.copyOf(s, (int) Math.min(Integer.MAX_VALUE - 8, s.length * 2L));
                    }
                    s[(int) total++] = d;
                }
            }
            slots = s;
            slotCount = total;
        }
        permutation = new FeistelPermutation(slotCount, key);
        if (prefix == null || prefix.length < slotCount + 1) {
            prefix = new long[(int) Math.min(Integer.MAX_VALUE - 8, slotCount + 1)];
        }
        long sum = 0;
        prefix[0] = 0;
        int cap = seqLen + 1;
        long samples = 0;
        long fill = 0;
        if (packing == Packing.NO_CROSS_DOCUMENT && (sampleStarts == null || sampleStarts.length < 16)) {
            sampleStarts = new long[1024];
        }
        for (long k = 0; k < slotCount; k++) {
            long len = documentLength(slotDocument(k));
            sum += len;
            prefix[(int) k + 1] = sum;
            if (packing == Packing.NO_CROSS_DOCUMENT && len > 0) {
                long l = Math.min(len, cap);
                if (samples == 0 || fill + l > cap) {
                    if (samples == sampleStarts.length) {
                        sampleStarts = Arrays.copyOf(sampleStarts, (int) Math.min(Integer.MAX_VALUE - 8,
                                samples * 2));
                    }
                    sampleStarts[(int) samples++] = k;
                    fill = 0;
                }
                fill += l;
            }
        }
        if (packing == Packing.NO_CROSS_DOCUMENT) {
            if (samples == sampleStarts.length) {
                sampleStarts = Arrays.copyOf(sampleStarts, (int) samples + 1);
            }
            sampleStarts[(int) samples] = slotCount;
            epochSamples = samples;
        } else {
            epochSamples = sum <= 1 ? 0 : (sum - 1) / seqLen;
        }
        epoch = e;
    }

    /** The document in permuted slot k of the built epoch. */
    private long slotDocument(long k) {
        long slot = permutation.apply(k);
        return slots == null ? slot : slots[(int) slot];
    }

    private int shardOf(long document) {
        int i = Arrays.binarySearch(shardFirstDocument, document);
        if (i >= 0) {
            // Skip empty shards that share the same first-document index.
            while (i + 1 < shardFirstDocument.length && shardFirstDocument[i + 1] == document) {
                i++;
            }
            return i;
        }
        return -i - 2;
    }

    private long documentLength(long document) {
        int s = shardOf(document);
        return shards.get(s).documentLength(document - shardFirstDocument[s]);
    }

    /**
     * Fills {@code out} with domain sample {@code s} (over all epochs).
     *
     * @param s   the domain sample index
     * @param out the buffer (its seqLen must be this domain's)
     */
    public void fill(long s, SampleBuffer out) {
        if (out.seqLen() != seqLen) {
            throw new IllegalArgumentException("buffer holds seqLen " + out.seqLen() + ", domain " + name
                    + " has " + seqLen);
        }
        long e = epochOf(s);
        long j = s - firstSampleOf(e);
        build(e);
        out.domainSample = s;
        out.epoch = e;
        if (out.positionIds != null) {
            out.segmentCount = 0;
        }
        if (packing == Packing.CONCAT) {
            fillConcat(j, out);
        } else {
            fillPacked(j, out);
        }
    }

    private void fillConcat(long j, SampleBuffer out) {
        long t0 = j * seqLen;
        int k = upper(prefix, slotCount, t0);
        int need = seqLen + 1;
        int at = 0;
        long within = t0 - prefix[k];
        while (at < need) {
            long doc = slotDocument(k);
            long len = prefix[k + 1] - prefix[k];
            int n = (int) Math.min(len - within, need - at);
            if (n > 0) {
                copyDocument(doc, within, n, out, at);
                at += n;
            }
            within = 0;
            k++;
        }
        closeSegments(out, need);
    }

    private void fillPacked(long j, SampleBuffer out) {
        int cap = seqLen + 1;
        int at = 0;
        for (long k = sampleStarts[(int) j]; k < sampleStarts[(int) j + 1]; k++) {
            long doc = slotDocument(k);
            long len = prefix[(int) k + 1] - prefix[(int) k];
            int n = (int) Math.min(len, cap - at);
            if (n > 0) {
                copyDocument(doc, 0, n, out, at);
                at += n;
            }
        }
        if (at < cap) {
            Arrays.fill(out.tokens, at, cap, padId);
            Arrays.fill(out.lossMask, at, cap, (byte) 0);
            if (out.positionIds != null) {
                Arrays.fill(out.positionIds, at, cap, 0);
                out.cuSeqlens[out.segmentCount] = at;
                out.documentIds[out.segmentCount++] = -1;
            }
        }
        closeSegments(out, cap);
    }

    private void copyDocument(long doc, long from, int n, SampleBuffer out, int at) {
        int s = shardOf(doc);
        TokenShardReader r = shards.get(s);
        long local = doc - shardFirstDocument[s];
        r.copyTokens(r.documentStart(local) + from, out.tokens, at, n);
        if (eodId < 0) {
            Arrays.fill(out.lossMask, at, at + n, (byte) 1);
        } else {
            int eod = eodId;
            int[] t = out.tokens;
            byte[] mask = out.lossMask;
            for (int i = at; i < at + n; i++) {
                mask[i] = (byte) (t[i] == eod ? 0 : 1);
            }
        }
        if (out.positionIds != null) {
            for (int i = 0; i < n; i++) {
                out.positionIds[at + i] = (int) Math.min(Integer.MAX_VALUE, from + i);
            }
            out.cuSeqlens[out.segmentCount] = at;
            out.documentIds[out.segmentCount++] = doc;
        }
    }

    private static void closeSegments(SampleBuffer out, int end) {
        if (out.positionIds != null) {
            out.cuSeqlens[out.segmentCount] = end;
        }
    }

    /** The largest k in [0, n) with prefix[k] ≤ t (prefix is non-decreasing, prefix[0] = 0). */
    private static int upper(long[] prefix, long n, long t) {
        int lo = 0;
        int hi = (int) n;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (prefix[mid] <= t) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
