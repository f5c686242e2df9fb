package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Round trips and counts on random Unicode, 1,000 tries per property and tokenizer: decoding the ids of a text
 * gives back the text's UTF-8 (lone surrogates as U+FFFD, and NFC for Qwen 3, whose {@code tokenizer.json}
 * normalizes), and {@code countTokens} agrees with the encoded length for String and UTF-8 input under both
 * special-token policies.
 */
class RoundTripPropertiesTest {
    private static final int TRIES = 1000;

    /** Pieces the generator strings together: pretokenizer edges, multi-unit code points, added-token text. */
    private static final List<String> FRAGMENTS = List.of(" ", "  ", "\n", "\r\n", "\t", "the", "The", " world",
            "'s", "'S", "'ſ", "don't", "DON'T", "1", "123", "45678", "²", "½", "😀", "👨‍👩‍👧‍👦", "🇫🇷", "👍🏽", "中文",
            "日本語", "é", "e\u0301", "\u0301", "\u00A0", "\u0085", "\u2028", "\u3000", "\u200B", "\uFEFF", "!", "...",
            "Привет", "ALLCAPS", "camelCase", "snake_case", "𝐀𝟘", "𐌰", "𠀀", "\uD800", "\uDFFF", "<|endoftext|>",
            "<|im_start|>", "<think>", "<|begin_of_text|>", "\u0000", "\u001C", "ǅ", "ﬁ", "Å");

    @Provide
    Arbitrary<String> texts() {
        // Any UTF-16 units, so lone and reversed surrogates are common.
        Arbitrary<String> units = Arbitraries.strings().withCharRange('\u0000', '\uFFFF').ofMaxLength(60);
        Arbitrary<String> codePoints = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE).list().ofMaxSize(40)
                .map(cps -> cps.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint,
                        StringBuilder::append).toString());
        Arbitrary<String> fragments = Arbitraries.of(FRAGMENTS).list().ofMaxSize(40).map(l -> String.join("", l));
        Arbitrary<String> mixed = Arbitraries.oneOf(units, codePoints, fragments).list().ofMaxSize(4)
                .map(l -> String.join("", l));
        return Arbitraries.frequencyOf(Tuple.of(2, units), Tuple.of(2, codePoints), Tuple.of(3, fragments),
                Tuple.of(3, mixed));
    }

    /** What decoding must give: the text's UTF-8 after the tokenizer's normalizer. */
    private static byte[] expectedBytes(String name, String text) {
        String s = Texts.replaceLoneSurrogates(text);
        if (name.equals("qwen3")) {
            s = Normalizer.normalize(s, Normalizer.Form.NFC);
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertDecodesToItsUtf8(String name, String text) {
        Tokenizer t = References.tokmix(name);
        int[] ids = t.encodeOrdinary(text);
        assertArrayEquals(expectedBytes(name, text), t.decode(ids),
                () -> name + ": decode(encodeOrdinary(\"" + Texts.escape(text, 200) + "\"))");
    }

    private static void assertCountsWhatItEncodes(String name, String text) {
        Tokenizer t = References.tokmix(name);
        byte[] utf8 = Texts.utf8(text);
        for (SpecialTokenPolicy policy : List.of(SpecialTokenPolicy.ordinary(), SpecialTokenPolicy.all())) {
            int n = t.encode(text, policy).length;
            String what = name + " " + policy + " on \"" + Texts.escape(text, 200) + "\"";
            assertEquals(n, t.countTokens(text, policy), what + ": countTokens(CharSequence)");
            assertEquals(n, t.countTokens(utf8, 0, utf8.length, policy), what + ": countTokens(byte[])");
        }
    }

    @Property(tries = TRIES)
    void o200kDecodesItsIdsToTheUtf8OfTheText(@ForAll("texts") String text) {
        assertDecodesToItsUtf8("o200k_base", text);
    }

    @Property(tries = TRIES)
    void cl100kDecodesItsIdsToTheUtf8OfTheText(@ForAll("texts") String text) {
        assertDecodesToItsUtf8("cl100k_base", text);
    }

    @Property(tries = TRIES)
    void r50kDecodesItsIdsToTheUtf8OfTheText(@ForAll("texts") String text) {
        assertDecodesToItsUtf8("r50k_base", text);
    }

    @Property(tries = TRIES)
    void llama3DecodesItsIdsToTheUtf8OfTheText(@ForAll("texts") String text) {
        assertDecodesToItsUtf8("llama3", text);
    }

    @Property(tries = TRIES)
    void qwen3DecodesItsIdsToTheUtf8OfTheNfcText(@ForAll("texts") String text) {
        assertDecodesToItsUtf8("qwen3", text);
    }

    @Property(tries = TRIES)
    void o200kCountsAsManyTokensAsItEncodes(@ForAll("texts") String text) {
        assertCountsWhatItEncodes("o200k_base", text);
    }

    @Property(tries = TRIES)
    void cl100kCountsAsManyTokensAsItEncodes(@ForAll("texts") String text) {
        assertCountsWhatItEncodes("cl100k_base", text);
    }

    @Property(tries = TRIES)
    void r50kCountsAsManyTokensAsItEncodes(@ForAll("texts") String text) {
        assertCountsWhatItEncodes("r50k_base", text);
    }

    @Property(tries = TRIES)
    void llama3CountsAsManyTokensAsItEncodes(@ForAll("texts") String text) {
        assertCountsWhatItEncodes("llama3", text);
    }

    @Property(tries = TRIES)
    void qwen3CountsAsManyTokensAsItEncodes(@ForAll("texts") String text) {
        assertCountsWhatItEncodes("qwen3", text);
    }
}
