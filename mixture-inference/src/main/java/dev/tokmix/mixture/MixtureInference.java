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
     * @param name      the category's name
     * @param counts    its pieces, split by the tokenizer's pipeline, with counts
     * @param textBytes bytes of sample text the counts cover (for byte-unit weights)
     */
    public record Category(String name, PretokenCounts counts, long textBytes) {
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
        long[] bytes = {0};
        PretokenCounts counts;
        try (PretokenCounter c = new PretokenCounter(tokenizer.pieceSplitter(), threads)) {
            new TextDocuments(inputs, split, jsonField).forEach((text, index) -> {
                c.add(text, 1);
                bytes[0] += DocumentMix.utf8Length(text);
            });
            counts = c.finish();
        }
        if (counts.size() == 0) {
            throw new MixtureInferenceException("category " + name + " has no text (" + inputs + ")\n  remedy: point"
                    + " it at non-empty UTF-8 or JSON Lines files");
        }
        return new Category(name, counts, bytes[0]);
    }

    /**
     * Estimates the mixture.
     *
     * @param tokenizer  the tokenizer under study (its merge list)
     * @param categories the candidate categories (at least 2, names unique)
     * @param merges     T: how many of the first merges constrain the estimate (≤ the merge list's size)
     * @param threads    categories replayed at once
     * @return the estimate
     * @throws MixtureInferenceException for too few or empty categories, T out of range, or a solver failure
     */
    public static MixtureEstimate infer(Tokenizer tokenizer, List<Category> categories, int merges, int threads) {
        MergeList list = tokenizer.merges();
        if (list.size() == 0) {
            throw new MixtureInferenceException(tokenizer.name() + " has no merge list, so there is nothing to infer"
                    + " from\n  remedy: use a BPE tokenizer (tiktoken rank file or tokenizer.json with merges)");
        }
        if (merges < 1 || merges > list.size()) {
            throw new MixtureInferenceException("T = " + merges + " merges asked for, but " + tokenizer.name()
                    + " has " + list.size() + "\n  remedy: use --merges between 1 and " + list.size());
        }
        if (categories.size() < 2) {
            throw new MixtureInferenceException("inference needs at least 2 categories, got " + categories.size());
        }
        for (Category c : categories) {
            if (c.counts().size() == 0) {
                throw new MixtureInferenceException("category " + c.name() + " has no text\n  remedy: give it a"
                        + " non-empty sample");
            }
        }
        long t0 = System.nanoTime();
        Prepared p = prepare(tokenizer, categories, merges, threads);
        int k = categories.size();
        long[] initialPairs = p.initialPairs();
        int missing = 0;
        for (int m : p.mergePair()) {
            if (m < 0) {
                missing++;
            }
        }
        long t1 = System.nanoTime();
        // Full scans (no cap on new rows per round): on a 5-language, T = 3,000 instance a cap of 1,000 rows per
        // round had not converged after 209 rounds, while full scans converge in 18 rounds and 42 s.
        LazyMixtureLp lp = new LazyMixtureLp(p.traces(), p.mergePair(), initialPairs, p.pairCount(), merges, 10,
                Integer.MAX_VALUE);
        double[] alpha = lp.solve();
        long t2 = System.nanoTime();
        double sum = 0;
        for (double a : alpha) {
            sum += a;
        }
        double[] pairW = new double[k];
        double[] byteW = new double[k];
        double bsum = 0;
        for (int i = 0; i < k; i++) {
            pairW[i] = alpha[i] / sum;
            // α_i is a share of pairs; a category with more bytes per pair weighs more in bytes.
            byteW[i] = pairW[i] * categories.get(i).textBytes() / (double) initialPairs[i];
            bsum += byteW[i];
        }
        for (int i = 0; i < k; i++) {
            byteW[i] /= bsum;
        }
        return new MixtureEstimate(categories.stream().map(Category::name).toList(), pairW, byteW, merges, missing,
                lp.objectiveValue, lp.rounds, lp.rowCount(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }

    /**
     * Every category's trace over the first T merges, renumbered into one pair index.
     *
     * @param traces       per category, in order
     * @param mergePair    per step, the pair index of its merge, or -1 when no category sample forms it
     * @param initialPairs per category, its number of adjacent pairs before any merge
     * @param pairCount    size of the pair index
     */
    record Prepared(List<CategoryTrace> traces, int[] mergePair, long[] initialPairs, int pairCount) {
    }

    static Prepared prepare(Tokenizer tokenizer, List<Category> categories, int merges, int threads) {
        List<CategoryTrace> traces = replayAll(tokenizer, categories, merges, threads);
        PairIndex index = new PairIndex();
        for (CategoryTrace tr : traces) {
            tr.register(index);
        }
        for (CategoryTrace tr : traces) {
            tr.index(index);
        }
        long[] initialPairs = new long[traces.size()];
        for (int i = 0; i < traces.size(); i++) {
            initialPairs[i] = traces.get(i).initialPairCount();
            if (initialPairs[i] == 0) {
                throw new MixtureInferenceException("category " + categories.get(i).name() + " has no pair of"
                        + " adjacent bytes inside any piece (only one-byte pieces)\n  remedy: give it more text");
            }
        }
        MergeList list = tokenizer.merges();
        int[] mergePair = new int[merges];
        for (int t = 0; t < merges; t++) {
            long total = 0;
            for (CategoryTrace tr : traces) {
                total += tr.mergedCount[t];
            }
            // A merge that no sample forms gets no constraint (the paper's "missing merges").
            mergePair[t] = total == 0 ? -1 : index.indexOf(CategoryTrace.key(list.left(t), list.right(t)));
        }
        return new Prepared(traces, mergePair, initialPairs, index.size());
    }

    /** Replays every category, several at once. */
    static List<CategoryTrace> replayAll(Tokenizer tokenizer, List<Category> categories, int merges, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, categories.size())));
        try {
            List<Future<CategoryTrace>> futures = new ArrayList<>();
            for (Category c : categories) {
                futures.add(pool.submit(() -> {
                    CategoryTrace tr = new CategoryTrace();
                    MergeReplay.replay(tokenizer, c.counts(), merges, tr);
                    return tr;
                }));
            }
            List<CategoryTrace> out = new ArrayList<>();
            for (Future<CategoryTrace> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MixtureInferenceException("interrupted while replaying merges");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new MixtureInferenceException("replay failed: " + e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The full LP (every row) for tiny T, to check the lazy solution in tests: {objective, α...}.
     *
     * @param tokenizer  the tokenizer
     * @param categories the categories
     * @param merges     T (keep it small: rows grow as T times the pairs)
     * @return the objective followed by α
     */
    static double[] inferFull(Tokenizer tokenizer, List<Category> categories, int merges) {
        Prepared p = prepare(tokenizer, categories, merges, 1);
        return LazyMixtureLp.solveFull(p.traces(), p.mergePair(), p.initialPairs(), p.pairCount(), merges);
    }
}
