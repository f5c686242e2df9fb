package dev.tokmix.cli;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tokmix compression}: encodes the fetched multilingual prose and source code with every fetched tokenizer and
 * prints bytes per token (higher = the tokenizer compresses that language better).
 */
@Command(name = "compression", mixinStandardHelpOptions = true,
        description = {"Encode the fetched text (data/text) with every tokenizer (built-in tiktoken encodings and"
                + " data/hf/*/tokenizer.json) and print UTF-8 bytes per token for each language.",
                "Run `make data` first (`make demo` does)."})
final class CompressionCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: -Dtokmix.data or ./data).")
    Path data;

    @Option(names = "--max-bytes", paramLabel = "N", defaultValue = "0",
            description = "Encode at most N bytes of each text file (0 = all).")
    long maxBytes;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--json", description = "Print the table as JSON.")
    boolean json;

    @Option(names = "--chart", paramLabel = "FILE.svg", description = "Also write the table as an SVG heatmap.")
    Path chart;

    record Text(String label, String content, long bytes) {
    }

    @Override
    public Integer call() throws IOException, InterruptedException, ExecutionException {
        Path dir = data != null ? data : Path.of(System.getProperty("tokmix.data", "data"));
        System.setProperty("tokmix.data", dir.toString());
        List<Text> texts = loadTexts(dir);
        Map<String, String> specs = tokenizerSpecs(dir);
        PrintStream err = System.err;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            Map<String, Future<Tokenizer>> loading = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : specs.entrySet()) {
                loading.put(e.getKey(), pool.submit(() -> Tokenizer.load(e.getValue())));
            }
            Map<String, Tokenizer> tokenizers = new LinkedHashMap<>();
            for (Map.Entry<String, Future<Tokenizer>> e : loading.entrySet()) {
                tokenizers.put(e.getKey(), e.getValue().get());
            }
            long totalBytes = texts.stream().mapToLong(Text::bytes).sum();
            Progress progress = new Progress(err, "encoding", (long) texts.size() * tokenizers.size());
            long start = System.nanoTime();
            Map<String, Map<String, Future<Long>>> counts = new LinkedHashMap<>();
            for (Text text : texts) {
                Map<String, Future<Long>> row = new LinkedHashMap<>();
                for (Map.Entry<String, Tokenizer> e : tokenizers.entrySet()) {
                    row.put(e.getKey(), pool.submit(() -> {
                        long n = e.getValue().countTokens(text.content(), SpecialTokenPolicy.ordinary());
                        progress.advance(1, text.bytes());
                        return n;
                    }));
                }
                counts.put(text.label(), row);
            }
            double[][] table = new double[texts.size()][tokenizers.size()];
            int r = 0;
            for (Text text : texts) {
                int c = 0;
                for (Future<Long> f : counts.get(text.label()).values()) {
                    long n = f.get();
                    table[r][c++] = n == 0 ? 0 : (double) text.bytes() / n;
                }
                r++;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            List<String> names = new ArrayList<>(tokenizers.keySet());
            List<String> rows = texts.stream().map(Text::label).toList();
            if (json) {
                printJson(rows, names, table);
            } else {
                printTable(rows, names, table);
                System.out.printf("%nUTF-8 bytes per token (higher = fewer tokens). %d texts, %.1f MB, %d tokenizers,"
                        + " %.1f s on %d threads (%.1f MB/s overall).%n", texts.size(), totalBytes / 1e6,
                        names.size(), secs, threads, totalBytes * names.size() / 1e6 / secs);
            }
            if (chart != null) {
                SvgHeatmap.write(chart, "UTF-8 bytes per token", rows, names, table);
                err.println("wrote " + chart);
            }
            return 0;
        } finally {
            pool.shutdownNow();
        }
    }

    private List<Text> loadTexts(Path dir) throws IOException {
        List<Text> texts = new ArrayList<>();
        for (String kind : new String[] {"prose", "code"}) {
            Path sub = dir.resolve("text").resolve(kind);
            if (!Files.isDirectory(sub)) {
                throw new IllegalArgumentException("no text in " + sub + "; run `make data` first");
            }
            try (Stream<Path> files = Files.list(sub)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                    byte[] b = Files.readAllBytes(f);
                    int len = maxBytes > 0 ? (int) Math.min(b.length, maxBytes) : b.length;
                    // Cut at a UTF-8 boundary so the sample stays well-formed.
                    while (len < b.length && len > 0 && (b[len] & 0xC0) == 0x80) {
                        len--;
                    }
                    String name = f.getFileName().toString().replace(".txt", "");
                    texts.add(new Text(kind + ":" + name, new String(b, 0, len, StandardCharsets.UTF_8), len));
                }
            }
        }
        return texts;
    }

    private static Map<String, String> tokenizerSpecs(Path dir) throws IOException {
        Map<String, String> specs = new LinkedHashMap<>();
        for (String b : new String[] {"r50k_base", "p50k_base", "cl100k_base", "o200k_base"}) {
            specs.put(b, b);
        }
        Path hf = dir.resolve("hf");
        if (Files.isDirectory(hf)) {
            try (Stream<Path> dirs = Files.list(hf)) {
                for (Path d : dirs.sorted().toList()) {
                    Path json = d.resolve("tokenizer.json");
                    if (Files.isRegularFile(json)) {
                        specs.put(d.getFileName().toString(), json.toString());
                    }
                }
            }
        }
        return specs;
    }

    private static void printTable(List<String> rows, List<String> names, double[][] table) {
        PrintStream out = System.out;
        int w0 = Math.max(12, rows.stream().mapToInt(String::length).max().orElse(0) + 1);
        StringBuilder h = new StringBuilder(String.format("%-" + w0 + "s", "text"));
        for (String n : names) {
            h.append(String.format(" %11s", n.length() > 11 ? n.substring(0, 11) : n));
        }
        out.println(h);
        for (int r = 0; r < rows.size(); r++) {
            StringBuilder line = new StringBuilder(String.format("%-" + w0 + "s", rows.get(r)));
            for (int c = 0; c < names.size(); c++) {
                line.append(String.format(" %11.2f", table[r][c]));
            }
            out.println(line);
        }
    }

    private static void printJson(List<String> rows, List<String> names, double[][] table) {
        StringBuilder sb = new StringBuilder("{\"unit\":\"utf8_bytes_per_token\",\"rows\":[");
        for (int r = 0; r < rows.size(); r++) {
            sb.append(r == 0 ? "" : ",").append("{\"text\":");
            quote(sb, rows.get(r)).append(",\"values\":{");
            for (int c = 0; c < names.size(); c++) {
                quote(sb.append(c == 0 ? "" : ","), names.get(c)).append(':')
                        .append(String.format("%.4f", table[r][c]));
            }
            sb.append("}}");
        }
        System.out.println(sb.append("]}"));
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        dev.tokmix.core.JsonStrings.quote(s, sb);
        return sb;
    }
}
