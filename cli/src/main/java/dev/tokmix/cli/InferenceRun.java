package dev.tokmix.cli;

import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokmixException;
import dev.tokmix.mixture.MixtureEstimate;
import dev.tokmix.mixture.MixtureInference;
import dev.tokmix.mixture.PretokenTables;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * One mixture inference as the CLI runs it (shared by {@code infer} and {@code demo}): count the categories,
 * detect an inherited merge prefix, infer with progress bars, and print the table, the JSON or a chart panel.
 */
final class InferenceRun {
    /** Built-in tokenizers a merge list may start with. */
    static final List<String> KNOWN_BASES = List.of("r50k_base", "p50k_base", "cl100k_base", "o200k_base");
    /** Merges of the smallest of them (r50k_base). */
    static final int SMALLEST_BASE = 50_000;
    /** An extension adding fewer steps than this is not inferred from on its own. */
    static final int MIN_EXTENSION = 1_000;

    final Tokenizer tokenizer;
    final List<MixtureInference.Category> categories;
    final MixtureEstimate estimate;
    final Optional<MixtureInference.Extension> extension;
    final double countSeconds;
    final double totalSeconds;

    private InferenceRun(Tokenizer tokenizer, List<MixtureInference.Category> categories, MixtureEstimate estimate,
                         Optional<MixtureInference.Extension> extension, double countSeconds, double totalSeconds) {
        this.tokenizer = tokenizer;
        this.categories = categories;
        this.estimate = estimate;
        this.extension = extension;
        this.countSeconds = countSeconds;
        this.totalSeconds = totalSeconds;
    }

    /**
     * Runs one inference.
     *
     * @param tok         the tokenizer
     * @param named       {NAME, comma-separated PATHS} per category
     * @param merges      T, or null for min(3000, merges after the prefix)
     * @param afterMerges K, or null to detect an inherited prefix among {@link #KNOWN_BASES}
     * @param bootstrap   replicates (0: none)
     * @param seed        bootstrap seed
     * @param split       documents of plain text files
     * @param threads     threads
     * @param err         progress bars go here
     */
    static InferenceRun run(Tokenizer tok, List<String[]> named, Integer merges, Integer afterMerges, int bootstrap,
                            long seed, TextDocuments.Split split, int threads, PrintStream err) {
        long t0 = System.nanoTime();
        Optional<MixtureInference.Extension> ext = afterMerges != null ? Optional.empty() : detect(tok, err);
        int after = afterMerges != null ? afterMerges : ext.map(MixtureInference.Extension::merges).orElse(0);
        int t = merges != null ? merges : defaultMerges(tok, after);
        MixtureInference.checkRange(tok, after, t);
        String prefixNote = after > 0 ? String.format(" (after the first %,d)", after) : "";
        List<MixtureInference.Category> cats = count(tok, named, split, threads, bootstrap > 0 ? 64 : 1, err);
        double countSeconds = (System.nanoTime() - t0) / 1e9;
        Progress[] boot = new Progress[1];
        MixtureInference.Progress progress = new MixtureInference.Progress() {
            @Override
            public void stage(String stage, int total) {
                switch (stage) {
                    case "replay" -> err.printf("replay   %,d merges%s over %d categories%n", t, prefixNote,
                            total);
                    case "solve" -> err.println("solve    LP1_T by lazy row and column generation (GLOP)");
                    case "bootstrap" -> boot[0] = new Progress(err, "bootstrap", total, "replicates");
                    default -> {
                    }
                }
            }

            @Override
            public void lpRound(int round, int rows, int added, double objective) {
                err.printf(Locale.ROOT, "solve    round %d: %,d constraints (%,d new), objective %.6g%n", round, rows,
                        added, objective);
            }

            @Override
            public void replicateDone() {
                boot[0].advance(1, 0);
            }
        };
        Optional<MixtureInference.Extension> extFound = ext;
        MixtureEstimate e = MixtureInference.infer(tok, cats, new MixtureInference.Options(t, after, bootstrap, seed,
                threads, progress));
        return new InferenceRun(tok, cats, e, extFound, countSeconds, (System.nanoTime() - t0) / 1e9);
    }

    /** Replays without solving ({@code infer --replay-only}). */
    static MixtureInference.Replay replay(Tokenizer tok, List<String[]> named, Integer merges, Integer afterMerges,
                                          TextDocuments.Split split, int threads, PrintStream err) {
        int after = afterMerges != null ? afterMerges
                : detect(tok, err).map(MixtureInference.Extension::merges).orElse(0);
        int t = merges != null ? merges : defaultMerges(tok, after);
        MixtureInference.checkRange(tok, after, t);
        List<MixtureInference.Category> cats = count(tok, named, split, threads, 1, err);
        return MixtureInference.replayOnly(tok, cats, after, t, threads);
    }

