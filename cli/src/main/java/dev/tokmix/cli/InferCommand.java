package dev.tokmix.cli;

import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokmixException;
import dev.tokmix.mixture.MixtureEstimate;
import dev.tokmix.mixture.MixtureInference;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;
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

    @Option(names = "--merges", paramLabel = "T", description = "Merges that constrain the estimate (default: all,"
            + " at most 3000).")
    Integer merges;

    @Option(names = "--units", paramLabel = "pairs|bytes", defaultValue = "bytes",
            description = "Weights shown in the table: byte shares or the LP's pair shares (default: ${DEFAULT-VALUE}).")
    String units;

    @Option(names = "--split", paramLabel = "HOW", defaultValue = "paragraph",
            description = "Documents of plain text files: line, paragraph or file (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--threads", paramLabel = "N", description = "Counting and replay threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (!units.equals("pairs") && !units.equals("bytes")) {
            throw new TokmixException("--units " + units + ": use pairs or bytes");
        }
        List<String[]> named = named();
        Tokenizer tok = tokenizer.load();
        int t = merges != null ? merges : Math.min(3000, tok.merges().size());
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        TextDocuments.Split how = TextDocuments.Split.parse(split);
        PrintStream err = System.err;
        Progress bar = new Progress(err, "count ", named.size(), "categories");
        List<MixtureInference.Category> cats = new ArrayList<>();
        long t0 = System.nanoTime();
        for (String[] c : named) {
            List<Path> paths = Stream.of(c[1].split(",")).map(Path::of).toList();
            cats.add(MixtureInference.count(tok, c[0], paths, how, "text", n));
            bar.advance(1, 0);
        }
        double countSeconds = (System.nanoTime() - t0) / 1e9;
        err.println("solve: replaying " + t + " merges over " + cats.size() + " categories, then the LP ...");
        MixtureEstimate e = MixtureInference.infer(tok, cats, t, n);
        double[] shown = units.equals("pairs") ? e.pairWeights() : e.byteWeights();
        Integer[] order = IntStream.range(0, cats.size()).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingDouble(i -> -shown[i]));
        if (json) {
            StringBuilder sb = new StringBuilder("{");
            InfoCommand.field(sb, "tokenizer", tok.name()).append(",\"merges_used\":").append(e.mergesUsed())
                    .append(",\"missing_merges\":").append(e.missingMerges())
                    .append(",\"objective\":").append(e.objective())
                    .append(",\"lp_rounds\":").append(e.rounds())
                    .append(",\"lp_constraints\":").append(e.constraints())
                    .append(",\"count_seconds\":").append(round(countSeconds))
                    .append(",\"replay_seconds\":").append(round(e.replaySeconds()))
                    .append(",\"solve_seconds\":").append(round(e.solveSeconds()))
                    .append(",\"categories\":[");
            for (int k = 0; k < order.length; k++) {
                int i = order[k];
                sb.append(k == 0 ? "{" : ",{");
                InfoCommand.field(sb, "name", cats.get(i).name()).append(",\"weight\":").append(e.pairWeights()[i])
                        .append(",\"weight_bytes\":").append(e.byteWeights()[i]).append('}');
            }
            System.out.println(sb.append("]}"));
            return 0;
        }
        PrintStream out = System.out;
        out.printf("%s: mixture estimated from the first %,d merges (%d with no occurrence in any sample)%n",
                tok.name(), e.mergesUsed(), e.missingMerges());
        out.printf("%-20s %10s %10s%n", "category", "bytes", "pairs");
        for (int i : order) {
            out.printf(Locale.ROOT, "%-20s %9.2f%% %9.2f%%%n", cats.get(i).name(), 100 * e.byteWeights()[i],
                    100 * e.pairWeights()[i]);
        }
        out.printf(Locale.ROOT, "LP: objective %.4g, %d rounds, %,d constraints; count %.1f s, replay %.1f s,"
                + " solve %.1f s%n", e.objective(), e.rounds(), e.constraints(), countSeconds, e.replaySeconds(),
                e.solveSeconds());
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
            try (Stream<Path> s = Files.list(categoriesDir)) {
                for (Path p : s.sorted().toList()) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".")) {
                        continue;
                    }
                    int dot = name.indexOf('.');
                    out.add(new String[] {dot > 0 ? name.substring(0, dot) : name, p.toString()});
                }
            } catch (java.io.IOException ex) {
                throw new TokmixException("--categories " + categoriesDir + ": cannot list it (" + ex + ")");
            }
        }
        if (out.size() < 2) {
            throw new TokmixException("inference needs at least 2 categories\n  remedy: give --category NAME=PATH"
                    + " twice or more, or --categories DIR");
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
