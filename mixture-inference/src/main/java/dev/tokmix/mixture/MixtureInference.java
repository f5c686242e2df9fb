package dev.tokmix.mixture;

import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.MergeReplay;
import dev.tokmix.bpe.PretokenCounter;
import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.DocumentMix;
import dev.tokmix.core.TextDocuments;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Data-mixture inference (Hayase, Liu, Choi, Oh &amp; Smith 2024, "Data Mixture Inference: What do BPE Tokenizers
 * Reveal about their Training Data?"): from a tokenizer's ordered merge list and sample text of each candidate
 * category, estimate the categories' shares of the tokenizer's training data.
 *
 * <p>Each category's sample is split exactly as the tokenizer splits text ({@link Tokenizer#pieceSplitter()}),
 * its unique pieces counted, and the first T merges replayed over them ({@link MergeReplay}), recording every
 * pair count at every step. BPE training chose merge t because its pair was the most frequent at step t in
 * the training data, Σ_i α_i c̃_{i,·}(t) with c̃ the category's counts divided by its initial pair count; the
 * linear program of {@link LazyMixtureLp} finds the α that violates those orderings least.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load("trained.json");
 * List<MixtureInference.Category> cats = List.of(
 *     MixtureInference.count(tok, "en", List.of(Path.of("en.txt")), TextDocuments.Split.PARAGRAPH, "text", 2),
 *     MixtureInference.count(tok, "fr", List.of(Path.of("fr.txt")), TextDocuments.Split.PARAGRAPH, "text", 2));
 * MixtureEstimate e = MixtureInference.infer(tok, cats, 3000, 2);
 * }</pre>
 */
public final class MixtureInference {

    /**
     * One candidate category's sample.
     *
     * @param name       the category's name
     * @param counts     its pieces, split by the tokenizer's pipeline, with counts
     * @param textBytes  bytes of sample text the counts cover (for byte-unit weights)
     * @param chunks     the same pieces counted per block of documents (for the bootstrap); their sum is
     *                   {@code counts}
     * @param chunkBytes bytes of text per block
     */
    public record Category(String name, PretokenCounts counts, long textBytes, List<PretokenCounts> chunks,
                           long[] chunkBytes) {
        /** A category without document blocks (no bootstrap: the sample is one block). */
        public Category(String name, PretokenCounts counts, long textBytes) {
            this(name, counts, textBytes, List.of(counts), new long[] {textBytes});
        }
    }

    /**
     * What to infer and how.
     *
     * @param merges      T: how many merges constrain the estimate, counted after {@code afterMerges}
     * @param afterMerges K: merges applied first and not used as constraints (an inherited prefix: Llama 3's
     *                    first 100,000 merges are cl100k's); 0 for none
     * @param bootstrap   bootstrap replicates for the intervals (0: none)
     * @param seed        seed of the bootstrap draws
     * @param threads     categories replayed at once
     * @param progress    hears the stages (null: silent)
     */
    public record Options(int merges, int afterMerges, int bootstrap, long seed, int threads, Progress progress) {
        /** T merges from the start, no bootstrap. */
        public static Options of(int merges, int threads) {
            return new Options(merges, 0, 0, 0, threads, null);
        }
    }

    /** Hears the stages of an inference (for progress bars). */
    public interface Progress {
        /**
         * A stage began: "replay", "solve" or "bootstrap".
         *
         * @param stage the stage
         * @param total units of work in it (categories, 0 when unknown, or replicates)
         */
        default void stage(String stage, int total) {
        }

        /**
         * One LP round of the main solve finished.
         *
         * @param round     rounds so far
         * @param rows      rows in the restricted LP
         * @param added     rows its scan added
         * @param objective the restricted optimum so far (it only grows)
         */
        default void lpRound(int round, int rows, int added, double objective) {
        }

        /** One bootstrap replicate finished. */
        default void replicateDone() {
        }
    }

    private MixtureInference() {
    }

    /**
     * Counts a category's sample text with the tokenizer's own normaliser and pretokenizer.
     *
     * @param tokenizer the tokenizer under study
     * @param name      the category's name
     * @param inputs    files and folders (UTF-8 text, JSON Lines, .gz)
     * @param split     how plain text files are cut into documents
     * @param jsonField the text field of JSON Lines files
     * @param threads   counting threads
     * @return the category
     * @throws MixtureInferenceException if the sample holds no text
     */
    public static Category count(Tokenizer tokenizer, String name, List<Path> inputs, TextDocuments.Split split,
                                 String jsonField, int threads) {
        return count(tokenizer, name, inputs, split, jsonField, threads, 1);
    }

