package dev.tokmix.cli;

import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokmixException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tokmix demo}: the main job. Infers the training-data mixtures of four released tokenizers (GPT-2, GPT-3.5,
 * GPT-4o and the Llama 3 extension of cl100k) from their merge lists, over the fetched prose and code samples,
 * printing each table and one chart.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Infer what GPT-2 (r50k_base), GPT-3.5 (cl100k_base), GPT-4o (o200k_base) and Llama 3 (the"
                + " merges it adds to cl100k_base) were trained on, from their merge lists and the fetched samples"
                + " (data/text: prose per language, code per programming language). Prints one table per"
                + " tokenizer, a summary beside the paper's findings, and writes one chart.",
                "Run `make data` first (`make demo` does)."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: -Dtokmix.data or ./data).")
    Path data;

    @Option(names = "--merges", paramLabel = "T", defaultValue = "1000",
            description = "Merges per tokenizer (after an inherited prefix) (default: ${DEFAULT-VALUE}).")
    int merges;

    @Option(names = "--min-bytes", paramLabel = "N", defaultValue = "300000",
            description = "Leave out prose samples smaller than this (default: ${DEFAULT-VALUE}).")
    long minBytes;

    @Option(names = "--chart", paramLabel = "FILE.svg|FILE.png", defaultValue = "demo-mixtures.svg",
            description = "The chart of the four estimates (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON array, one object per tokenizer.")
    boolean json;

    /** A released tokenizer and how the paper reports it. */
    record Subject(String title, String spec, String paper) {
    }

    static final List<Subject> SUBJECTS = List.of(
            new Subject("GPT-2 (r50k_base)", "r50k_base", "paper: about 99% English"),
            new Subject("GPT-3.5 (cl100k_base)", "cl100k_base", "paper: 62.6% code"),
            new Subject("GPT-4o (o200k_base)", "o200k_base", "paper: 39.0% non-English"),
            new Subject("Llama 3 (merges after cl100k_base)", "hf/llama3/tokenizer.json",
                    "paper: 48.5% non-English, 30.2% code"));

    @Override
    public Integer call() throws IOException {
        MixtureChart.format(chart);
        Path dir = data != null ? data : Path.of(System.getProperty("tokmix.data", "data"));
        System.setProperty("tokmix.data", dir.toString());
        List<String[]> named = new ArrayList<>();
        List<String> code = new ArrayList<>();
        for (String[] c : InferenceRun.categoriesIn(require(dir.resolve("text/prose")))) {
            Path f = Path.of(c[1]);
            if (Files.isRegularFile(f) && Files.size(f) >= minBytes) {
                named.add(c);
            }
        }
        int prose = named.size();
        for (String[] c : InferenceRun.categoriesIn(require(dir.resolve("text/code")))) {
            named.add(c);
            code.add(c[0]);
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        PrintStream err = System.err;
        err.printf("demo: %d prose languages (samples of at least %,d bytes) and %d programming languages from %s;"
                + " %,d merges per tokenizer%n", prose, minBytes, code.size(), dir, merges);
        long t0 = System.nanoTime();
        List<MixtureChart.Panel> panels = new ArrayList<>();
        List<String> summaries = new ArrayList<>();
        StringBuilder js = new StringBuilder("[");
        for (Subject s : SUBJECTS) {
            String spec = s.spec().contains("/") ? dir.resolve(s.spec()).toString() : s.spec();
            err.println();
            err.println("== " + s.title());
            Tokenizer tok = Tokenizer.load(spec);
            InferenceRun run = InferenceRun.run(tok, named, merges, null, 0, 1, TextDocuments.Split.PARAGRAPH, n, err);
            double[] w = run.estimate.byteWeights();
            double english = 0;
            double codeShare = 0;
            for (int i = 0; i < w.length; i++) {
                String name = run.categories.get(i).name();
                if (name.equals("en")) {
                    english += w[i];
                } else if (code.contains(name)) {
                    codeShare += w[i];
                }
            }
            String summary = String.format(Locale.ROOT, "%-36s English %5.1f%%  non-English %5.1f%%  code %5.1f%%"
                    + "   (%s)", s.title(), 100 * english, 100 * (1 - english - codeShare), 100 * codeShare, s.paper());
            summaries.add(summary);
            panels.add(run.panel(s.title(), true));
            if (json) {
                js.append(js.length() > 1 ? "," : "").append(run.json());
            } else {
                System.out.println();
                System.out.println("== " + s.title());
                run.printTable(System.out, true);
            }
        }
        MixtureChart.write(chart, "Training-data mixtures inferred from merge lists (byte shares)", panels);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (json) {
            System.out.println(js.append(']'));
        } else {
            System.out.println();
            System.out.println("== Summary (byte shares; non-English = the other prose languages)");
            summaries.forEach(System.out::println);
            System.out.printf(Locale.ROOT, "chart: %s; four inferences in %.0f s%n", chart, secs);
        }
        err.printf(Locale.ROOT, "demo: done in %.0f s, chart %s%n", secs, chart);
        return 0;
    }

    private static Path require(Path p) {
        if (!Files.isDirectory(p)) {
            throw new TokmixException(p + " is missing\n  remedy: run `make data` (fetches the samples) or pass"
                    + " --data");
        }
        try (Stream<Path> s = Files.list(p)) {
            if (s.findAny().isEmpty()) {
                throw new TokmixException(p + " is empty\n  remedy: run `make data`");
            }
        } catch (IOException e) {
            throw new TokmixException(p + ": " + e);
        }
        return p;
    }
}
