package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokenizers under test and their references, loaded once per test JVM and shared by every test class:
 * tokmix for both file families, jtokkit for tiktoken encodings (it ships its own copies of the rank files, so it
 * is independent of {@code data/}), and DJL's binding of HF tokenizers (Rust {@code tokenizers} 0.21.4) for
 * {@code tokenizer.json} files.
 *
 * <p>DJL tokenizers are native objects; they live until the JVM exits, because several test classes use the same
 * ones and loading a 10 MB {@code tokenizer.json} costs about a second.
 */
final class References {
    private static final EncodingRegistry JTOKKIT = Encodings.newLazyEncodingRegistry();
    private static final Map<String, Tokenizer> TOKMIX = new ConcurrentHashMap<>();
    private static final Map<String, HuggingFaceTokenizer> DJL = new ConcurrentHashMap<>();

    private References() {
    }

    /**
     * tokmix's tokenizer for a built-in tiktoken encoding, resolved through {@code -Dtokmix.data}.
     *
     * @param encoding e.g. {@code o200k_base}
     * @return the tokenizer
     */
    static Tokenizer tiktoken(String encoding) {
        TestData.tiktokenFile(encoding); // fails with the `make data` remedy before the loader's own error
        return TOKMIX.computeIfAbsent("tiktoken:" + encoding, k -> Tokenizer.load(encoding));
    }

    /**
     * tokmix's tokenizer for a fetched {@code tokenizer.json}.
     *
     * @param name e.g. {@code llama3}
     * @return the tokenizer
     */
    static Tokenizer hf(String name) {
        return TOKMIX.computeIfAbsent("hf:" + name, k -> Tokenizer.load(TestData.hfTokenizerFile(name)));
    }

    /**
     * The tokmix tokenizer for a name from either list ({@link TestData#TIKTOKEN_ENCODINGS} or
     * {@link TestData#HF_TOKENIZERS}).
     *
     * @param name encoding or {@code tokenizer.json} name
     * @return the tokenizer
     */
    static Tokenizer tokmix(String name) {
        return TestData.TIKTOKEN_ENCODINGS.contains(name) ? tiktoken(name) : hf(name);
    }

    /**
     * jtokkit's encoding of the same name.
     *
     * @param encoding e.g. {@code o200k_base}
     * @return the reference encoding
     */
    static com.knuddels.jtokkit.api.Encoding jtokkit(String encoding) {
        return JTOKKIT.getEncoding(encoding)
                .orElseThrow(() -> new IllegalArgumentException("jtokkit has no encoding " + encoding));
    }

    /**
     * DJL's HF tokenizer for a fetched {@code tokenizer.json}: no BOS/EOS from the post-processor, no truncation
     * (DJL truncates to 512 tokens by default, which would hide every difference past that point).
     *
     * @param name e.g. {@code llama3}
     * @return the reference tokenizer
     */
    static HuggingFaceTokenizer djl(String name) {
        return DJL.computeIfAbsent(name, k -> {
            try {
                return HuggingFaceTokenizer.builder()
                        .optTokenizerPath(TestData.hfTokenizerFile(name))
                        .optAddSpecialTokens(false)
                        .optTruncation(false)
                        .build();
            } catch (IOException e) {
                return fail("DJL cannot load " + TestData.hfTokenizerFile(name) + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * Reference ids of one text from HF tokenizers, through DJL's native binding: one {@code encode} call
     * ({@code add_special_tokens=false}) and one {@code getTokenIds}. {@link HuggingFaceTokenizer#encode(String)}
     * would also copy tokens, offsets and four masks into Java objects on every call, which made it 1.7 times
     * slower here; and {@code batchEncode} was 8 to 15 times slower than encoding texts one by one on two cores
     * and crashed the JVM on batches of a few thousand documents (a Rust panic in
     * {@code getSpecialTokenMask}). {@link HfParityTest#djlEncodeIdsEqualThisShortcut} holds this shortcut to
     * {@code HuggingFaceTokenizer.encode}.
     *
     * @param name {@code tokenizer.json} name
     * @param text the text (no lone surrogates: the Rust side only takes well-formed strings)
     * @return the ids
     */
    static int[] djlIds(String name, String text) {
        return djlIds(djl(name), text);
    }

    /**
     * Reference ids of one text from a DJL tokenizer, as {@link #djlIds(String, String)}.
     *
     * @param tokenizer an open DJL tokenizer
     * @param text      the text
     * @return the ids
     */
    static int[] djlIds(HuggingFaceTokenizer tokenizer, String text) {
        TokenizersLibrary lib = TokenizersLibrary.LIB;
        long encoding = lib.encode(tokenizer.getHandle(), text, false);
        try {
            return toInts(lib.getTokenIds(encoding));
        } finally {
            lib.deleteEncoding(encoding);
        }
    }

    /**
     * Reference ids from DJL's public {@link HuggingFaceTokenizer#encode(String)}.
     *
     * @param name {@code tokenizer.json} name
     * @param text the text
     * @return the ids
     */
    static int[] djlEncodeIds(String name, String text) {
        return toInts(djl(name).encode(text).getIds());
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * Reference ids from jtokkit's {@code encodeOrdinary} (special-token text is plain text).
     *
     * @param encoding tiktoken encoding name
     * @param text     the text; jtokkit writes a lone surrogate as {@code ?}, so sanitize it first
     *                 ({@link Texts#replaceLoneSurrogates})
     * @return the ids
     */
    static int[] jtokkitOrdinary(String encoding, String text) {
        return jtokkit(encoding).encodeOrdinary(text).toArray();
    }

    /**
     * Reference ids with special tokens matched, as tiktoken's {@code encode(text, allowed_special=...)} does:
     * the leftmost special token splits the text, and each stretch between specials is encoded on its own as
     * ordinary text (so the regex never sees past a special token). jtokkit 1.1.0's {@code encode} refuses text
     * holding special tokens, hence this composition of its {@code encodeOrdinary}.
     *
     * @param encoding tiktoken encoding name
     * @param text     the text
     * @param specials the matched special tokens and their ids (none is a prefix of another in tiktoken)
     * @return the ids
     */
    static int[] jtokkitWithSpecials(String encoding, String text, Map<String, Integer> specials) {
        java.util.stream.IntStream.Builder out = java.util.stream.IntStream.builder();
        int from = 0;
        while (true) {
            int at = -1;
            String found = null;
            for (String s : specials.keySet()) {
                int i = text.indexOf(s, from);
                if (i >= 0 && (at < 0 || i < at || (i == at && s.length() > found.length()))) {
                    at = i;
                    found = s;
                }
            }
            int end = at < 0 ? text.length() : at;
            for (int id : jtokkitOrdinary(encoding, text.substring(from, end))) {
                out.add(id);
            }
            if (at < 0) {
                return out.build().toArray();
            }
            out.add(specials.get(found));
            from = at + found.length();
        }
    }
}
