package dev.tokmix.spark;

import dev.tokmix.bpe.PieceSplitter;
import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.AtomicFile;
import dev.tokmix.core.Json;
import dev.tokmix.core.JsonStrings;
import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.core.TokenShardWriter;
import dev.tokmix.core.TokmixException;
import dev.tokmix.mixture.PretokenTables;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;
import scala.Tuple3;

/**
 * tokmix on Apache Spark: the same encoder in every executor (loaded once per executor JVM), the same shard formats
 * out, and distributed pretoken counting for mixture inference.
 *
 * <ul>
 *   <li>{@link #writeShards}: every partition writes one shard {@code part-NNNNN} (Megatron, llm.c or npy) with
 *       exactly the ids {@code tokmix shard} gives its documents, plus one {@code manifest.json} in partition
 *       order. Crash-safe per task: a task writes under {@code _temporary/PARTITION-ATTEMPT/}, forces the files to
 *       disk and renames them into place, the index last; a retried or speculative attempt writes the same bytes
 *       (the output is a pure function of the partition), so whichever rename lands last leaves a complete,
 *       identical shard, and a task that dies leaves only temporary files.</li>
 *   <li>{@link #countPretokens}: one category's unique-pretoken table, split by the tokenizer's own pipeline,
 *       counted per partition into the bootstrap's document blocks (document d into block d mod B, d counted over
 *       the whole input as {@code tokmix infer} counts it), merged by key, and written as a {@code .tkpc} file
 *       that {@code tokmix infer --category NAME=FILE.tkpc} reads.</li>
 * </ul>
 *
 * <p>Tokenizer specs are resolved on the executors: a built-in name needs the data folder there
 * ({@code -Dtokmix.data} or {@code TOKMIX_DATA}); a file path must exist on every executor (ship it with
 * {@code spark-submit --files} and pass its bare name, or use a shared file system).
 */
public final class TokmixSpark {
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();
    /** Test hook (local mode only): runs after a part is committed under its temporary folder, before it moves. */
    static volatile java.util.function.IntConsumer beforeMove;

    private TokmixSpark() {
    }

    /** The executor-wide tokenizer for a spec, loaded on first use. */
    static Tokenizer tokenizer(String spec) {
        return TOKENIZERS.computeIfAbsent(spec, s -> {
            Path p = Path.of(s);
            if (!Files.exists(p)) {
                try {
                    Path shipped = Path.of(org.apache.spark.SparkFiles.get(s));
                    if (Files.exists(shipped)) {
                        return Tokenizer.load(shipped);
                    }
                } catch (RuntimeException e) {
                    // No SparkContext here (a plain JVM), or not shipped: fall through to the built-in names.
                }
            }
            return Tokenizer.load(s);
        });
    }

    /**
     * The documents of JSON Lines files as a dataset of strings, in input order: blank lines skipped, the string
     * field decoded.
     *
     * @param spark     the session
     * @param path      a file, folder or glob Spark can read
     * @param field     the text field
     * @param keepEmpty keep records whose text is empty ({@code tokmix infer}'s counting does; {@code tokmix shard}
     *                  skips them)
     * @return the documents
     */
    public static Dataset<String> jsonlDocuments(SparkSession spark, String path, String field, boolean keepEmpty) {
        Dataset<String> lines = spark.read().textFile(path);
        return lines.filter((org.apache.spark.api.java.function.FilterFunction<String>) l -> !l.isBlank())
                .map((org.apache.spark.api.java.function.MapFunction<String, String>) l -> field(l, field, path),
                        Encoders.STRING())
                .filter((org.apache.spark.api.java.function.FilterFunction<String>) t -> keepEmpty || !t.isEmpty());
    }

    static String field(String line, String field, String source) {
        // The same field extraction as the single-machine reader, without building a JSON tree per record.
        return Json.stringField(line, field, source.replace("*", "_"), 0);
    }

    /**
     * One partition's shard.
     *
     * @param partition the partition index
     * @param documents documents in it
     * @param tokens    tokens in it
     * @param files     its file names (in the output folder), token file first
     * @param sizes     their sizes
     * @param crc32c    their CRC-32C
     */
    public record PartShard(int partition, long documents, long tokens, List<String> files, List<Long> sizes,
                            List<String> crc32c) implements Serializable {
    }

    /**
     * What {@link #writeShards} wrote.
     *
     * @param parts     one shard per partition, in partition order (empty partitions included)
     * @param documents all documents
     * @param tokens    all tokens
     * @param manifest  the manifest file
     */
    public record ShardResult(List<PartShard> parts, long documents, long tokens, Path manifest) {
    }

