package dev.tokmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user drives it: exit codes, output formats, help for every command. */
class TokmixCommandTest {
    @TempDir
    static Path dir;
    static Path tokenizer;

    record Result(int status, String out, String err) {
    }

    @BeforeAll
    static void writeTinyTokenizer() throws Exception {
        StringBuilder sb = new StringBuilder();
        int rank = 0;
        for (int b = 0; b < 256; b++) {
            sb.append(Base64.getEncoder().encodeToString(new byte[] {(byte) b})).append(' ').append(rank++).append('\n');
        }
        for (String t : new String[] {"he", "ll", "llo", "hello", " w", "or", " wor", " world"}) {
            sb.append(Base64.getEncoder().encodeToString(t.getBytes(StandardCharsets.UTF_8))).append(' ')
                    .append(rank++).append('\n');
        }
        tokenizer = dir.resolve("tiny.tiktoken");
        Files.writeString(tokenizer, sb.toString());
    }

    static synchronized Result run(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            // Progress bars and reports go straight to System.err; errors to picocli's writer.
            System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
            int status = TokmixCommand.execute(args, new PrintWriter(err, true));
            System.out.flush();
            return new Result(status, out.toString(StandardCharsets.UTF_8),
                    err + progress.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void encodePrintsSpaceSeparatedIdsAndDecodeRestoresBytes() {
        Result r = run("hello world", "encode", "-t", tokenizer.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("259 263\n", r.out());
        Result d = run(r.out(), "decode", "-t", tokenizer.toString());
        assertEquals(0, d.status(), d.err());
        assertEquals("hello world", d.out());
    }

    @Test
    void encodeLinesAndJson() {
        Result r = run("hello\r\n world\n\nhe\n", "encode", "-t", tokenizer.toString(), "--lines", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals("[259]\n[263]\n[]\n[256]\n", r.out());
        Result c = run("hello\n world\n", "encode", "-t", tokenizer.toString(), "--lines", "--count");
        assertEquals("1\n1\n", c.out());
    }

    @Test
    void infoReportsVocabularyAndMergesAsJson() {
        Result r = run("", "info", "-t", tokenizer.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"vocabulary_size\":264"), r.out());
        assertTrue(r.out().contains("\"format\":\"tiktoken\""), r.out());
    }

    @Test
    void badIdsAndMissingFilesExitWithOneAndAMessage() {
        Result bad = run("259 99999", "decode", "-t", tokenizer.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("99999") && bad.err().contains("position 1"), bad.err());
        Result junk = run("259 abc", "decode", "-t", tokenizer.toString());
        assertEquals(1, junk.status());
        assertTrue(junk.err().contains("not a token id"), junk.err());
        Result missing = run("", "encode", "-t", dir.resolve("nope.json").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("nope.json"), missing.err());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, run("", "encode").status());
        assertEquals(2, run("", "frobnicate").status());
    }

    @Test
    void everyCommandHasHelp() {
        java.util.Set<String> commands = new picocli.CommandLine(new TokmixCommand()).getSubcommands().keySet();
        assertTrue(commands.containsAll(java.util.List.of("encode", "decode", "info", "train", "infer",
                "experiment", "demo", "compression", "shard", "inspect")), commands.toString());
        for (String cmd : commands) {
            if (cmd.equals("help")) {
                continue;
            }
            Result r = run("", cmd, "--help");
            assertEquals(0, r.status(), cmd);
            assertTrue(r.out().contains("Usage: tokmix " + cmd), r.out());
        }
    }

    /** Files in a folder other than the given inputs: what a failed run may have left behind. */
    private static java.util.List<String> leftovers(Path folder, String... inputs) throws java.io.IOException {
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !java.util.List.of(inputs).contains(n))
                    .sorted().toList();
        }
    }

