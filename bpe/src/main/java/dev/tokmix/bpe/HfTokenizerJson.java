package dev.tokmix.bpe;

import dev.tokmix.core.Json;
import dev.tokmix.core.JsonSyntaxException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face {@code tokenizer.json} with a byte-level BPE model. Supported: model {@code BPE} (merges
 * as {@code "a b"} strings or {@code ["a", "b"]} pairs, {@code ignore_merges}, {@code unk_token},
 * {@code fuse_unk}); normalisers {@code NFC/NFD/NFKC/NFKD/Lowercase/Prepend/Replace(String)/Sequence}; pre-
 * tokenizers {@code ByteLevel} (last), {@code Split}, {@code Digits}, {@code Sequence}; added tokens with all
 * flags. Post-processors (BOS/EOS templates) are not applied, as with {@code add_special_tokens=False}.
 * SentencePiece-style BPE (Metaspace, byte fallback) is refused with a clear message.
 */
final class HfTokenizerJson {
    /** Names the file (or built-in pipeline) in error messages. */
    private final String file;

    private HfTokenizerJson(String file) {
        this.file = file;
    }

    static Tokenizer load(Path file, String text) {
        Object root;
        try {
            root = Json.parse(text, file.toString());
        } catch (JsonSyntaxException e) {
            throw new TokenizerFormatException(e.getMessage(), e);
        }
        return new HfTokenizerJson(file.toString()).build(root);
    }

    /**
     * The text pipeline in front of the model: normaliser (or null), pretokenizer steps and ByteLevel's
     * {@code add_prefix_space}.
     */
    record Pipeline(TextNormalizer normalizer, PreTokenizer preTokenizer, boolean addPrefixSpace) {
    }

    /**
     * Builds the pipeline that {@code normalizer} and {@code pre_tokenizer} JSON values describe.
     *
     * @param source        names the values in error messages
     * @param normalizer    the {@code normalizer} value (null or {@link Json#NULL} for none)
     * @param preTokenizer  the {@code pre_tokenizer} value; must end in ByteLevel
     * @return the pipeline
     */
    static Pipeline pipeline(String source, Object normalizer, Object preTokenizer) {
        return new HfTokenizerJson(source).pipeline(normalizer, preTokenizer);
    }

    private Pipeline pipeline(Object normalizerValue, Object preValue) {
        List<PreTokenizer.Step> steps = new ArrayList<>();
        boolean[] byteLevel = new boolean[2]; // [seen, addPrefixSpace]
        if (present(preValue)) {
            preTokenizer(object(preValue, "pre_tokenizer"), "pre_tokenizer", steps, byteLevel, true);
        }
        if (!byteLevel[0]) {
            throw unsupported("pre_tokenizer", "a BPE tokenizer without a ByteLevel pretokenizer (tokmix needs"
                    + " byte-level BPE; SentencePiece-style BPE may come later)");
        }
        if (byteLevel[1] && steps.size() > 1) {
            throw unsupported("pre_tokenizer", "ByteLevel add_prefix_space after other splits");
        }
        TextNormalizer normalizer = present(normalizerValue)
                ? normalizer(object(normalizerValue, "normalizer"), "normalizer") : null;
        if (normalizer instanceof TextNormalizer.Sequence seq && seq.steps().isEmpty()) {
            normalizer = null;
        }
        return new Pipeline(normalizer, new PreTokenizer(steps), byteLevel[1]);
    }

    private TokenizerFormatException bad(String field, String what, String remedy) {
        return new TokenizerFormatException(file + ": field " + field + ": " + what + "\n  remedy: " + remedy);
    }

