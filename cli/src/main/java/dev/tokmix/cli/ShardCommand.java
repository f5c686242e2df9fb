package dev.tokmix.cli;

import dev.tokmix.bpe.ShardPipeline;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.CorpusReader;
import dev.tokmix.core.JsonStrings;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.cuda.CudaBatchEncoder;
import dev.tokmix.cuda.CudaEncoderProvider;
import dev.tokmix.cuda.EncoderDevice;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokmix shard}: corpus in, token shards out. */
@Command(name = "shard", mixinStandardHelpOptions = true,
        description = {"Encode a corpus on all cores and write token shards in input order: Megatron (.bin/.idx),"
                + " llm.c (.bin) or numpy (.npy + .docs.npy), with PREFIX.manifest.json (documents, tokens,"
                + " tokenizer hash, dtype, CRC-32C per file).",
                "Crash-safe: shards are written under temporary names, forced to disk and renamed; re-running an"
                        + " interrupted run with the same arguments redoes only the unfinished shards.",
                "EOD: Megatron/npy append it with --append-eod; llm.c always puts it before each document."})
final class ShardCommand implements Callable<Integer> {
    @Mixin
    TokenizerOption tokenizer = new TokenizerOption();

    @Option(names = {"-i", "--input"}, required = true, arity = "1..*", paramLabel = "PATH",
            description = "Files, folders or globs: UTF-8 text or JSON Lines (.jsonl/.ndjson), optionally .gz or"
                    + " .zst.")
    List<String> inputs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "PREFIX",
            description = "Output prefix: PREFIX.bin/.idx, PREFIX.bin or PREFIX.npy (PREFIX_000000... with"
                    + " --max-shard-tokens).")
    Path output;

    @Option(names = {"-f", "--format"}, defaultValue = "megatron", paramLabel = "megatron|llmc|npy",
            description = "Shard format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--dtype", paramLabel = "uint16|int32|uint32|int64",
            description = "Token type on disk (default: uint16 up to 65,536 ids, else int32; llm.c uint32).")
    String dtype;

    @Option(names = "--append-eod", description = "Megatron/npy: append the end-of-text token to each document.")
    boolean appendEod;

    @Option(names = "--eod-id", paramLabel = "ID", defaultValue = "-1",
            description = "End-of-text id (default: the tokenizer's <|endoftext|>, <|end_of_text|>, </s>, ...).")
    int eodId;

    @Option(names = "--threads", paramLabel = "N", description = "Encoding threads (default: all cores).")
    Integer threads;

    @Option(names = "--max-shard-tokens", paramLabel = "N", defaultValue = "0",
            description = "Start a new shard before one would pass N tokens (documents are never split).")
    long maxShardTokens;

    @Option(names = "--split", defaultValue = "file", paramLabel = "file|line|paragraph",
            description = "Plain text files: one document per file, per line (without its line ending, as"
                    + " `encode --lines`) or per blank-line-separated block (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--json-field", defaultValue = "text", paramLabel = "NAME",
            description = "JSON Lines: the string field holding the text (default: ${DEFAULT-VALUE}).")
    String jsonField;

    @Option(names = "--on-bad-record", defaultValue = "fail", paramLabel = "fail|skip",
            description = "Invalid UTF-8 or malformed JSON: stop with an error naming file and line, or skip and"
                    + " count (default: ${DEFAULT-VALUE}).")
    String onBadRecord;

    @Option(names = "--allowed-special", paramLabel = "none|all|TOK,...", defaultValue = "none",
            description = "Special-token text in documents, as in `tokmix encode` (default: none = plain text).")
    String allowedSpecial;

    @Option(names = "--overwrite", description = "Replace the output of an earlier run with other arguments.")
    boolean overwrite;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    // cpu by default until the CUDA kernels have passed native-kernels/device-check.sh on a GPU; then auto.
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda|auto",
            description = "Where BPE merges run: cpu (all cores), cuda (an NVIDIA GPU, compute capability 7.5+;"
                    + " an error if there is none), auto (cuda when one is usable and the input is at least 64 MiB,"
                    + " else cpu). The shards are the same byte for byte (default: ${DEFAULT-VALUE}).")
    String device;

    @Override
    public Integer call() {
        Tokenizer t = tokenizer.load();
        CorpusReader corpus = new CorpusReader(inputs, new CorpusReader.Options(TextDocuments.Split.parse(split),
                jsonField, CorpusReader.BadRecordPolicy.parse(onBadRecord)));
        ShardProgress progress = new ShardProgress(System.err, corpus.fileBytes());
        ShardPipeline.Options o = new ShardPipeline.Options(TokenShardReader.Format.parse(format),
                dtype == null ? null : TokenDtype.parse(dtype), appendEod, eodId,
                TokenizerOption.policy(allowedSpecial),
                threads == null ? Runtime.getRuntime().availableProcessors() : threads, maxShardTokens, overwrite,
                progress::update);
        EncoderDevice where = EncoderDevice.parse(device);
        ShardPipeline.Result r;
        ShardPipeline p;
        String usedDevice = "cpu";
        // The pipeline's threads pretokenize; each hands its ~1 MB batch's merges to the device.
        try (CudaBatchEncoder cuda = where.usesCuda(corpus.fileBytes())
                ? CudaEncoderProvider.get().open(t, o.policy(), CudaBatchEncoder.Options.defaults().withThreads(1))
                : null) {
            if (cuda != null) {
                usedDevice = cuda.device();
            }
            p = new ShardPipeline(t, Tokenizer.sourceFile(tokenizer.spec), o, cuda);
            r = p.run(corpus, output);
        }
        progress.done();
        PrintStream out = System.out;
        if (json) {
            StringBuilder sb = new StringBuilder("{");
            sb.append("\"manifest\":");
            JsonStrings.quote(r.manifest().toString(), sb);
            sb.append(",\"format\":");
            JsonStrings.quote(o.format().toString(), sb);
            sb.append(",\"dtype\":");
            JsonStrings.quote(p.dtype().toString(), sb);
            sb.append(",\"eod_id\":").append(p.eodId());
            sb.append(",\"device\":");
            JsonStrings.quote(usedDevice, sb);
            sb.append(",\"shards\":").append(r.shards().size());
            sb.append(",\"resumed_shards\":").append(r.resumedShards());
            sb.append(",\"already_complete\":").append(r.alreadyComplete());
            sb.append(",\"documents\":").append(r.documents());
            sb.append(",\"tokens\":").append(r.tokens());
            sb.append(",\"empty_documents_skipped\":").append(r.emptyDocuments());
            sb.append(",\"bad_records_skipped\":").append(r.badRecords());
            sb.append(",\"input_bytes\":").append(r.inputBytes());
            sb.append(",\"seconds\":").append(String.format("%.3f", r.seconds()));
            sb.append(",\"mb_per_s\":").append(String.format("%.2f", r.inputBytes() / 1e6 / r.seconds()));
            sb.append(",\"files\":[");
            boolean first = true;
            for (ShardPipeline.Shard s : r.shards()) {
                for (Path f : s.files()) {
                    sb.append(first ? "" : ",");
                    JsonStrings.quote(f.toString(), sb);
                    first = false;
                }
            }
            out.println(sb.append("]}"));
            return 0;
        }
        if (r.alreadyComplete()) {
            out.printf("%s: already complete (%,d shards, %,d documents, %,d tokens); nothing to do%n",
                    r.manifest(), r.shards().size(), r.documents(), r.tokens());
            return 0;
        }
        out.printf("wrote %,d shard%s (%s, %s, EOD %s)%s%n", r.shards().size(), r.shards().size() == 1 ? "" : "s",
                o.format(), p.dtype(), p.eodId() < 0 ? "none" : Integer.toString(p.eodId()),
                r.resumedShards() > 0 ? ", " + r.resumedShards() + " kept from the interrupted run" : "");
        out.printf("documents: %,d   tokens: %,d   (skipped: %,d empty, %,d bad)%n", r.documents(), r.tokens(),
                r.emptyDocuments(), r.badRecords());
        out.printf("input: %,.1f MB in %.2f s = %.1f MB/s%n", r.inputBytes() / 1e6, r.seconds(),
                r.inputBytes() / 1e6 / Math.max(1e-9, r.seconds()));
        out.printf("manifest: %s%n", r.manifest());
        if (!usedDevice.equals("cpu")) {
            out.printf("merges on: %s%n", usedDevice);
        }
        return 0;
    }

    /** A progress line on stderr: percent of input, MB/s, docs/s, tokens/s, ETA. */
    static final class ShardProgress {
        private final PrintStream err;
        private final long totalBytes;
        private final boolean tty = System.console() != null;
        private final long start = System.nanoTime();
        private long last;
        private boolean printed;

        ShardProgress(PrintStream err, long totalBytes) {
            this.err = err;
            this.totalBytes = Math.max(1, totalBytes);
        }

        synchronized void update(long bytes, long docs, long tokens) {
            long now = System.nanoTime();
            if (now - last < (tty ? 200_000_000L : 5_000_000_000L)) {
                return;
            }
            last = now;
            double s = Math.max(1e-9, (now - start) / 1e9);
            double frac = Math.min(1, bytes / (double) totalBytes);
            int filled = (int) (30 * frac);
            String line = String.format("shard [%s%s] %3.0f%%  %.1f MB/s  %,.0f docs/s  %,.0f tok/s  ETA %.0fs",
                    "#".repeat(filled), " ".repeat(30 - filled), 100 * frac, bytes / 1e6 / s, docs / s, tokens / s,
                    frac > 0 ? s * (1 - frac) / frac : 0);
            err.print(tty ? "\r" + line : line + "\n");
            err.flush();
            printed = true;
        }

        synchronized void done() {
            if (printed && tty) {
                err.println();
            }
        }
    }
}
