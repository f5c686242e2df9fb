package dev.tokmix.bpe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads tiktoken rank files and HF {@code tokenizer.json} files into {@link Tokenizer}s. Every check runs before
 * the tokenizer is built, so a malformed file yields a {@link TokenizerFormatException} naming the file, the line
 * or JSON field, and a remedy — never a half-built tokenizer.
 */
final class TokenizerLoader {

    /** Built-in tiktoken encodings: pattern and special tokens as tiktoken's {@code openai_public.py} defines them. */
    record Builtin(String name, String pattern, Map<String, Integer> specials) {
    }

    static final Map<String, Builtin> BUILTINS = builtins();

    private static Map<String, Builtin> builtins() {
        Map<String, Builtin> m = new LinkedHashMap<>();
        m.put("r50k_base", new Builtin("r50k_base", PieceScanners.R50K, Map.of("<|endoftext|>", 50256)));
        m.put("p50k_base", new Builtin("p50k_base", PieceScanners.R50K, Map.of("<|endoftext|>", 50256)));
        Map<String, Integer> cl = new LinkedHashMap<>();
        cl.put("<|endoftext|>", 100257);
        cl.put("<|fim_prefix|>", 100258);
        cl.put("<|fim_middle|>", 100259);
        cl.put("<|fim_suffix|>", 100260);
        cl.put("<|endofprompt|>", 100276);
        m.put("cl100k_base", new Builtin("cl100k_base", PieceScanners.CL100K, cl));
        Map<String, Integer> o = new LinkedHashMap<>();
        o.put("<|endoftext|>", 199999);
        o.put("<|endofprompt|>", 200018);
        m.put("o200k_base", new Builtin("o200k_base", PieceScanners.O200K, o));
        return m;
    }

    private TokenizerLoader() {
    }

    /** Where fetched data lives: {@code -Dtokmix.data}, else {@code $TOKMIX_DATA}, else {@code ./data}. */
    static Path dataDirectory() {
        String p = System.getProperty("tokmix.data");
        if (p == null || p.isBlank()) {
            p = System.getenv("TOKMIX_DATA");
        }
        return Path.of(p == null || p.isBlank() ? "data" : p);
    }

    static Tokenizer load(String spec) {
        Builtin b = BUILTINS.get(spec);
        if (b != null) {
            Path file = dataDirectory().resolve("tiktoken").resolve(spec + ".tiktoken");
            if (!Files.isRegularFile(file)) {
                throw new TokenizerFormatException("built-in tokenizer " + spec + ": rank file " + file
                        + " not found\n  remedy: run `make data` (scripts/fetch-data.sh), or set -Dtokmix.data /"
                        + " TOKMIX_DATA to the folder holding tiktoken/" + spec + ".tiktoken");
            }
            return loadTiktoken(file, spec, b.pattern(), b.specials());
        }
        Path path = Path.of(spec);
        if (!Files.exists(path)) {
            throw new TokenizerFormatException("tokenizer " + spec + ": neither a built-in name "
                    + BUILTINS.keySet() + " nor an existing file\n  remedy: pass a built-in name or a path to a"
                    + " .tiktoken or tokenizer.json file");
        }
        return load(path);
    }

    static Tokenizer load(Path file) {
        byte[] data = read(file);
        int i = 0;
        while (i < data.length && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) {
            i++;
        }
        if (i < data.length && data[i] == '{') {
            return HfTokenizerJson.load(file, decodeStrict(file, data));
        }
        String fname = file.getFileName().toString();
        String base = fname.endsWith(".tiktoken") ? fname.substring(0, fname.length() - 9) : fname;
        Builtin b = BUILTINS.get(base);
        if (b == null) {
            // A custom rank file carries no pattern or specials; cl100k's pattern is the common default.
            return loadTiktoken(file, data, file.toString(), PieceScanners.CL100K, null, Map.of());
        }
        return loadTiktoken(file, data, file.toString(), b.pattern(), null, b.specials());
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("tokenizer file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String decodeStrict(Path file, byte[] data) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(data))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new TokenizerFormatException(file + ": not valid UTF-8 (" + e.getMessage()
                    + ")\n  remedy: tokenizer.json files are UTF-8 JSON; fetch an intact copy");
        }
    }