    private UnsupportedTokenizerException unsupported(String field, String what) {
        return new UnsupportedTokenizerException(file + ": field " + field + ": " + what + " is not supported"
                + "\n  remedy: tokmix loads byte-level BPE tokenizers (GPT-2, GPT-3.5/4o, Llama 3, Qwen, DeepSeek,"
                + " Claude, ...); convert the tokenizer or file an issue with this file attached");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> object(Object v, String field) {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw bad(field, "expected a JSON object, found " + kind(v), "fix or re-fetch the file");
    }

    @SuppressWarnings("unchecked")
    private List<Object> array(Object v, String field) {
        if (v instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw bad(field, "expected a JSON array, found " + kind(v), "fix or re-fetch the file");
    }

    private String string(Object v, String field) {
        if (v instanceof String s) {
            return s;
        }
        throw bad(field, "expected a string, found " + kind(v), "fix or re-fetch the file");
    }

    private boolean bool(Map<String, Object> m, String key, boolean dflt, String field) {
        Object v = m.get(key);
        if (v == null || v == Json.NULL) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw bad(field + "." + key, "expected true or false, found " + kind(v), "fix or re-fetch the file");
    }

    private int integer(Object v, String field) {
        if (v instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) {
            return (int) (long) l;
        }
        throw bad(field, "expected a non-negative integer id, found " + kind(v), "fix or re-fetch the file");
    }

    private static String kind(Object v) {
        if (v == null) {
            return "nothing (missing)";
        }
        if (v == Json.NULL) {
            return "null";
        }
        if (v instanceof String s) {
            return "string \"" + TokenizerLoader.abbreviate(s) + "\"";
        }
        return v instanceof Map ? "an object" : v instanceof List ? "an array" : String.valueOf(v);
    }

    private static boolean present(Object v) {
        return v != null && v != Json.NULL;
    }

    private Tokenizer build(Object rootValue) {
        Map<String, Object> root = object(rootValue, "(root)");
        Map<String, Object> model = object(root.get("model"), "model");
        Object type = model.get("type");
        if (present(type) && !"BPE".equals(type)) {
            throw unsupported("model.type", "model type " + type + (("Unigram".equals(type))
                    ? " (SentencePiece Unigram)" : ""));
        }
        if (!model.containsKey("merges") || !model.containsKey("vocab")) {
            throw bad("model", "a BPE model needs \"vocab\" and \"merges\"", "fix or re-fetch the file");
        }
        Object dropout = model.get("dropout");
        if (present(dropout) && !(dropout instanceof Number d && d.doubleValue() == 0.0)) {
            throw unsupported("model.dropout", "BPE dropout (random, not reproducible)");
        }
        for (String key : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            Object v = model.get(key);
            if (present(v) && !"".equals(v)) {
                throw unsupported("model." + key, key + " \"" + v + "\" (not byte-level BPE)");
            }
        }
        if (bool(model, "byte_fallback", false, "model")) {
            throw sentencePiece("model.byte_fallback");
        }
        Pipeline pipeline = pipeline(root.get("normalizer"), root.get("pre_tokenizer"));

        // Vocabulary: byte-level strings -> ids, mapped back to raw bytes.
        Map<String, Object> vocabJson = object(model.get("vocab"), "model.vocab");
        int maxId = -1;
        Map<String, Integer> vocab = new HashMap<>(vocabJson.size() * 2);
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            int id = integer(e.getValue(), "model.vocab[\"" + TokenizerLoader.abbreviate(e.getKey()) + "\"]");
            vocab.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        byte[][] tokenBytes = new byte[maxId + 1][];
        boolean[] encodable = new boolean[maxId + 1];
        String[] tokenText = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (tokenText[id] != null) {
                throw bad("model.vocab", "id " + id + " is given to both \"" + tokenText[id] + "\" and \""
                        + e.getKey() + "\"", "every vocabulary id must be unique; re-fetch the file");
            }
            tokenText[id] = e.getKey();
            byte[] b = ByteLevelAlphabet.toBytes(e.getKey());
            encodable[id] = b != null;
            // HF's ByteLevel decoder falls back to the token's UTF-8 when a char is outside the alphabet.
            tokenBytes[id] = b != null ? b : e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        int[] byteToId = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
            byteToId[b] = id == null ? -1 : id;
        }

        // Merges, in file order; the rank is the line number; a duplicate pair keeps its last rank (HF).
        List<Object> mergesJson = array(model.get("merges"), "model.merges");
        int nm = mergesJson.size();
        int[] left = new int[nm];
        int[] right = new int[nm];
        int[] merged = new int[nm];
        PairTable pairs = new PairTable(nm);
        for (int r = 0; r < nm; r++) {
            String field = "model.merges[" + r + "]";
            Object m = mergesJson.get(r);
            String a;
            String b;
            if (m instanceof String s) {
                String[] parts = s.split(" ", -1);
                if (parts.length != 2) {
                    throw bad(field, "merge \"" + s + "\" must be two tokens separated by one space",
                            "tokens containing spaces need the [\"a\", \"b\"] pair form (tokenizers >= 0.20)");
                }
                a = parts[0];
                b = parts[1];
            } else if (m instanceof List<?> l && l.size() == 2) {
                a = string(l.get(0), field + "[0]");
                b = string(l.get(1), field + "[1]");
            } else {
                throw bad(field, "expected \"a b\" or [\"a\", \"b\"], found " + kind(m), "fix or re-fetch the file");
            }
            Integer ia = vocab.get(a);
            Integer ib = vocab.get(b);
            if (ia == null || ib == null) {
                throw bad(field, "merge names token \"" + (ia == null ? a : b) + "\", which is not in model.vocab",
                        "the merges and vocabulary do not belong together; re-fetch the file");
            }
            Integer im = vocab.get(a + b);
            if (im == null) {
                throw bad(field, "the merged token \"" + a + b + "\" is not in model.vocab",
                        "the merges and vocabulary do not belong together; re-fetch the file");
            }
            left[r] = ia;
            right[r] = ib;
            merged[r] = im;
            pairs.put(ia, ib, r, im);
        }

        int unk = -1;
        Object unkValue = model.get("unk_token");
        if (present(unkValue)) {
            Integer u = vocab.get(string(unkValue, "model.unk_token"));
            if (u == null) {
                throw bad("model.unk_token", "unk token \"" + unkValue + "\" is not in model.vocab",
                        "fix or re-fetch the file");
            }
            unk = u;
        }
        boolean ignoreMerges = bool(model, "ignore_merges", false, "model");
        boolean fuseUnk = bool(model, "fuse_unk", false, "model");

        List<AddedToken> added = new ArrayList<>();
        Object addedValue = root.get("added_tokens");
        if (present(addedValue)) {
            List<Object> list = array(addedValue, "added_tokens");
            for (int i = 0; i < list.size(); i++) {
                String f = "added_tokens[" + i + "]";
                Map<String, Object> t = object(list.get(i), f);
                String content = string(t.get("content"), f + ".content");
                if (content.isEmpty()) {
                    throw bad(f + ".content", "empty added token", "remove it from the file");
                }
                int id = integer(t.get("id"), f + ".id");
                if (id < tokenText.length && tokenText[id] != null && !tokenText[id].equals(content)
                        && vocab.get(content) == null) {
                    // HF lets an added token reuse a vocabulary id only for the same text; anything else is
                    // a broken file.
                    throw bad(f + ".id", "added token \"" + content + "\" has id " + id + ", which model.vocab"
                            + " gives to \"" + tokenText[id] + "\"", "fix or re-fetch the file");
                }
                added.add(new AddedToken(content, id, bool(t, "special", false, f), bool(t, "lstrip", false, f),
                        bool(t, "rstrip", false, f), bool(t, "single_word", false, f),
                        bool(t, "normalized", !bool(t, "special", false, f), f)));
            }
        }
        BpeModel bpe = new BpeModel(tokenBytes, encodable, byteToId, pairs, ignoreMerges, unk, fuseUnk);
        MergeList mergeList = new MergeList(left, right, merged, new int[0]);
        // The pipeline's JSON is kept so a trainer can write the same pipeline into a new tokenizer.json.
        Object normalizerValue = root.get("normalizer");
        PieceSplitter splitter = new PieceSplitter(file, pipeline.normalizer(), pipeline.preTokenizer(),
                pipeline.addPrefixSpace(), present(normalizerValue) ? Json.write(normalizerValue) : null,
                Json.write(root.get("pre_tokenizer")), null);
        return new Tokenizer(file, "tokenizer.json", bpe, splitter, added, vocab.size(), () -> mergeList);
    }

    private UnsupportedTokenizerException sentencePiece(String field) {
        return new UnsupportedTokenizerException(file + ": field " + field + ": this is a SentencePiece-style BPE"
                + " tokenizer (Llama 2, Gemma, Mistral: Metaspace / byte fallback), which tokmix does not load yet"
                + "\n  remedy: use a byte-level BPE tokenizer, or follow the tokmix issue that adds SentencePiece BPE");
    }

    private void preTokenizer(Map<String, Object> p, String field, List<PreTokenizer.Step> steps,
                              boolean[] byteLevel, boolean last) {
        Object type = p.get("type");
        if (byteLevel[0]) {
            throw unsupported(field, "a pretokenizer after ByteLevel");
        }
        switch (String.valueOf(type)) {
            case "Sequence" -> {
                List<Object> list = array(p.get("pretokenizers"), field + ".pretokenizers");
                for (int i = 0; i < list.size(); i++) {
                    preTokenizer(object(list.get(i), field + ".pretokenizers[" + i + "]"),
                            field + ".pretokenizers[" + i + "]", steps, byteLevel, last && i == list.size() - 1);
                }
            }
            case "ByteLevel" -> {
                byteLevel[0] = true;
                byteLevel[1] = bool(p, "add_prefix_space", false, field);
                if (bool(p, "use_regex", true, field)) {
                    PieceScanner s = PieceScanners.forPattern(PieceScanners.GPT2, RegexDialect.ONIGURUMA);
                    steps.add(new PreTokenizer.Step(s, PreTokenizer.Behavior.ISOLATED, false,
                            "ByteLevel(" + PatternNames.describe(PieceScanners.GPT2, s) + ")"));
                }
            }
            case "Split" -> {
                Map<String, Object> pat = object(p.get("pattern"), field + ".pattern");
                String regex;
                if (pat.get("Regex") instanceof String r) {
                    regex = r;
                } else if (pat.get("String") instanceof String s) {
                    regex = Pattern.quote(s);
                } else {
                    throw bad(field + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}",
                            "fix or re-fetch the file");
                }
                PreTokenizer.Behavior behavior = behavior(p.get("behavior"), field + ".behavior");
                boolean invert = bool(p, "invert", false, field);
                PieceScanner s;
                try {
                    s = PieceScanners.forPattern(regex, RegexDialect.ONIGURUMA);
                } catch (UnsupportedPatternException e) {
                    throw new UnsupportedPatternException(regex, 0, "in " + file + " field " + field
                            + ".pattern: " + e.getMessage());
                }
                steps.add(new PreTokenizer.Step(s, behavior, invert, "Split(" + PatternNames.describe(regex, s)
                        + ", " + behavior.name().toLowerCase(java.util.Locale.ROOT) + (invert ? ", invert" : "") + ")"));
            }
            case "Digits" -> {
                boolean individual = bool(p, "individual_digits", false, field);
                PieceScanner s = new RegexPieceScanner("\\p{N}", RegexDialect.ONIGURUMA);
                steps.add(new PreTokenizer.Step(s, individual ? PreTokenizer.Behavior.ISOLATED
                        : PreTokenizer.Behavior.CONTIGUOUS, false, "Digits(individual=" + individual + ")"));
            }
            case "Metaspace" -> throw sentencePiece(field);
            default -> throw unsupported(field + ".type", "pretokenizer " + type);
        }
    }