    /**
     * Encodes every document and writes one shard per partition plus the manifest.
     *
     * @param documents the documents, in order
     * @param spec      tokenizer spec (resolved on the executors)
     * @param output    the output folder (created)
     * @param format    megatron, llmc or npy
     * @param dtype     the token type, or null for uint16 up to 65,536 ids, else int32 (llm.c: uint32)
     * @param appendEod Megatron/npy: append the end-of-text id to each document (llm.c: always before each)
     * @return the parts and totals
     */
    public static ShardResult writeShards(Dataset<String> documents, String spec, Path output,
                                          TokenShardReader.Format format, TokenDtype dtype, boolean appendEod) {
        Tokenizer driverTokenizer = tokenizer(spec);
        TokenDtype dt = dtype != null ? dtype : TokenDtype.forIdLimit(driverTokenizer.idLimit());
        if (dtype == null && dt == TokenDtype.INT32 && format == TokenShardReader.Format.LLMC) {
            dt = TokenDtype.UINT32;
        }
        boolean llmc = format == TokenShardReader.Format.LLMC;
        int eod = llmc || appendEod ? eodId(driverTokenizer) : -1;
        String out = output.toAbsolutePath().toString();
        TokenDtype finalDtype = dt;
        try {
            Files.createDirectories(output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + output + ": " + e, e);
        }
        JavaRDD<String> rdd = documents.javaRDD();
        List<PartShard> parts = new ArrayList<>(rdd.mapPartitionsWithIndex(
                (org.apache.spark.api.java.function.Function2<Integer, Iterator<String>, Iterator<PartShard>>)
                        (index, docs) -> List.of(writePart(index, docs, spec, out, format, finalDtype, eod, llmc))
                                .iterator(), true).collect());
        parts.sort(Comparator.comparingInt(PartShard::partition));
        long docs = 0;
        long tokens = 0;
        for (PartShard p : parts) {
            docs += p.documents();
            tokens += p.tokens();
        }
        Path manifest = output.resolve("manifest.json");
        writeManifest(manifest, parts, driverTokenizer, format, dt, eod, llmc ? "before" : appendEod ? "after" : "none",
                docs, tokens);
        deleteTree(output.resolve("_temporary"));
        return new ShardResult(List.copyOf(parts), docs, tokens, manifest);
    }

    static int eodId(Tokenizer t) {
        for (String name : List.of("<|endoftext|>", "<|end_of_text|>", "</s>", "<｜end▁of▁sentence｜>")) {
            Integer id = t.specialTokens().get(name);
            if (id != null) {
                return id;
            }
        }
        throw new TokmixException(t.name() + " has no end-of-text special token\n  remedy: write Megatron or npy"
                + " shards without --append-eod");
    }

