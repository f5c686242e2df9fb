package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.cli.TokmixCommand;
import dev.tokmix.core.TokenShardReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokmix shard} end to end on real multilingual prose and code: the shards hold exactly what
 * {@code tokmix encode} gives for each document (EOD placed as documented), in input order whatever the thread
 * count, and an interrupted run leaves nothing that looks valid and completes when re-run.
 */
class ShardPipelineTest {
    @TempDir
    static Path dir;
    static Path jsonl;
    static List<String> documents = new ArrayList<>();
    static Tokenizer cl100k;

    record Run(int status, String out, String err) {
    }

    static synchronized Run tokmix(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
            int status = TokmixCommand.execute(args, new PrintWriter(err, true));
            return new Run(status, out.toString(StandardCharsets.UTF_8), err + progress.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** JSON string literal: half the records raw UTF-8 (zero-copy path), half with every non-ASCII escaped. */
    static String json(String s, boolean escapeAll) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c < 0x20 || (escapeAll && c > 0x7E)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    @BeforeAll
    static void corpus() throws IOException {
        cl100k = Tokenizer.load(TestData.tiktokenFile("cl100k_base"));
        StringBuilder sb = new StringBuilder();
        Path text = TestData.directory().resolve("text");
        List<Path> files = new ArrayList<>();
        for (String lang : List.of("en", "zh", "ar", "ru", "hi", "ja", "de", "ko")) {
            files.add(text.resolve("prose/" + lang + ".txt"));
        }
        for (String lang : List.of("python", "c", "rust", "javascript")) {
            files.add(text.resolve("code/" + lang + ".txt"));
        }
        int n = 0;
        for (Path f : files) {
            String all = Files.readString(TestData.require(TestData.directory().relativize(f).toString()));
            // About 60 KB per file, cut into documents of varied length (1 char to several KB).
            int pos = 0;
            int len = 1;
            while (pos < Math.min(all.length(), 60_000)) {
                int end = Math.min(all.length(), pos + len);
                if (end < all.length() && Character.isLowSurrogate(all.charAt(end))) {
                    end++;
                }
                String doc = all.substring(pos, end);
                pos = end;
                len = len * 3 % 7919 + 1;
                if (doc.isEmpty()) {
                    continue;
                }
                documents.add(doc);
                sb.append("{\"id\":").append(n).append(",\"meta\":{\"src\":\"").append(f.getFileName())
                        .append("\"},\"text\":").append(json(doc, n % 2 == 1)).append("}\n");
                n++;
            }
        }
        // Special-token text is ordinary text unless --allowed-special says otherwise.
        documents.add("<|endoftext|> is text here");
        sb.append("{\"text\":").append(json("<|endoftext|> is text here", false)).append("}\n");
        jsonl = dir.resolve("corpus.jsonl");
        Files.writeString(jsonl, sb.toString());
    }

    static List<int[]> readAll(Path prefix) throws IOException {
        List<int[]> docs = new ArrayList<>();
        String manifest = Files.readString(Path.of(prefix + ".manifest.json"));
        assertTrue(manifest.contains("\"complete\": true"), manifest);
        Matcher m = Pattern.compile("\"prefix\": \"([^\"]+)\"").matcher(manifest);
        while (m.find()) {
            Path shard = prefix.resolveSibling(m.group(1));
            Path file = Files.exists(Path.of(shard + ".idx")) ? Path.of(shard + ".idx")
                    : Files.exists(Path.of(shard + ".npy")) ? Path.of(shard + ".npy") : Path.of(shard + ".bin");
            try (TokenShardReader r = TokenShardReader.open(file)) {
                for (long d = 0; d < r.documentCount(); d++) {
                    docs.add(r.document(d));
                }
            }
        }
        return docs;
    }

    static int[] withEod(int[] ids, int eod, boolean before) {
        int[] out = new int[ids.length + 1];
        System.arraycopy(ids, 0, out, before ? 1 : 0, ids.length);
        out[before ? 0 : ids.length] = eod;
        return out;
    }

    @Test
    void deviceOptionChoosesWhereMergesRunWithoutChangingTheShards() throws IOException {
        Path cpu = dir.resolve("dev-cpu/corpus");
        Path auto = dir.resolve("dev-auto/corpus");
        Files.createDirectories(cpu.getParent());
        Files.createDirectories(auto.getParent());
        Run a = tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", cpu.toString(), "--device", "cpu",
                "--json");
        assertEquals(0, a.status(), a.err());
        assertTrue(a.out().contains("\"device\":\"cpu\""), a.out());
        Run b = tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", auto.toString(), "--device",
                "auto");
        assertEquals(0, b.status(), b.err());
        assertArrayEquals(Files.readAllBytes(Path.of(cpu + ".bin")), Files.readAllBytes(Path.of(auto + ".bin")));
        Run bad = tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", auto.toString(), "--device",
                "tpu");
        assertTrue(bad.status() != 0 && bad.err().contains("cpu, cuda or auto"), bad.err());
        if (!dev.tokmix.cuda.CudaEncoderProvider.get().available()) {
            Run cuda = tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o",
                    dir.resolve("dev-cuda/corpus").toString(), "--device", "cuda");
            assertTrue(cuda.status() != 0, cuda.out());
            assertTrue(cuda.err().contains("CUDA encoder is unavailable") && cuda.err().contains("--device cpu"),
                    cuda.err());
        }
    }

    @Test
    void megatronShardsHoldEachDocumentsIdsWithTheEodAppended() throws IOException {
        Path out = dir.resolve("mg/corpus");
        Run r = tokmix("shard", "-t", TestData.tiktokenFile("cl100k_base").toString(), "-i", jsonl.toString(),
                "-o", out.toString(), "--append-eod", "--threads", "2", "--max-shard-tokens", "40000", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"dtype\":\"int32\""), r.out());
        List<int[]> got = readAll(out);
        assertEquals(documents.size(), got.size());
        for (int i = 0; i < documents.size(); i++) {
            int[] want = withEod(cl100k.encode(documents.get(i), SpecialTokenPolicy.ordinary()), 100257, false);
            assertArrayEquals(want, got.get(i), "document " + i);
        }
        long shards = Files.list(out.getParent()).filter(p -> p.toString().endsWith(".idx")).count();
        assertTrue(shards > 3, "expected several shards, got " + shards);
    }

    @Test
    void llmcShardsPutTheEodBeforeEachDocumentAndNpyHasNoneWithoutAppendEod() throws IOException {
        Path llmc = dir.resolve("llmc/corpus");
        Run r = tokmix("shard", "-t", "r50k_base", "-i", jsonl.toString(), "-o", llmc.toString(), "-f", "llmc",
                "--threads", "3");
        assertEquals(0, r.status(), r.err());
        Tokenizer r50k = Tokenizer.load("r50k_base");
        List<int[]> got = readAll(llmc);
        assertEquals(documents.size(), got.size());
        for (int i = 0; i < documents.size(); i++) {
            int[] want = withEod(r50k.encode(documents.get(i), SpecialTokenPolicy.ordinary()), 50256, true);
            assertArrayEquals(want, got.get(i), "document " + i);
        }
        Path npy = dir.resolve("npy/corpus");
        r = tokmix("shard", "-t", "o200k_base", "-i", jsonl.toString(), "-o", npy.toString(), "-f", "npy",
                "--dtype", "uint32", "--threads", "1");
        assertEquals(0, r.status(), r.err());
        Tokenizer o200k = Tokenizer.load("o200k_base");
        got = readAll(npy);
        for (int i = 0; i < documents.size(); i++) {
            assertArrayEquals(o200k.encode(documents.get(i), SpecialTokenPolicy.ordinary()), got.get(i),
                    "document " + i);
        }
    }

    @Test
    void lineSplitShardsEqualEncodeLinesOutput() throws IOException {
        Path text = dir.resolve("lines.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            String d = documents.get(i * 7 % documents.size()).replace('\n', ' ').replace('\r', ' ');
            sb.append(d).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        Files.writeString(text, sb.toString());
        Run enc = tokmix("encode", "-t", "cl100k_base", "--input", text.toString(), "--lines");
        assertEquals(0, enc.status(), enc.err());
        Path out = dir.resolve("lines/l");
        Run r = tokmix("shard", "-t", "cl100k_base", "-i", text.toString(), "-o", out.toString(), "--split",
                "line", "--threads", "2");
        assertEquals(0, r.status(), r.err());
        List<int[]> got = readAll(out);
        List<String> lines = Arrays.stream(enc.out().split("\n", -1)).filter(l -> !l.isEmpty()).toList();
        assertEquals(lines.size(), got.size());
        for (int i = 0; i < lines.size(); i++) {
            int[] want = Arrays.stream(lines.get(i).split(" ")).mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(want, got.get(i), "line " + i);
        }
    }

    @Test
    void outputIsTheSameForOneAndThreeThreadsAndARerunDoesNothing() throws IOException {
        Path a = dir.resolve("t1/c");
        Path b = dir.resolve("t3/c");
        assertEquals(0, tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", a.toString(),
                "--threads", "1", "--max-shard-tokens", "30000").status());
        assertEquals(0, tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", b.toString(),
                "--threads", "3", "--max-shard-tokens", "30000").status());
        assertEquals(shardsPart(a), shardsPart(b));
        Run again = tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", b.toString(),
                "--threads", "3", "--max-shard-tokens", "30000");
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("already complete"), again.out());
        Run other = tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", b.toString(),
                "--threads", "3", "--max-shard-tokens", "20000");
        assertEquals(1, other.status());
        assertTrue(other.err().contains("other arguments") && other.err().contains("--overwrite"), other.err());
        Run over = tokmix("shard", "-t", "cl100k_base", "-i", jsonl.toString(), "-o", b.toString(),
                "--threads", "3", "--max-shard-tokens", "20000", "--overwrite");
        assertEquals(0, over.status(), over.err());
    }

    static String shardsPart(Path prefix) throws IOException {
        String m = Files.readString(Path.of(prefix + ".manifest.json"));
        return m.substring(m.indexOf("\"shards\""));
    }

    @Test
    void badRecordsFailWithFileAndLineOrAreSkippedAndCounted() throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, ("{\"text\":\"fine\"}\n{\"text\":\"broken\"\n{\"text\":\"also fine\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        Run fail = tokmix("shard", "-t", "cl100k_base", "-i", bad.toString(), "-o", dir.resolve("bad/x").toString());
        assertEquals(1, fail.status());
        assertTrue(fail.err().contains("bad.jsonl") && fail.err().contains("line 2"), fail.err());
        if (Files.isDirectory(dir.resolve("bad"))) {
            try (Stream<Path> s = Files.list(dir.resolve("bad"))) {
                assertEquals(List.of(), s.toList(), "a failed run leaves no files");
            }
        }
        Run skip = tokmix("shard", "-t", "cl100k_base", "-i", bad.toString(), "-o",
                dir.resolve("bad2/x").toString(), "--on-bad-record", "skip", "--json");
        assertEquals(0, skip.status(), skip.err());
        assertTrue(skip.out().contains("\"documents\":2") && skip.out().contains("\"bad_records_skipped\":1"),
                skip.out());
    }

    @Test
    void aKilledRunLeavesNoValidLookingPartialShardAndTheRerunCompletesIdentically() throws Exception {
        // A bigger corpus, so that the run lasts long enough to be killed half-way.
        Path big = dir.resolve("big.jsonl");
        String once = Files.readString(jsonl);
        try (var w = Files.newBufferedWriter(big)) {
            for (int i = 0; i < 25; i++) {
                w.write(once);
            }
        }
        String[] args = {"shard", "-t", "cl100k_base", "-i", big.toString(), "--threads", "1",
                "--max-shard-tokens", "100000", "--append-eod"};
        Path ref = dir.resolve("kill-ref/c");
        assertEquals(0, tokmix(concat(args, "-o", ref.toString())).status());

        Path out = dir.resolve("kill/c");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Dtokmix.data=" + TestData.directory(), "-cp", System.getProperty("java.class.path"),
                TokmixCommand.class.getName()));
        cmd.addAll(List.of(concat(args, "-o", out.toString())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("kill.log").toFile())
                .start();
        Path manifest = Path.of(out + ".manifest.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(manifest) && Files.readString(manifest).split("\"prefix\"").length > 3) {
                break;
            }
            Thread.sleep(5);
        }
        assertTrue(p.isAlive(), "the run ended before it could be killed: " + Files.readString(dir.resolve("kill.log")));
        p.destroyForcibly().waitFor();
        assertTrue(Files.readString(manifest).contains("\"complete\": false"));
        // Every file under a final name is a complete, valid shard; the one being written exists only under a
        // temporary name.
        try (Stream<Path> s = Files.list(out.getParent())) {
            for (Path f : s.toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith(".")) {
                    assertTrue(n.contains(".tmp-"), n);
                } else if (n.endsWith(".idx")) {
                    try (TokenShardReader r = TokenShardReader.open(f)) {
                        assertTrue(r.documentCount() > 0);
                    }
                }
            }
        }
        Run rerun = tokmix(concat(args, "-o", out.toString(), "--json"));
        assertEquals(0, rerun.status(), rerun.err());
        assertTrue(rerun.out().matches("(?s).*\"resumed_shards\":[1-9].*"), rerun.out());
        assertEquals(shardsPart(ref), shardsPart(out));
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertFalse(s.anyMatch(f -> f.getFileName().toString().startsWith(".")), "temporary files left");
        }
    }

    @Test
    void inspectPrintsTheHeaderAndRejectsACorruptShardWithItsOffset() throws IOException {
        Path out = dir.resolve("inspect/c");
        assertEquals(0, tokmix("shard", "-t", "r50k_base", "-i", jsonl.toString(), "-o", out.toString(),
                "--append-eod").status());
        Run ok = tokmix("inspect", out + ".idx", "--tokenizer", "r50k_base");
        assertEquals(0, ok.status(), ok.err());
        assertTrue(ok.out().contains("megatron") && ok.out().contains("uint16") && ok.out().contains("valid"),
                ok.out());
        Run json = tokmix("inspect", out.toString(), "--json");
        assertTrue(json.out().contains("\"documents\":" + documents.size()), json.out());
        Run vocab = tokmix("inspect", out + ".bin", "--vocab-size", "1000");
        assertEquals(1, vocab.status());
        assertTrue(vocab.err().contains("outside the vocabulary [0, 1000)"), vocab.err());
        byte[] idx = Files.readAllBytes(Path.of(out + ".idx"));
        idx[17] = 6;   // dtype code 6: float64
        Files.write(Path.of(out + ".idx"), idx);
        Run bad = tokmix("inspect", out + ".idx");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("byte offset 17") && bad.err().contains("remedy"), bad.err());
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
