package dev.tokmix.bpe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Small synthetic tokenizer files for unit tests that must not depend on fetched data. */
final class TinyTokenizers {
    private TinyTokenizers() {
    }

    /** A tiktoken rank file: all 256 bytes, then the given multi-byte tokens in rank order. */
    static String tiktoken(String... tokens) {
        StringBuilder sb = new StringBuilder();
        int rank = 0;
        for (int b = 0; b < 256; b++) {
            sb.append(Base64.getEncoder().encodeToString(new byte[] {(byte) b})).append(' ').append(rank++).append('\n');
        }
        for (String t : tokens) {
            sb.append(Base64.getEncoder().encodeToString(t.getBytes(StandardCharsets.UTF_8))).append(' ')
                    .append(rank++).append('\n');
        }
        return sb.toString();
    }

    /**
     * A byte-level tokenizer.json whose merges are the given pairs (ASCII only, written as "a b" strings), with
     * a GPT-2 ByteLevel pretokenizer and the given extra top-level JSON (normalizer, added_tokens, ...).
     */
    static String tokenizerJson(List<String[]> merges, String extraTopLevel, String preTokenizer) {
        StringBuilder vocab = new StringBuilder();
        List<String> entries = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            entries.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        }
        StringBuilder m = new StringBuilder();
        for (String[] pair : merges) {
            String merged = pair[0] + pair[1];
            if (!entries.contains(merged)) {
                entries.add(merged);
            }
            m.append(m.isEmpty() ? "" : ",").append('"').append(esc(pair[0])).append(' ').append(esc(pair[1]))
                    .append('"');
        }
        for (int i = 0; i < entries.size(); i++) {
            vocab.append(i == 0 ? "" : ",").append('"').append(esc(entries.get(i))).append("\":").append(i);
        }
        return "{\"version\":\"1.0\"," + (extraTopLevel.isEmpty() ? "" : extraTopLevel + ",")
                + "\"pre_tokenizer\":" + preTokenizer + ","
                + "\"model\":{\"type\":\"BPE\",\"vocab\":{" + vocab + "},\"merges\":[" + m + "]}}";
    }

    /** Merge pairs written as "left right". */
    static List<String[]> pairs(String... merges) {
        List<String[]> out = new ArrayList<>();
        for (String m : merges) {
            out.add(m.split(" "));
        }
        return out;
    }

    static final String BYTE_LEVEL = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}";

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static Path write(Path dir, String name, String content) {
        try {
            Path p = dir.resolve(name);
            Files.writeString(p, content);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
