package dev.tokmix.bpe;

import dev.tokmix.core.AtomicFile;
import dev.tokmix.core.CorpusReader;
import dev.tokmix.core.Json;
import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.core.TokenShardWriter;
import dev.tokmix.core.TokmixException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Corpus in, token shards out: reads documents ({@link CorpusReader}), encodes them on all cores and writes them
 * in input order to Megatron, llm.c or numpy shards, with a manifest ({@code PREFIX.manifest.json}).
 *
 * <p><b>Order and determinism.</b> Documents are cut into batches of about 1 MB of text; batches are encoded in
 * parallel and written strictly in order, so the output depends only on the input and the options, never on the
 * thread count. With {@code maxShardTokens}, a shard is closed before the document that would take it past the
 * limit (documents are never split); shards are named {@code PREFIX_000000}, {@code PREFIX_000001}, …; without
 * it, the one shard is {@code PREFIX}.
 *
 * <p><b>End-of-document tokens.</b> Megatron and numpy: with {@code appendEod} the EOD id follows each document
 * (Megatron's {@code preprocess_data.py --append-eod}). llm.c: the EOD id always comes <em>before</em> each
 * document, as llm.c's own writers put it and as its loader finds documents.
 *
 * <p><b>Crash safety and resume.</b> Each shard is written under a temporary name, forced to disk and renamed
 * (see {@link TokenShardWriter}); after each one the manifest is rewritten atomically with {@code complete:
 * false} and the shards so far. A run with the same arguments and an existing incomplete manifest keeps the
 * shards whose files still match their recorded sizes and checksums, skips the documents they hold and writes
 * only the rest; a complete manifest means there is nothing to do. Different arguments over an existing manifest
 * are refused unless {@code overwrite} is set.
 *
 * <p>Hot path: batches, their byte and id arrays, and the encoder's scratch are reused; nothing is allocated per
 * document or token in steady state.
 */
public final class ShardPipeline {
    private static final int BATCH_TEXT_BYTES = 1 << 20;
    private static final int BATCH_DOCS = 4096;

    /** Receives progress now and then, from the writing thread. */
    @FunctionalInterface
    public interface Listener {
        /**
         * Progress so far.
         *
         * @param inputBytes on-disk input bytes consumed
         * @param documents  documents written
         * @param tokens     tokens written
         */
        void progress(long inputBytes, long documents, long tokens);
    }

    /**
     * Options.
     *
     * @param format         megatron, llmc or npy
     * @param dtype          token type on disk; null picks uint16 up to 65,536 ids, else int32 (llm.c: uint32)
     * @param appendEod      Megatron/npy: append the EOD id to each document
     * @param eodId          the EOD id; -1 to take the tokenizer's end-of-text token
     * @param policy         special tokens in the text
     * @param threads        encoding threads
     * @param maxShardTokens close a shard before it would exceed this many tokens; 0 for one shard (llm.c:
     *                       2^31 - 1 at most)
     * @param overwrite      replace the output of a different earlier run
     * @param listener       progress, or null
     */
    public record Options(TokenShardReader.Format format, TokenDtype dtype, boolean appendEod, int eodId,
                          SpecialTokenPolicy policy, int threads, long maxShardTokens, boolean overwrite,
                          Listener listener) {
        /** Validates. */
        public Options {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(policy, "policy");
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, not " + threads);
            }
            if (maxShardTokens < 0) {
                throw new IllegalArgumentException("maxShardTokens must be >= 0, not " + maxShardTokens);
            }
        }

        /**
         * Megatron, automatic dtype, no EOD, ordinary text, all cores, one shard.
         *
         * @return the defaults
         */
        public static Options defaults() {
            return new Options(TokenShardReader.Format.MEGATRON, null, false, -1, SpecialTokenPolicy.ordinary(),
                    Runtime.getRuntime().availableProcessors(), 0, false, null);
        }
    }

    /**
     * One shard of the output.
     *
     * @param prefix        its path prefix
     * @param firstDocument index of its first document in the run
     * @param documents     documents in it
     * @param tokens        tokens in it (EOD tokens included)
     * @param files         its files, token file first
     * @param sizes         their sizes in bytes
     * @param crc32c        their CRC-32C checksums
     */
    public record Shard(Path prefix, long firstDocument, long documents, long tokens, List<Path> files,
                        List<Long> sizes, List<String> crc32c) {
    }

    /**
     * What a run did.
     *
     * @param shards         all shards of the output, resumed ones included
     * @param resumedShards  how many were kept from an earlier run
     * @param documents      documents in the output
     * @param tokens         tokens in the output
     * @param emptyDocuments empty documents skipped
     * @param badRecords     bad records skipped
     * @param inputBytes     input bytes read in this run
     * @param seconds        wall time of this run
     * @param manifest       the manifest file
     * @param alreadyComplete true if a complete earlier run was found and nothing was done
     */
    public record Result(List<Shard> shards, int resumedShards, long documents, long tokens, long emptyDocuments,
                         long badRecords, long inputBytes, double seconds, Path manifest,
                         boolean alreadyComplete) {
    }

    private final Tokenizer tokenizer;
    /** The encoding step, or null for {@link Tokenizer#encode} per document on the pipeline's threads. */
    private final DocumentBatchEncoder batchEncoder;
    private final String tokenizerName;
    private final String tokenizerSha256;
    private final Options options;
    private final TokenDtype dtype;
    private final int eodId;
    private final String eodPlacement;

    /**
     * Prepares a pipeline.
     *
     * @param tokenizer       the tokenizer
     * @param tokenizerSource the file it was loaded from (hashed into the manifest), or null
     * @param options         options
     * @throws TokmixException if the dtype cannot hold the vocabulary or no EOD token can be found
     */
    public ShardPipeline(Tokenizer tokenizer, Path tokenizerSource, Options options) {
        this(tokenizer, tokenizerSource, options, null);
    }

    /**
     * Prepares a pipeline whose batches are encoded by {@code batchEncoder} (an accelerated encoder giving the
     * tokenizer's ids; the shards and the manifest are the same byte for byte, so a run may resume on another
     * device). It is called from the pipeline's threads, one batch of about 1 MB per call.
     *
     * @param tokenizer       the tokenizer
     * @param tokenizerSource the file it was loaded from (hashed into the manifest), or null
     * @param options         options
     * @param batchEncoder    encodes each batch, or null to call the tokenizer per document
     * @throws TokmixException if the dtype cannot hold the vocabulary or no EOD token can be found
     */
    public ShardPipeline(Tokenizer tokenizer, Path tokenizerSource, Options options,
                         DocumentBatchEncoder batchEncoder) {
        this.tokenizer = tokenizer;
        this.batchEncoder = batchEncoder;
        this.tokenizerName = tokenizer.name();
        this.tokenizerSha256 = tokenizerSource != null && Files.isRegularFile(tokenizerSource)
                ? sha256(tokenizerSource) : null;
        this.options = options;
        TokenDtype d = options.dtype();
        if (d == null) {
            d = TokenDtype.forIdLimit(tokenizer.idLimit());
            if (d == TokenDtype.INT32 && options.format() == TokenShardReader.Format.LLMC) {
                d = TokenDtype.UINT32;
            }
        }
        if ((long) tokenizer.idLimit() - 1 > d.maxTokenId()) {
            throw new TokmixException("dtype " + d + " is too narrow for " + tokenizer.name() + " (ids up to "
                    + (tokenizer.idLimit() - 1) + ")\n  remedy: use --dtype int32 (llm.c: uint32)");
        }
        this.dtype = d;
        boolean llmc = options.format() == TokenShardReader.Format.LLMC;
        if (options.maxShardTokens() > Integer.MAX_VALUE && llmc) {
            throw new TokmixException("an llm.c shard holds at most 2,147,483,647 tokens, not "
                    + options.maxShardTokens() + "\n  remedy: lower --max-shard-tokens");
        }
        boolean needEod = llmc || options.appendEod();
        this.eodId = needEod ? (options.eodId() >= 0 ? options.eodId() : defaultEod(tokenizer)) : -1;
        if (eodId >= tokenizer.idLimit()) {
            throw new TokmixException("EOD id " + eodId + " is outside the vocabulary of " + tokenizer.name()
                    + "\n  remedy: pass an id below " + tokenizer.idLimit());
        }
        this.eodPlacement = llmc ? "before" : options.appendEod() ? "after" : "none";
    }

    /** The end-of-text token: the first of the usual names the tokenizer has. */
    static int defaultEod(Tokenizer t) {
        Map<String, Integer> sp = t.specialTokens();
        for (String name : List.of("<|endoftext|>", "<|end_of_text|>", "</s>", "<｜end▁of▁sentence｜>",
                "<|im_end|>", "<eos>")) {
            Integer id = sp.get(name);
            if (id != null) {
                return id;
            }
        }
        throw new TokmixException(t.name() + " has no end-of-text special token (looked for <|endoftext|>,"
                + " <|end_of_text|>, </s>, <｜end▁of▁sentence｜>, <|im_end|>, <eos>)\n  remedy: pass --eod-id");
    }

    /**
     * The dtype shards are written with.
     *
     * @return the dtype
     */
    public TokenDtype dtype() {
        return dtype;
    }

    /**
     * The EOD id in use.
     *
     * @return the id, or -1 if none is written
     */
    public int eodId() {
        return eodId;
    }

    /**
     * The manifest file of an output prefix.
     *
     * @param prefix the output prefix
     * @return {@code PREFIX.manifest.json}
     */
    public static Path manifestFile(Path prefix) {
        return prefix.toAbsolutePath().resolveSibling(prefix.getFileName() + ".manifest.json");
    }

    // ------------------------------------------------------------------------------------------------ batches

    /** Documents of about 1 MB of text and, once encoded, their ids; reused through a pool. */
    private static final class Batch implements DocumentBatchEncoder.DocumentSink {
        long firstDocument;
        long inputBytes;
        byte[] text = new byte[BATCH_TEXT_BYTES];
        int textLength;
        int[] textEnds = new int[BATCH_DOCS];
        int documents;
        int[] tokens = new int[BATCH_TEXT_BYTES / 2];
        int tokenLength;
        int[] tokenEnds = new int[BATCH_DOCS];
        boolean last;

        void reset(long firstDocument) {
            this.firstDocument = firstDocument;
            inputBytes = 0;
            textLength = 0;
            documents = 0;
            tokenLength = 0;
            last = false;
        }

        boolean full(long nextLength) {
            return documents > 0 && (documents == textEnds.length || textLength + nextLength > text.length);
        }

        void add(MemorySegment utf8) {
            long n = utf8.byteSize();
            if (n > Integer.MAX_VALUE - 16) {
                throw new TokmixException("a document of " + n + " bytes is too large to encode in one piece"
                        + "\n  remedy: split the input into smaller documents");
            }
            if (textLength + n > text.length) {
                text = Arrays.copyOf(text, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(text.length * 2L,
                        textLength + n)));
            }
            MemorySegment.copy(utf8, ValueLayout.JAVA_BYTE, 0, text, textLength, (int) n);
            textLength += (int) n;
            textEnds[documents++] = textLength;
        }

        @Override
        public void accept(int tokenId) {
            if (tokenLength == tokens.length) {
                tokens = Arrays.copyOf(tokens, tokens.length * 2);
            }
            tokens[tokenLength++] = tokenId;
        }

        int eod;
        boolean eodBefore;

        @Override
        public void startDocument(int document) {
            if (eod >= 0 && eodBefore) {
                accept(eod);
            }
        }

        @Override
        public void endDocument(int document) {
            if (eod >= 0 && !eodBefore) {
                accept(eod);
            }
            tokenEnds[document] = tokenLength;
        }

        void encode(DocumentBatchEncoder encoder, SpecialTokenPolicy policy, int eod, boolean eodBefore) {
            this.eod = eod;
            this.eodBefore = eodBefore;
            encoder.encode(text, textEnds, documents, policy, this);
        }

        void encode(Tokenizer t, SpecialTokenPolicy policy, int eod, boolean eodBefore) {
            int start = 0;
            for (int d = 0; d < documents; d++) {
                if (eod >= 0 && eodBefore) {
                    accept(eod);
                }
                t.encode(text, start, textEnds[d] - start, policy, this);
                if (eod >= 0 && !eodBefore) {
                    accept(eod);
                }
                start = textEnds[d];
                tokenEnds[d] = tokenLength;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ run

    /**
     * Runs the pipeline.
     *
     * @param corpus the documents
     * @param prefix the output prefix
     * @return what was written
     * @throws TokmixException on bad input, a refused resume, or a failed encode (nothing half-written remains)
     * @throws UncheckedIOException on I/O failures
     */
    public Result run(CorpusReader corpus, Path prefix) {
        long t0 = System.nanoTime();
        Path manifest = manifestFile(prefix);
        String config = configJson(corpus, prefix);
        String configHash = sha256(config.getBytes(StandardCharsets.UTF_8));
        removeStaleTemporaries(prefix);
        List<Shard> kept = resumable(manifest, configHash, prefix);
        if (kept == null) {
            // A complete earlier run with the same configuration.
            List<Shard> all = readShards(manifest, prefix);
            long docs = all.stream().mapToLong(Shard::documents).sum();
            long toks = all.stream().mapToLong(Shard::tokens).sum();
            return new Result(all, all.size(), docs, toks, 0, 0, 0, (System.nanoTime() - t0) / 1e9, manifest,
                    true);
        }
        long skip = kept.stream().mapToLong(Shard::documents).sum();
        Writer w = new Writer(prefix, manifest, config, configHash, kept, skip);
        int threads = options.threads();
        int poolSize = 2 * threads + 2;
        BlockingQueue<Batch> free = new ArrayBlockingQueue<>(poolSize);
        for (int i = 0; i < poolSize; i++) {
            free.add(new Batch());
        }
        BlockingQueue<Future<Batch>> ordered = new ArrayBlockingQueue<>(poolSize + 1);
        ExecutorService encoders = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "tokmix-shard-encode");
            th.setDaemon(true);
            return th;
        });
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> w.drain(ordered, free),
                Executors.newSingleThreadExecutor(r -> {
                    Thread th = new Thread(r, "tokmix-shard-write");
                    th.setDaemon(true);
                    return th;
                }));
        boolean eodBefore = options.format() == TokenShardReader.Format.LLMC;
        CorpusReader.Stats stats;
        Batch[] current = {null};
        long[] lastBytes = {0};
        try {
            current[0] = take(free, w);
            current[0].reset(skip);
            stats = corpus.forEach((utf8, index) -> {
                if (index < skip) {
                    return;
                }
                Batch b = current[0];
                if (b.full(utf8.byteSize())) {
                    submit(b, encoders, ordered, eodBefore, w);
                    b = take(free, w);
                    b.reset(index);
                    current[0] = b;
                }
                b.add(utf8);
            }, bytes -> {
                Batch b = current[0];
                if (b != null) {
                    b.inputBytes += bytes - lastBytes[0];
                }
                lastBytes[0] = bytes;
            });
            Batch b = current[0];
            b.last = true;
            submit(b, encoders, ordered, eodBefore, w);
            current[0] = null;
            writing.join();
        } catch (RuntimeException | Error e) {
            w.failure = e;
            Future<Batch> stop = CompletableFuture.failedFuture(e);
            ordered.clear();
            ordered.offer(stop);
            try {
                writing.get(60, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // The writer has its own error, if any; the reader's is the one to report.
            }
            Throwable cause = e;
            if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
                cause = e.getCause();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error er) {
                throw er;
            }
            throw e;
        } finally {
            encoders.shutdownNow();
        }
        w.finish(stats);
        return new Result(List.copyOf(w.shards), kept.size(), w.documents, w.tokens, stats.emptyDocuments(),
                stats.badRecords(), stats.inputBytes(), (System.nanoTime() - t0) / 1e9, manifest, false);
    }

    private void submit(Batch b, ExecutorService encoders, BlockingQueue<Future<Batch>> ordered,
                        boolean eodBefore, Writer w) {
        Future<Batch> f = encoders.submit(() -> {
            if (batchEncoder == null) {
                b.encode(tokenizer, options.policy(), eodId, eodBefore);
            } else {
                b.encode(batchEncoder, options.policy(), eodId, eodBefore);
            }
            return b;
        });
        try {
            while (!ordered.offer(f, 100, TimeUnit.MILLISECONDS)) {
                w.check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokmixException("interrupted while sharding");
        }
    }

    private static Batch take(BlockingQueue<Batch> free, Writer w) {
        try {
            while (true) {
                Batch b = free.poll(100, TimeUnit.MILLISECONDS);
                if (b != null) {
                    return b;
                }
                w.check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokmixException("interrupted while sharding");
        }
    }

    /** The writing side: takes encoded batches in order, rolls shards, keeps the manifest. */
    private final class Writer {
        final Path prefix;
        final Path manifest;
        final String config;
        final String configHash;
        final List<Shard> shards;
        long documents;
        long tokens;
        long inputBytes;
        volatile Throwable failure;
        TokenShardWriter out;
        Path outPrefix;
        long outFirstDocument;
        long nextDocument;

        Writer(Path prefix, Path manifest, String config, String configHash, List<Shard> kept, long skip) {
            this.prefix = prefix;
            this.manifest = manifest;
            this.config = config;
            this.configHash = configHash;
            this.shards = new ArrayList<>(kept);
            this.documents = skip;
            this.tokens = kept.stream().mapToLong(Shard::tokens).sum();
            this.nextDocument = skip;
        }

        void check() {
            Throwable f = failure;
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            if (f != null) {
                throw new TokmixException("sharding failed: " + f, f);
            }
        }

        void drain(BlockingQueue<Future<Batch>> ordered, BlockingQueue<Batch> free) {
            try {
                while (true) {
                    Batch b;
                    try {
                        b = ordered.take().get();
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException re ? re
                                : new TokmixException("encoding failed: " + e.getCause(), e.getCause());
                    }
                    write(b);
                    boolean last = b.last;
                    free.add(b);
                    if (last) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon();
            } catch (RuntimeException | Error e) {
                failure = e;
                abandon();
                throw e;
            }
        }

        void abandon() {
            if (out != null) {
                out.close();
                out = null;
            }
        }

        void write(Batch b) {
            int start = 0;
            for (int d = 0; d < b.documents; d++) {
                int end = b.tokenEnds[d];
                int n = end - start;
                long max = options.maxShardTokens();
                if (out != null && max > 0 && out.tokenCount() > 0 && out.tokenCount() + n > max) {
                    commitShard();
                }
                if (out != null && max == 0 && options.format() == TokenShardReader.Format.LLMC
                        && out.tokenCount() + n > Integer.MAX_VALUE) {
                    throw new TokmixException("the output passes 2,147,483,647 tokens, the most one llm.c shard"
                            + " can hold\n  remedy: pass --max-shard-tokens (llm.c's own shards hold 100,000,000)");
                }
                if (out == null) {
                    open();
                }
                out.writeDocument(b.tokens, start, n);
                documents++;
                tokens += n;
                nextDocument++;
                start = end;
            }
            inputBytes += b.inputBytes;
            if (options.listener() != null) {
                options.listener().progress(inputBytes, documents, tokens);
            }
        }

        void open() {
            outPrefix = options.maxShardTokens() > 0 ? shardPrefix(prefix, shards.size()) : prefix;
            outFirstDocument = nextDocument;
            out = TokenShardWriter.create(options.format(), outPrefix, dtype, tokenizer.idLimit());
        }

        void commitShard() {
            TokenShardWriter.Committed c = out.commit();
            out = null;
            shards.add(new Shard(outPrefix, outFirstDocument, c.documents(), c.tokens(), c.files(), c.sizes(),
                    c.crc32c()));
            writeManifest(manifest, config, configHash, shards, false, null);
        }

        void finish(CorpusReader.Stats stats) {
            if (out == null && shards.isEmpty()) {
                open();
            }
            if (out != null) {
                commitShard();
            }
            writeManifest(manifest, config, configHash, shards, true, stats);
        }
    }

    static Path shardPrefix(Path prefix, int index) {
        return prefix.toAbsolutePath().resolveSibling(prefix.getFileName() + String.format("_%06d", index));
    }

    // ------------------------------------------------------------------------------------------------ manifest

    private String configJson(CorpusReader corpus, Path prefix) {
        StringBuilder sb = new StringBuilder("{");
        field(sb, "format", options.format().toString()).append(',');
        field(sb, "dtype", dtype.toString()).append(',');
        field(sb, "tokenizer", tokenizerName).append(',');
        field(sb, "tokenizer_sha256", tokenizerSha256).append(',');
        sb.append("\"eod_id\":").append(eodId).append(',');
        field(sb, "eod_placement", eodPlacement).append(',');
        field(sb, "special_tokens", options.policy().toString()).append(',');
        sb.append("\"max_shard_tokens\":").append(options.maxShardTokens()).append(',');
        field(sb, "corpus", corpus.options().toString()).append(",\"inputs\":[");
        boolean first = true;
        for (Path f : corpus.files()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('{');
            field(sb, "path", f.toAbsolutePath().toString()).append(',');
            sb.append("\"bytes\":").append(fileSize(f)).append('}');
        }
        return sb.append("]}").toString();
    }

    /** Sizes of input files (a changed input changes the configuration, so a resume is refused). */
    private static long fileSize(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e, e);
        }
    }

    private static StringBuilder field(StringBuilder sb, String name, String value) {
        sb.append('"').append(name).append("\":");
        if (value == null) {
            return sb.append("null");
        }
        return sb.append(Json.write(value));
    }

    private void writeManifest(Path manifest, String config, String configHash, List<Shard> shards,
                               boolean complete, CorpusReader.Stats stats) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"tokmix_manifest\": 1,\n");
        sb.append("  \"complete\": ").append(complete).append(",\n");
        sb.append("  \"format\": ").append(Json.write(options.format().toString())).append(",\n");
        sb.append("  \"dtype\": ").append(Json.write(dtype.toString())).append(",\n");
        sb.append("  \"tokenizer\": {\"name\": ").append(Json.write(tokenizerName)).append(", \"sha256\": ")
                .append(tokenizerSha256 == null ? "null" : Json.write(tokenizerSha256))
                .append(", \"vocabulary_size\": ").append(tokenizer.vocabularySize()).append(", \"id_limit\": ")
                .append(tokenizer.idLimit()).append("},\n");
        sb.append("  \"eod\": {\"id\": ").append(eodId).append(", \"placement\": ")
                .append(Json.write(eodPlacement)).append("},\n");
        long docs = 0;
        long toks = 0;
        for (Shard s : shards) {
            docs += s.documents();
            toks += s.tokens();
        }
        sb.append("  \"documents\": ").append(docs).append(",\n");
        sb.append("  \"tokens\": ").append(toks).append(",\n");
        if (stats != null) {
            sb.append("  \"empty_documents_skipped\": ").append(stats.emptyDocuments()).append(",\n");
            sb.append("  \"bad_records_skipped\": ").append(stats.badRecords()).append(",\n");
        }
        sb.append("  \"config_sha256\": ").append(Json.write(configHash)).append(",\n");
        sb.append("  \"config\": ").append(config).append(",\n");
        sb.append("  \"shards\": [");
        for (int i = 0; i < shards.size(); i++) {
            Shard s = shards.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"prefix\": ")
                    .append(Json.write(s.prefix().getFileName().toString()))
                    .append(", \"first_document\": ").append(s.firstDocument())
                    .append(", \"documents\": ").append(s.documents()).append(", \"tokens\": ").append(s.tokens())
                    .append(", \"files\": [");
            for (int j = 0; j < s.files().size(); j++) {
                sb.append(j == 0 ? "" : ", ").append("{\"path\": ")
                        .append(Json.write(s.files().get(j).getFileName().toString())).append(", \"bytes\": ")
                        .append(s.sizes().get(j)).append(", \"crc32c\": ").append(Json.write(s.crc32c().get(j)))
                        .append('}');
            }
            sb.append("]}");
        }
        sb.append(shards.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(manifest, o -> o.write(bytes));
    }

    /**
     * The shards an earlier run left that can be kept: an empty list if there is no manifest, {@code null} if
     * the earlier run is complete.
     */
    private List<Shard> resumable(Path manifest, String configHash, Path prefix) {
        if (!Files.isRegularFile(manifest)) {
            return List.of();
        }
        Map<?, ?> m = readManifest(manifest);
        Object hash = m.get("config_sha256");
        if (!configHash.equals(hash)) {
            if (!options.overwrite()) {
                throw new TokmixException(manifest + " was written by a run with other arguments, inputs or"
                        + " tokenizer\n  remedy: choose another --output, or pass --overwrite to replace it");
            }
            for (Shard s : readShards(manifest, prefix)) {
                for (Path f : s.files()) {
                    deleteQuietly(f);
                }
            }
            deleteQuietly(manifest);
            return List.of();
        }
        List<Shard> shards = readShards(manifest, prefix);
        List<Shard> kept = new ArrayList<>();
        for (Shard s : shards) {
            if (!intact(s)) {
                break;
            }
            kept.add(s);
        }
        if (Boolean.TRUE.equals(m.get("complete")) && kept.size() == shards.size()) {
            return null;
        }
        // Shards after the first damaged one are redone (output order is input order).
        for (Shard s : shards.subList(kept.size(), shards.size())) {
            for (Path f : s.files()) {
                deleteQuietly(f);
            }
        }
        return kept;
    }

    private static boolean intact(Shard s) {
        for (int i = 0; i < s.files().size(); i++) {
            Path f = s.files().get(i);
            try {
                if (!Files.isRegularFile(f) || Files.size(f) != s.sizes().get(i)
                        || !TokenShardWriter.crc32c(f).equals(s.crc32c().get(i))) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static Map<?, ?> readManifest(Path manifest) {
        try {
            Object o = Json.parse(Files.readString(manifest), manifest.toString());
            if (o instanceof Map<?, ?> m) {
                return m;
            }
            throw new TokmixException(manifest + ": not a tokmix manifest (no JSON object)\n  remedy: delete it,"
                    + " or pass --overwrite");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest + ": " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof TokmixException) {
                throw e;
            }
            throw new TokmixException(manifest + ": not a tokmix manifest (" + e.getMessage()
                    + ")\n  remedy: delete it, or pass --overwrite", e);
        }
    }

    /**
     * The shards a manifest lists.
     *
     * @param manifest the manifest
     * @param prefix   the output prefix (shard files are its siblings)
     * @return the shards
     */
    static List<Shard> readShards(Path manifest, Path prefix) {
        Map<?, ?> m = readManifest(manifest);
        List<Shard> out = new ArrayList<>();
        Path dir = prefix.toAbsolutePath().getParent();
        if (!(m.get("shards") instanceof List<?> list)) {
            throw new TokmixException(manifest + ": no \"shards\" list\n  remedy: delete it, or pass --overwrite");
        }
        for (Object o : list) {
            Map<?, ?> s = (Map<?, ?>) o;
            List<Path> files = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            List<String> sums = new ArrayList<>();
            for (Object fo : (List<?>) s.get("files")) {
                Map<?, ?> f = (Map<?, ?>) fo;
                files.add(dir.resolve((String) f.get("path")));
                sizes.add(((Number) f.get("bytes")).longValue());
                sums.add((String) f.get("crc32c"));
            }
            out.add(new Shard(dir.resolve((String) s.get("prefix")), ((Number) s.get("first_document")).longValue(),
                    ((Number) s.get("documents")).longValue(), ((Number) s.get("tokens")).longValue(),
                    List.copyOf(files), List.copyOf(sizes), List.copyOf(sums)));
        }
        return out;
    }

    /** Temporary files of killed runs ({@code .NAME.tmp-PID-N} of a process no longer alive) are removed. */
    private static void removeStaleTemporaries(Path prefix) {
        Path dir = prefix.toAbsolutePath().getParent();
        String stem = "." + prefix.getFileName();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                int at = n.indexOf(".tmp-");
                if (!n.startsWith(stem) || at < 0) {
                    continue;
                }
                String rest = n.substring(at + 5);
                int dash = rest.indexOf('-');
                try {
                    long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        continue;
                    }
                } catch (NumberFormatException e) {
                    continue;
                }
                deleteQuietly(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e, e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Left for the user; it is named in the manifest or starts with '.'.
        }
    }

    static String sha256(Path file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