    /**
     * Loads a tiktoken rank file with the given pattern and special tokens.
     *
     * @param file     the {@code .tiktoken} file
     * @param name     the tokenizer name
     * @param pattern  the pretokenizer pattern (tiktoken dialect)
     * @param specials special tokens and their ids
     * @return the tokenizer
     */
    static Tokenizer loadTiktoken(Path file, String name, String pattern, Map<String, Integer> specials) {
        return loadTiktoken(file, read(file), name, pattern, null, specials);
    }

    /** A rank file's pipeline: one tiktoken pattern whose matches are the pieces (gaps dropped). */
    static PieceSplitter tiktokenSplitter(String name, String pattern) {
        PieceScanner scanner = PieceScanners.forPattern(pattern, RegexDialect.TIKTOKEN);
        PreTokenizer pre = new PreTokenizer(List.of(new PreTokenizer.Step(scanner, PreTokenizer.Behavior.REMOVED,
                true, "Split(" + PatternNames.describe(pattern, scanner) + ", keep matches)")));
        return new PieceSplitter(name, null, pre, false, null, null, pattern);
    }

    /**
     * Loads a tiktoken rank file.
     *
     * @param pattern          the tiktoken pattern (used when {@code splitterOverride} is null)
     * @param splitterOverride the pipeline to use instead of {@code pattern}, or null
     */
    static Tokenizer loadTiktoken(Path file, byte[] data, String name, String pattern,
                                  PieceSplitter splitterOverride, Map<String, Integer> specials) {
        List<byte[]> tokens = new ArrayList<>();
        List<Integer> ranks = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        Base64.Decoder b64 = Base64.getDecoder();
        int line = 0;
        int pos = 0;
        int maxRank = -1;
        while (pos < data.length) {
            int eol = pos;
            while (eol < data.length && data[eol] != '\n') {
                eol++;
            }
            line++;
            int end = eol > pos && data[eol - 1] == '\r' ? eol - 1 : eol;
            if (end > pos) {
                String text = new String(data, pos, end - pos, StandardCharsets.ISO_8859_1);
                int sp = text.indexOf(' ');
                if (sp <= 0 || text.indexOf(' ', sp + 1) >= 0) {
                    throw new TokenizerFormatException(file + ": line " + line + ": expected \"<base64 token>"
                            + " <rank>\", got \"" + abbreviate(text) + "\"\n  remedy: the file is not a tiktoken rank"
                            + " file or is corrupt; fetch an intact copy");
                }
                byte[] tok;
                try {
                    tok = b64.decode(text.substring(0, sp));
                } catch (IllegalArgumentException e) {
                    throw new TokenizerFormatException(file + ": line " + line + ": invalid base64 token \""
                            + abbreviate(text.substring(0, sp)) + "\" (" + e.getMessage()
                            + ")\n  remedy: the file is corrupt; fetch an intact copy");
                }
                int rank;
                try {
                    rank = Integer.parseInt(text.substring(sp + 1));
                } catch (NumberFormatException e) {
                    throw new TokenizerFormatException(file + ": line " + line + ": rank \""
                            + abbreviate(text.substring(sp + 1)) + "\" is not a non-negative integer"
                            + "\n  remedy: the file is corrupt; fetch an intact copy");
                }
                if (rank < 0 || tok.length == 0) {
                    throw new TokenizerFormatException(file + ": line " + line + ": "
                            + (rank < 0 ? "negative rank " + rank : "empty token")
                            + "\n  remedy: the file is corrupt; fetch an intact copy");
                }
                tokens.add(tok);
                ranks.add(rank);
                lines.add(line);
                maxRank = Math.max(maxRank, rank);
            }
            pos = eol + 1;
        }
        if (tokens.isEmpty()) {
            throw new TokenizerFormatException(file + ": no tokens (empty file)\n  remedy: fetch an intact copy");
        }
        byte[][] byId = new byte[maxRank + 1][];
        int[] lineOf = new int[maxRank + 1];
        for (int i = 0; i < tokens.size(); i++) {
            int r = ranks.get(i);
            if (byId[r] != null) {
                throw new TokenizerFormatException(file + ": line " + lines.get(i) + ": rank " + r
                        + " is already used on line " + lineOf[r] + "\n  remedy: ranks must be unique; the file is"
                        + " corrupt or was edited");
            }
            byId[r] = tokens.get(i);
            lineOf[r] = lines.get(i);
        }
        ByteStringTable table = new ByteStringTable(byId, null);
        for (int r = 0; r < byId.length; r++) {
            if (byId[r] != null) {
                int found = table.get(byId[r], 0, byId[r].length);
                if (found != r) {
                    throw new TokenizerFormatException(file + ": line " + lineOf[Math.max(found, r)]
                            + ": the same token bytes have ranks " + Math.min(found, r) + " and " + Math.max(found, r)
                            + "\n  remedy: every token must appear once; the file is corrupt or was edited");
                }
            }
        }
        int[] byteToId = new int[256];
        byte[] one = new byte[1];
        for (int b = 0; b < 256; b++) {
            one[0] = (byte) b;
            byteToId[b] = table.get(one, 0, 1);
            if (byteToId[b] < 0) {
                throw new TokenizerFormatException(file + ": byte 0x" + Integer.toHexString(b)
                        + " has no token\n  remedy: byte-level BPE needs all 256 single-byte tokens; the file is"
                        + " incomplete");
            }
        }
        PairTable pairs = new PairTable(byId.length * 2);
        for (int id = 0; id < byId.length; id++) {
            byte[] t = byId[id];
            if (t == null || t.length < 2) {
                continue;
            }
            for (int k = 1; k < t.length; k++) {
                int a = table.get(t, 0, k);
                if (a < 0) {
                    continue;
                }
                int b = table.get(t, k, t.length - k);
                if (b >= 0) {
                    pairs.put(a, b, id, id);
                }
            }
        }
        List<AddedToken> added = new ArrayList<>();
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            int id = e.getValue();
            if (id < byId.length && byId[id] != null) {
                throw new TokenizerFormatException(file + ": special token " + e.getKey() + " has id " + id
                        + ", which is also the rank of an ordinary token\n  remedy: use the rank file that belongs"
                        + " to this encoding");
            }
            added.add(new AddedToken(e.getKey(), id, true, false, false, false, false));
        }
        BpeModel model = new BpeModel(byId, null, table, byteToId, pairs, true, -1, false);
        PieceSplitter splitter = splitterOverride != null ? splitterOverride : tiktokenSplitter(name, pattern);
        int vocab = 0;
        for (byte[] t : byId) {
            if (t != null) {
                vocab++;
            }
        }
        return new Tokenizer(name, "tiktoken", model, splitter, added, vocab, () -> deriveMerges(model));
    }

    /** Derives the merge list from ranks (see {@link MergeList}). */
    static MergeList deriveMerges(BpeModel model) {
        byte[][] t = model.tokenBytes;
        int[] left = new int[t.length];
        int[] right = new int[t.length];
        int[] merged = new int[t.length];
        List<Integer> unreachable = new ArrayList<>();
        int n = 0;
        int[] parts = new int[256];
        for (int id = 0; id < t.length; id++) {
            byte[] b = t[id];
            if (b == null || b.length < 2) {
                continue;
            }
            if (parts.length < b.length) {
                parts = new int[b.length];
            }
            int k = model.mergeParts(b, 0, b.length, id, parts);
            if (k == 2 && model.pairs.get(parts[0], parts[1]) != PairTable.NONE) {
                left[n] = parts[0];
                right[n] = parts[1];
                merged[n] = id;
                n++;
            } else {
                unreachable.add(id);
            }
        }
        return new MergeList(java.util.Arrays.copyOf(left, n), java.util.Arrays.copyOf(right, n),
                java.util.Arrays.copyOf(merged, n), unreachable.stream().mapToInt(Integer::intValue).toArray());
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
