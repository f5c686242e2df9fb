package dev.tokmix.bpe;

import dev.tokmix.core.TokmixException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Trains a byte-level BPE tokenizer with the semantics of Hugging Face's {@code BpeTrainer}: the text is split
 * into pieces by a {@link PieceSplitter}, unique pieces are counted ({@link PretokenCounts}), and the most
 * frequent adjacent pair of symbols inside pieces is merged, again and again, until the vocabulary has the
 * requested size. Pairs never cross pieces; every adjacent window counts ({@code "aaa"} holds {@code (a, a)}
 * twice), and a merge replaces occurrences left to right ({@code "aaa"} becomes {@code aa a}).
 *
 * <p><b>Ids</b>, as HF lays them out: special tokens first (0..k−1, in the order given), then the 256 bytes in
 * the order of their ByteLevel characters ({@code !}=k, {@code "}=k+1, …, as in GPT-2's vocabulary), then one
 * id per new token in merge order. A merge whose result already exists (two different pairs spelling the same
 * bytes, or bytes that read as a special token's text, such as a special token {@code "ab"}) reuses that
 * token's id and adds no vocabulary entry, as HF does.
 *
 * <p><b>Tie-break</b> (documented and deterministic): among pairs of equal count, the pair with the smaller
 * left id wins, then the smaller right id — HF's order ({@code Merge::cmp}), so with the ids above the result
 * does not depend on thread count, hash order or input order.
 *
 * <p><b>Differences from HF</b>, all on purpose: counts are 64-bit (HF's pair counts are {@code i32} and wrap on
 * large corpora); every merge is applied to every piece holding the pair (HF's lazy heap remembers, per heap
 * entry, only the words where the pair's count last grew, so it can merge a pair in some words, and merge it
 * again later as a duplicate rank); the result is always "the most frequent pair at every step", checked by
 * replaying the merges in the tests.
 *
 * <p><b>Algorithm</b> (Sennrich-style with an index, O(N log P) for N symbols and P distinct pairs): symbols of
 * all unique pieces sit in flat arrays with prev/next links; each pair keeps a list of the positions where it
 * was seen (validated lazily, so stale entries cost one check each); pair counts live in an indexed max-heap,
 * updated by the ±count deltas around each merged occurrence.
 *
 * <p><b>Performance notes</b> (100 MB of mixed text, vocabulary 30,000, 2-core VM; {@code docs/benchmarks.md}):
 * <ul>
 *   <li>Position lists instead of HF's per-pair word sets: a merge touches only the symbols it changes; the merge
 *       loop takes about 2.2 s for 29,744 merges over 428,601 distinct pieces.</li>
 *   <li>The pair index first was sized by the symbol count (2^27 slots for 84 MB of distinct symbols: 1.5 GB of
 *       a 4 GB heap on random-word text); distinct pairs are far fewer, so it now starts at 2^16 and doubles.</li>
 *   <li>Initial position lists are sized exactly in a second pass (no growth slack, no copies).</li>
 *   <li>Count changes are summed per pair per merge, so each changed pair moves in the heap once per merge
 *       (2.2–2.5 s → 2.0–2.2 s for the merge loop above). On text where nearly every piece is distinct the loop
 *       is bound by cache misses on the symbol arrays (about 60 s for 100 MB of random words), not by the heap.</li>
 * </ul>
 *
 * <pre>{@code
 * PieceSplitter gpt2 = PieceSplitter.named("gpt2");
 * PretokenCounts counts = new PretokenCounts();
 * gpt2.split("low lower lowest", (b, off, len) -> counts.add(b, off, len, 1));
 * TrainedBpe bpe = new BpeTrainer(gpt2, 260, 0, List.of()).train(counts, null);
 * bpe.writeTokenizerJson(Path.of("tokenizer.json"));
 * }</pre>
 */
public final class BpeTrainer {

    /** Hears about training progress (called on the training thread). */
    @FunctionalInterface
    public interface Listener {
        /**
         * Called after each merge.
         *
         * @param merges  merges done so far
         * @param planned merges needed to reach the vocabulary size (fewer may happen if pairs run out)
         */
        void merged(int merges, int planned);
    }

    private final PieceSplitter splitter;
    private final int vocabularySize;
    private final long minFrequency;
    private final List<String> specialTokens;

    /**
     * Creates a trainer.
     *
     * @param splitter       the pipeline that made the counts (its JSON goes into {@code tokenizer.json})
     * @param vocabularySize the target size: special tokens + 256 bytes + new tokens
     * @param minFrequency   stop when the most frequent pair occurs fewer times than this (0 or 1: never)
     * @param specialTokens  special tokens, ids 0..k−1 (duplicates kept once)
     * @throws TokmixException if the vocabulary cannot hold the specials and the 256 bytes, a special token is
     *                         empty, or {@code minFrequency} is negative
     */
    public BpeTrainer(PieceSplitter splitter, int vocabularySize, long minFrequency, List<String> specialTokens) {
        this.splitter = splitter;
        List<String> specials = new ArrayList<>(new LinkedHashSet<>(specialTokens));
        for (String s : specials) {
            if (s.isEmpty()) {
                throw new TokmixException("special token \"\" is empty\n  remedy: give non-empty special tokens");
            }
            byte[] asBytes = ByteLevelAlphabet.toBytes(s);
            if (asBytes != null && asBytes.length == 1) {
                // HF would give the byte this special's id and drop it from the alphabet; nobody wants that.
                throw new TokmixException("special token \"" + s + "\" is the single byte 0x"
                        + Integer.toHexString(asBytes[0] & 0xFF) + ", which already has a token\n  remedy: choose"
                        + " special tokens such as <|name|>");
            }
            if (s.codePoints().anyMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
                throw new TokmixException("special token \"" + s + "\" holds a lone surrogate (not valid text)"
                        + "\n  remedy: give special tokens as well-formed Unicode");
            }
        }
        if (vocabularySize < 256 + specials.size()) {
            throw new TokmixException("vocabulary size " + vocabularySize + " is smaller than the 256 byte tokens"
                    + (specials.isEmpty() ? "" : " plus " + specials.size() + " special token(s)")
                    + "\n  remedy: ask for at least " + (256 + specials.size()) + " tokens");
        }
        if (minFrequency < 0) {
            throw new TokmixException("min frequency " + minFrequency + " is negative");
        }
        this.vocabularySize = vocabularySize;
        this.minFrequency = minFrequency;
        this.specialTokens = List.copyOf(specials);
    }

    /**
     * Trains on counted pieces.
     *
     * @param counts   unique pieces and their counts (from this trainer's splitter)
     * @param listener progress callback, or null
     * @return the trained tokenizer
     * @throws TokmixException if {@code counts} is empty, or the pieces hold more than 2^31 distinct symbols
     */
    public TrainedBpe train(PretokenCounts counts, Listener listener) {
        if (counts.size() == 0) {
            throw new TokmixException("the training corpus is empty: no text to learn merges from\n  remedy:"
                    + " check the inputs (and the --split / JSON field options)");
        }
        long start = System.nanoTime();
        int uniquePieces = counts.size();
        long pieces = counts.totalCount();
        long textBytes = counts.totalBytes();
        Engine e = new Engine(counts, specialTokens, vocabularySize, minFrequency, listener);
        e.run();
        return new TrainedBpe(splitter, specialTokens, e.tokens, Arrays.copyOf(e.mergeLeft, e.mergeCount),
                Arrays.copyOf(e.mergeRight, e.mergeCount), Arrays.copyOf(e.mergeResult, e.mergeCount),
                new TrainedBpe.Stats(uniquePieces, pieces, textBytes, e.symbolCount, e.pairCount, e.mergeCount,
                        (System.nanoTime() - start) / 1e9));
    }

    /** Ids of the 256 bytes when the alphabet starts at {@code first}: ordered by ByteLevel character. */
    static int[] byteIds(int first) {
        Integer[] order = new Integer[256];
        for (int b = 0; b < 256; b++) {
            order[b] = b;
        }
        Arrays.sort(order, (a, b) -> Character.compare(ByteLevelAlphabet.charOf(a), ByteLevelAlphabet.charOf(b)));
        int[] ids = new int[256];
        for (int r = 0; r < 256; r++) {
            ids[order[r]] = first + r;
        }
        return ids;
    }

    /** The merge loop's state; used once, for training or for a replay ({@link MergeReplay}). */
    static final class Engine {
        private static final int DEAD = -1;

        final List<byte[]> tokens = new ArrayList<>();
        private final Map<String, Integer> tokenIds = new HashMap<>();
        private final int vocabularySize;
        private final long minFrequency;
        private final Listener listener;
        private final int specialCount;
        private final boolean keepHeap;
        /** Hears each pair's summed count change per merge (replay only). */
        MergeReplay.Listener changes;

        // Symbols of every unique piece of two or more bytes, back to back.
        private final int[] sym;
        private final int[] next;
        private final int[] prev;
        private final int[] wordOf;
        private final long[] wordCount;
        final int symbolCount;

        // Pairs: (left, right) -> index; per index its count, position list and heap slot.
        private long[] pairKeys;
        private int[] pairSlots;
        private int[] pairLeft = new int[1 << 16];
        private int[] pairRight = new int[1 << 16];
        private long[] pairCountOf = new long[1 << 16];
        private int[][] pairOcc = new int[1 << 16][];
        private int[] pairOccSize = new int[1 << 16];
        private int[] heapSlot = new int[1 << 16];
        int pairCount;
        private int[] heap = new int[1 << 16];
        private int heapSize;

        // Per-merge bookkeeping: count changes summed per pair, and per-symbol caches of the pairs a
        // neighbour symbol x (left side) or y (right side) loses and gains.
        private int[] pairMark = new int[1 << 16];
        private long[] pairDelta = new long[1 << 16];
        private int[] touched = new int[1 << 10];
        private int touchedCount;
        private int stepNumber;
        private final int[] leftMark;
        private final int[] leftLost;
        private final int[] leftGained;
        private final int[] rightMark;
        private final int[] rightLost;
        private final int[] rightGained;

        int[] mergeLeft = new int[1024];
        int[] mergeRight = new int[1024];
        int[] mergeResult = new int[1024];
        int mergeCount;

        /** A training engine: HF's id layout, merges chosen by count. */
        Engine(PretokenCounts counts, List<String> specials, int vocabularySize, long minFrequency,
               Listener listener) {
            this(counts, byteIds(specials.size()), vocabularySize, minFrequency, listener, true, specials.size());
            for (String s : specials) {
                // HF keeps specials in the same string -> id map as learned tokens, so a merge whose bytes read
                // (through ByteLevel) as a special token's text gets that special's id.
                byte[] asBytes = ByteLevelAlphabet.toBytes(s);
                if (asBytes != null) {
                    tokenIds.putIfAbsent(key(asBytes), tokens.size());
                }
                tokens.add(s.getBytes(StandardCharsets.UTF_8));
            }
            int[] byteId = byteIds(specialCount);
            byte[][] alphabet = new byte[256][];
            for (int b = 0; b < 256; b++) {
                alphabet[byteId[b] - specialCount] = new byte[] {(byte) b};
            }
            for (byte[] a : alphabet) {
                tokenIds.putIfAbsent(key(a), tokens.size());
                tokens.add(a);
            }
        }

        /**
         * Loads the pieces as symbols.
         *
         * @param byteId   the id of each byte
         * @param idBound  every id (bytes, merge results) is below this
         * @param keepHeap whether pairs are ranked (training); a replay follows a given merge list instead
         */
        Engine(PretokenCounts counts, int[] byteId, int idBound, long minFrequency, Listener listener,
               boolean keepHeap, int specialCount) {
            this.vocabularySize = idBound;
            this.minFrequency = minFrequency;
            this.listener = listener;
            this.specialCount = specialCount;
            this.keepHeap = keepHeap;
            long symbols = 0;
            int words = 0;
            for (int e = 0; e < counts.size(); e++) {
                if (counts.length(e) >= 2) {
                    symbols += counts.length(e);
                    words++;
                }
            }
            if (symbols > Integer.MAX_VALUE - 16) {
                throw new TokmixException("the distinct pieces hold " + symbols + " bytes, more than one training"
                        + " run can index (2^31)\n  remedy: train on a sample of the corpus");
            }
            int n = (int) symbols;
            symbolCount = n;
            sym = new int[n];
            next = new int[n];
            prev = new int[n];
            wordOf = new int[n];
            wordCount = new long[words];
            // Ids stay below the vocabulary size, and below the symbol count plus the base ids (each new token
            // needs a merge, and each merge removes a symbol): a huge --vocab-size costs no memory here.
            int ids = keepHeap ? (int) Math.min(vocabularySize, specialCount + 256L + n + 1) : vocabularySize;
            leftMark = new int[ids];
            leftLost = new int[ids];
            leftGained = new int[ids];
            rightMark = new int[ids];
            rightLost = new int[ids];
            rightGained = new int[ids];
            // Distinct pairs are far fewer than symbols; the index starts small and doubles.
            pairKeys = new long[1 << 16];
            pairSlots = new int[1 << 16];
            byte[] arena = counts.arena();
            int pos = 0;
            int w = 0;
            for (int e = 0; e < counts.size(); e++) {
                int len = counts.length(e);
                if (len < 2) {
                    continue;
                }
                long c = counts.countAt(e);
                wordCount[w] = c;
                int off = counts.offset(e);
                for (int i = 0; i < len; i++) {
                    int p = pos + i;
                    sym[p] = byteId[arena[off + i] & 0xFF];
                    next[p] = i + 1 < len ? p + 1 : -1;
                    prev[p] = i > 0 ? p - 1 : -1;
                    wordOf[p] = w;
                    if (i > 0) {
                        int pair = pairIndex(sym[p - 1], sym[p], true);
                        pairCountOf[pair] += c;
                        pairOccSize[pair]++;
                    }
                }
                pos += len;
                w++;
            }
            // Position lists sized exactly in a second pass: no growth slack or copies for the initial positions,
            // which are most of them.
            for (int p = 0; p < pairCount; p++) {
                pairOcc[p] = new int[pairOccSize[p]];
                pairOccSize[p] = 0;
            }
            for (int p = 0; p < n; p++) {
                if (next[p] >= 0) {
                    int pair = pairIndex(sym[p], sym[p + 1], false);
                    pairOcc[pair][pairOccSize[pair]++] = p;
                }
            }
            if (keepHeap) {
                for (int p = 0; p < pairCount; p++) {
                    heapAdd(p);
                }
            }
        }

        private static String key(byte[] b) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }

        void run() {
            int planned = vocabularySize - tokens.size();
            while (tokens.size() < vocabularySize && heapSize > 0) {
                int p = heap[0];
                long c = pairCountOf[p];
                if (c < 1 || c < minFrequency) {
                    break;
                }
                int left = pairLeft[p];
                int right = pairRight[p];
                byte[] a = tokens.get(left);
                byte[] b = tokens.get(right);
                byte[] ab = Arrays.copyOf(a, a.length + b.length);
                System.arraycopy(b, 0, ab, a.length, b.length);
                String k = key(ab);
                Integer existing = tokenIds.get(k);
                int id;
                if (existing != null) {
                    id = existing;
                } else {
                    id = tokens.size();
                    tokens.add(ab);
                    tokenIds.put(k, id);
                }
                recordMerge(left, right, id);
                apply(p, left, right, id);
                if (listener != null) {
                    listener.merged(mergeCount, planned);
                }
            }
        }

        /**
         * Replays one merge of a given list: the count its pair has now (0 if these pieces never form it), then
         * the merge itself, reporting every count change to {@link #changes}.
         */
        long replay(int left, int right, int id) {
            int p = findPair(left, right);
            if (p < 0 || pairCountOf[p] == 0) {
                return 0;
            }
            long c = pairCountOf[p];
            apply(p, left, right, id);
            return c;
        }

        /** Reports every pair's count before the first merge. */
        void reportInitialCounts(MergeReplay.Listener out) {
            for (int p = 0; p < pairCount; p++) {
                if (pairCountOf[p] != 0) {
                    out.changed(pairLeft[p], pairRight[p], pairCountOf[p]);
                }
            }
        }

        private void recordMerge(int left, int right, int id) {
            if (mergeCount == mergeLeft.length) {
                int n = mergeCount * 2;
                mergeLeft = Arrays.copyOf(mergeLeft, n);
                mergeRight = Arrays.copyOf(mergeRight, n);
                mergeResult = Arrays.copyOf(mergeResult, n);
            }
            mergeLeft[mergeCount] = left;
            mergeRight[mergeCount] = right;
            mergeResult[mergeCount] = id;
            mergeCount++;
        }

        /**
         * Merges every occurrence of pair {@code p} = (left, right) into {@code id}, left to right per piece.
         *
         * <p>Each merged occurrence changes four neighbouring pairs by its piece's count: (x, left) and
         * (right, y) lose it, (x, id) and (id, y) gain it. Those pairs are found through per-symbol caches (x and
         * y are token ids, so the caches are plain arrays), their count changes are summed per pair, and each
         * changed pair is re-keyed in the heap once per merge instead of once per occurrence: on text where a
         * pair occurs a million times this turns millions of heap operations into thousands.
         */
        private void apply(int p, int left, int right, int id) {
            int[] occ = pairOcc[p];
            int n = pairOccSize[p];
            pairOcc[p] = null;
            pairOccSize[p] = 0;
            // Out of the heap while its count runs down to zero, so the heap never holds a stale key.
            if (keepHeap) {
                heapRemove(p);
            }
            long countBefore = pairCountOf[p];
            if (left == right) {
                // Overlapping occurrences (runs like "aaaa") must merge left to right, as HF's Word::merge does;
                // positions only grow within a piece, so ascending order is left to right.
                Arrays.sort(occ, 0, n);
            }
            int step = ++stepNumber;
            touchedCount = 0;
            for (int k = 0; k < n; k++) {
                int i = occ[k];
                if (sym[i] != left) {
                    continue;
                }
                int j = next[i];
                if (j < 0 || sym[j] != right) {
                    continue;
                }
                long c = wordCount[wordOf[i]];
                int before = prev[i];
                int after = next[j];
                if (before >= 0) {
                    int x = sym[before];
                    if (leftMark[x] != step) {
                        leftMark[x] = step;
                        leftLost[x] = pairIndex(x, left, false);
                        leftGained[x] = pairIndex(x, id, true);
                    }
                    addDelta(leftLost[x], -c, step);
                    int g = leftGained[x];
                    addDelta(g, c, step);
                    appendOcc(g, before);
                }
                if (after >= 0) {
                    int y = sym[after];
                    if (rightMark[y] != step) {
                        rightMark[y] = step;
                        rightLost[y] = pairIndex(right, y, false);
                        rightGained[y] = pairIndex(id, y, true);
                    }
                    addDelta(rightLost[y], -c, step);
                    int g = rightGained[y];
                    addDelta(g, c, step);
                    appendOcc(g, i);
                }
                sym[i] = id;
                next[i] = after;
                if (after >= 0) {
                    prev[after] = i;
                }
                sym[j] = DEAD;
                pairCountOf[p] -= c;
            }
            MergeReplay.Listener out = changes;
            if (out != null) {
                out.changed(left, right, -countBefore);
            }
            for (int t = 0; t < touchedCount; t++) {
                int q = touched[t];
                long d = pairDelta[q];
                long v = pairCountOf[q] += d;
                if (out != null && q != p && d != 0) {
                    out.changed(pairLeft[q], pairRight[q], d);
                }
                if (!keepHeap) {
                    if (v == 0) {
                        pairOcc[q] = null;
                        pairOccSize[q] = 0;
                    }
                    continue;
                }
                if (v == 0) {
                    // No valid occurrence is left, so the position list holds only stale entries.
                    pairOcc[q] = null;
                    pairOccSize[q] = 0;
                    if (heapSlot[q] >= 0) {
                        heapRemove(q);
                    }
                } else if (q == p) {
                    continue;
                } else if (heapSlot[q] < 0) {
                    heapAdd(q);
                } else if (d > 0) {
                    siftUp(heapSlot[q]);
                } else if (d < 0) {
                    siftDown(heapSlot[q]);
                }
            }
            if (pairCountOf[p] != 0) {
                throw new IllegalStateException("internal error: pair (" + left + ", " + right + ") keeps count "
                        + pairCountOf[p] + " after its merge");
            }
        }

        /** Adds to a pair's count change of the current merge, listing the pair the first time. */
        private void addDelta(int q, long d, int step) {
            if (pairMark[q] != step) {
                pairMark[q] = step;
                pairDelta[q] = 0;
                if (touchedCount == touched.length) {
                    touched = Arrays.copyOf(touched, touchedCount * 2);
                }
                touched[touchedCount++] = q;
            }
            pairDelta[q] += d;
        }

        private void appendOcc(int p, int position) {
            int[] a = pairOcc[p];
            int n = pairOccSize[p];
            if (a == null) {
                a = pairOcc[p] = new int[4];
            } else if (n == a.length) {
                a = pairOcc[p] = Arrays.copyOf(a, n + (n >> 1) + 4);
            }
            a[n] = position;
            pairOccSize[p] = n + 1;
        }

        // ------------------------------------------------------------ pair index (open addressing)

        /** The index of a pair, or -1 if it was never seen. */
        private int findPair(int left, int right) {
            long key = ((long) left << 32) | (right & 0xFFFFFFFFL);
            int mask = pairSlots.length - 1;
            long h = key * 0x9E3779B97F4A7C15L;
            for (int i = (int) (h ^ (h >>> 32)) & mask; pairSlots[i] != 0; i = (i + 1) & mask) {
                if (pairKeys[i] == key) {
                    return pairSlots[i] - 1;
                }
            }
            return -1;
        }

        private int pairIndex(int left, int right, boolean create) {
            long key = ((long) left << 32) | (right & 0xFFFFFFFFL);
            int mask = pairSlots.length - 1;
            long h = key * 0x9E3779B97F4A7C15L;
            int i = (int) (h ^ (h >>> 32)) & mask;
            while (true) {
                int s = pairSlots[i];
                if (s == 0) {
                    break;
                }
                if (pairKeys[i] == key) {
                    return s - 1;
                }
                i = (i + 1) & mask;
            }
            if (!create) {
                throw new IllegalStateException("internal error: pair (" + left + ", " + right + ") not indexed");
            }
            int p = newPair(left, right);
            pairKeys[i] = key;
            pairSlots[i] = p + 1;
            if ((long) pairCount * 2 > pairSlots.length) {
                growPairIndex();
            }
            return p;
        }

        private int newPair(int left, int right) {
            if (pairCount == pairLeft.length) {
                int n = pairCount * 2;
                pairLeft = Arrays.copyOf(pairLeft, n);
                pairRight = Arrays.copyOf(pairRight, n);
                pairCountOf = Arrays.copyOf(pairCountOf, n);
                pairOcc = Arrays.copyOf(pairOcc, n);
                pairOccSize = Arrays.copyOf(pairOccSize, n);
                heapSlot = Arrays.copyOf(heapSlot, n);
                pairMark = Arrays.copyOf(pairMark, n);
                pairDelta = Arrays.copyOf(pairDelta, n);
            }
            int p = pairCount++;
            pairLeft[p] = left;
            pairRight[p] = right;
            heapSlot[p] = -1;
            return p;
        }

        private void growPairIndex() {
            long[] keys = new long[pairKeys.length * 2];
            int[] slots = new int[pairSlots.length * 2];
            int mask = slots.length - 1;
            for (int i = 0; i < pairSlots.length; i++) {
                if (pairSlots[i] != 0) {
                    long key = pairKeys[i];
                    long h = key * 0x9E3779B97F4A7C15L;
                    int j = (int) (h ^ (h >>> 32)) & mask;
                    while (slots[j] != 0) {
                        j = (j + 1) & mask;
                    }
                    keys[j] = key;
                    slots[j] = pairSlots[i];
                }
            }
            pairKeys = keys;
            pairSlots = slots;
        }

        // ------------------------------------------------------------ indexed max-heap

        /** True when pair a must be merged before pair b: higher count, then smaller (left, right). */
        private boolean before(int a, int b) {
            long ca = pairCountOf[a];
            long cb = pairCountOf[b];
            if (ca != cb) {
                return ca > cb;
            }
            if (pairLeft[a] != pairLeft[b]) {
                return pairLeft[a] < pairLeft[b];
            }
            return pairRight[a] < pairRight[b];
        }

        private void heapAdd(int p) {
            if (pairCountOf[p] <= 0) {
                return;
            }
            if (heapSize == heap.length) {
                heap = Arrays.copyOf(heap, heapSize * 2);
            }
            heap[heapSize] = p;
            heapSlot[p] = heapSize;
            heapSize++;
            siftUp(heapSize - 1);
        }

        private void heapRemove(int p) {
            int i = heapSlot[p];
            heapSlot[p] = -1;
            int last = heap[--heapSize];
            if (i < heapSize) {
                heap[i] = last;
                heapSlot[last] = i;
                siftDown(i);
                siftUp(heapSlot[last]);
            }
        }

        private void siftUp(int i) {
            int p = heap[i];
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                int q = heap[parent];
                if (!before(p, q)) {
                    break;
                }
                heap[i] = q;
                heapSlot[q] = i;
                i = parent;
            }
            heap[i] = p;
            heapSlot[p] = i;
        }

        private void siftDown(int i) {
            int p = heap[i];
            int n = heapSize;
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) {
                    break;
                }
                if (c + 1 < n && before(heap[c + 1], heap[c])) {
                    c++;
                }
                int q = heap[c];
                if (!before(q, p)) {
                    break;
                }
                heap[i] = q;
                heapSlot[q] = i;
                i = c;
            }
            heap[i] = p;
            heapSlot[p] = i;
        }
    }
}
