package dev.tokmix.cli;

import dev.tokmix.bpe.BpeTrainer;
import dev.tokmix.bpe.PieceSplitter;
import dev.tokmix.bpe.PretokenCounter;
import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.TrainedBpe;
import dev.tokmix.core.AtomicFile;
import dev.tokmix.core.DocumentMix;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokmixException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tokmix train}: train a byte-level BPE tokenizer on files or on a mixture with exact byte shares. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a byte-level BPE tokenizer (Hugging Face BpeTrainer semantics, 64-bit counts,"
                + " ties to the smaller pair ids) and write tokenizer.json or a tiktoken rank file.",
                "Input is either --input (files, folders, JSON Lines with a text field, .gz) or a mixture of"
                        + " categories with exact byte shares (--mix ... --total-bytes B --seed S), which also"
                        + " writes OUTPUT.mix.json with the realised bytes and documents per category."},
        footer = {"", "Examples:",
                "  tokmix train --input corpus/ --vocab-size 32000 \\",
                "      --pretokenizer o200k --output tok.json",
                "  tokmix train --mix en=data/text/prose/en.txt:0.6 \\",
                "      --mix code=data/text/code:0.4 --total-bytes 100000000 --seed 1 \\",
                "      --vocab-size 30000 --pretokenizer digits+gpt2 --output mix.json"})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--input", paramLabel = "PATH", arity = "1..*",
            description = "Files or folders to train on, as they are.")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--mix", paramLabel = "NAME=PATH[,PATH]:WEIGHT",
            description = "A category of the training mixture (repeat for each); needs --total-bytes.")
    List<String> mix = new ArrayList<>();

    @Option(names = "--total-bytes", paramLabel = "B", description = "Bytes of the mixed training stream.")
    Long totalBytes;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the document draws (default: 0).")
    Long seed;

    @Option(names = "--vocab-size", paramLabel = "N", required = true,
            description = "Vocabulary size: special tokens + 256 bytes + learned tokens.")
    int vocabSize;

    @Option(names = "--pretokenizer", paramLabel = "NAME", defaultValue = "gpt2",
            description = "gpt2 (r50k, p50k), digits+gpt2, cl100k, o200k, llama3, qwen2, deepseek_v3, or a"
                    + " tokenizer.json whose normaliser and pretokenizer to use (default: ${DEFAULT-VALUE}).")
    String pretokenizer;

    @Option(names = "--min-frequency", paramLabel = "F", defaultValue = "0",
            description = "Stop when the best pair occurs fewer than F times (default: ${DEFAULT-VALUE}).")
    long minFrequency;

    @Option(names = "--special", paramLabel = "TOK", description = "A special token (repeat; ids 0, 1, ...).")
    List<String> specials = new ArrayList<>();

    @Option(names = "--output", paramLabel = "FILE", required = true,
            description = "FILE.tiktoken: a rank file; anything else: tokenizer.json.")
    Path output;

    @Option(names = "--split", paramLabel = "HOW", defaultValue = "line",
            description = "Documents of plain text files: line (HF train_from_files), paragraph (blank-line"
                    + " separated) or file (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--json-field", paramLabel = "FIELD", defaultValue = "text",
            description = "The text field of .jsonl files (default: ${DEFAULT-VALUE}).")
    String jsonField;

    @Option(names = "--threads", paramLabel = "N", description = "Counting threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print a JSON summary on stdout.")
    boolean json;

    @Override
    public Integer call() {
        try {
            return train();
        } catch (OutOfMemoryError e) {
            // Training keeps every distinct pretoken and its symbols in memory; say how to get more.
            throw new TokmixException("training ran out of heap (" + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MB)\n  remedy: give the JVM more heap (TOKMIX_JAVA_OPTS=-Xmx16g ./tokmix train ...), or"
                    + " train on a sample; memory grows with the distinct pretokens, about 50 bytes per byte of"
                    + " distinct pretoken text");
        }
    }

    private int train() {
        if (inputs.isEmpty() == mix.isEmpty()) {
            throw new TokmixException("give either --input PATH... or --mix NAME=PATH:WEIGHT ...\n  remedy: see"
                    + " tokmix train --help");
        }
        if (!mix.isEmpty() && totalBytes == null) {
            throw new TokmixException("--mix needs --total-bytes B (the size of the mixed stream)");
        }
        if (mix.isEmpty() && (totalBytes != null || seed != null)) {
            throw new TokmixException("--total-bytes and --seed shape a --mix stream; --input trains on the files as"
                    + " they are\n  remedy: drop them, or use --mix NAME=PATH:WEIGHT");
        }
        TextDocuments.Split how = TextDocuments.Split.parse(split);
        PieceSplitter splitter = PieceSplitter.of(pretokenizer);
        if (!output.getFileName().toString().endsWith(".tiktoken") && !splitter.hasTokenizerJsonForm()) {
            throw new TokmixException("pretokenizer " + pretokenizer + " has no tokenizer.json form (a rank file"
                    + " carries only its pattern)\n  remedy: write FILE.tiktoken, or use a built-in pretokenizer or a"
                    + " tokenizer.json");
        }
        // Built first so a bad vocabulary size or special token fails before any reading.
        BpeTrainer trainer = new BpeTrainer(splitter, vocabSize, minFrequency, specials);
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        PrintStream err = System.err;
        long t0 = System.nanoTime();

        DocumentMix plan = null;
        PretokenCounts counts;
        long streamBytes;
        try (PretokenCounter counter = new PretokenCounter(splitter, nThreads)) {
            if (!mix.isEmpty()) {
                List<DocumentMix.Category> cats = new ArrayList<>();
                for (String m : mix) {
                    cats.add(DocumentMix.Category.parse(m));
                }
                plan = DocumentMix.plan(cats, totalBytes, seed == null ? 0 : seed, how, jsonField);
                long available = plan.realised().stream().mapToLong(DocumentMix.Realised::availableBytes).sum();
                Progress bar = new Progress(err, "count ", available);
                plan.forEach((text, draws, category) -> {
                    counter.add(text, draws);
                    long b = DocumentMix.utf8Length(text);
                    bar.advance(b, b);
                });
                bar.finish();
                streamBytes = plan.realised().stream().mapToLong(DocumentMix.Realised::realisedBytes).sum();
            } else {
                TextDocuments docs = new TextDocuments(inputs, how, jsonField);
                Progress bar = new Progress(err, "count ", docs.fileBytes());
                long[] total = {0};
                docs.forEach((text, index) -> {
                    counter.add(text, 1);
                    long b = DocumentMix.utf8Length(text);
                    total[0] += b;
                    bar.advance(b, b);
                });
                bar.finish();
                streamBytes = total[0];
            }
            counts = counter.finish();
        }
        long t1 = System.nanoTime();
        Progress merges = new Progress(err, "merge ", Math.max(1, vocabSize - 256 - specials.size()), "merges");
        TrainedBpe bpe = trainer.train(counts, (done, planned) -> merges.advance(1, 0));
        merges.finish();
        long t2 = System.nanoTime();
        // Serialised before anything is written, so a tokenizer that cannot take this format leaves no file; the
        // sidecar follows the tokenizer it describes.
        byte[] content = bpe.serialize(output);
        AtomicFile.write(output, out -> out.write(content));
        if (plan != null) {
            byte[] sidecar = plan.toJson().getBytes(StandardCharsets.UTF_8);
            AtomicFile.write(mixSidecar(output), out -> out.write(sidecar));
        }
        long t3 = System.nanoTime();
        report(bpe, streamBytes, plan, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t0) / 1e9, nThreads);
        return 0;
    }

    static Path mixSidecar(Path output) {
        return output.resolveSibling(output.getFileName() + ".mix.json");
    }

    /** Sum of the heap pools' peak usage: an upper bound on the peak heap (pools peak at different times). */
    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    private void report(TrainedBpe bpe, long streamBytes, DocumentMix plan,
                        double countSeconds, double mergeSeconds, double totalSeconds, int nThreads) {
        long peak = peakHeapBytes();
        int mergeCount = bpe.merges().size();
        if (json) {
            StringBuilder sb = new StringBuilder("{");
            InfoCommand.field(sb, "output", output.toString()).append(',');
            InfoCommand.field(sb, "format", output.toString().endsWith(".tiktoken") ? "tiktoken" : "tokenizer.json")
                    .append(',');
            InfoCommand.field(sb, "pretokenizer", bpe.pieceSplitter().name()).append(',');
            sb.append("\"vocabulary_size\":").append(bpe.vocabularySize())
                    .append(",\"merges\":").append(mergeCount)
                    .append(",\"special_tokens\":").append(bpe.specialTokens().size())
                    .append(",\"stream_bytes\":").append(streamBytes)
                    .append(",\"unique_pretokens\":").append(bpe.stats().uniquePieceCount())
                    .append(",\"pretokens\":").append(bpe.stats().pieceCount())
                    .append(",\"threads\":").append(nThreads)
                    .append(",\"count_seconds\":").append(round(countSeconds))
                    .append(",\"merge_seconds\":").append(round(mergeSeconds))
                    .append(",\"total_seconds\":").append(round(totalSeconds))
                    .append(",\"peak_heap_bytes\":").append(peak);
            if (plan != null) {
                sb.append(",");
                InfoCommand.field(sb, "mix_report", mixSidecar(output).toString());
            }
            System.out.println(sb.append('}'));
            return;
        }
        PrintStream err = System.err;
        err.printf("trained %s: %,d tokens (%,d merges%s) with %s on %,d bytes (%,d unique pretokens)%n", output,
                bpe.vocabularySize(), mergeCount,
                bpe.vocabularySize() < vocabSize ? ", stopped early: no pair left above --min-frequency" : "",
                bpe.pieceSplitter().name(), streamBytes, bpe.stats().uniquePieceCount());
        err.printf("time: count %.1f s (%.1f MB/s, %d threads), merge %.1f s (%,.0f merges/s), total %.1f s;"
                        + " peak heap <= %,d MB%n", countSeconds, streamBytes / 1e6 / Math.max(1e-9, countSeconds),
                nThreads, mergeSeconds, mergeCount / Math.max(1e-9, mergeSeconds), totalSeconds, peak >> 20);
        if (plan != null) {
            for (DocumentMix.Realised r : plan.realised()) {
                err.printf("  %-12s target %,14d B  realised %,14d B  (%,d draws, %,d full passes)%n", r.name(),
                        r.targetBytes(), r.realisedBytes(), r.documentDraws(), r.fullPasses());
            }
            err.printf("mix report: %s%n", mixSidecar(output));
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