    /** Runs on an executor: encodes one partition into {@code part-NNNNN}, crash-safe. */
    private static PartShard writePart(int index, Iterator<String> docs, String spec, String out,
                                       TokenShardReader.Format format, TokenDtype dtype, int eod, boolean eodBefore)
            throws IOException {
        Tokenizer t = tokenizer(spec);
        String name = String.format("part-%05d", index);
        TaskContext ctx = TaskContext.get();
        long attempt = ctx == null ? 0 : ctx.taskAttemptId();
        Path tmpDir = Path.of(out, "_temporary", index + "-" + attempt);
        Files.createDirectories(tmpDir);
        IdArray ids = new IdArray();
        TokenShardWriter.Committed c;
        try (TokenShardWriter w = TokenShardWriter.create(format, tmpDir.resolve(name), dtype, t.idLimit())) {
            while (docs.hasNext()) {
                String d = docs.next();
                ids.length = 0;
                if (eod >= 0 && eodBefore) {
                    ids.accept(eod);
                }
                t.encode(d, SpecialTokenPolicy.ordinary(), ids);
                if (eod >= 0 && !eodBefore) {
                    ids.accept(eod);
                }
                w.writeDocument(ids.ids, 0, ids.length);
            }
            c = w.commit();
        }
        java.util.function.IntConsumer hook = beforeMove;
        if (hook != null) {
            hook.accept(index);
        }
        // Into place, the file that makes the shard readable last (as TokenShardWriter orders its renames).
        List<Path> files = new ArrayList<>(c.files());
        if (format == TokenShardReader.Format.NPY) {
            java.util.Collections.reverse(files);
        }
        for (Path f : files) {
            Path target = Path.of(out, f.getFileName().toString());
            try {
                Files.move(f, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(f, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        deleteTree(tmpDir);
        List<String> names = c.files().stream().map(p -> p.getFileName().toString()).toList();
        return new PartShard(index, c.documents(), c.tokens(), names, c.sizes(), c.crc32c());
    }

    /** A growable id array reused for every document of a partition. */
    private static final class IdArray implements dev.tokmix.bpe.TokenSink {
        int[] ids = new int[1 << 14];
        int length;

        @Override
        public void accept(int tokenId) {
            if (length == ids.length) {
                ids = java.util.Arrays.copyOf(ids, ids.length * 2);
            }
            ids[length++] = tokenId;
        }
    }

    private static void writeManifest(Path manifest, List<PartShard> parts, Tokenizer t,
                                      TokenShardReader.Format format, TokenDtype dtype, int eod, String placement,
                                      long docs, long tokens) {
        StringBuilder sb = new StringBuilder("{\n  \"tokmix_manifest\": 1,\n  \"complete\": true,\n  \"writer\": "
                + "\"tokmix-spark\",\n  \"format\": ");
        JsonStrings.quote(format.toString(), sb);
        sb.append(",\n  \"dtype\": ");
        JsonStrings.quote(dtype.toString(), sb);
        sb.append(",\n  \"tokenizer\": {\"name\": ");
        JsonStrings.quote(t.name(), sb);
        sb.append(", \"id_limit\": ").append(t.idLimit()).append("},\n  \"eod\": {\"id\": ").append(eod)
                .append(", \"placement\": \"").append(placement).append("\"},\n  \"documents\": ").append(docs)
                .append(",\n  \"tokens\": ").append(tokens).append(",\n  \"shards\": [");
        for (int i = 0; i < parts.size(); i++) {
            PartShard p = parts.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"prefix\": \"").append(String.format("part-%05d", p.partition()))
                    .append("\", \"documents\": ").append(p.documents()).append(", \"tokens\": ").append(p.tokens())
                    .append(", \"files\": [");
            for (int j = 0; j < p.files().size(); j++) {
                sb.append(j == 0 ? "" : ", ").append("{\"path\": ");
                JsonStrings.quote(p.files().get(j), sb);
                sb.append(", \"bytes\": ").append(p.sizes().get(j)).append(", \"crc32c\": \"").append(p.crc32c().get(j))
                        .append("\"}");
            }
            sb.append("]}");
        }
        sb.append(parts.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(manifest, o -> o.write(bytes));
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Temporary files of another attempt may still be open; they are named as such.
        }
    }

    /**
     * Counts one category's pretokens on the cluster and writes its {@code .tkpc} table.
     *
     * @param documents the category's documents, in order (empty ones included, as local counting sees them)
     * @param spec      tokenizer spec
     * @param blocks    bootstrap blocks (64 as {@code tokmix infer --bootstrap}; 1 for none)
     * @param table     the table file to write
     * @return the number of documents counted
     */
    public static long countPretokens(Dataset<String> documents, String spec, int blocks, Path table) {
        if (blocks < 1) {
            throw new TokmixException("blocks must be >= 1, not " + blocks);
        }
        JavaPairRDD<String, Long> indexed = documents.javaRDD().zipWithIndex();
        JavaPairRDD<Integer, Tuple3<byte[], Long, Long>> partial = indexed.mapPartitionsToPair(
                (org.apache.spark.api.java.function.PairFlatMapFunction<Iterator<Tuple2<String, Long>>, Integer,
                        Tuple3<byte[], Long, Long>>) it -> countPartition(it, spec, blocks));
        // Merge by block: tables add up.
        List<Tuple2<Integer, Tuple3<byte[], Long, Long>>> merged = partial.reduceByKey((a, b) -> {
            PretokenCounts m = new PretokenCounts();
            PretokenTables.addBytes(a._1(), m);
            PretokenTables.addBytes(b._1(), m);
            return new Tuple3<>(PretokenTables.toBytes(m), a._2() + b._2(), a._3() + b._3());
        }).collect();
        List<PretokenCounts> tables = new ArrayList<>();
        long[] bytes = new long[blocks];
        long docs = 0;
        for (int b = 0; b < blocks; b++) {
            tables.add(new PretokenCounts());
        }
        for (Tuple2<Integer, Tuple3<byte[], Long, Long>> e : merged) {
            PretokenTables.addBytes(e._2()._1(), tables.get(e._1()));
            bytes[e._1()] = e._2()._2();
            docs += e._2()._3();
        }
        PretokenTables.write(table, tokenizer(spec).pieceSplitter().description(), tables, bytes);
        return docs;
    }

    private static Iterator<Tuple2<Integer, Tuple3<byte[], Long, Long>>> countPartition(
            Iterator<Tuple2<String, Long>> it, String spec, int blocks) {
        PieceSplitter splitter = tokenizer(spec).pieceSplitter();
        PretokenCounts[] t = new PretokenCounts[blocks];
        long[] bytes = new long[blocks];
        long[] docs = new long[blocks];
        PretokenCounts[] target = new PretokenCounts[1];
        PieceSplitter.PieceSink sink = (utf8, offset, length) -> target[0].add(utf8, offset, length, 1);
        while (it.hasNext()) {
            Tuple2<String, Long> d = it.next();
            int b = (int) (d._2() % blocks);
            if (t[b] == null) {
                t[b] = new PretokenCounts();
            }
            target[0] = t[b];
            splitter.split(d._1(), sink);
            bytes[b] += d._1().getBytes(StandardCharsets.UTF_8).length;
            docs[b]++;
        }
        List<Tuple2<Integer, Tuple3<byte[], Long, Long>>> out = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            if (t[b] != null) {
                out.add(new Tuple2<>(b, new Tuple3<>(PretokenTables.toBytes(t[b]), bytes[b], docs[b])));
            }
        }
        return out.iterator();
    }
}