    /**
     * Counts a category's sample in {@code blocks} blocks of whole documents, for the bootstrap: document d goes
     * to block d mod blocks, so each block is a spread-out 1/blocks of the sample, and resampling blocks with
     * replacement resamples documents.
     *
     * @param tokenizer the tokenizer under study
     * @param name      the category's name
     * @param inputs    files and folders (UTF-8 text, JSON Lines, .gz)
     * @param split     how plain text files are cut into documents
     * @param jsonField the text field of JSON Lines files
     * @param threads   counting threads
     * @param blocks    blocks (1: no bootstrap)
     * @return the category
     * @throws MixtureInferenceException if the sample holds no text
     */
    public static Category count(Tokenizer tokenizer, String name, List<Path> inputs, TextDocuments.Split split,
                                 String jsonField, int threads, int blocks) {
        if (blocks < 1) {
            throw new MixtureInferenceException("blocks must be >= 1, got " + blocks);
        }
        long[] bytes = new long[blocks];
        List<PretokenCounter> counters = new ArrayList<>();
        try {
            for (int b = 0; b < blocks; b++) {
                counters.add(new PretokenCounter(tokenizer.pieceSplitter(), blocks == 1 ? threads : 1));
            }
            new TextDocuments(inputs, split, jsonField).forEach((text, index) -> {
                int b = (int) (index % blocks);
                counters.get(b).add(text, 1);
                bytes[b] += DocumentMix.utf8Length(text);
            });
            List<PretokenCounts> chunks = new ArrayList<>();
            for (PretokenCounter c : counters) {
                chunks.add(c.finish());
            }
            PretokenCounts counts;
            if (blocks == 1) {
                counts = chunks.get(0);
            } else {
                counts = new PretokenCounts();
                for (PretokenCounts c : chunks) {
                    counts.addAll(c);
                }
            }
            if (counts.size() == 0) {
                throw new MixtureInferenceException("category " + name + " has no text (" + inputs + ")\n  remedy:"
                        + " point it at non-empty UTF-8 or JSON Lines files");
            }
            // Blocks that got no document (a sample of fewer documents than blocks) are left out, so a bootstrap
            // draw resamples documents, never empty blocks.
            List<PretokenCounts> kept = new ArrayList<>();
            long[] keptBytes = new long[blocks];
            for (int b = 0; b < blocks; b++) {
                if (chunks.get(b).size() > 0) {
                    keptBytes[kept.size()] = bytes[b];
                    kept.add(chunks.get(b));
                }
            }
            return new Category(name, counts, java.util.Arrays.stream(bytes).sum(), List.copyOf(kept),
                    java.util.Arrays.copyOf(keptBytes, kept.size()));
        } finally {
            for (PretokenCounter c : counters) {
                c.close();
            }
        }
    }

    /**
     * Checks that the tokenizer has a merge list and that steps K..K+T−1 exist (before any counting, so a bad
     * argument fails at once).
     *
     * @param tokenizer the tokenizer
     * @param after     K
     * @param merges    T
     * @throws MixtureInferenceException naming the problem and the valid range
     */
    public static void checkRange(Tokenizer tokenizer, int after, int merges) {
        if (tokenizer.merges().size() == 0) {
            throw new MixtureInferenceException(tokenizer.name() + " has no merge list, so there is nothing to infer"
                    + " from\n  remedy: use a BPE tokenizer (tiktoken rank file or tokenizer.json with merges)");
        }
        int total = steps(tokenizer.merges()).length - 1;
        if (after < 0 || after >= total) {
            throw new MixtureInferenceException("--after-merges " + after + " is out of range: " + tokenizer.name()
                    + " has " + total + " merge steps (new tokens)\n  remedy: use a prefix between 0 and "
                    + (total - 1));
        }
        if (merges < 1 || (long) after + merges > total) {
            throw new MixtureInferenceException("T = " + merges + " merges asked for" + (after > 0 ? " after the first "
                    + after : "") + ", but " + tokenizer.name() + " has " + total + " merge steps (new tokens)"
                    + "\n  remedy: use --merges between 1 and " + (total - after));
        }
    }

