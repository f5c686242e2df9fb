package dev.tokmix.tests;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Added tokens with every flag HF knows ({@code lstrip}, {@code rstrip}, {@code single_word}, {@code normalized},
 * {@code special}), which none of the fetched files uses, against DJL. The tokens are appended to the fetched
 * {@code claude} file, whose NFKC normalizer makes {@code normalized} matter, and both engines load the result.
 *
 * <p>HF semantics (tokenizers {@code added_vocabulary.rs}): non-normalized tokens are found leftmost-longest in the
 * raw text, normalized ones in each normalized segment by their <em>normalized</em> content; a
 * {@code single_word} match is dropped when the text before it ends with, or the text after it starts with, a
 * regex {@code \w} char (Rust: Alphabetic, marks, decimal digits, connector punctuation, ZWJ/ZWNJ);
 * {@code lstrip}/{@code rstrip} extend the match over the White_Space next to it.
 */
class HfAddedTokenFlagsTest {
    /** One added token of the test file. */
    private record Flagged(String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord,
                           boolean normalized) {
    }

    private static final List<Flagged> FLAGGED = List.of(
            new Flagged("<ls>", true, true, false, false, false),
            new Flagged("<rs>", true, false, true, false, false),
            new Flagged("<lrs>", false, true, true, false, false),
            new Flagged("zqword", false, false, false, true, false),
            new Flagged("zqsw", true, false, false, true, true),
            new Flagged("\uFB01zq", false, false, false, false, true), // "ﬁzq": its NFKC form is "fizq"
            new Flagged("\u2460qz", false, false, false, false, true), // "①qz": its NFKC form is "1qz"
            new Flagged("Zq", false, false, false, false, true),
            new Flagged("<|x", true, false, false, false, false),
            new Flagged("<|x|>", true, false, false, false, false),
            new Flagged("qv qv", false, false, false, false, false),
            new Flagged("zzq", false, true, true, true, true));

    /** Chars put right before and right after a token: whitespace, word chars of every kind, and non-word chars. */
    private static final List<String> NEIGHBOURS = List.of("", " ", "   ", "\n", "\t ", " \n ", "\u3000", "\u00A0",
            "a", "Z", "\u01C5", "\u02B0", "\u2160", "_", "\u203F", "\uFE4F", "1", "\u0660", "\u00B2", "\u0301",
            "e\u0301", "\u0903", "\u20DD", "\u00E9", "\u200D", "\u200C", "\u200B", "\u4E2D", "\uD83D\uDE00", "!", "'",
            "-", "<", ">", "|");

    @TempDir
    static Path dir;
    private static Tokenizer tokmix;
    private static HuggingFaceTokenizer djl;

    @BeforeAll
    static void writeTokenizerWithFlaggedAddedTokens() throws IOException {
        String json = Files.readString(TestData.hfTokenizerFile("claude"));
        int vocabularySize = References.hf("claude").vocabularySize();
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < FLAGGED.size(); i++) {
            Flagged f = FLAGGED.get(i);
            // HF numbers added tokens that are not in the vocabulary from the vocabulary size up, in file order,
            // whatever the file says; giving them those ids keeps both loaders in agreement.
            entries.append(String.format(",{\"id\":%d,\"content\":%s,\"single_word\":%b,\"lstrip\":%b,"
                            + "\"rstrip\":%b,\"normalized\":%b,\"special\":%b}", vocabularySize + i,
                    Texts.jsonString(f.content()), f.singleWord(), f.lstrip(), f.rstrip(), f.normalized(),
                    f.special()));
        }
        int end = Texts.closingBracket(json, json.indexOf('[', json.indexOf("\"added_tokens\"")));
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.substring(0, end) + entries + json.substring(end));
        tokmix = Tokenizer.load(file);
        djl = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false).optTruncation(false)
                .build();
    }

    @AfterAll
    static void closeReference() {
        if (djl != null) {
            djl.close();
        }
    }

    /** Each text alone, and with every neighbour on each side, inside and outside other text. */
    private static void assertInContextsLikeDjl(String what, List<String> texts) {
        List<ParityCorpus.Document> docs = new ArrayList<>();
        for (String t : texts) {
            for (String before : NEIGHBOURS) {
                for (String after : NEIGHBOURS) {
                    String s = before + t + after;
                    docs.add(new ParityCorpus.Document(what + " \"" + Texts.escape(s, 40) + "\"", s));
                    docs.add(new ParityCorpus.Document(what + " in text", "x" + s + "y " + s));
                }
            }
        }
        assertLikeDjl(what, docs);
    }

    private static void assertLikeDjl(String what, List<ParityCorpus.Document> docs) {
        Parity.assertSameIds("claude + flagged added tokens, " + what + ", encode(all()) vs DJL", docs,
                Parity.eachInParallel(s -> References.djlIds(djl, s)), s -> tokmix.encode(s, SpecialTokenPolicy.all()),
                tokmix);
    }

    @Test
    void stripsWhitespaceBeforeLstripAndAfterRstripTokensLikeHf() {
        assertInContextsLikeDjl("lstrip/rstrip", List.of("<ls>", "<rs>", "<lrs>", "<lrs><lrs>", " <lrs>  <lrs> ", "<ls><rs>",
                "<rs> <ls>"));
    }

    @Test
    void matchesSingleWordTokensOnlyOutsideWordsLikeHf() {
        // zzq also strips whitespace on both sides
        assertInContextsLikeDjl("single_word", List.of("zqword", "zqsw", "zzq", "zqwordzqword", "zqword zqword"));
    }

    @Test
    void matchesNormalizedTokensByTheirNormalizedContentLikeHf() {
        assertInContextsLikeDjl("normalized", List.of("\uFB01zq", "fizq", "\u2460qz", "1qz", "Zq", "\uFF3Aq", "zqsw",
                "zqs\uFF57"));
    }

    @Test
    void matchesOverlappingTokensLeftmostLongestLikeHf() {
        assertInContextsLikeDjl("overlaps", List.of("<|x", "<|x|>", "<|x|", "<|x|>|>", "<|<|x|>", "qv qv", "qv  qv",
                "qv qv qv"));
    }

    @Test
    void encodesDocumentsHoldingFlaggedTokensLikeHf() {
        List<String> contents = new ArrayList<>();
        for (Flagged f : FLAGGED) {
            contents.add(f.content());
        }
        contents.addAll(List.of("fizq", "1qz", "<|x|"));
        assertLikeDjl("documents", ParityCorpus.get().withInsertedTokens(contents, 100));
    }
}
