package dev.tokmix.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokenizer files give typed exceptions that name the file, the line or field, and a remedy. */
class MalformedTokenizerFileTest {
    @TempDir
    Path dir;

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message lacks \"" + p + "\": " + e.getMessage());
        }
        assertTrue(e.getMessage().contains("remedy"), () -> "message lacks a remedy: " + e.getMessage());
    }

    @Test
    void rejectsBadBase64WithLineNumber() {
        String good = TinyTokenizers.tiktoken("ab");
        Path f = TinyTokenizers.write(dir, "bad.tiktoken", good + "!!!notbase64 999\n");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, f.toString(), "line 258", "base64");
    }

    @Test
    void rejectsDuplicateRanks() {
        String good = TinyTokenizers.tiktoken("ab");
        Path f = TinyTokenizers.write(dir, "dup.tiktoken", good + "Y2Q= 256\n");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, "line 258", "rank 256 is already used on line 257");
    }

    @Test
    void rejectsDuplicateTokenBytes() {
        String good = TinyTokenizers.tiktoken("ab");
        Path f = TinyTokenizers.write(dir, "dupbytes.tiktoken", good + "YWI= 300\n");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, "same token bytes", "256", "300");
    }

    @Test
    void rejectsMissingRankField() {
        Path f = TinyTokenizers.write(dir, "norank.tiktoken", TinyTokenizers.tiktoken() + "YWI=\n");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, "line 257", "expected");
    }

    @Test
    void rejectsRankFileWithoutAllBytes() {
        Path f = TinyTokenizers.write(dir, "partial.tiktoken", "YQ== 0\nYg== 1\n");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, "byte 0x0", "256 single-byte tokens");
    }

    @Test
    void rejectsMergeNamingUnknownToken() {
        String json = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b"), "", TinyTokenizers.BYTE_LEVEL)
                .replace("\"a b\"", "\"a zz\"");
        Path f = TinyTokenizers.write(dir, "tokenizer.json", json);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, f.toString(), "model.merges[0]", "\"zz\"", "not in model.vocab");
    }

    @Test
    void rejectsMergeWithThreeParts() {
        String json = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b"), "", TinyTokenizers.BYTE_LEVEL)
                .replace("\"a b\"", "\"a b c\"");
        Path f = TinyTokenizers.write(dir, "tokenizer.json", json);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, "model.merges[0]", "two tokens");
    }

    @Test
    void rejectsTruncatedJsonWithLineAndColumn() {
        String json = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b"), "", TinyTokenizers.BYTE_LEVEL);
        Path f = TinyTokenizers.write(dir, "tokenizer.json", json.substring(0, json.length() / 2));
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(f));
        assertMessage(e, f.toString(), "line 1, column", "truncated");
    }

    @Test
    void rejectsUnsupportedModelType() {
        Path f = TinyTokenizers.write(dir, "tokenizer.json",
                "{\"model\":{\"type\":\"Unigram\",\"vocab\":[[\"a\",0.0]]}}");
        UnsupportedTokenizerException e = assertThrows(UnsupportedTokenizerException.class, () -> Tokenizer.load(f));
        assertMessage(e, "model.type", "Unigram");
    }

    @Test
    void rejectsUnknownNormalizer() {
        String json = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b"),
                "\"normalizer\":{\"type\":\"BertNormalizer\"}", TinyTokenizers.BYTE_LEVEL);
        Path f = TinyTokenizers.write(dir, "tokenizer.json", json);
        UnsupportedTokenizerException e = assertThrows(UnsupportedTokenizerException.class, () -> Tokenizer.load(f));
        assertMessage(e, "normalizer.type", "BertNormalizer");
    }

    @Test
    void rejectsSentencePieceStyleBpeWithClearMessage() {
        String json = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b"), "",
                "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\"}");
        Path f = TinyTokenizers.write(dir, "tokenizer.json", json);
        UnsupportedTokenizerException e = assertThrows(UnsupportedTokenizerException.class, () -> Tokenizer.load(f));
        assertMessage(e, "SentencePiece", "Llama 2");
    }

    @Test
    void rejectsUnknownPretokenizer() {
        String json = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b"), "",
                "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"WhitespaceSplit\"},"
                        + TinyTokenizers.BYTE_LEVEL + "]}");
        Path f = TinyTokenizers.write(dir, "tokenizer.json", json);
        UnsupportedTokenizerException e = assertThrows(UnsupportedTokenizerException.class, () -> Tokenizer.load(f));
        assertMessage(e, "pre_tokenizer.pretokenizers[0].type", "WhitespaceSplit");
    }

    @Test
    void rejectsPatternTheFallbackCannotExpress() {
        String split = "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"[[:punct:]]+\"},\"behavior\":\"Isolated\","
                + "\"invert\":false}";
        String json = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b"), "",
                "{\"type\":\"Sequence\",\"pretokenizers\":[" + split + ",{\"type\":\"ByteLevel\",\"use_regex\":false}]}");
        Path f = TinyTokenizers.write(dir, "tokenizer.json", json);
        UnsupportedPatternException e = assertThrows(UnsupportedPatternException.class, () -> Tokenizer.load(f));
        assertMessage(e, "POSIX", "pre_tokenizer.pretokenizers[0].pattern");
    }

    @Test
    void rejectsUnknownBuiltinName() {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> Tokenizer.load("o300k_base"));
        assertMessage(e, "o300k_base", "built-in");
    }

    @Test
    void acceptsBothMergeEncodings() {
        String legacy = TinyTokenizers.tokenizerJson(TinyTokenizers.pairs("a b", "ab c"), "",
                TinyTokenizers.BYTE_LEVEL);
        String pairs = legacy.replace("\"a b\"", "[\"a\",\"b\"]").replace("\"ab c\"", "[\"ab\",\"c\"]");
        Tokenizer t1 = Tokenizer.load(TinyTokenizers.write(dir, "legacy.json", legacy));
        Tokenizer t2 = Tokenizer.load(TinyTokenizers.write(dir, "pairs.json", pairs));
        assertEquals(2, t1.merges().size());
        assertEquals(t1.merges().merged(1), t2.merges().merged(1));
        int[] ids = t2.encodeOrdinary("abc abd");
        assertEquals(t1.merges().merged(1), ids[0]);
        assertEquals(List.of(ids.length), List.of(t1.encodeOrdinary("abc abd").length));
    }
}