    /**
     * What a replay found, without solving: how many steps the samples form and how fast the replay ran.
     *
     * @param steps       T, the steps replayed after the prefix
     * @param missing     steps whose token no sample forms
     * @param pairs       distinct pairs over all categories
     * @param sampleBytes bytes of sample text replayed
     * @param seconds     time of the replay (all categories) and the shared pair index
     */
    public record Replay(int steps, int missing, int pairs, long sampleBytes, double seconds) {
    }

    /**
     * Replays the categories over steps K..K+T−1 and reports coverage and timing, without the LP (to size a run
     * or check which merges the samples reach).
     *
     * @param tokenizer  the tokenizer
     * @param categories the categories
     * @param after      K
     * @param merges     T
     * @param threads    categories replayed at once
     * @return the replay's summary
     */
    public static Replay replayOnly(Tokenizer tokenizer, List<Category> categories, int after, int merges,
                                    int threads) {
        checkRange(tokenizer, after, merges);
        long t0 = System.nanoTime();
        Prepared p = prepare(tokenizer, categories, after, merges, threads);
        double secs = (System.nanoTime() - t0) / 1e9;
        int missing = 0;
        for (boolean c : p.constrained()) {
            missing += c ? 0 : 1;
        }
        return new Replay(merges, missing, p.pairCount(), categories.stream().mapToLong(Category::textBytes).sum(),
                secs);
    }

    /**
     * Estimates the mixture from the first T merges.
     *
     * @param tokenizer  the tokenizer under study (its merge list)
     * @param categories the candidate categories (at least 2, names unique)
     * @param merges     T: how many of the first merges constrain the estimate (≤ the merge list's size)
     * @param threads    categories replayed at once
     * @return the estimate
     * @throws MixtureInferenceException for too few or empty categories, T out of range, or a solver failure
     */
    public static MixtureEstimate infer(Tokenizer tokenizer, List<Category> categories, int merges, int threads) {
        return infer(tokenizer, categories, Options.of(merges, threads));
    }

    /**
     * Estimates the mixture.
     *
     * @param tokenizer  the tokenizer under study (its merge list)
     * @param categories the candidate categories (at least 2, names unique)
     * @param options    T, the inherited prefix K, the bootstrap, threads
     * @return the estimate
     * @throws MixtureInferenceException for too few or empty categories, K + T out of range, or a solver failure
     */
    public static MixtureEstimate infer(Tokenizer tokenizer, List<Category> categories, Options options) {
        int merges = options.merges();
        int after = options.afterMerges();
        checkRange(tokenizer, after, merges);
        if (categories.size() < 2) {
            throw new MixtureInferenceException("inference needs at least 2 categories, got " + categories.size());
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Category c : categories) {
            if (c.counts().size() == 0) {
                throw new MixtureInferenceException("category " + c.name() + " has no text\n  remedy: give it a"
                        + " non-empty sample");
            }
            if (!names.add(c.name())) {
                throw new MixtureInferenceException("category name " + c.name() + " is given twice\n  remedy: give"
                        + " every category its own name");
            }
        }
        if (options.bootstrap() < 0) {
            throw new MixtureInferenceException("--bootstrap " + options.bootstrap() + " must be 0 or more");
        }
        for (Category c : categories) {
            if (options.bootstrap() > 0 && c.chunks().size() < 2) {
                throw new MixtureInferenceException("category " + c.name() + " holds " + c.chunks().size()
                        + " block(s) of documents, and the bootstrap resamples documents\n  remedy: split its files"
                        + " into more documents (--split paragraph or line), or drop --bootstrap");
            }
        }
        Progress progress = options.progress() != null ? options.progress() : new Progress() { };
        long t0 = System.nanoTime();
        progress.stage("replay", categories.size());
        Prepared p = prepare(tokenizer, categories, after, merges, options.threads());
        int k = categories.size();
        int missing = 0;
        for (boolean c : p.constrained()) {
            if (!c) {
                missing++;
            }
        }
        long t1 = System.nanoTime();
        progress.stage("solve", 0);
        // Full scans (no cap on new rows per round): on a 5-language, T = 3,000 instance a cap of 1,000 rows per
        // round had not converged after 209 rounds, while full scans converge in 18 rounds and 42 s.
        LazyMixtureLp lp = new LazyMixtureLp(p.traces(), p.mergePair(), p.groupStart(), p.constrained(),
                p.initialPairs(), p.pairCount(), merges, 10, Integer.MAX_VALUE);
        lp.progress(progress::lpRound);
        double[] alpha;
        try {
            alpha = lp.solve();
        } finally {
            lp.close();
        }
        long t2 = System.nanoTime();
        double[] pairW = normalise(alpha);
        double[] byteW = byteShares(pairW, categories, p.initialPairs());

        int n = options.bootstrap();
        double[][] bootPairs = new double[n][];
        double[][] bootBytes = new double[n][];
        if (n > 0) {
            progress.stage("bootstrap", n);
            // Warm start: every replicate begins with the rows the main solve ended with.
            long[] rowKeys = lp.rowKeys();
            int[] seedSteps = new int[rowKeys.length];
            long[] seedPairKeys = new long[rowKeys.length];
            for (int r = 0; r < rowKeys.length; r++) {
                seedSteps[r] = (int) (rowKeys[r] >>> 32);
                seedPairKeys[r] = p.index().keyOf((int) rowKeys[r]);
            }
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(options.seed());
            for (int b = 0; b < n; b++) {
                List<Category> resampled = new ArrayList<>();
                for (Category c : categories) {
                    resampled.add(resample(c, rnd));
                }
                Prepared rp = prepare(tokenizer, resampled, after, merges, options.threads());
                LazyMixtureLp rl = new LazyMixtureLp(rp.traces(), rp.mergePair(), rp.groupStart(), rp.constrained(),
                        rp.initialPairs(), rp.pairCount(), merges, 10, Integer.MAX_VALUE);
                int[] seedPairs = new int[seedPairKeys.length];
                for (int r = 0; r < seedPairs.length; r++) {
                    seedPairs[r] = rp.index().indexOf(seedPairKeys[r]);
                }
                rl.seed(seedSteps, seedPairs);
                try {
                    bootPairs[b] = normalise(rl.solve());
                } finally {
                    rl.close();
                }
                bootBytes[b] = byteShares(bootPairs[b], resampled, rp.initialPairs());
                progress.replicateDone();
            }
        }
        long t3 = System.nanoTime();
        List<String> catNames = categories.stream().map(Category::name).toList();
        return new MixtureEstimate(catNames, pairW, byteW, percentile(bootPairs, k, 0.025),
                percentile(bootPairs, k, 0.975), percentile(bootBytes, k, 0.025), percentile(bootBytes, k, 0.975),
                n, after, merges, missing, lp.objectiveValue, lp.stepSlack, lp.pairSlack, lp.rounds, lp.rowCount(),
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, indistinguishable(catNames, bootBytes));
    }

