package dev.tokmix.cli;

import dev.tokmix.bpe.BpeTrainer;
import dev.tokmix.bpe.PieceSplitter;
import dev.tokmix.bpe.PretokenCounter;
import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.bpe.TrainedBpe;
import dev.tokmix.core.AtomicFile;
import dev.tokmix.core.DocumentMix;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokmixException;
import dev.tokmix.mixture.MixtureEstimate;
import dev.tokmix.mixture.MixtureInference;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tokmix experiment}: the controlled experiments of Hayase et al. (2024, Table 1). Each trial draws a
 * mixture uniformly from the simplex, trains a tokenizer on it from one half of every category's documents,
 * infers the mixture from the other half, and scores the byte shares by log10 MSE beside two baselines.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Controlled mixture-inference experiments (the paper's Table 1): per trial, draw n categories"
                + " and weights uniformly from the simplex, train a tokenizer on a --total-bytes mix of the"
                + " even-numbered documents, infer the mix from the odd-numbered ones, and score the byte shares by"
                + " log10 MSE. Prints mean ± std over the trials beside a random guess (a uniform draw from the"
                + " simplex) and the uniform guess (1/n each)."},
        footer = {"", "Example (5 of the fetched languages, 10 trials):",
                "  tokmix experiment --categories data/text-large/prose --n 5 --trials 10 --vocab-size 10256 \\",
                "      --total-bytes 20000000 --merges 1000 --seed 1"})
final class ExperimentCommand implements Callable<Integer> {
    @Option(names = "--categories", required = true, paramLabel = "DIR",
            description = "Every file or folder in DIR is a category, named without its extension.")
    Path categoriesDir;

    @Option(names = "--n", required = true, paramLabel = "N", description = "Categories per trial (drawn from DIR"
            + " when it holds more).")
    int n;

    @Option(names = "--trials", required = true, paramLabel = "K", description = "Trials.")
    int trials;

    @Option(names = "--vocab-size", required = true, paramLabel = "V", description = "Vocabulary of each trained"
            + " tokenizer (256 byte tokens + V−256 merges).")
    int vocabSize;