    @Test
    void trainWritesTokenizerJsonAndRankFileThatLoadAndRoundTrip() throws Exception {
        Path work = Files.createDirectories(dir.resolve("train-ok"));
        Path corpus = work.resolve("corpus.txt");
        Files.writeString(corpus, "low lower lowest newer newest wider widest\n".repeat(50) + "12345 67890\n");
        Path json = work.resolve("tok.json");
        Result r = run("", "train", "--input", corpus.toString(), "--vocab-size", "270", "--special", "<|endoftext|>",
                "--pretokenizer", "digits+gpt2", "--output", json.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"vocabulary_size\":270"), r.out());
        assertTrue(r.err().contains("merge "), "progress bar on stderr: " + r.err());
        dev.tokmix.bpe.Tokenizer t = dev.tokmix.bpe.Tokenizer.load(json);
        int[] ids = t.encode("lowest newer<|endoftext|>", dev.tokmix.bpe.SpecialTokenPolicy.all());
        assertEquals(0, ids[ids.length - 1]);
        assertEquals("lowest newer<|endoftext|>", new String(t.decode(ids), StandardCharsets.UTF_8));

        Path rank = work.resolve("tok.tiktoken");
        Result rr = run("", "train", "--input", corpus.toString(), "--vocab-size", "300", "--pretokenizer", "gpt2",
                "--output", rank.toString());
        assertEquals(0, rr.status(), rr.err());
        assertTrue(Files.readString(rank).startsWith("IQ== 0\n"), "rank 0 is '!', as in GPT-2's vocabulary");
        assertEquals(java.util.List.of("corpus.txt", "tok.json", "tok.tiktoken"), leftovers(work));
    }

    @Test
    void trainRefusesBadInputWithExitOneAndLeavesNoOutput() throws Exception {
        Path work = Files.createDirectories(dir.resolve("train-bad"));
        Path empty = work.resolve("empty.txt");
        Files.writeString(empty, "");
        Path text = work.resolve("text.txt");
        Files.writeString(text, "some text to train on\n");
        Path invalid = work.resolve("latin1.txt");
        Files.write(invalid, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        Path out = work.resolve("out.json");
        String[][] cases = {
            {"the training corpus is empty", "--input", empty.toString()},
            {"smaller than the 256 byte tokens plus 2 special", "--input", text.toString(), "--special", "<a>",
                "--special", "<b>", "--vocab-size", "257"},
            {"must sum to a positive number", "--mix", "a=" + text + ":0", "--mix", "b=" + text + ":0",
                "--total-bytes", "1000"},
            {"must be a finite number >= 0", "--mix", "a=" + text + ":-1", "--total-bytes", "1000"},
            {"the category is empty", "--mix", "a=" + empty + ":1", "--total-bytes", "1000"},
            {"does not exist", "--input", work.resolve("missing.txt").toString()},
            {"latin1.txt: line 2 (byte offset 6): not valid UTF-8", "--input", invalid.toString()},
            {"unknown pretokenizer \"bert\"", "--input", text.toString(), "--pretokenizer", "bert"},
            {"--mix needs --total-bytes", "--mix", "a=" + text + ":1"},
            {"--total-bytes and --seed shape a --mix stream", "--input", text.toString(), "--seed", "3"},
            {"has no tokenizer.json form", "--input", text.toString(), "--pretokenizer", tokenizer.toString()},
        };
        for (String[] c : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--output",
                    out.toString()));
            args.addAll(java.util.List.of(c).subList(1, c.length));
            if (!args.contains("--vocab-size")) {
                args.addAll(java.util.List.of("--vocab-size", "300"));
            }
            Result r = run("", args.toArray(new String[0]));
            assertEquals(1, r.status(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(c[0]), "expected \"" + c[0] + "\" in: " + r.err());
            assertEquals(java.util.List.of("empty.txt", "latin1.txt", "text.txt"), leftovers(work), c[0]);
        }
    }

    /** Words over one alphabet, in a seeded random order. */
    private static String words(String alphabet, int count, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            int len = 2 + r.nextInt(6);
            for (int j = 0; j < len; j++) {
                sb.append(alphabet.charAt(Math.min(alphabet.length() - 1, (int) Math.abs(r.nextGaussian() * 3))));
            }
            sb.append(i % 12 == 11 ? "\n\n" : " ");
        }
        return sb.toString();
    }

    @Test
    void inferFindsTheLargerCategoryOfATrainedMix() throws Exception {
        Path work = Files.createDirectories(dir.resolve("infer"));
        Path a = work.resolve("a.txt");
        Path b = work.resolve("b.txt");
        Files.writeString(a, words("etaoinshrdlu", 40_000, 1));
        Files.writeString(b, words("zyxwvqkjgfbp", 40_000, 2));
        Path tok = work.resolve("tok.json");
        Result t = run("", "train", "--mix", "a=" + a + ":0.8", "--mix", "b=" + b + ":0.2", "--total-bytes",
                "300000", "--vocab-size", "500", "--split", "paragraph", "--output", tok.toString());
        assertEquals(0, t.status(), t.err());
        Path sa = work.resolve("sample-a.txt");
        Path sb = work.resolve("sample-b.txt");
        Files.writeString(sa, words("etaoinshrdlu", 20_000, 3));
        Files.writeString(sb, words("zyxwvqkjgfbp", 20_000, 4));
        Result r = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "b=" + sb,
                "--merges", "200", "--json");
        assertEquals(0, r.status(), r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"name\":\"(a|b)\",\"weight\":[0-9.eE-]+,"
                + "\"weight_bytes\":([0-9.eE-]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals("a", m.group(1), "the larger category comes first: " + r.out());
        assertEquals(0.8, Double.parseDouble(m.group(2)), 0.05, r.out());
        Result human = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "b=" + sb,
                "--merges", "200");
        assertTrue(human.out().contains("category") && human.out().contains("LP: objective"), human.out());
        Result bad = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--merges", "200");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("at least 2 categories"), bad.err());
        Result tooMany = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "b=" + sb,
                "--merges", "100000");
        assertEquals(1, tooMany.status());
        assertTrue(tooMany.err().contains("--merges between 1 and"), tooMany.err());

        // --json carries the fields scripts read; nothing extends a 244-merge tokenizer.
        for (String field : new String[] {"\"extends\":null", "\"merges_used\":200", "\"missing_merges\":",
                "\"ci_low\":null", "\"ci_high_bytes\":null", "\"timings\":{", "\"slack\":{"}) {
            assertTrue(r.out().contains(field), field + " in " + r.out());
        }
        // Bootstrap intervals and a chart.
        Path chart = work.resolve("mix.svg");
        Result boot = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "b=" + sb,
                "--merges", "100", "--bootstrap", "5", "--chart", chart.toString(), "--json");
        assertEquals(0, boot.status(), boot.err());
        assertTrue(boot.out().contains("\"bootstrap_replicates\":5"), boot.out());
        java.util.regex.Matcher ci = java.util.regex.Pattern.compile("\"weight_bytes\":([0-9.eE-]+),\"ci_low\":"
                + "[0-9.eE-]+,\"ci_high\":[0-9.eE-]+,\"ci_low_bytes\":([0-9.eE-]+),\"ci_high_bytes\":([0-9.eE-]+)")
                .matcher(boot.out());
        assertTrue(ci.find(), boot.out());
        assertTrue(Double.parseDouble(ci.group(2)) <= Double.parseDouble(ci.group(3)), boot.out());
        assertTrue(Files.readString(chart).contains("<svg"), "chart written");
        assertTrue(boot.err().contains("bootstrap"), "a progress bar for the replicates: " + boot.err());

        Result replay = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "b=" + sb,
                "--merges", "100", "--replay-only", "--json");
        assertEquals(0, replay.status(), replay.err());
        assertTrue(replay.out().contains("\"merges_used\":100") && replay.out().contains("\"replay_mb_per_s\":"),
                replay.out());

        // p50k_base starts with r50k_base's 50,000 merges but adds only 24 hand-made ones: not an extension.
        Result p50k = run("", "infer", "-t", "p50k_base", "--category", "a=" + sa, "--category", "b=" + sb,
                "--merges", "50", "--replay-only", "--json");
        assertEquals(0, p50k.status(), p50k.err());
        assertTrue(p50k.err().contains("adds only 24"), p50k.err());
        // A bootstrap needs documents to resample; a category of one document is refused before any solving.
        Path one = work.resolve("one.txt");
        Files.writeString(one, words("etaoinshrdlu", 300, 8).replace("\n\n", " "));
        Result single = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "o=" + one,
                "--merges", "50", "--bootstrap", "3");
        assertEquals(1, single.status());
        assertTrue(single.err().contains("category o holds 1 block") && single.err().contains("--split"),
                single.err());

        // Bad input: an empty category, invalid UTF-8, a tokenizer without merges, a chart of another format.
        Path empty = work.resolve("empty.txt");
        Files.writeString(empty, "");
        Result none = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "e=" + empty);
        assertEquals(1, none.status());
        assertTrue(none.err().contains("category e has no text"), none.err());
        Path binary = work.resolve("bad.txt");
        Files.write(binary, new byte[] {'o', 'k', '\n', 'x', (byte) 0xC3, '(', '\n'});
        Result utf8 = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "x=" + binary);
        assertEquals(1, utf8.status());
        assertTrue(utf8.err().contains("bad.txt") && utf8.err().contains("UTF-8"), utf8.err());
        Path flat = work.resolve("flat.json");
        Result f = run("", "train", "--input", sa.toString(), "--vocab-size", "256", "--output", flat.toString());
        assertEquals(0, f.status(), f.err());
        Result noMerges = run("", "infer", "-t", flat.toString(), "--category", "a=" + sa, "--category", "b=" + sb);
        assertEquals(1, noMerges.status());
        assertTrue(noMerges.err().contains("has no merge list"), noMerges.err());
        Result gif = run("", "infer", "-t", tok.toString(), "--category", "a=" + sa, "--category", "b=" + sb,
                "--chart", work.resolve("x.gif").toString());
        assertEquals(1, gif.status());
        assertTrue(gif.err().contains(".svg or .png"), gif.err());
    }

    @Test
    void experimentScoresTrialsAgainstBothBaselines() throws Exception {
        Path cats = Files.createDirectories(dir.resolve("experiment/cats"));
        Files.writeString(cats.resolve("a.txt"), words("etaoinshrdlu", 30_000, 5));
        Files.writeString(cats.resolve("b.txt"), words("zyxwvqkjgfbp", 30_000, 6));
        Files.writeString(cats.resolve("c.txt"), words("aeiouyxz", 30_000, 7));
        Result r = run("", "experiment", "--categories", cats.toString(), "--n", "2", "--trials", "2",
                "--vocab-size", "400", "--total-bytes", "150000", "--merges", "100", "--seed", "3", "--json");
        assertEquals(0, r.status(), r.err());
        for (String field : new String[] {"\"log10_mse\":{\"mean\":", "\"random_guess\"", "\"uniform_guess\"",
                "\"truth\":", "\"estimate\":"}) {
            assertTrue(r.out().contains(field), field + " in " + r.out());
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"log10_mse\":\\{\"mean\":([0-9.eE-]+)")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) < -2.5, "far better than guessing: " + r.out());
        Result same = run("", "experiment", "--categories", cats.toString(), "--n", "2", "--trials", "2",
                "--vocab-size", "400", "--total-bytes", "150000", "--merges", "100", "--seed", "3", "--json");
        assertEquals(r.out().replaceAll("\"(train|infer)_seconds\":[0-9.]+", ""),
                same.out().replaceAll("\"(train|infer)_seconds\":[0-9.]+", ""), "same seed, same trials");
        Result bad = run("", "experiment", "--categories", cats.toString(), "--n", "5", "--trials", "1",
                "--vocab-size", "400", "--total-bytes", "150000");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("holds 3 categories"), bad.err());
    }
}
