package dev.tokmix.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.ShardPipeline;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.CorpusReader;
import dev.tokmix.core.JsonStrings;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.mixture.MixtureEstimate;
import dev.tokmix.mixture.MixtureInference;
import dev.tokmix.mixture.PretokenTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokmix on Spark in local mode (local[2], loopback only): the shards equal the single-machine {@code tokmix shard}
 * output token for token, and inference from Spark-counted tables equals inference from local counting.
 */
class TokmixSparkTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path data;

    @BeforeAll
    static void start() {
        data = Path.of(System.getProperty("tokmix.data"));
        // local[2, 4]: two cores, and up to four attempts per task (so the retry test can fail a first attempt).
        spark = SparkSession.builder().master("local[2,4]").appName("tokmix-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                // Small input splits, so that one file becomes several ordered partitions.
                .config("spark.sql.files.maxPartitionBytes", "200000").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** JSON Lines of real prose and code, documents of 1..4,000 chars, one empty text, some escapes. */
    static Path corpus(String name, List<String> files, int perFile) throws Exception {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (String f : files) {
            String all = Files.readString(data.resolve("text").resolve(f));
            int pos = 0;
            int len = 7;
            while (pos < Math.min(all.length(), perFile)) {
                int end = Math.min(all.length(), pos + len);
                if (end < all.length() && Character.isLowSurrogate(all.charAt(end))) {
                    end++;
                }
                sb.append("{\"id\":").append(n++).append(",\"text\":").append(JsonStrings.quote(all.substring(pos, end)))
                        .append("}\n");
                pos = end;
                len = len * 7 % 3989 + 1;
            }
        }
        sb.append("{\"text\":\"\"}\n\n");
        Path p = dir.resolve(name + ".jsonl");
        Files.writeString(p, sb.toString());
        return p;
    }

    static List<int[]> documentsOf(Path manifestDir, List<Path> idxFiles) {
        List<int[]> docs = new ArrayList<>();
        for (Path idx : idxFiles) {
            try (TokenShardReader r = TokenShardReader.open(idx)) {
                for (long d = 0; d < r.documentCount(); d++) {
                    docs.add(r.document(d));
                }
            }
        }
        return docs;
    }

    @Test
    void sparkShardsEqualTokmixShardTokenForToken() throws Exception {
        Path jsonl = corpus("mixed", List.of("prose/en.txt", "prose/ru.txt", "prose/zh.txt", "code/go.txt"), 150_000);
        String spec = data.resolve("tiktoken/cl100k_base.tiktoken").toString();
        Path out = dir.resolve("spark-shards");
        TokmixSpark.ShardResult r = TokmixSpark.writeShards(TokmixSpark.jsonlDocuments(spark, jsonl.toString(),
                "text", false), spec, out, TokenShardReader.Format.MEGATRON, null, true);
        assertTrue(r.parts().size() > 1, "expected several partitions, got " + r.parts().size());
        List<Path> idx;
        try (Stream<Path> s = Files.list(out)) {
            idx = s.filter(p -> p.toString().endsWith(".idx")).sorted().toList();
        }
        assertEquals(r.parts().size(), idx.size());
        try (Stream<Path> s = Files.walk(out)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "temporary files left");
        }
        Tokenizer t = Tokenizer.load(Path.of(spec));
        Path local = dir.resolve("local/c");
        new ShardPipeline(t, Path.of(spec), new ShardPipeline.Options(TokenShardReader.Format.MEGATRON, null, true,
                -1, SpecialTokenPolicy.ordinary(), 2, 0, false, null))
                .run(new CorpusReader(List.of(jsonl.toString()), CorpusReader.Options.defaults()), local);
        List<int[]> want = documentsOf(dir, List.of(Path.of(local + ".idx")));
        List<int[]> got = documentsOf(out, idx);
        assertEquals(want.size(), got.size());
        assertEquals(r.documents(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i), got.get(i), "document " + i);
        }
        assertTrue(Files.readString(out.resolve("manifest.json")).contains("\"complete\": true"));
    }

    @Test
    void inferenceFromSparkCountedTablesEqualsInferenceFromLocalCounting() throws Exception {
        Tokenizer t = Tokenizer.load("r50k_base");
        List<MixtureInference.Category> local = new ArrayList<>();
        List<MixtureInference.Category> remote = new ArrayList<>();
        Map<String, List<String>> cats = new HashMap<>();
        cats.put("en", List.of("prose/en.txt"));
        cats.put("de", List.of("prose/de.txt"));
        cats.put("code", List.of("code/python.txt", "code/c.txt"));
        for (String name : List.of("en", "de", "code")) {
            Path jsonl = corpus(name, cats.get(name), 120_000);
            local.add(MixtureInference.count(t, name, List.of(jsonl), TextDocuments.Split.FILE, "text", 2, 64));
            Path table = dir.resolve(name + ".tkpc");
            TokmixSpark.countPretokens(TokmixSpark.jsonlDocuments(spark, jsonl.toString(), "text", true), "r50k_base",
                    64, table);
            remote.add(PretokenTables.read(name, table, t.pieceSplitter().description()));
        }
        for (int c = 0; c < 3; c++) {
            MixtureInference.Category a = local.get(c);
            MixtureInference.Category b = remote.get(c);
            assertEquals(a.textBytes(), b.textBytes(), a.name());
            assertEquals(table(a.counts()), table(b.counts()), a.name());
            assertEquals(a.chunks().size(), b.chunks().size(), a.name());
            for (int k = 0; k < a.chunks().size(); k++) {
                assertEquals(table(a.chunks().get(k)), table(b.chunks().get(k)), a.name() + " block " + k);
            }
            assertArrayEquals(a.chunkBytes(), b.chunkBytes(), a.name());
        }
        MixtureEstimate x = MixtureInference.infer(t, local, 300, 2);
        MixtureEstimate y = MixtureInference.infer(t, remote, 300, 2);
        assertArrayEquals(x.byteWeights(), y.byteWeights(), 0.0);
        assertArrayEquals(x.pairWeights(), y.pairWeights(), 0.0);
    }

    @Test
    void aTaskThatDiesBeforeItsShardMovesIsRetriedWithoutDuplicatesOrPartialShards() throws Exception {
        Path jsonl = corpus("retry", List.of("prose/fr.txt", "code/java.txt"), 120_000);
        String spec = data.resolve("tiktoken/r50k_base.tiktoken").toString();
        Path clean = dir.resolve("retry-clean");
        TokmixSpark.ShardResult want = TokmixSpark.writeShards(TokmixSpark.jsonlDocuments(spark, jsonl.toString(),
                "text", false), spec, clean, TokenShardReader.Format.LLMC, null, false);
        java.util.Set<Integer> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // Each partition's first attempt dies after writing its shard under _temporary, before moving it.
        TokmixSpark.beforeMove = part -> {
            if (failed.add(part)) {
                throw new IllegalStateException("injected failure of partition " + part);
            }
        };
        Path out = dir.resolve("retry-out");
        TokmixSpark.ShardResult got;
        try {
            got = TokmixSpark.writeShards(TokmixSpark.jsonlDocuments(spark, jsonl.toString(), "text", false), spec,
                    out, TokenShardReader.Format.LLMC, null, false);
        } finally {
            TokmixSpark.beforeMove = null;
        }
        assertEquals(want.parts().size(), failed.size(), "every partition failed once");
        assertEquals(want.parts(), got.parts(), "same shards, same checksums");
        List<String> names;
        try (Stream<Path> s = Files.list(out)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        List<String> expected = new ArrayList<>();
        for (TokmixSpark.PartShard p : want.parts()) {
            expected.addAll(p.files());
        }
        expected.add("manifest.json");
        java.util.Collections.sort(expected);
        assertEquals(expected, names, "no duplicates, no partial files, no _temporary left");
    }

    static Map<String, Long> table(PretokenCounts c) {
        Map<String, Long> m = new HashMap<>();
        c.forEach((utf8, offset, length, count) -> m.put(java.util.HexFormat.of().formatHex(utf8, offset,
                offset + length), count));
        return m;
    }
}