    @Option(names = "--total-bytes", required = true, paramLabel = "B", description = "Training mix size per trial.")
    long totalBytes;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of everything drawn"
            + " (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--merges", paramLabel = "T", description = "Merges used by the inference (default: all).")
    Integer merges;

    @Option(names = "--sample-bytes", paramLabel = "M", defaultValue = "2000000", description = "Held-out text per"
            + " category for the inference, at most (default: ${DEFAULT-VALUE}).")
    long sampleBytes;

    @Option(names = "--pretokenizer", paramLabel = "NAME", defaultValue = "digits+gpt2",
            description = "Pretokenizer of the trained tokenizers (default: ${DEFAULT-VALUE}).")
    String pretokenizer;

    @Option(names = "--split", paramLabel = "HOW", defaultValue = "paragraph",
            description = "Documents of plain text files: line, paragraph or file (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--work", paramLabel = "DIR", description = "Folder for the document halves (default: a"
            + " temporary folder, deleted at the end).")
    Path work;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object with every trial.")
    boolean json;

    record Trial(List<String> names, double[] truth, double[] estimate, double logMse, double randomLogMse,
                 double uniformLogMse, int rounds, double trainSeconds, double inferSeconds) {
    }

    @Override
    public Integer call() throws IOException {
        if (n < 2) {
            throw new TokmixException("--n " + n + ": a mixture needs at least 2 categories");
        }
        if (trials < 1) {
            throw new TokmixException("--trials " + trials + ": run at least one trial");
        }
        List<String[]> all = InferenceRun.categoriesIn(categoriesDir);
        if (all.size() < n) {
            throw new TokmixException("--n " + n + " but " + categoriesDir + " holds " + all.size() + " categories"
                    + "\n  remedy: lower --n or add categories");
        }
        TextDocuments.Split how = TextDocuments.Split.parse(split);
        PieceSplitter splitter = PieceSplitter.of(pretokenizer);
        new BpeTrainer(splitter, vocabSize, 0, List.of());
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        PrintStream err = System.err;
        boolean temp = work == null;
        Path dir = temp ? Files.createTempDirectory("tokmix-experiment") : Files.createDirectories(work);
        try {
            Map<String, Path[]> halves = new HashMap<>();
            Map<String, MixtureInference.Category> samples = new HashMap<>();
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Trial> done = new ArrayList<>();
            for (int trial = 0; trial < trials; trial++) {
                // Categories and weights: n of them at random, weights uniform on the simplex (normalised
                // exponentials); the random-guess baseline is one more such draw.
                List<String[]> chosen = choose(all, rnd);
                double[] w = simplex(rnd);
                double[] guess = simplex(rnd);
                List<DocumentMix.Category> mix = new ArrayList<>();
                List<MixtureInference.Category> cats = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String name = chosen.get(i)[0];
                    Path[] h = halves.get(name);
                    if (h == null) {
                        h = split(name, Path.of(chosen.get(i)[1]), how, dir);
                        halves.put(name, h);
                    }
                    mix.add(new DocumentMix.Category(name, List.of(h[0]), w[i]));
                }
                long t0 = System.nanoTime();
                DocumentMix plan = DocumentMix.plan(mix, totalBytes, rnd.nextLong(), TextDocuments.Split.PARAGRAPH,
                        "text");
                PretokenCounts counts;
                try (PretokenCounter counter = new PretokenCounter(splitter, nThreads)) {
                    plan.forEach((text, draws, category) -> counter.add(text, draws));
                    counts = counter.finish();
                }
                TrainedBpe bpe = new BpeTrainer(splitter, vocabSize, 0, List.of()).train(counts, null);
                Tokenizer tok = bpe.toTokenizer();
                long t1 = System.nanoTime();
                // The truth: byte shares the mix realised (within half a document of the weights).
                double[] truth = new double[n];
                long sum = plan.realised().stream().mapToLong(DocumentMix.Realised::realisedBytes).sum();
                for (int i = 0; i < n; i++) {
                    truth[i] = plan.realised().get(i).realisedBytes() / (double) sum;
                    String name = chosen.get(i)[0];
                    // Samples are counted once per category: pieces depend on the pretokenizer, not the merges.
                    MixtureInference.Category c = samples.computeIfAbsent(name, x -> MixtureInference.count(tok, x,
                            List.of(halves.get(x)[1]), TextDocuments.Split.PARAGRAPH, "text", nThreads));
                    cats.add(c);
                }
                int available = MixtureInference.steps(tok.merges()).length - 1;
                int t = merges != null ? Math.min(merges, available) : available;
                MixtureEstimate e = MixtureInference.infer(tok, cats, t, nThreads);
                long t2 = System.nanoTime();
                double[] uniform = new double[n];
                java.util.Arrays.fill(uniform, 1.0 / n);
                Trial tr = new Trial(chosen.stream().map(c -> c[0]).toList(), truth, e.byteWeights(),
                        logMse(e.byteWeights(), truth), logMse(guess, truth), logMse(uniform, truth), e.rounds(),
                        (t1 - t0) / 1e9, (t2 - t1) / 1e9);
                done.add(tr);
                err.printf(Locale.ROOT, "trial %d/%d: log10 MSE %.2f (random %.2f, uniform %.2f), T = %,d, %d LP"
                                + " rounds, train %.1f s, infer %.1f s%n", trial + 1, trials, tr.logMse(),
                        tr.randomLogMse(), tr.uniformLogMse(), t, tr.rounds(), tr.trainSeconds(), tr.inferSeconds());
            }
            if (json) {
                System.out.println(json(done));
            } else {
                table(System.out, done);
            }
            return 0;
        } finally {
            if (temp) {
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private List<String[]> choose(List<String[]> all, SplittableRandom rnd) {
        List<String[]> pool = new ArrayList<>(all);
        for (int i = pool.size() - 1; i > 0; i--) {
            java.util.Collections.swap(pool, i, rnd.nextInt(i + 1));
        }
        List<String[]> out = new ArrayList<>(pool.subList(0, n));
        out.sort(java.util.Comparator.comparing(c -> c[0]));
        return out;
    }

    private double[] simplex(SplittableRandom rnd) {
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] = -Math.log(1 - rnd.nextDouble());
            sum += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= sum;
        }
        return w;
    }

    static double logMse(double[] estimate, double[] truth) {
        double mse = 0;
        for (int i = 0; i < truth.length; i++) {
            mse += (estimate[i] - truth[i]) * (estimate[i] - truth[i]) / truth.length;
        }
        return Math.log10(Math.max(mse, 1e-300));
    }

    /**
     * Writes the even-numbered documents (training pool) and the odd-numbered ones (inference sample) of a category
     * into two files. The sample keeps an evenly spread share of the odd documents, about --sample-bytes of them, so
     * it covers the whole file (files are assembled source by source; the first megabytes are not a fair sample).
     */
    private Path[] split(String name, Path input, TextDocuments.Split how, Path dir) throws IOException {
        StringBuilder train = new StringBuilder();
        List<String> odd = new ArrayList<>();
        long[] oddBytes = {0};
        new TextDocuments(List.of(input), how, "text").forEach((text, index) -> {
            if (index % 2 == 0) {
                train.append(text).append("\n\n");
            } else {
                odd.add(text);
                oddBytes[0] += DocumentMix.utf8Length(text);
            }
        });
        double keep = Math.min(1.0, sampleBytes / (double) Math.max(1, oddBytes[0]));
        StringBuilder held = new StringBuilder();
        double acc = 0;
        for (String text : odd) {
            double before = acc;
            acc += keep;
            if (Math.floor(acc) > Math.floor(before)) {
                held.append(text).append("\n\n");
            }
        }
        if (train.isEmpty() || held.isEmpty()) {
            throw new TokmixException("category " + name + " (" + input + ") has fewer than two documents\n  remedy:"
                    + " give every category at least two documents (--split sets how files are cut)");
        }
        Path a = dir.resolve("train-" + name + ".txt");
        Path b = dir.resolve("heldout-" + name + ".txt");
        byte[] ta = train.toString().getBytes(StandardCharsets.UTF_8);
        byte[] tb = held.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(a, out -> out.write(ta));
        AtomicFile.write(b, out -> out.write(tb));
        return new Path[] {a, b};
    }

    private static double[] meanStd(List<Trial> trials, java.util.function.ToDoubleFunction<Trial> f) {
        double mean = trials.stream().mapToDouble(f).average().orElse(Double.NaN);
        double var = trials.stream().mapToDouble(t -> (f.applyAsDouble(t) - mean) * (f.applyAsDouble(t) - mean))
                .sum() / Math.max(1, trials.size() - 1);
        return new double[] {mean, Math.sqrt(var)};
    }

    private void table(PrintStream out, List<Trial> done) {
        double[] ours = meanStd(done, Trial::logMse);
        double[] random = meanStd(done, Trial::randomLogMse);
        double[] uniform = meanStd(done, Trial::uniformLogMse);
        out.printf("log10 MSE of the byte shares over %d trials (n = %d, %s, vocabulary %,d, %,d training bytes)%n",
                done.size(), n, categoriesDir, vocabSize, totalBytes);
        out.printf("%-12s %-16s %-16s %-16s%n", "n", "tokmix", "random guess", "uniform guess");
        out.printf(Locale.ROOT, "%-12d %6.2f ± %-7.2f %6.2f ± %-7.2f %6.2f ± %-7.2f%n", n, ours[0], ours[1],
                random[0], random[1], uniform[0], uniform[1]);
    }

    private String json(List<Trial> done) {
        StringBuilder sb = new StringBuilder("{");
        InfoCommand.field(sb, "categories", categoriesDir.toString());
        sb.append(",\"n\":").append(n).append(",\"vocab_size\":").append(vocabSize).append(",\"total_bytes\":")
                .append(totalBytes).append(",\"seed\":").append(seed);
        double[] ours = meanStd(done, Trial::logMse);
        double[] random = meanStd(done, Trial::randomLogMse);
        double[] uniform = meanStd(done, Trial::uniformLogMse);
        sb.append(",\"log10_mse\":{\"mean\":").append(ours[0]).append(",\"std\":").append(ours[1]).append('}')
                .append(",\"random_guess\":{\"mean\":").append(random[0]).append(",\"std\":").append(random[1])
                .append('}').append(",\"uniform_guess\":{\"mean\":").append(uniform[0]).append(",\"std\":")
                .append(uniform[1]).append('}').append(",\"trials\":[");
        for (int i = 0; i < done.size(); i++) {
            Trial t = done.get(i);
            sb.append(i == 0 ? "{" : ",{").append("\"categories\":[");
            for (int j = 0; j < t.names().size(); j++) {
                sb.append(j == 0 ? "" : ",");
                dev.tokmix.core.JsonStrings.quote(t.names().get(j), sb);
            }
            sb.append("],\"truth\":").append(java.util.Arrays.toString(t.truth()))
                    .append(",\"estimate\":").append(java.util.Arrays.toString(t.estimate()))
                    .append(",\"log10_mse\":").append(t.logMse())
                    .append(",\"lp_rounds\":").append(t.rounds())
                    .append(",\"train_seconds\":").append(InferenceRun.round(t.trainSeconds()))
                    .append(",\"infer_seconds\":").append(InferenceRun.round(t.inferSeconds())).append('}');
        }
        return sb.append("]}").toString();
    }
}
