package dev.tokmix.cli;

import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokmixException;
import dev.tokmix.mixture.MixtureInference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokmix infer}: estimate the category mixture a tokenizer was trained on, from its merge list. */
@Command(name = "infer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Estimate the shares of candidate categories (languages, code, domains) in a BPE"
                + " tokenizer's training data from its ordered merge list (Hayase et al. 2024): each category's"
                + " sample is split as the tokenizer splits text, the first T merges are replayed over it, and a"
                + " linear program (lazy constraint generation, OR-Tools GLOP) finds the mixture whose pair counts"
                + " best explain the merge order."},
        footer = {"", "Example:",
                "  tokmix infer -t tok.json --category en=samples/en.txt --category code=samples/code/ \\",
                "      --merges 3000 --json"})
final class InferCommand implements Callable<Integer> {
    @Mixin
    TokenizerOption tokenizer = new TokenizerOption();

    @Option(names = "--category", paramLabel = "NAME=PATH[,PATH]",
            description = "A candidate category and its sample text (files or folders; repeat).")
    List<String> categories = new ArrayList<>();

    @Option(names = "--categories", paramLabel = "DIR",
            description = "Every file or folder in DIR is a category, named without its extension.")
    Path categoriesDir;

    @Option(names = "--merges", paramLabel = "T", description = "Merge steps (new tokens; the several splits of one"
            + " token that a converted tiktoken list names are one step) that constrain the estimate, counted after"
            + " the inherited prefix (default: all, at most 3000).")
    Integer merges;

    @Option(names = "--after-merges", paramLabel = "K", description = "Apply the first K merge steps without using"
            + " them as constraints (a tokenizer that extends another). Default: detected when the merge list starts"
            + " with a built-in tokenizer's (r50k, p50k, cl100k, o200k) and adds at least 1,000 steps, else 0.")
    Integer afterMerges;

    @Option(names = "--bootstrap", paramLabel = "N", defaultValue = "0", description = "Bootstrap replicates for 95%%"
            + " intervals: each category's documents (64 interleaved blocks) are drawn again with replacement and"
            + " the LP solved again (default: ${DEFAULT-VALUE}, no intervals).")
    int bootstrap;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the bootstrap draws"
            + " (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--units", paramLabel = "pairs|bytes", defaultValue = "bytes",
            description = "Weights the table is sorted by and the intervals and chart show: byte shares or the LP's"
                    + " pair shares (default: ${DEFAULT-VALUE}).")
    String units;

    @Option(names = "--split", paramLabel = "HOW", defaultValue = "paragraph",
            description = "Documents of plain text files: line, paragraph or file (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--threads", paramLabel = "N", description = "Counting and replay threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object: per category weight, ci_low and ci_high in pair"
            + " units, weight_bytes, ci_low_bytes and ci_high_bytes in byte units (sorted by byte share).")
    boolean json;

    @Option(names = "--replay-only", description = "Count and replay, then report the coverage (merges no sample"
            + " forms) and the replay's speed; no LP.")
    boolean replayOnly;

    @Option(names = "--chart", paramLabel = "FILE.svg|FILE.png", description = "Also draw the estimate as a bar"
            + " chart.")
    Path chart;

    @Override
    public Integer call() throws java.io.IOException {
        if (!units.equals("pairs") && !units.equals("bytes")) {
            throw new TokmixException("--units " + units + ": use pairs or bytes");
        }
        if (bootstrap < 0) {
            throw new TokmixException("--bootstrap " + bootstrap + ": use 0 (no intervals) or more replicates");
        }
        if (chart != null) {
            MixtureChart.format(chart);
        }
        List<String[]> named = named();
        Tokenizer tok = tokenizer.load();
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (replayOnly) {
            MixtureInference.Replay r = InferenceRun.replay(tok, named, merges, afterMerges,
                    TextDocuments.Split.parse(split), n, System.err);
            double mbps = r.sampleBytes() / 1e6 / Math.max(1e-9, r.seconds());
            if (json) {
                System.out.printf(Locale.ROOT, "{\"merges_used\":%d,\"missing_merges\":%d,\"pairs\":%d,"
                        + "\"sample_bytes\":%d,\"threads\":%d,\"replay_seconds\":%.3f,\"replay_mb_per_s\":%.2f}%n",
                        r.steps(), r.missing(), r.pairs(), r.sampleBytes(), n, r.seconds(), mbps);
            } else {
                System.out.printf(Locale.ROOT, "replayed %,d merges over %,d bytes of samples in %.2f s (%.1f MB/s,"
                        + " %.1f MB/s per thread, %d threads); %,d merges formed by no sample; %,d distinct pairs%n",
                        r.steps(), r.sampleBytes(), r.seconds(), mbps, mbps / n, n, r.missing(), r.pairs());
            }
            return 0;
        }
        InferenceRun run = InferenceRun.run(tok, named, merges, afterMerges, bootstrap, seed,
                TextDocuments.Split.parse(split), n, System.err);
        boolean bytes = units.equals("bytes");
        if (chart != null) {
            MixtureChart.write(chart, "Data mixture inferred from " + tok.name() + "'s merge list",
                    List.of(run.panel(tok.name(), bytes)));
            System.err.println("chart    " + chart);
        }
        if (json) {
            System.out.println(run.json());
        } else {
            run.printTable(System.out, bytes);
        }
        return 0;
    }

    /** {NAME, PATHS} from --category and --categories. */
    private List<String[]> named() {
        List<String[]> out = new ArrayList<>();
        for (String c : categories) {
            int eq = c.indexOf('=');
            if (eq <= 0 || eq == c.length() - 1) {
                throw new TokmixException("--category " + c + ": expected NAME=PATH[,PATH]");
            }
            out.add(new String[] {c.substring(0, eq), c.substring(eq + 1)});
        }
        if (categoriesDir != null) {
            out.addAll(InferenceRun.categoriesIn(categoriesDir));
        }
        if (out.size() < 2) {
            throw new TokmixException("inference needs at least 2 categories\n  remedy: give --category NAME=PATH"
                    + " twice or more, or --categories DIR");
        }
        return out;
    }

}
