package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import dev.tokmix.bpe.BpeTrainer;
import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.PieceSplitter;
import dev.tokmix.bpe.PretokenCounter;
import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.bpe.TrainedBpe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trainer against references: its merge list equals a naive trainer that recounts everything at every step
 * ({@link NaiveBpeTrainer}) on real prose, code and multilingual text; replaying the merges shows each was a most
 * frequent pair; a trained {@code tokenizer.json} encodes held-back text exactly as HF tokenizers (DJL) do, and a
 * trained rank file exactly as jtokkit does.
 */
class TrainerParityTest {
    /** Training documents per naive-comparison corpus: enough for 2,000+ merges, small enough to recount. */
    private static final long NAIVE_CORPUS_BYTES = 220_000;

    @TempDir
    Path tmp;

    private static String slice(String file, long bytes) throws IOException {
        String text = Files.readString(TestData.require("text/" + file));
        StringBuilder sb = new StringBuilder();
        for (String doc : text.split("\n\n")) {
            if (sb.length() + doc.length() > bytes / 2) {
                break;
            }
            sb.append(doc).append("\n\n");
        }
        return sb.toString();
    }

    private static PretokenCounts count(PieceSplitter splitter, List<String> docs, int threads) {
        try (PretokenCounter c = new PretokenCounter(splitter, threads)) {
            for (String d : docs) {
                c.add(d, 1);
            }
            return c.finish();
        }
    }

    /** Trains both ways and compares merge lists and vocabularies; then replays the merges. */
    private static void assertEqualsNaive(String what, PieceSplitter splitter, List<String> docs, int vocab,
                                          List<String> specials, int minMerges) {
        PretokenCounts counts = count(splitter, docs, 2);
        TrainedBpe fast = new BpeTrainer(splitter, vocab, 0, specials).train(counts, null);
        NaiveBpeTrainer naive = new NaiveBpeTrainer(counts, specials).train(vocab, 0);
        MergeList m = fast.merges();
        assertTrue(m.size() >= minMerges, what + ": only " + m.size() + " merges");
        assertEquals(naive.merges.size(), m.size(), what + ": number of merges");
        for (int r = 0; r < m.size(); r++) {
            NaiveBpeTrainer.Merge want = naive.merges.get(r);
            if (want.left() != m.left(r) || want.right() != m.right(r) || want.result() != m.merged(r)) {
                fail(what + ": merge " + r + " is (" + m.left(r) + ", " + m.right(r) + ") -> " + m.merged(r)
                        + ", the naive trainer chose (" + want.left() + ", " + want.right() + ") -> "
                        + want.result() + " with count " + want.count());
            }
        }
        assertEquals(naive.tokens.size(), fast.vocabularySize(), what + ": vocabulary size");
        for (int id = 0; id < naive.tokens.size(); id++) {
            assertTrue(Arrays.equals(naive.tokens.get(id), fast.tokenBytes(id)), what + ": token " + id);
        }
        int[] left = new int[m.size()];
        int[] right = new int[m.size()];
        int[] result = new int[m.size()];
        for (int r = 0; r < m.size(); r++) {
            left[r] = m.left(r);
            right[r] = m.right(r);
            result[r] = m.merged(r);
        }
        assertEquals(-1, NaiveBpeTrainer.firstNonGreedyStep(counts, left, right, result, specials.size()),
                what + ": first merge that was not a most frequent pair");
        System.out.printf("TrainerParityTest: %s: %,d merges equal the naive trainer's (%,d unique pieces)%n", what,
                m.size(), counts.size());
    }

    @Test
    void mergesEqualNaiveReferenceOnEnglishProse() throws IOException {
        assertEqualsNaive("gpt2 on English prose", PieceSplitter.named("gpt2"),
                List.of(slice("prose/en.txt", NAIVE_CORPUS_BYTES), slice("prose/de.txt", NAIVE_CORPUS_BYTES / 4)),
                2400, List.of("<|endoftext|>", "<|pad|>"), 2000);
    }

    @Test
    void mergesEqualNaiveReferenceOnSourceCode() throws IOException {
        assertEqualsNaive("digits+gpt2 on code", PieceSplitter.named("digits+gpt2"),
                List.of(slice("code/python.txt", NAIVE_CORPUS_BYTES / 2), slice("code/c.txt", NAIVE_CORPUS_BYTES / 2),
                        slice("code/rust.txt", NAIVE_CORPUS_BYTES / 4)), 2400, List.of(), 2000);
    }

