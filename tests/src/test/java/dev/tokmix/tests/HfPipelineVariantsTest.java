package dev.tokmix.tests;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The {@code tokenizer.json} features tokmix supports that none of the eight fetched files exercises — every
 * {@code Split} behaviour with and without {@code invert}, {@code String} split patterns, the {@code Digits}
 * pretokenizer, {@code ByteLevel} {@code add_prefix_space}, merges-only BPE on a vocabulary with whole-word entries
 * (Llama 3 with {@code ignore_merges: false}) and every normalizer type — each made by editing one member of a
 * fetched file and compared with DJL on the same edited file.
 */
class HfPipelineVariantsTest {
    /**
     * One edited file.
     *
     * @param name  what it tests
     * @param base  the fetched file it starts from
     * @param key   the member replaced (its first occurrence)
     * @param value the new value, as JSON
     */
    record Variant(String name, String base, String key, String value) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String BYTE_LEVEL_NO_REGEX =
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}";
    private static final String BYTE_LEVEL_GPT2_REGEX =
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}";

    static final List<Variant> VARIANTS = variants();

    private static List<Variant> variants() {
        List<Variant> v = new ArrayList<>();
        for (String behavior : List.of("Isolated", "Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous")) {
            for (boolean invert : List.of(false, true)) {
                for (String pattern : List.of("{\"Regex\":\"\\\\s+|\\\\p{N}{1,2}\"}", "{\"String\":\" \"}")) {
                    v.add(new Variant("gpt2 Split " + pattern + " " + behavior + (invert ? " invert" : ""), "gpt2",
                            "pre_tokenizer", "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":"
                            + pattern + ",\"behavior\":\"" + behavior + "\",\"invert\":" + invert + "},"
                            + BYTE_LEVEL_GPT2_REGEX + "]}"));
                }
            }
        }
        for (boolean individual : List.of(false, true)) {
            v.add(new Variant("gpt2 Digits individual=" + individual, "gpt2", "pre_tokenizer",
                    "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\",\"individual_digits\":" + individual
                            + "}," + BYTE_LEVEL_NO_REGEX + "]}"));
        }
        v.add(new Variant("gpt2 ByteLevel add_prefix_space", "gpt2", "pre_tokenizer",
                "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}"));
        v.add(new Variant("llama3 ignore_merges=false", "llama3", "ignore_merges", "false"));
        for (String normalizer : List.of("{\"type\":\"NFD\"}", "{\"type\":\"NFKD\"}", "{\"type\":\"NFKC\"}",
                "{\"type\":\"Lowercase\"}", "{\"type\":\"Prepend\",\"prepend\":\"#\"}",
                "{\"type\":\"Replace\",\"pattern\":{\"String\":\"  \"},\"content\":\" \"}",
                "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},{\"type\":\"Lowercase\"},"
                        + "{\"type\":\"Replace\",\"pattern\":{\"String\":\"e\"},\"content\":\"E\"}]}")) {
            v.add(new Variant("qwen3 normalizer " + normalizer, "qwen3", "normalizer", normalizer));
        }
        return List.copyOf(v);
    }

    @TempDir
    static Path dir;

    /** Every 4th HF hard case, every 200th fetched document, and documents with added-token text. */
    private static List<ParityCorpus.Document> documents() {
        ParityCorpus c = ParityCorpus.get();
        List<ParityCorpus.Document> docs = new ArrayList<>();
        for (int i = 0; i < c.hardCasesForHf().size(); i += 4) {
            docs.add(c.hardCasesForHf().get(i));
        }
        for (int i = 0; i < c.fetched().size(); i += 200) {
            docs.add(c.fetched().get(i));
        }
        docs.addAll(c.withInsertedTokens(List.of("<|endoftext|>", "<|im_start|>", "<think>"), 400));
        return docs;
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("VARIANTS")
    void encodesAnEditedPipelineLikeHfTokenizers(Variant v) throws IOException {
        String json = Texts.replaceJsonMember(Files.readString(TestData.hfTokenizerFile(v.base())), v.key(), v.value());
        Path file = Files.createTempDirectory(dir, "variant").resolve("tokenizer.json");
        Files.writeString(file, json);
        Tokenizer t = Tokenizer.load(file);
        try (HuggingFaceTokenizer djl = HuggingFaceTokenizer.builder().optTokenizerPath(file)
                .optAddSpecialTokens(false).optTruncation(false).build()) {
            Parity.assertSameIds(v.name() + " encode(all()) vs DJL", documents(),
                    Parity.eachInParallel(s -> References.djlIds(djl, s)), s -> t.encode(s, SpecialTokenPolicy.all()),
                    t);
        }
    }
}
