package dev.tokmix.bpe;

import dev.tokmix.core.Json;
import dev.tokmix.core.JsonStrings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits text into the pieces (pretokens) that byte-level BPE merges inside: the normaliser and pretokenizer of a
 * tokenizer, without its model or added tokens. The trainer counts these pieces; mixture inference replays merges
 * over them.
 *
 * <p>Built-in pipelines ({@link #named(String)}), each written exactly as a Hugging Face {@code tokenizer.json}
 * states it (the trainer copies that JSON into its output):
 * <ul>
 *   <li>{@code gpt2} (also {@code r50k}, {@code p50k}): {@code ByteLevel} with GPT-2's regex;</li>
 *   <li>{@code digits+gpt2}: {@code Digits} (runs of {@code \p{N}} kept together) then GPT-2's
 *       {@code ByteLevel}, the controlled setting of Hayase et al. (2024);</li>
 *   <li>{@code cl100k} (GPT-3.5/4), {@code o200k} (GPT-4o), {@code llama3}, {@code qwen2} (NFC, single digits),
 *       {@code deepseek_v3} (three splits): a {@code Split} with the model's pattern, then {@code ByteLevel}.</li>
 * </ul>
 * A loaded tokenizer's own pipeline is {@link Tokenizer#pieceSplitter()}; {@link #of(String)} takes either.
 *
 * <pre>{@code
 * PieceSplitter gpt2 = PieceSplitter.named("gpt2");
 * gpt2.split("Hello world", (utf8, off, len) -> ...); // "Hello", " world"
 * }</pre>
 *
 * <p>Immutable and thread-safe; splitting allocates nothing per piece (the sink sees a reused buffer).
 */
public final class PieceSplitter {

    /** Receives each piece as UTF-8 bytes in a buffer that is reused after the call returns. */
    @FunctionalInterface
    public interface PieceSink {
        /**
         * Accepts one piece.
         *
         * @param utf8   buffer holding the piece
         * @param offset start of the piece
         * @param length length in bytes (at least 1)
         */
        void accept(byte[] utf8, int offset, int length);
    }

    private static final String BYTE_LEVEL_LAST =
            "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}";

    /** name -> {normalizer JSON, pre_tokenizer JSON, tiktoken pattern or null}. */
    private static final Map<String, String[]> BUILT_INS = builtIns();

    private static Map<String, String[]> builtIns() {
        Map<String, String[]> m = new LinkedHashMap<>();
        String gpt2 = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}";
        m.put("gpt2", new String[] {null, gpt2, PieceScanners.R50K});
        m.put("digits+gpt2", new String[] {null, "{\"type\":\"Sequence\",\"pretokenizers\":["
                + "{\"type\":\"Digits\",\"individual_digits\":false}," + gpt2 + "]}", null});
        m.put("cl100k", new String[] {null, split(PieceScanners.LLAMA3), PieceScanners.CL100K});
        m.put("o200k", new String[] {null, split(PieceScanners.O200K), PieceScanners.O200K});
        m.put("llama3", new String[] {null, split(PieceScanners.LLAMA3), PieceScanners.LLAMA3});
        m.put("qwen2", new String[] {"{\"type\":\"NFC\"}", split(PieceScanners.QWEN2), null});
        m.put("deepseek_v3", new String[] {null, "{\"type\":\"Sequence\",\"pretokenizers\":["
                + splitStep(PieceScanners.DEEPSEEK_DIGITS) + "," + splitStep(PieceScanners.DEEPSEEK_CJK) + ","
                + splitStep(PieceScanners.DEEPSEEK_MAIN) + "," + BYTE_LEVEL_LAST + "]}", null});
        return m;
    }

    private static String splitStep(String pattern) {
        return "{\"type\":\"Split\",\"pattern\":{\"Regex\":" + JsonStrings.quote(pattern)
                + "},\"behavior\":\"Isolated\",\"invert\":false}";
    }

    private static String split(String pattern) {
        return "{\"type\":\"Sequence\",\"pretokenizers\":[" + splitStep(pattern) + "," + BYTE_LEVEL_LAST + "]}";
    }

    private final String name;
    private final TextNormalizer normalizer;
    private final boolean normalizerAsciiIdentity;
    private final PreTokenizer preTokenizer;
    private final boolean addPrefixSpace;
    private final String normalizerJson;
    private final String preTokenizerJson;
    private final String tiktokenPattern;

    PieceSplitter(String name, TextNormalizer normalizer, PreTokenizer preTokenizer, boolean addPrefixSpace,
                  String normalizerJson, String preTokenizerJson, String tiktokenPattern) {
        this.name = name;
        this.normalizer = normalizer;
        this.normalizerAsciiIdentity = normalizer == null || asciiIdentity(normalizer);
        this.preTokenizer = preTokenizer;
        this.addPrefixSpace = addPrefixSpace;
        this.normalizerJson = normalizerJson;
        this.preTokenizerJson = preTokenizerJson;
        this.tiktokenPattern = tiktokenPattern;
    }

    /**
     * Returns a built-in pipeline by name (case-insensitive; {@code r50k}/{@code p50k} are {@code gpt2}).
     *
     * @param name one of {@link #names()}
     * @return the splitter
     * @throws UnsupportedPatternException naming the known pipelines if {@code name} is not one
     */
    public static PieceSplitter named(String name) {
        String key = name.toLowerCase(Locale.ROOT).replace("_base", "");
        if (key.equals("r50k") || key.equals("p50k")) {
            key = "gpt2";
        }
        String[] def = BUILT_INS.get(key);
        if (def == null) {
            throw new UnsupportedPatternException(name, 0, "unknown pretokenizer \"" + name + "\"; known: "
                    + String.join(", ", BUILT_INS.keySet()) + " (r50k and p50k are gpt2), or the path of a"
                    + " tokenizer.json whose pipeline to use");
        }
        HfTokenizerJson.Pipeline p = HfTokenizerJson.pipeline("built-in pretokenizer " + key,
                def[0] == null ? null : Json.parse(def[0], key), Json.parse(def[1], key));
        return new PieceSplitter(key, p.normalizer(), p.preTokenizer(), p.addPrefixSpace(), def[0], def[1], def[2]);
    }

    /**
     * Returns a built-in pipeline ({@link #named(String)}), or else the pipeline of a tokenizer
     * ({@link Tokenizer#load(String)}: a built-in tiktoken name or a {@code .tiktoken} / {@code tokenizer.json}
     * path), e.g. {@code data/hf/claude/tokenizer.json} to train with Claude's NFKC normaliser and pretokenizer.
     *
     * @param spec a built-in pipeline name or a tokenizer spec
     * @return the splitter
     * @throws UnsupportedPatternException if {@code spec} is neither a known name nor an existing file
     * @throws TokenizerFormatException if the tokenizer file is malformed
     */
    public static PieceSplitter of(String spec) {
        String key = spec.toLowerCase(Locale.ROOT).replace("_base", "");
        if (BUILT_INS.containsKey(key) || key.equals("r50k") || key.equals("p50k")
                || !java.nio.file.Files.exists(java.nio.file.Path.of(spec))) {
            return named(spec);
        }
        return Tokenizer.load(spec).pieceSplitter();
    }

    /**
     * The names {@link #named(String)} accepts.
     *
     * @return the built-in pipeline names
     */
    public static List<String> names() {
        return List.copyOf(BUILT_INS.keySet());
    }

    /**
     * The pipeline's name: a built-in name, or the tokenizer it was taken from.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * A one-line description of the normaliser and pretokenizer steps, as {@code tokmix info} prints them.
     *
     * @return the description
     */
    public String description() {
        return (normalizer == null ? "" : normalizer.describe() + " -> ") + preTokenizer.describe()
                + (addPrefixSpace ? " (add_prefix_space)" : "");
    }

    /**
     * The single tiktoken pattern equal to this pipeline, if there is one (no normaliser, one split step).
     *
     * @return the pattern, or null when tiktoken cannot express the pipeline
     */
    public String tiktokenPattern() {
        return tiktokenPattern;
    }

    /**
     * Whether this pipeline can be written into a {@code tokenizer.json} (built-in pipelines and those taken
     * from a {@code tokenizer.json}; not the pattern of a tiktoken rank file).
     *
     * @return true if a trainer can write a {@code tokenizer.json} with it
     */
    public boolean hasTokenizerJsonForm() {
        return preTokenizerJson != null;
    }

    /** The {@code normalizer} JSON for a {@code tokenizer.json} (null: none), or null if not known. */
    String normalizerJson() {
        return normalizerJson;
    }

    /** The {@code pre_tokenizer} JSON for a {@code tokenizer.json}, or null for a pipeline taken from a file. */
    String preTokenizerJson() {
        return preTokenizerJson;
    }

    TextNormalizer normalizer() {
        return normalizer;
    }

    PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    boolean addPrefixSpace() {
        return addPrefixSpace;
    }

    /**
     * Splits text into pieces, in order; lone surrogates count as U+FFFD, as when encoding.
     *
     * @param text the text
     * @param sink receives each piece's UTF-8 bytes
     */
    public void split(CharSequence text, PieceSink sink) {
        EncodeScratch s = EncodeScratch.acquire();
        try {
            int n = text.length();
            char[] t = s.text(n);
            Utf8.copySanitized(text, t);
            split(t, 0, n, sink, s);
        } finally {
            s.release();
        }
    }

    /**
     * Splits UTF-8 text into pieces; ill-formed sequences count as U+FFFD.
     *
     * @param utf8   buffer
     * @param offset start of the text
     * @param length length in bytes
     * @param sink   receives each piece's UTF-8 bytes
     */
    public void split(byte[] utf8, int offset, int length, PieceSink sink) {
        java.util.Objects.checkFromIndexSize(offset, length, utf8.length);
        EncodeScratch s = EncodeScratch.acquire();
        try {
            char[] t = s.text(length);
            int n = Utf8.decode(utf8, offset, length, t);
            split(t, 0, n, sink, s);
        } finally {
            s.release();
        }
    }

    private void split(char[] t, int start, int end, PieceSink sink, EncodeScratch s) {
        char[] norm = normalized(t, start, end);
        if (norm != null) {
            t = norm;
            start = 0;
            end = norm.length;
        }
        if (start >= end) {
            return;
        }
        char[] prefixed = withPrefixSpace(t, start, end);
        if (prefixed != null) {
            t = prefixed;
            start = 0;
            end = prefixed.length;
        }
        preTokenizer.split(t, start, end, s);
        IntList pieces = s.pieces;
        int[] p = pieces.data;
        int np = pieces.size;
        for (int i = 0; i < np; i += 2) {
            int ps = p[i];
            int pe = p[i + 1];
            byte[] bytes = s.pieceBytes(3 * (pe - ps));
            int len = Utf8.encode(t, ps, pe, bytes);
            sink.accept(bytes, 0, len);
        }
    }

    /**
     * Normalises {@code t[start, end)}.
     *
     * @return the normalised text in a new array, or null when normalising changes nothing
     */
    char[] normalized(char[] t, int start, int end) {
        if (normalizer == null || (normalizerAsciiIdentity && isAscii(t, start, end))) {
            return null;
        }
        String seg = new String(t, start, end - start);
        String norm = normalizer.apply(seg);
        return norm.equals(seg) ? null : norm.toCharArray();
    }

    /**
     * Applies ByteLevel's {@code add_prefix_space} to a non-empty segment.
     *
     * @return the segment with a space in front in a new array, or null if none is needed
     */
    char[] withPrefixSpace(char[] t, int start, int end) {
        if (!addPrefixSpace || t[start] == ' ') {
            return null;
        }
        char[] buf = new char[end - start + 1];
        buf[0] = ' ';
        System.arraycopy(t, start, buf, 1, end - start);
        return buf;
    }

    private static boolean asciiIdentity(TextNormalizer n) {
        return switch (n) {
            case TextNormalizer.Unicode u -> true;
            case TextNormalizer.Sequence s -> s.steps().stream().allMatch(PieceSplitter::asciiIdentity);
            default -> false;
        };
    }

    private static boolean isAscii(char[] t, int start, int end) {
        for (int i = start; i < end; i++) {
            if (t[i] >= 0x80) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return name + ": " + description();
    }
}