    @Test
    void mergesEqualNaiveReferenceOnMultilingualProse() throws IOException {
        List<String> docs = new ArrayList<>();
        for (String lang : List.of("zh", "ja", "ar", "ru", "hi", "ko", "el")) {
            docs.add(slice("prose/" + lang + ".txt", NAIVE_CORPUS_BYTES / 4));
        }
        assertEqualsNaive("o200k on multilingual prose", PieceSplitter.named("o200k"), docs, 2400, List.of(), 2000);
    }

    @Test
    void overlappingRunsMergeLeftToRightAsTheNaiveTrainerDoes() {
        // Runs of one byte are where overlapping windows and left-to-right merging matter most.
        StringBuilder sb = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            sb.append("a".repeat(1 + r.nextInt(40))).append(r.nextBoolean() ? "b" : "ab".repeat(1 + r.nextInt(5)))
                    .append(' ').append("xyx".repeat(r.nextInt(4))).append('\n');
        }
        assertEqualsNaive("runs", PieceSplitter.named("gpt2"), List.of(sb.toString()), 256 + 300, List.of(), 100);
    }

    @Test
    void countsDoNotDependOnThreads() throws IOException {
        PieceSplitter s = PieceSplitter.named("cl100k");
        List<String> docs = new ArrayList<>();
        for (String d : slice("prose/fr.txt", 400_000).split("\n\n")) {
            docs.add(d);
        }
        PretokenCounts one = count(s, docs, 1);
        PretokenCounts four = count(s, docs, 4);
        assertEquals(one.size(), four.size());
        assertEquals(one.totalCount(), four.totalCount());
        one.forEach((b, off, len, c) -> assertEquals(c, four.count(Arrays.copyOfRange(b, off, off + len))));
    }

    // ------------------------------------------------------------------ trained files vs HF tokenizers / jtokkit

    private static TrainingCorpus corpus;

    private static synchronized TrainingCorpus corpus() {
        if (corpus == null) {
            corpus = TrainingCorpus.of(TrainingCorpus.allTextFiles(), 3_000_000, 5_600_000);
            System.out.printf("TrainerParityTest: %,d training bytes in %,d documents, %,d held-back bytes in %,d"
                    + " documents%n", corpus.trainBytes, corpus.train.size(), corpus.heldBackBytes,
                    corpus.heldBack.size());
        }
        return corpus;
    }

    private Path trainJson(String pretokenizer, int vocab, List<String> specials) {
        PieceSplitter s = PieceSplitter.of(pretokenizer);
        TrainedBpe bpe = new BpeTrainer(s, vocab, 0, specials).train(count(s, corpus().train, 2), null);
        Path file = tmp.resolve(pretokenizer.replaceAll("[^a-z0-9]", "_") + ".json");
        bpe.writeTokenizerJson(file);
        return file;
    }

    private static void assertSameAsDjl(String what, Path file, List<String> docs, long minBytes) throws IOException {
        Tokenizer tokmix = Tokenizer.load(file);
        long bytes = 0;
        int mismatches = 0;
        String first = null;
        try (HuggingFaceTokenizer djl = HuggingFaceTokenizer.builder().optTokenizerPath(file)
                .optAddSpecialTokens(false).optTruncation(false).build()) {
            for (String doc : docs) {
                if (bytes >= minBytes) {
                    break;
                }
                int[] want = References.djlIds(djl, doc);
                int[] got = tokmix.encode(doc, SpecialTokenPolicy.all());
                if (!Arrays.equals(want, got)) {
                    mismatches++;
                    if (first == null) {
                        first = Parity.describe(0, new ParityCorpus.Document("held back", doc), want, got, tokmix);
                    }
                }
                bytes += doc.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        assertTrue(bytes >= minBytes, what + ": only " + bytes + " held-back bytes");
        assertEquals(0, mismatches, what + ": documents encoded differently from HF tokenizers; first:\n" + first);
        System.out.printf("TrainerParityTest: %s: %,d held-back bytes encode identically in tokmix and DJL%n", what,
                bytes);
    }

    @Test
    void trainedTokenizerJsonEncodesHeldBackTextLikeHfTokenizers() throws IOException {
        // The paper's controlled setting, with special tokens inserted into some held-back documents.
        Path file = trainJson("digits+gpt2", 8000, List.of("<|endoftext|>", "<|pad|>"));
        List<String> docs = new ArrayList<>(corpus().heldBack);
        for (int i = 0; i < docs.size(); i += 50) {
            String d = docs.get(i);
            docs.set(i, d.substring(0, d.length() / 2) + "<|endoftext|>" + d.substring(d.length() / 2) + "<|pad|>");
        }
        assertSameAsDjl("digits+gpt2, vocabulary 8000", file, docs, 5_000_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "cl100k", "o200k", "llama3", "qwen2", "deepseek_v3"})
    void everyBuiltInPretokenizerTrainsAFileHfTokenizersReadsAlike(String pretokenizer) throws IOException {
        Path file = trainJson(pretokenizer, 3000, List.of("<|endoftext|>"));
        List<String> docs = corpus().heldBack.subList(corpus().heldBack.size() / 3, corpus().heldBack.size());
        assertSameAsDjl(pretokenizer + ", vocabulary 3000", file, docs.stream().filter(d -> d.hashCode() % 5 == 0)
                .toList(), 600_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"claude", "qwen3", "gpt35turbo"})
    void aReleasedTokenizersPipelineTrainsAFileHfTokenizersReadsAlike(String name) throws IOException {
        // Claude: NFKC normaliser; Qwen 3: NFC and single digits; GPT-3.5: Split(Removed, invert).
        Path file = trainJson(TestData.hfTokenizerFile(name).toString(), 3000, List.of());
        assertSameAsDjl(name + "'s pipeline, vocabulary 3000", file, corpus().heldBack.stream()
                .filter(d -> Math.floorMod(d.hashCode(), 7) == 1).toList(), 400_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "cl100k"})
    void trainedRankFileEncodesLikeJtokkit(String pretokenizer) throws IOException {
        PieceSplitter s = PieceSplitter.named(pretokenizer);
        TrainedBpe bpe = new BpeTrainer(s, 4000, 0, List.of("<|endoftext|>")).train(count(s, corpus().train, 2),
                null);
        Path file = tmp.resolve(pretokenizer + ".tiktoken");
        bpe.writeTiktoken(file);
        Tokenizer tokmix = Tokenizer.loadTiktoken(file, s, bpe.specialTokens());
        Tokenizer json = bpe.toTokenizer();

        Map<byte[], Integer> ranks = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.split(" ");
            ranks.put(java.util.Base64.getDecoder().decode(parts[0]), Integer.parseInt(parts[1]));
        }
        EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
        registry.registerGptBytePairEncoding(new GptBytePairEncodingParams("trained-" + pretokenizer,
                Pattern.compile(s.tiktokenPattern(), Pattern.UNICODE_CHARACTER_CLASS), ranks, bpe.specialTokens()));
        Encoding jtokkit = registry.getEncoding("trained-" + pretokenizer).orElseThrow();

        long bytes = 0;
        int mismatches = 0;
        int rankSemanticsDiffer = 0;
        String first = null;
        for (String doc : corpus().heldBack) {
            if (bytes >= 1_500_000) {
                break;
            }
            String text = Texts.replaceLoneSurrogates(doc);
            int[] want = jtokkit.encodeOrdinary(text).toArray();
            int[] got = tokmix.encodeOrdinary(text);
            if (!Arrays.equals(want, got)) {
                mismatches++;
                if (first == null) {
                    first = Parity.describe(0, new ParityCorpus.Document("held back", text), want, got, tokmix);
                }
            }
            if (!Arrays.equals(got, json.encodeOrdinary(text))) {
                rankSemanticsDiffer++;
            }
            bytes += text.getBytes(StandardCharsets.UTF_8).length;
        }
        assertEquals(0, mismatches, pretokenizer + " rank file: documents encoded differently from jtokkit; first:\n"
                + first);
        System.out.printf("TrainerParityTest: %s rank file: %,d held-back bytes encode identically in tokmix and"
                + " jtokkit; %d documents encode differently under rank (tiktoken) and merge-list (HF) semantics%n",
                pretokenizer, bytes, rankSemanticsDiffer);
    }
}