    /**
     * An inherited merge list: the tokenizer's first {@code merges} merges create exactly the tokens of
     * {@code base}'s merge list, in the same order.
     *
     * @param base   the known tokenizer's name
     * @param merges the length of the shared prefix (all of the base's merges)
     */
    public record Extension(String base, int merges) {
    }

    /**
     * Finds the longest known merge list the tokenizer's list starts with (a tokenizer that extends another, as
     * Llama 3 extends cl100k_base). Steps ({@link #steps}) are compared by the bytes of the token each creates, so
     * ids and the number of listed splits per token may differ.
     * A tokenizer equal to a known one (no merges beyond it) is not an extension of it.
     *
     * @param tokenizer the tokenizer under study
     * @param known     candidate base tokenizers
     * @return the extension, or empty
     */
    public static java.util.Optional<Extension> detectExtension(Tokenizer tokenizer, List<Tokenizer> known) {
        MergeList list = tokenizer.merges();
        int[] steps = steps(list);
        Extension best = null;
        for (Tokenizer base : known) {
            MergeList bl = base.merges();
            int[] bs = steps(bl);
            int n = bs.length - 1;
            if (n == 0 || n >= steps.length - 1) {
                continue;
            }
            boolean prefix = true;
            for (int g = 0; g < n && prefix; g++) {
                prefix = java.util.Arrays.equals(tokenizer.tokenBytes(list.merged(steps[g])),
                        base.tokenBytes(bl.merged(bs[g])));
            }
            if (prefix && (best == null || n > best.merges())) {
                best = new Extension(base.name(), n);
            }
        }
        return java.util.Optional.ofNullable(best);
    }

    private static double[] normalise(double[] alpha) {
        double sum = 0;
        for (double a : alpha) {
            sum += a;
        }
        double[] out = new double[alpha.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = alpha[i] / sum;
        }
        return out;
    }