    /** min(3000, the steps after the prefix). */
    private static int defaultMerges(Tokenizer tok, int after) {
        return Math.min(3000, Math.max(0, MixtureInference.steps(tok.merges()).length - 1 - after));
    }

    /** An inherited prefix among the built-in tokenizers, announced on stderr. */
    private static Optional<MixtureInference.Extension> detect(Tokenizer tok, PrintStream err) {
        List<Tokenizer> bases = new ArrayList<>();
        // The smallest built-in list has 50,000 merges; a shorter list cannot extend one (and loading the rank
        // files costs seconds).
        if (MixtureInference.steps(tok.merges()).length - 1 > SMALLEST_BASE) {
            for (String b : KNOWN_BASES) {
                if (!b.equals(tok.name())) {
                    bases.add(Tokenizer.load(b));
                }
            }
        }
        Optional<MixtureInference.Extension> ext = MixtureInference.detectExtension(tok, bases);
        int beyond = MixtureInference.steps(tok.merges()).length - 1 - ext.map(MixtureInference.Extension::merges)
                .orElse(0);
        if (ext.isPresent() && beyond < MIN_EXTENSION) {
            // p50k_base is r50k_base plus 24 whitespace tokens added by hand: too few learned merges to infer from.
            err.printf("%s starts with %s's %,d merges but adds only %,d; too few to infer from, so the whole list"
                    + " is used (--after-merges sets a prefix by hand)%n", tok.name(), ext.get().base(),
                    ext.get().merges(), beyond);
            return Optional.empty();
        }
        ext.ifPresent(x -> err.printf("%s extends %s: its first %,d merges are %s's, so they are applied first and"
                + " the mixture is inferred from the merges after them (--after-merges sets this by hand)%n",
                tok.name(), x.base(), x.merges(), x.base()));
        return ext;
    }

    /** Counts every category (with a progress bar), checking the paths first. */
    private static List<MixtureInference.Category> count(Tokenizer tok, List<String[]> named,
                                                         TextDocuments.Split split, int threads, int blocks,
                                                         PrintStream err) {
        Progress bar = new Progress(err, "count    ", named.size(), null);
        List<MixtureInference.Category> cats = new ArrayList<>();
        for (String[] c : named) {
            List<Path> paths = Stream.of(c[1].split(",")).map(Path::of).toList();
            for (Path p : paths) {
                if (!Files.exists(p)) {
                    throw new TokmixException("category " + c[0] + ": " + p + " does not exist\n  remedy: check the"
                            + " path");
                }
            }
            // A pretoken table counted elsewhere (tokmix-spark) stands for the category's text.
            MixtureInference.Category cat = paths.size() == 1 && PretokenTables.isTable(paths.get(0))
                    ? PretokenTables.read(c[0], paths.get(0), tok.pieceSplitter().description())
                    : MixtureInference.count(tok, c[0], paths, split, "text", threads, blocks);
            cats.add(cat);
            bar.advance(1, cat.textBytes());
        }
        return cats;
    }