    private PreTokenizer.Behavior behavior(Object v, String field) {
        return switch (String.valueOf(v)) {
            case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
            case "Removed" -> PreTokenizer.Behavior.REMOVED;
            case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
            default -> throw bad(field, "unknown split behaviour " + kind(v),
                    "use Isolated, Removed, MergedWithPrevious, MergedWithNext or Contiguous");
        };
    }

    private TextNormalizer normalizer(Map<String, Object> n, String field) {
        Object type = n.get("type");
        return switch (String.valueOf(type)) {
            case "NFC" -> new TextNormalizer.Unicode(Normalizer.Form.NFC);
            case "NFD" -> new TextNormalizer.Unicode(Normalizer.Form.NFD);
            case "NFKC" -> new TextNormalizer.Unicode(Normalizer.Form.NFKC);
            case "NFKD" -> new TextNormalizer.Unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> new TextNormalizer.Lowercase();
            case "Prepend" -> {
                String prefix = string(n.get("prepend"), field + ".prepend");
                if (prefix.contains("\u2581")) {
                    throw sentencePiece(field);
                }
                yield new TextNormalizer.Prepend(prefix);
            }
            case "Replace" -> {
                Map<String, Object> pat = object(n.get("pattern"), field + ".pattern");
                String content = string(n.get("content"), field + ".content");
                if (content.contains("\u2581")) {
                    throw sentencePiece(field);
                }
                if (pat.get("String") instanceof String s) {
                    yield new TextNormalizer.Replace(s, content);
                }
                throw unsupported(field + ".pattern", "a Replace normaliser with a regex pattern");
            }
            case "Sequence" -> {
                List<Object> list = array(n.get("normalizers"), field + ".normalizers");
                List<TextNormalizer> out = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    out.add(normalizer(object(list.get(i), field + ".normalizers[" + i + "]"),
                            field + ".normalizers[" + i + "]"));
                }
                yield new TextNormalizer.Sequence(List.copyOf(out));
            }
            default -> throw unsupported(field + ".type", "normaliser " + type);
        };
    }
}