    /** α is a share of pairs; a category with more bytes per pair weighs more in bytes. */
    private static double[] byteShares(double[] pairW, List<Category> categories, long[] pairs) {
        double[] out = new double[pairW.length];
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = pairW[i] * categories.get(i).textBytes() / (double) pairs[i];
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** A bootstrap replicate: the category's document blocks drawn with replacement. */
    static Category resample(Category c, java.util.SplittableRandom rnd) {
        int blocks = c.chunks().size();
        if (blocks < 2) {
            throw new MixtureInferenceException("category " + c.name() + " was counted as one block, so it cannot"
                    + " be resampled\n  remedy: count it with blocks > 1 (tokmix infer --bootstrap does)");
        }
        long[] times = new long[blocks];
        for (int j = 0; j < blocks; j++) {
            times[rnd.nextInt(blocks)]++;
        }
        PretokenCounts counts = new PretokenCounts();
        long bytes = 0;
        for (int j = 0; j < blocks; j++) {
            counts.addAll(c.chunks().get(j), times[j]);
            bytes += times[j] * c.chunkBytes()[j];
        }
        return new Category(c.name(), counts, bytes);
    }

    /** Per category, the q-quantile of the replicates (NaN without replicates). */
    private static double[] percentile(double[][] reps, int k, double q) {
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            if (reps.length == 0) {
                out[i] = Double.NaN;
                continue;
            }
            double[] v = new double[reps.length];
            for (int b = 0; b < reps.length; b++) {
                v[b] = reps[b][i];
            }
            java.util.Arrays.sort(v);
            double pos = q * (v.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(v.length - 1, lo + 1);
            out[i] = v[lo] + (pos - lo) * (v[hi] - v[lo]);
        }
        return out;
    }

    /**
     * Groups of categories the data cannot tell apart: linked when their bootstrap byte shares trade off
     * against each other — correlation ≤ −0.5, each moving by more than a tenth of the pair's mean share
     * (standard deviation), and their sum at most half as variable as the steadier of the two. Empty without at
     * least 10 replicates or with 2 categories (whose shares always trade off).
     */
    static List<List<String>> indistinguishable(List<String> names, double[][] reps) {
        int k = names.size();
        int n = reps.length;
        List<List<String>> out = new ArrayList<>();
        if (n < 10 || k < 3) {
            return out;
        }
        double[] mean = new double[k];
        double[] sd = new double[k];
        for (int i = 0; i < k; i++) {
            for (double[] r : reps) {
                mean[i] += r[i] / n;
            }
            for (double[] r : reps) {
                sd[i] += (r[i] - mean[i]) * (r[i] - mean[i]) / (n - 1);
            }
            sd[i] = Math.sqrt(sd[i]);
        }
        int[] parent = new int[k];
        for (int i = 0; i < k; i++) {
            parent[i] = i;
        }
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                double scale = (mean[i] + mean[j]) / 2;
                if (sd[i] == 0 || sd[j] == 0 || sd[i] < 0.1 * scale || sd[j] < 0.1 * scale) {
                    continue;
                }
                double cov = 0;
                for (double[] r : reps) {
                    cov += (r[i] - mean[i]) * (r[j] - mean[j]) / (n - 1);
                }
                // Trading off: strongly anti-correlated, and their sum far steadier than either share.
                double sdSum = Math.sqrt(Math.max(0, sd[i] * sd[i] + sd[j] * sd[j] + 2 * cov));
                if (cov / (sd[i] * sd[j]) <= -0.5 && sdSum < 0.5 * Math.min(sd[i], sd[j])) {
                    parent[find(parent, i)] = find(parent, j);
                }
            }
        }
        java.util.Map<Integer, List<String>> groups = new java.util.TreeMap<>();
        for (int i = 0; i < k; i++) {
            groups.computeIfAbsent(find(parent, i), x -> new ArrayList<>()).add(names.get(i));
        }
        for (List<String> g : groups.values()) {
            if (g.size() > 1) {
                out.add(g);
            }
        }
        return out;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    /**
     * Where each step of a merge list begins: a step is one new token, and a tokenizer.json converted from a
     * tiktoken rank file (Llama 3's lists 280,147 merges for 128,000 tokens) names several splits of the same
     * token in a row; they are one step of the training that made the tokenizer.
     *
     * @param list the merge list
     * @return the first merge of every step, then {@code list.size()}
     */
    public static int[] steps(MergeList list) {
        int[] out = new int[list.size() + 1];
        int n = 0;
        for (int t = 0; t < list.size(); t++) {
            if (t == 0 || list.merged(t) != list.merged(t - 1)) {
                out[n++] = t;
            }
        }
        out[n++] = list.size();
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Every category's trace over steps K..K+T−1 (counts before step K are its "initial" counts), renumbered
     * into one pair index.
     *
     * @param traces       per category, in order
     * @param mergePair    per merge of those steps, the pair index of its pair, or -1 when no sample holds it
     * @param groupStart   per step, its first merge (relative); then the end
     * @param constrained  per step, whether any sample forms its token (the others are the "missing merges")
     * @param initialPairs per category, its number of adjacent pairs before step K (the normaliser)
     * @param pairCount    size of the pair index
     * @param index        the pair index
     */
    record Prepared(List<CategoryTrace> traces, int[] mergePair, int[] groupStart, boolean[] constrained,
                    long[] initialPairs, int pairCount, PairIndex index) {
    }

    static Prepared prepare(Tokenizer tokenizer, List<Category> categories, int after, int merges, int threads) {
        MergeList list = tokenizer.merges();
        int[] steps = steps(list);
        int from = steps[after];
        int to = steps[after + merges];
        List<CategoryTrace> traces = replayAll(tokenizer, categories, from, to, threads);
        // One pair index over all categories: each trace numbered its distinct pairs while replaying; they are
        // merged into the shared index in category order (so numbering is deterministic), then every trace is
        // renumbered, in parallel.
        List<PairIndex> distinct = traces.stream().map(CategoryTrace::distinctKeys).toList();
        PairIndex index = new PairIndex();
        for (PairIndex d : distinct) {
            for (int j = 0; j < d.size(); j++) {
                index.add(d.keyOf(j));
            }
        }
        parallel("indexing pairs", traces, threads, tr -> {
            tr.index(index);
            return tr;
        });
        long[] initialPairs = new long[traces.size()];
        for (int i = 0; i < traces.size(); i++) {
            initialPairs[i] = traces.get(i).initialPairCount();
            if (initialPairs[i] == 0) {
                throw new MixtureInferenceException("category " + categories.get(i).name() + " has no pair of"
                        + " adjacent tokens inside any piece" + (after > 0 ? " after the first " + after + " merges"
                        : " (only one-byte pieces)") + "\n  remedy: give it more text");
            }
        }
        int[] mergePair = new int[to - from];
        int[] groupStart = new int[merges + 1];
        boolean[] constrained = new boolean[merges];
        for (int g = 0; g <= merges; g++) {
            groupStart[g] = steps[after + g] - from;
        }
        for (int g = 0; g < merges; g++) {
            long total = 0;
            for (int j = groupStart[g]; j < groupStart[g + 1]; j++) {
                for (CategoryTrace tr : traces) {
                    total += tr.mergedCount[j];
                }
                mergePair[j] = index.indexOf(CategoryTrace.key(list.left(from + j), list.right(from + j)));
            }
            // A step whose token no sample forms gets no constraint (the paper's "missing merges").
            constrained[g] = total > 0;
        }
        return new Prepared(traces, mergePair, groupStart, constrained, initialPairs, index.size(), index);
    }

    /** Applies {@code f} to every item on up to {@code threads} threads; results in item order. */
    static <T, R> List<R> parallel(String what, List<T> items, int threads, java.util.function.Function<T, R> f) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, items.size())));
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> f.apply(item)));
            }
            List<R> out = new ArrayList<>();
            for (Future<R> fu : futures) {
                out.add(fu.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MixtureInferenceException("interrupted while " + what);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new MixtureInferenceException(what + " failed: " + e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Replays every category, several at once. */
    static List<CategoryTrace> replayAll(Tokenizer tokenizer, List<Category> categories, int from, int to,
                                         int threads) {
        return parallel("replaying merges", categories, threads, c -> {
            CategoryTrace tr = new CategoryTrace();
            MergeReplay.replay(tokenizer, c.counts(), from, to, tr);
            return tr;
        });
    }

    /**
     * The full LP (every row) for tiny T, to check the lazy solution in tests: {objective, α...}.
     *
     * @param tokenizer  the tokenizer
     * @param categories the categories
     * @param after      K, the inherited prefix
     * @param merges     T (keep it small: rows grow as T times the pairs)
     * @return the objective followed by α
     */
    static double[] inferFull(Tokenizer tokenizer, List<Category> categories, int after, int merges) {
        Prepared p = prepare(tokenizer, categories, after, merges, 1);
        return LazyMixtureLp.solveFull(p.traces(), p.mergePair(), p.groupStart(), p.constrained(), p.initialPairs(),
                p.pairCount(), merges);
    }
}
