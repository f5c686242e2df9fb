package dev.tokmix.jmh;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * One implementation under test, encoding ordinary text (special-token strings are plain text) with a tiktoken
 * encoding. {@link #encode} is what is timed: each implementation's fast path that still produces every id
 * (tokmix into a reused {@link TokenBuffer}, jtokkit's {@code encodeOrdinary}, DJL's {@code encode}).
 */
sealed interface Encoder extends AutoCloseable {
    /** The implementation names accepted by {@link #open}. */
    String[] NAMES = {"tokmix", "jtokkit", "djl"};

    /**
     * Encodes a document.
     *
     * @param text the document
     * @return the number of tokens
     */
    long encode(String text);

    /**
     * Encodes a document into a new array, for parity checks.
     *
     * @param text the document
     * @return the ids
     */
    int[] ids(String text);

    @Override
    default void close() {
    }

    /**
     * Opens an implementation.
     *
     * @param impl     {@code tokmix}, {@code jtokkit} or {@code djl}
     * @param encoding {@code o200k_base} or {@code cl100k_base}
     * @param data     the data folder
     * @return the encoder; close it when done
     */
    static Encoder open(String impl, String encoding, Path data) {
        return switch (impl) {
            case "tokmix" -> new Tokmix(Tokenizer.load(encoding));
            case "jtokkit" -> new JTokkit(Encodings.newDefaultEncodingRegistry().getEncoding(switch (encoding) {
                case "o200k_base" -> EncodingType.O200K_BASE;
                case "cl100k_base" -> EncodingType.CL100K_BASE;
                default -> throw new IllegalArgumentException("jtokkit: unsupported encoding " + encoding);
            }));
            case "djl" -> new Djl(data.resolve("hf").resolve(switch (encoding) {
                case "o200k_base" -> "gpt4o";
                case "cl100k_base" -> "gpt35turbo";
                default -> throw new IllegalArgumentException("djl: unsupported encoding " + encoding);
            }).resolve("tokenizer.json"));
            default -> throw new IllegalArgumentException("unknown impl " + impl + "; expected one of "
                    + String.join(", ", NAMES));
        };
    }

    /**
     * Fails unless {@code a} and {@code b} give the same ids for every document: parity is the precondition of a
     * fair comparison.
     *
     * @param a         first implementation's name
     * @param ea        first implementation
     * @param b         second implementation's name
     * @param eb        second implementation
     * @param documents the corpus
     * @return the total number of tokens
     * @throws IllegalStateException at the first document where they differ
     */
    static long checkParity(String a, Encoder ea, String b, Encoder eb, List<String> documents) {
        long tokens = 0;
        for (int d = 0; d < documents.size(); d++) {
            int[] x = ea.ids(documents.get(d));
            int[] y = eb.ids(documents.get(d));
            int at = Arrays.mismatch(x, y);
            if (at >= 0) {
                throw new IllegalStateException("parity failure in document " + d + ": " + a + " gives "
                        + x.length + " tokens, " + b + " gives " + y.length + "; first difference at token "
                        + at + " (" + a + " " + window(x, at) + ", " + b + " " + window(y, at) + ")");
            }
            tokens += x.length;
        }
        return tokens;
    }

    private static String window(int[] ids, int at) {
        return Arrays.toString(Arrays.copyOfRange(ids, Math.max(0, at - 2), Math.min(ids.length, at + 3)));
    }

    /** tokmix, encoding into one reused buffer. */
    final class Tokmix implements Encoder {
        private final Tokenizer tokenizer;
        private final TokenBuffer buffer = new TokenBuffer();

        Tokmix(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        @Override
        public long encode(String text) {
            buffer.clear();
            return tokenizer.encode(text, SpecialTokenPolicy.ordinary(), buffer);
        }

        @Override
        public int[] ids(String text) {
            return tokenizer.encodeOrdinary(text);
        }
    }

    /** jtokkit 1.1.0. */
    record JTokkit(com.knuddels.jtokkit.api.Encoding encoding) implements Encoder {
        @Override
        public long encode(String text) {
            return encoding.encodeOrdinary(text).size();
        }

        @Override
        public int[] ids(String text) {
            return encoding.encodeOrdinary(text).toArray();
        }
    }

    /** DJL's binding of Hugging Face tokenizers (Rust, through JNI), on the same vocabulary's tokenizer.json. */
    final class Djl implements Encoder {
        private final HuggingFaceTokenizer tokenizer;

        Djl(Path tokenizerJson) {
            try {
                tokenizer = HuggingFaceTokenizer.builder()
                        .optTokenizerPath(tokenizerJson)
                        .optAddSpecialTokens(false)
                        .optTruncation(false)
                        .build();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load " + tokenizerJson + "; run `make data`", e);
            }
        }

        @Override
        public long encode(String text) {
            return tokenizer.encode(text).getIds().length;
        }

        @Override
        public int[] ids(String text) {
            return Arrays.stream(tokenizer.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
        }

        @Override
        public void close() {
            tokenizer.close();
        }
    }
}
