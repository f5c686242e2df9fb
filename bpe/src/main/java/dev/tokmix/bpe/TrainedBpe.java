package dev.tokmix.bpe;

import dev.tokmix.core.AtomicFile;
import dev.tokmix.core.JsonStrings;
import dev.tokmix.core.TokmixException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tokenizer produced by {@link BpeTrainer}: the vocabulary (special tokens, 256 bytes, learned tokens), the
 * ordered merges and the pipeline it was trained with. It can be written as a Hugging Face
 * {@code tokenizer.json} (which tokmix and HF tokenizers load and encode identically) or as a tiktoken rank
 * file, and turned into a {@link Tokenizer} directly.
 *
 * <p>Both files use the same ids. In the rank file each token's rank is its id; the special tokens' ids
 * (0..k−1) are the gaps, to be passed to tiktoken as {@code special_tokens} (a rank file has no place for
 * them). tiktoken merges by the rank of the concatenated bytes rather than by merge-list position; tokmix's
 * tests measure how often that choice changes an encoding of trained files.
 */
public final class TrainedBpe {

    /**
     * Numbers about a training run.
     *
     * @param uniquePieceCount distinct pretokens
     * @param pieceCount       pretokens counted, repeats included
     * @param textBytes        bytes of text the pretokens cover
     * @param symbolCount      bytes of the distinct pretokens of two or more bytes (the merge loop's symbols)
     * @param pairCount        distinct adjacent pairs ever seen
     * @param mergeCount       merges done
     * @param trainSeconds     time of {@link BpeTrainer#train} (symbol setup and merge loop), seconds
     */
    public record Stats(int uniquePieceCount, long pieceCount, long textBytes, int symbolCount, int pairCount,
                        int mergeCount, double trainSeconds) {
    }

    private final PieceSplitter splitter;
    private final List<String> specialTokens;
    private final List<byte[]> tokens;
    private final int[] left;
    private final int[] right;
    private final int[] merged;
    private final Stats stats;

    TrainedBpe(PieceSplitter splitter, List<String> specialTokens, List<byte[]> tokens, int[] left, int[] right,
               int[] merged, Stats stats) {
        this.splitter = splitter;
        this.specialTokens = specialTokens;
        this.tokens = List.copyOf(tokens);
        this.left = left;
        this.right = right;
        this.merged = merged;
        this.stats = stats;
    }

    /**
     * The vocabulary size: special tokens + 256 bytes + learned tokens.
     *
     * @return the number of ids
     */
    public int vocabularySize() {
        return tokens.size();
    }

    /**
     * The merges in the order learned (a merge that re-spells an existing token keeps that token's id).
     *
     * @return the merge list
     */
    public MergeList merges() {
        return new MergeList(left.clone(), right.clone(), merged.clone(), new int[0]);
    }

    /**
     * The bytes of a token (a special token's UTF-8 text).
     *
     * @param id the id
     * @return a copy of its bytes
     */
    public byte[] tokenBytes(int id) {
        return tokens.get(id).clone();
    }