    /** Category indices sorted by the shown weight, largest first. */
    Integer[] order(boolean bytes) {
        double[] w = bytes ? estimate.byteWeights() : estimate.pairWeights();
        Integer[] order = IntStream.range(0, w.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -w[i]));
        return order;
    }

    void printTable(PrintStream out, boolean bytes) {
        MixtureEstimate e = estimate;
        out.printf("%s: mixture estimated from merge steps %,d..%,d (%d of them formed by no sample)%s%n",
                tokenizer.name(),
                e.afterMerges() + 1, e.afterMerges() + e.mergesUsed(), e.missingMerges(),
                extension.map(x -> "; extends " + x.base() + ", whose " + String.format("%,d", x.merges())
                        + " merges were applied first").orElse(""));
        boolean ci = e.replicates() > 0;
        out.printf("%-20s %9s %9s%s%n", "category", "bytes", "pairs", ci ? "   95% interval (" + (bytes ? "bytes"
                : "pairs") + ", " + e.replicates() + " bootstrap replicates)" : "");
        double[] lo = bytes ? e.byteLow() : e.pairLow();
        double[] hi = bytes ? e.byteHigh() : e.pairHigh();
        for (int i : order(bytes)) {
            out.printf(Locale.ROOT, "%-20s %8.2f%% %8.2f%%%s%n", categories.get(i).name(), 100 * e.byteWeights()[i],
                    100 * e.pairWeights()[i], ci ? String.format(Locale.ROOT, "   %6.2f%% .. %6.2f%%", 100 * lo[i],
                            100 * hi[i]) : "");
        }
        for (List<String> g : e.indistinguishable()) {
            out.println("indistinguishable here (their bootstrap shares trade off): " + String.join(", ", g));
        }
        out.printf(Locale.ROOT, "LP: objective %.4g (steps %.4g + pairs %.4g), %d rounds, %,d constraints; count %.1f"
                        + " s, replay %.1f s, solve %.1f s%s, total %.1f s%n", e.objective(), e.stepSlack(),
                e.pairSlack(), e.rounds(), e.constraints(), countSeconds, e.replaySeconds(), e.solveSeconds(),
                ci ? String.format(Locale.ROOT, ", bootstrap %.1f s", e.bootstrapSeconds()) : "", totalSeconds);
    }

    String json() {
        MixtureEstimate e = estimate;
        StringBuilder sb = new StringBuilder("{");
        InfoCommand.field(sb, "tokenizer", tokenizer.name());
        sb.append(",\"extends\":");
        if (extension.isPresent()) {
            sb.append('{');
            InfoCommand.field(sb, "tokenizer", extension.get().base()).append(",\"merges\":")
                    .append(extension.get().merges()).append('}');
        } else {
            sb.append("null");
        }
        sb.append(",\"after_merges\":").append(e.afterMerges())
                .append(",\"merges_used\":").append(e.mergesUsed())
                .append(",\"missing_merges\":").append(e.missingMerges())
                .append(",\"objective\":").append(num(e.objective()))
                .append(",\"slack\":{\"steps\":").append(num(e.stepSlack())).append(",\"pairs\":")
                .append(num(e.pairSlack())).append('}')
                .append(",\"lp_rounds\":").append(e.rounds())
                .append(",\"lp_constraints\":").append(e.constraints())
                .append(",\"bootstrap_replicates\":").append(e.replicates())
                .append(",\"timings\":{\"count_seconds\":").append(round(countSeconds))
                .append(",\"replay_seconds\":").append(round(e.replaySeconds()))
                .append(",\"solve_seconds\":").append(round(e.solveSeconds()))
                .append(",\"bootstrap_seconds\":").append(round(e.bootstrapSeconds()))
                .append(",\"total_seconds\":").append(round(totalSeconds)).append('}')
                .append(",\"categories\":[");
        Integer[] order = order(true);
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            sb.append(k == 0 ? "{" : ",{");
            InfoCommand.field(sb, "name", categories.get(i).name())
                    .append(",\"weight\":").append(num(e.pairWeights()[i]))
                    .append(",\"weight_bytes\":").append(num(e.byteWeights()[i]))
                    .append(",\"ci_low\":").append(num(e.pairLow()[i]))
                    .append(",\"ci_high\":").append(num(e.pairHigh()[i]))
                    .append(",\"ci_low_bytes\":").append(num(e.byteLow()[i]))
                    .append(",\"ci_high_bytes\":").append(num(e.byteHigh()[i]))
                    .append(",\"sample_bytes\":").append(categories.get(i).textBytes()).append('}');
        }
        sb.append("],\"indistinguishable\":[");
        for (int g = 0; g < e.indistinguishable().size(); g++) {
            sb.append(g == 0 ? "[" : ",[");
            List<String> group = e.indistinguishable().get(g);
            for (int j = 0; j < group.size(); j++) {
                sb.append(j == 0 ? "" : ",");
                dev.tokmix.core.JsonStrings.quote(group.get(j), sb);
            }
            sb.append(']');
        }
        return sb.append("]}").toString();
    }

    MixtureChart.Panel panel(String title, boolean bytes) {
        MixtureEstimate e = estimate;
        List<MixtureChart.Bar> bars = new ArrayList<>();
        double[] w = bytes ? e.byteWeights() : e.pairWeights();
        double[] lo = bytes ? e.byteLow() : e.pairLow();
        double[] hi = bytes ? e.byteHigh() : e.pairHigh();
        for (int i : order(bytes)) {
            double v = Math.min(1, Math.max(0, w[i]));
            bars.add(e.replicates() > 0 ? new MixtureChart.Bar(categories.get(i).name(), v,
                    Math.min(v, Math.max(0, lo[i])), Math.max(v, Math.min(1, hi[i])))
                    : new MixtureChart.Bar(categories.get(i).name(), v));
        }
        String sub = String.format(Locale.ROOT, "%s shares, merges %,d..%,d%s, %d LP rounds", bytes ? "byte" : "pair",
                e.afterMerges() + 1, e.afterMerges() + e.mergesUsed(), extension.map(x -> " (after " + x.base()
                        + ")").orElse(""), e.rounds());
        return new MixtureChart.Panel(title, sub, bars);
    }

    /** {NAME, PATHS} per entry of a folder: each file or folder is a category named without its extension. */
    static List<String[]> categoriesIn(Path dir) {
        List<String[]> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                String stem = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
                int dot = stem.lastIndexOf('.');
                out.add(new String[] {dot > 0 ? stem.substring(0, dot) : stem, p.toString()});
            }
        } catch (java.io.IOException ex) {
            throw new TokmixException("--categories " + dir + ": cannot list it (" + ex + ")\n  remedy: give a"
                    + " readable folder with one file or folder per category");
        }
        return out;
    }

    static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
