package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokmix.bpe.AddedToken;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * tokmix on the fetched {@code tokenizer.json} files against DJL's binding of HF tokenizers (Rust
 * {@code tokenizers} 0.21.4), exact ids, {@code add_special_tokens=false}, every added token matched
 * ({@link SpecialTokenPolicy#all()}, HF's default); plus the converted OpenAI vocabularies against jtokkit.
 *
 * <p>Generated text keeps to code points whose Unicode data the Rust side shares with JDK 25
 * ({@link UnicodeVersions} says which are left out, why, and how that was measured).
 */
class HfParityTest {
    static final List<String> TOKENIZERS = TestData.HF_TOKENIZERS;

    /** Added-token strings of the common families, inserted into every tokenizer's documents (text elsewhere). */
    private static final List<String> WELL_KNOWN_ADDED = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>",
            "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<|begin_of_text|>",
            "<|eot_id|>", "<|start_header_id|>", "<think>", "</think>", "<tool_call>", "<|fim_prefix|>",
            "<|endofprompt|>", "<EOT>", "<META_START>", "<|EOT|>");

    private static void assertLikeDjl(String name, String what, List<ParityCorpus.Document> docs) {
        Tokenizer t = References.hf(name);
        Parity.assertSameIds(name + " encode(all()) vs DJL on " + what, docs,
                Parity.eachInParallel(s -> References.djlIds(name, s)), s -> t.encode(s, SpecialTokenPolicy.all()), t);
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void encodesLikeHfTokenizersOnFetchedCorpus(String name) {
        assertLikeDjl(name, "the fetched corpus", ParityCorpus.get().fetched());
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void encodesLikeHfTokenizersOnHardCases(String name) {
        assertLikeDjl(name, "hard cases (seed " + ParityCorpus.get().seed() + ", HF-comparable code points)",
                ParityCorpus.get().hardCasesForHf());
    }

    /**
     * Every assigned code point (except the supplementary private-use planes, 131,068 code points of one class,
     * and the documented normalization gap of {@link UnicodeVersions}) alone, between letters, before a space, and
     * among combining marks of other classes (canonical reordering and composition): the Unicode tables of the
     * pretokenizer and normalizer agree with the reference's.
     */
    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void encodesEveryAssignedCodePointLikeHfTokenizers(String name) {
        List<ParityCorpus.Document> docs = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        int first = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (!UnicodeVersions.comparableWithHf(cp) || (cp > 0xFFFF && Character.getType(cp) == Character.PRIVATE_USE)) {
                continue;
            }
            b.appendCodePoint(cp).append('a').appendCodePoint(cp).append("b ").appendCodePoint(cp).append('\n');
            b.append("e\u0301").appendCodePoint(cp).append('\u0316').appendCodePoint(cp).append("\u0345 a")
                    .appendCodePoint(cp).append("\u0300 ").appendCodePoint(cp).appendCodePoint(cp).append('\n');
            if (b.length() >= 4000 || cp == Character.MAX_CODE_POINT) {
                docs.add(new ParityCorpus.Document(String.format("sweep U+%04X..U+%04X", first, cp), b.toString()));
                b.setLength(0);
                first = cp + 1;
            }
        }
        if (!b.isEmpty()) {
            docs.add(new ParityCorpus.Document(String.format("sweep U+%04X..", first), b.toString()));
        }
        assertLikeDjl(name, "every assigned code point", docs);
    }

    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void encodesAddedTokensInsideTextLikeHfTokenizers(String name) {
        Set<String> tokens = new LinkedHashSet<>(WELL_KNOWN_ADDED);
        List<AddedToken> added = References.hf(name).addedTokens();
        // The first and last few of the file (BOS/EOS, chat markers, tool and think tags, placeholders).
        for (int i = 0; i < added.size(); i++) {
            if (i < 24 || i >= added.size() - 8) {
                tokens.add(added.get(i).content());
            }
        }
        assertLikeDjl(name, "documents with added-token strings", ParityCorpus.get()
                .withInsertedTokens(List.copyOf(tokens), 60));
    }

    /**
     * The converted OpenAI vocabularies under {@link SpecialTokenPolicy#ordinary()} give tiktoken's ids: the
     * {@code tokenizer.json} route (HF pretokenizer pattern, merge list, no special tokens) and the rank-file route
     * must meet.
     */
    @ParameterizedTest
    @CsvSource({"gpt4o, o200k_base", "gpt35turbo, cl100k_base", "gpt2, r50k_base"})
    void convertedOpenAiTokenizerJsonEncodesLikeJtokkit(String name, String encoding) {
        Tokenizer t = References.hf(name);
        List<ParityCorpus.Document> docs = new ArrayList<>(ParityCorpus.get().hardCases());
        List<ParityCorpus.Document> fetched = ParityCorpus.get().fetched();
        for (int i = 0; i < fetched.size(); i += 3) {
            docs.add(fetched.get(i));
        }
        Parity.assertSameIds(name + " tokenizer.json encode(ordinary()) vs jtokkit " + encoding, docs,
                Parity.eachInParallel(s -> References.jtokkitOrdinary(encoding, s)),
                s -> t.encode(s, SpecialTokenPolicy.ordinary()), t);
    }

    @Test
    void loadsLlama3WithAllItsMergesAndBaseVocabulary() {
        Tokenizer t = References.hf("llama3");
        assertEquals(280_147, t.merges().size(), "Llama 3 merges");
        assertEquals(128_000, t.vocabularySize(), "Llama 3 base vocabulary");
        assertEquals(0, t.merges().unreachableTokenIds().length, "tokenizer.json merge lists are never derived");
        assertEquals(256, t.addedTokens().size(), "Llama 3 added tokens (<|begin_of_text|> .. reserved 250)");
        assertArrayEquals(new int[] {128000}, t.encode("<|begin_of_text|>", SpecialTokenPolicy.all()));
    }

    /** The harness itself: the ids-only native call gives what DJL's public {@code encode} gives. */
    @Test
    void djlEncodeIdsEqualThisShortcut() {
        List<ParityCorpus.Document> docs = new ArrayList<>(ParityCorpus.get().hardCasesForHf());
        List<ParityCorpus.Document> fetched = ParityCorpus.get().fetched();
        for (int i = 0; i < fetched.size(); i += 40) {
            docs.add(fetched.get(i));
        }
        for (String name : List.of("llama3", "deepseek_v3")) {
            Parity.assertSameIds(name + " HuggingFaceTokenizer.encode vs native encode + getTokenIds", docs,
                    Parity.eachInParallel(s -> References.djlEncodeIds(name, s)), s -> References.djlIds(name, s),
                    References.hf(name));
        }
    }
}