    /**
     * The special tokens and their ids (0..k−1).
     *
     * @return text → id, in id order
     */
    public Map<String, Integer> specialTokens() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < specialTokens.size(); i++) {
            m.put(specialTokens.get(i), i);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The pipeline the tokenizer was trained with.
     *
     * @return the splitter
     */
    public PieceSplitter pieceSplitter() {
        return splitter;
    }

    /**
     * Numbers about the run that produced this tokenizer.
     *
     * @return the stats
     */
    public Stats stats() {
        return stats;
    }

    private static String byteLevel(byte[] b) {
        char[] c = new char[b.length];
        for (int i = 0; i < b.length; i++) {
            c[i] = ByteLevelAlphabet.charOf(b[i] & 0xFF);
        }
        return new String(c);
    }

    /**
     * The tokenizer as a Hugging Face {@code tokenizer.json} document: model {@code BPE} with vocabulary and
     * merges, the splitter's normaliser and pretokenizer, a {@code ByteLevel} decoder, special tokens as added
     * tokens.
     *
     * @return the JSON text
     * @throws TokmixException if the splitter has no JSON form (taken from a loaded tokenizer), or a learned
     *                         token spells a special token
     */
    public String toTokenizerJson() {
        if (splitter.preTokenizerJson() == null) {
            throw new TokmixException("pretokenizer " + splitter.name() + " has no tokenizer.json form"
                    + "\n  remedy: train with a built-in pretokenizer (" + String.join(", ", PieceSplitter.names())
                    + ")");
        }
        int k = specialTokens.size();
        StringBuilder sb = new StringBuilder(tokens.size() * 24 + left.length * 24 + 4096);
        sb.append("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [");
        for (int i = 0; i < k; i++) {
            sb.append(i == 0 ? "\n    " : ",\n    ").append("{\"id\": ").append(i).append(", \"content\": ");
            JsonStrings.quote(specialTokens.get(i), sb);
            sb.append(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false,"
                    + " \"special\": true}");
        }
        sb.append(k == 0 ? "],\n" : "\n  ],\n");
        sb.append("  \"normalizer\": ").append(splitter.normalizerJson() == null ? "null" : splitter.normalizerJson())
                .append(",\n  \"pre_tokenizer\": ").append(splitter.preTokenizerJson())
                .append(",\n  \"post_processor\": null,\n  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\":"
                        + " true, \"trim_offsets\": true, \"use_regex\": true},\n")
                .append("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n"
                        + "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n"
                        + "    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n"
                        + "    \"vocab\": {");
        String[] text = new String[tokens.size()];
        Map<String, Integer> seen = new java.util.HashMap<>(tokens.size() * 2);
        for (int id = 0; id < tokens.size(); id++) {
            text[id] = id < k ? specialTokens.get(id) : byteLevel(tokens.get(id));
            Integer clash = seen.put(text[id], id);
            if (clash != null) {
                throw new TokmixException("special token \"" + specialTokens.get(Math.min(clash, id)) + "\" is"
                        + " spelled by learned token " + Math.max(clash, id) + "\n  remedy: choose special tokens"
                        + " that cannot occur as one piece of text, such as <|name|>");
            }
            sb.append(id == 0 ? "\n      " : ",\n      ");
            JsonStrings.quote(text[id], sb);
            sb.append(": ").append(id);
        }
        sb.append("\n    },\n    \"merges\": [");
        for (int r = 0; r < left.length; r++) {
            sb.append(r == 0 ? "\n      " : ",\n      ");
            // Byte-level tokens never contain a space (0x20 is 'Ġ'), so the classic "a b" form is unambiguous and
            // readable by every tokenizers version.
            JsonStrings.quote(text[left[r]] + " " + text[right[r]], sb);
        }
        sb.append(left.length == 0 ? "]\n  }\n}\n" : "\n    ]\n  }\n}\n");
        return sb.toString();
    }

    /**
     * Writes {@link #toTokenizerJson()} to a file, crash-safely (temporary name, fsync, rename).
     *
     * @param file the {@code tokenizer.json} to create or replace
     * @throws TokmixException as {@link #toTokenizerJson()} does, before anything is written
     * @throws java.io.UncheckedIOException naming the file if it cannot be written
     */
    public void writeTokenizerJson(Path file) {
        byte[] json = toTokenizerJson().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, out -> out.write(json));
    }

    /**
     * The tiktoken rank file: {@code base64(token bytes) rank} per line, rank = id, special tokens left out.
     *
     * @return the file's bytes
     * @throws TokmixException if a merge produced a special token's id (a special token that is also a piece of
     *                         text cannot be expressed in a rank file, which has no place for special tokens)
     */
    public byte[] toTiktoken() {
        int k = specialTokens.size();
        for (int r = 0; r < merged.length; r++) {
            if (merged[r] < k) {
                throw new TokmixException("special token \"" + specialTokens.get(merged[r]) + "\" was learned as a"
                        + " merge of ordinary text (merge " + r + "), which a tiktoken rank file cannot express"
                        + "\n  remedy: write a tokenizer.json, or choose special tokens that cannot occur as one piece"
                        + " of text, such as <|name|>");
            }
        }
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(tokens.size() * 16);
        Base64.Encoder b64 = Base64.getEncoder();
        for (int id = k; id < tokens.size(); id++) {
            buf.writeBytes(b64.encode(tokens.get(id)));
            buf.write(' ');
            buf.writeBytes(Integer.toString(id).getBytes(StandardCharsets.US_ASCII));
            buf.write('\n');
        }
        return buf.toByteArray();
    }

    /**
     * Writes {@link #toTiktoken()} to a file, crash-safely.
     *
     * @param file the {@code .tiktoken} file to create or replace
     * @throws TokmixException as {@link #toTiktoken()} does, before anything is written
     * @throws java.io.UncheckedIOException naming the file if it cannot be written
     */
    public void writeTiktoken(Path file) {
        byte[] ranks = toTiktoken();
        AtomicFile.write(file, out -> out.write(ranks));
    }

    /**
     * The file content for a name: {@code .tiktoken} → rank file, anything else → {@code tokenizer.json}.
     *
     * @param file the output file's name
     * @return the bytes to write
     * @throws TokmixException if the tokenizer cannot be expressed in that format
     */
    public byte[] serialize(Path file) {
        return file.getFileName().toString().endsWith(".tiktoken") ? toTiktoken()
                : toTokenizerJson().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes the tokenizer in the format its name asks for ({@link #serialize}), crash-safely.
     *
     * @param file the output file
     * @throws TokmixException if the tokenizer cannot be expressed in that format, before anything is written
     * @throws java.io.UncheckedIOException naming the file if it cannot be written
     */
    public void write(Path file) {
        byte[] content = serialize(file);
        AtomicFile.write(file, out -> out.write(content));
    }

    /**
     * This tokenizer, ready to encode (built from its {@code tokenizer.json} form, so it encodes exactly as the
     * written file will).
     *
     * @return the tokenizer
     */
    public Tokenizer toTokenizer() {
        return HfTokenizerJson.load(Path.of("trained-" + splitter.name() + "-" + tokens.size()), toTokenizerJson());
    }
}
