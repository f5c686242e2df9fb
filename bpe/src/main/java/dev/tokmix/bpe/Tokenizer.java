package dev.tokmix.bpe;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded byte-level BPE tokenizer: tiktoken rank files ({@code r50k_base}, {@code p50k_base},
 * {@code cl100k_base}, {@code o200k_base}, or any {@code .tiktoken} file) and Hugging Face {@code tokenizer.json}
 * BPE models (GPT-2, GPT-3.5/GPT-4o conversions, Llama 3, Qwen 2/3, DeepSeek V3, Claude, …), giving the same ids
 * as tiktoken and HF tokenizers, byte for byte.
 *
 * <p>Immutable and safe to share across threads; each thread encodes with its own scratch memory, and encoding
 * into a reused {@link TokenSink} allocates nothing per token.
 *
 * <pre>{@code
 * Tokenizer o200k = Tokenizer.load("o200k_base");
 * int[] ids = o200k.encodeOrdinary("hello world");           // [24912, 2375]
 * byte[] text = o200k.decode(ids);                           // "hello world" in UTF-8
 * long n = o200k.countTokens("hello world", SpecialTokenPolicy.ordinary()); // 2
 * }</pre>
 *
 * <p>Encoding: (1) lone surrogates / ill-formed UTF-8 become U+FFFD; (2) special and added tokens are split out
 * as the {@link SpecialTokenPolicy} says (disallowed ones raise); (3) each segment between them is normalised
 * (HF normalisers), (4) pretokenized (hand-written scanners for known patterns, a {@code java.util.regex}
 * fallback otherwise), and (5) each piece's UTF-8 bytes are merged by {@link BpeModel}.
 */
public final class Tokenizer {
    private final String name;
    private final String format;
    private final BpeModel model;
    private final PieceSplitter splitter;
    private final PreTokenizer preTokenizer;
    private final TextNormalizer normalizer;
    private final AddedTokenMatcher added;
    private final List<AddedToken> addedTokens;
    private final Map<Integer, byte[]> addedBytes;
    private final int idLimit;
    private final int vocabularySize;
    private final boolean hasNormalizedAdded;
    private final boolean hasNonSpecialAdded;
    private volatile MergeList merges;
    private final MergeListSource mergeSource;

    /** Produces the merge list on first request (deriving it from tiktoken ranks costs a few hundred ms). */
    @FunctionalInterface
    interface MergeListSource {
        MergeList get();
    }

    Tokenizer(String name, String format, BpeModel model, PieceSplitter splitter, List<AddedToken> addedTokens,
              int vocabularySize, MergeListSource mergeSource) {
        this.name = name;
        this.format = format;
        this.model = model;
        this.splitter = splitter;
        this.preTokenizer = splitter.preTokenizer();
        this.normalizer = splitter.normalizer();
        this.addedTokens = List.copyOf(addedTokens);
        List<String> matchText = new java.util.ArrayList<>(this.addedTokens.size());
        for (AddedToken t : this.addedTokens) {
            matchText.add(t.normalized() && normalizer != null ? normalizer.apply(t.content()) : t.content());
        }
        this.added = new AddedTokenMatcher(this.addedTokens, matchText);
        Map<Integer, byte[]> ab = new LinkedHashMap<>();
        int limit = model.tokenBytes.length;
        boolean anyNormalized = false;
        for (AddedToken t : this.addedTokens) {
            ab.putIfAbsent(t.id(), t.content().getBytes(StandardCharsets.UTF_8));
            limit = Math.max(limit, t.id() + 1);
            anyNormalized |= t.normalized();
        }
        this.hasNormalizedAdded = anyNormalized;
        this.hasNonSpecialAdded = this.addedTokens.stream().anyMatch(t -> !t.special());
        this.addedBytes = Collections.unmodifiableMap(ab);
        this.idLimit = limit;
        this.vocabularySize = vocabularySize;
        this.mergeSource = mergeSource;
    }

    /**
     * Loads a tokenizer from a spec: a built-in name ({@code r50k_base}, {@code p50k_base}, {@code cl100k_base},
     * {@code o200k_base}) or a path to a {@code .tiktoken} or {@code tokenizer.json} file.
     *
     * @param spec built-in name or file path
     * @return the tokenizer
     * @throws TokenizerFormatException if the file is malformed or unsupported
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static Tokenizer load(String spec) {
        return TokenizerLoader.load(spec);
    }

    /**
     * The file a spec loads from: the fetched rank file of a built-in name, or the path itself. Manifests hash
     * it to say exactly which tokenizer wrote a shard.
     *
     * @param spec built-in name or file path
     * @return the file (it may not exist)
     */
    public static Path sourceFile(String spec) {
        return TokenizerLoader.BUILTINS.containsKey(spec)
                ? TokenizerLoader.dataDirectory().resolve("tiktoken").resolve(spec + ".tiktoken") : Path.of(spec);
    }

    /**
     * Loads a tokenizer file, choosing the format by content ({@code tokenizer.json} starts with '{').
     *
     * @param file a {@code .tiktoken} or {@code tokenizer.json} file
     * @return the tokenizer
     * @throws TokenizerFormatException if the file is malformed or unsupported
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static Tokenizer load(Path file) {
        return TokenizerLoader.load(file);
    }

    /**
     * Loads a tiktoken rank file with a chosen pipeline and special tokens, as tiktoken's
     * {@code Encoding(name, pat_str, mergeable_ranks, special_tokens)} does; e.g. a file written by
     * {@link TrainedBpe#writeTiktoken} with the {@link PieceSplitter} it was trained with.
     *
     * @param file     the rank file
     * @param splitter the normaliser and pretokenizer
     * @param specials special tokens and their ids (none may equal a rank in the file)
     * @return the tokenizer
     * @throws TokenizerFormatException if the file is malformed
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static Tokenizer loadTiktoken(Path file, PieceSplitter splitter, Map<String, Integer> specials) {
        return TokenizerLoader.loadTiktoken(file, TokenizerLoader.read(file), file.toString(), null, splitter,
                specials);
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Encodes text as ordinary text: special-token strings are plain text (tiktoken {@code encode_ordinary}).
     *
     * @param text the text
     * @return the ids
     */
    public int[] encodeOrdinary(CharSequence text) {
        TokenBuffer buf = new TokenBuffer(Math.max(16, text.length() / 3));
        encode(text, SpecialTokenPolicy.ordinary(), buf);
        return buf.toArray();
    }

    /**
     * Encodes text under a special-token policy into a new array.
     *
     * @param text   the text
     * @param policy which special tokens are matched, text, or errors
     * @return the ids
     * @throws DisallowedSpecialTokenException if the text holds a special token the policy disallows
     */
    public int[] encode(CharSequence text, SpecialTokenPolicy policy) {
        TokenBuffer buf = new TokenBuffer(Math.max(16, text.length() / 3));
        encode(text, policy, buf);
        return buf.toArray();
    }

    /**
     * Encodes text into a caller-supplied sink.
     *
     * @param text   the text; lone surrogates count as U+FFFD
     * @param policy which special tokens are matched, text, or errors
     * @param sink   receives the ids in order
     * @return the number of ids emitted
     * @throws DisallowedSpecialTokenException if the text holds a special token the policy disallows
     */
    public long encode(CharSequence text, SpecialTokenPolicy policy, TokenSink sink) {
        EncodeScratch s = EncodeScratch.acquire();
        try {
            int n = text.length();
            char[] t = s.text(n);
            Utf8.copySanitized(text, t);
            return encodeChars(t, n, policy, sink, s);
        } finally {
            s.release();
        }
    }

    /**
     * Encodes UTF-8 bytes into a caller-supplied sink; ill-formed sequences count as U+FFFD.
     *
     * @param utf8   buffer
     * @param offset start of the text
     * @param length length in bytes
     * @param policy which special tokens are matched, text, or errors
     * @param sink   receives the ids in order
     * @return the number of ids emitted
     * @throws DisallowedSpecialTokenException if the text holds a special token the policy disallows
     */
    public long encode(byte[] utf8, int offset, int length, SpecialTokenPolicy policy, TokenSink sink) {
        java.util.Objects.checkFromIndexSize(offset, length, utf8.length);
        EncodeScratch s = EncodeScratch.acquire();
        try {
            char[] t = s.text(length);
            int n = Utf8.decode(utf8, offset, length, t);
            return encodeChars(t, n, policy, sink, s);
        } finally {
            s.release();
        }
    }

    /**
     * Encodes UTF-8 bytes held in a memory segment (heap, native or mapped) into a caller-supplied sink.
     *
     * @param utf8   the text; ill-formed sequences count as U+FFFD; must be under 2 GiB (one document)
     * @param policy which special tokens are matched, text, or errors
     * @param sink   receives the ids in order
     * @return the number of ids emitted
     * @throws DisallowedSpecialTokenException if the text holds a special token the policy disallows
     */
    public long encode(MemorySegment utf8, SpecialTokenPolicy policy, TokenSink sink) {
        EncodeScratch s = EncodeScratch.acquire();
        try {
            char[] t = s.text(Utf8.maxChars(utf8.byteSize()));
            int n = Utf8.decode(utf8, t);
            return encodeChars(t, n, policy, sink, s);
        } finally {
            s.release();
        }
    }

    /**
     * Encodes UTF-8 bytes as {@link #encode(byte[], int, int, SpecialTokenPolicy, TokenSink)} does, except that
     * each piece the merge loop would have to work on is handed to {@link MergeDeferringSink#deferMerge} instead,
     * in its place in the id stream: pieces of at most 16 bytes (served by the per-thread piece cache), whole-piece
     * vocabulary hits, added tokens and pieces with bytes that have no token are still encoded here. The
     * deferred pieces' ids are the plain merge loop's over their bytes (see {@link #forEachPairMerge}); an
     * accelerator computes them for many pieces at once (the CUDA encoder of {@code tokmix-native-kernels}).
     *
     * @param utf8   buffer
     * @param offset start of the text
     * @param length length in bytes
     * @param policy which special tokens are matched, text, or errors
     * @param sink   receives the ids and deferred pieces in order
     * @return the number of ids emitted (deferred pieces not counted)
     * @throws DisallowedSpecialTokenException if the text holds a special token the policy disallows
     */
    public long encodeDeferringMerges(byte[] utf8, int offset, int length, SpecialTokenPolicy policy,
                                      MergeDeferringSink sink) {
        java.util.Objects.checkFromIndexSize(offset, length, utf8.length);
        EncodeScratch s = EncodeScratch.acquire();
        try {
            char[] t = s.text(length);
            int n = Utf8.decode(utf8, offset, length, t);
            s.deferral = sink;
            return encodeChars(t, n, policy, sink, s);
        } finally {
            s.deferral = null;
            s.release();
        }
    }

    /**
     * Encodes text, deferring merges as {@link #encodeDeferringMerges(byte[], int, int, SpecialTokenPolicy,
     * MergeDeferringSink)} does.
     *
     * @param text   the text; lone surrogates count as U+FFFD
     * @param policy which special tokens are matched, text, or errors
     * @param sink   receives the ids and deferred pieces in order
     * @return the number of ids emitted (deferred pieces not counted)
     * @throws DisallowedSpecialTokenException if the text holds a special token the policy disallows
     */
    public long encodeDeferringMerges(CharSequence text, SpecialTokenPolicy policy, MergeDeferringSink sink) {
        EncodeScratch s = EncodeScratch.acquire();
        try {
            int n = text.length();
            char[] t = s.text(n);
            Utf8.copySanitized(text, t);
            s.deferral = sink;
            return encodeChars(t, n, policy, sink, s);
        } finally {
            s.deferral = null;
            s.release();
        }
    }

    /**
     * Counts tokens without materialising ids.
     *
     * @param text   the text
     * @param policy which special tokens are matched, text, or errors
     * @return the token count
     * @throws DisallowedSpecialTokenException if the text holds a special token the policy disallows
     */
    public long countTokens(CharSequence text, SpecialTokenPolicy policy) {
        EncodeScratch s = EncodeScratch.acquire();
        try {
            int n = text.length();
            char[] t = s.text(n);
            Utf8.copySanitized(text, t);
            s.counter.count = 0;
            encodeChars(t, n, policy, s.counter, s);
            return s.counter.count;
        } finally {
            s.release();
        }
    }

    /**
     * Counts the tokens of UTF-8 bytes without materialising ids.
     *
     * @param utf8   buffer
     * @param offset start
     * @param length length in bytes
     * @param policy which special tokens are matched, text, or errors
     * @return the token count
     */
    public long countTokens(byte[] utf8, int offset, int length, SpecialTokenPolicy policy) {
        EncodeScratch.Counter c = new EncodeScratch.Counter();
        encode(utf8, offset, length, policy, c);
        return c.count;
    }

    private long encodeChars(char[] t, int n, SpecialTokenPolicy policy, TokenSink sink, EncodeScratch s) {
        // No scan at all when nothing can match or raise (tiktoken specials under the ordinary policy).
        if (added.isEmpty() || (!hasNonSpecialAdded && policy.matchesNothing() && policy.disallowsNothing())) {
            return encodeSegment(t, 0, n, policy, sink, s);
        }
        if (!policy.disallowsNothing()) {
            long hit = added.find(t, 0, n, policy, AddedTokenMatcher.Mode.DISALLOWED, false);
            if (hit >= 0) {
                throw new DisallowedSpecialTokenException(added.token((int) hit).content(), (int) (hit >>> 32));
            }
        }
        return splitAdded(t, 0, n, policy, false, sink, s);
    }

    /**
     * Splits out added tokens of one normalisation pass (HF: non-normalised tokens on raw text first, then
     * normalised ones on each normalised segment), honouring {@code single_word}, {@code lstrip} and
     * {@code rstrip} as HF's {@code AddedVocabulary::find_matches} does.
     */
    private long splitAdded(char[] t, int start, int end, SpecialTokenPolicy policy, boolean normalizedPass,
                            TokenSink sink, EncodeScratch s) {
        long count = 0;
        int segStart = start;
        int scan = start;
        while (scan < end) {
            long hit = added.find(t, scan, end, policy, AddedTokenMatcher.Mode.MATCH, normalizedPass);
            if (hit < 0) {
                break;
            }
            int ms = (int) (hit >>> 32);
            AddedToken tok = added.token((int) hit);
            int me = ms + added.matchLength((int) hit);
            if (tok.singleWord() && ((ms > start && isWordChar(t, ms, true, start))
                    || (me < end && isWordChar(t, me, false, end)))) {
                scan = me;
                continue;
            }
            if (tok.lstrip()) {
                // White_Space is all in the BMP, so stepping back one char at a time is exact.
                while (ms > segStart && UnicodeWhiteSpace.is(t[ms - 1])) {
                    ms--;
                }
            }
            if (tok.rstrip()) {
                while (me < end && UnicodeWhiteSpace.is(t[me])) {
                    me++;
                }
            }
            if (ms > segStart) {
                count += normalizedPass ? encodeSegmentPretokenized(t, segStart, ms, sink, s)
                        : encodeSegment(t, segStart, ms, policy, sink, s);
            }
            sink.accept(tok.id());
            count++;
            segStart = me;
            scan = me;
        }
        if (segStart < end) {
            count += normalizedPass ? encodeSegmentPretokenized(t, segStart, end, sink, s)
                    : encodeSegment(t, segStart, end, policy, sink, s);
        }
        return count;
    }

    private static boolean isWordChar(char[] t, int i, boolean before, int bound) {
        int cp;
        if (before) {
            char c = t[i - 1];
            cp = Character.isLowSurrogate(c) && i - 2 >= bound && Character.isHighSurrogate(t[i - 2])
                    ? Character.toCodePoint(t[i - 2], c) : c;
        } else {
            char c = t[i];
            cp = Character.isHighSurrogate(c) && i + 1 < bound && Character.isLowSurrogate(t[i + 1])
                    ? Character.toCodePoint(c, t[i + 1]) : c;
        }
        return isUnicodeWordChar(cp);
    }

    /**
     * Unicode regex {@code \w} (UTS #18, as Rust's {@code regex} and {@code java.util.regex} with
     * {@code UNICODE_CHARACTER_CLASS} define it), which HF's {@code single_word} check uses.
     */
    static boolean isUnicodeWordChar(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK || type == Character.DECIMAL_DIGIT_NUMBER
                || type == Character.CONNECTOR_PUNCTUATION;
    }

    /** Normalises one segment between raw-matched added tokens, then splits normalised added tokens out. */
    private long encodeSegment(char[] t, int start, int end, SpecialTokenPolicy policy, TokenSink sink,
                               EncodeScratch s) {
        char[] norm = splitter.normalized(t, start, end);
        if (norm != null) {
            // The normalised text lives in its own buffer; segment recursion never re-enters this branch.
            return hasNormalizedAdded ? splitAdded(norm, 0, norm.length, policy, true, sink, s)
                    : encodeSegmentPretokenized(norm, 0, norm.length, sink, s);
        }
        return hasNormalizedAdded ? splitAdded(t, start, end, policy, true, sink, s)
                : encodeSegmentPretokenized(t, start, end, sink, s);
    }

    private long encodeSegmentPretokenized(char[] t, int start, int end, TokenSink sink, EncodeScratch s) {
        if (start >= end) {
            return 0;
        }
        char[] prefixed = splitter.withPrefixSpace(t, start, end);
        return prefixed != null ? encodePieces(prefixed, 0, prefixed.length, sink, s)
                : encodePieces(t, start, end, sink, s);
    }

    private long encodePieces(char[] t, int start, int end, TokenSink sink, EncodeScratch s) {
        preTokenizer.split(t, start, end, s);
        IntList pieces = s.pieces;
        int[] p = pieces.data;
        int np = pieces.size;
        BpeModel m = model;
        PieceCache cache = s.cache(m);
        long count = 0;
        // Pieces of at most 16 ASCII chars (~95% of English and code) are looked up from their chars directly;
        // writing their UTF-8 first measured 18-30% slower end to end (issue 7, docs/benchmarks.md).
        byte[] small = s.pieceBytes(256);
        for (int i = 0; i < np; i += 2) {
            int ps = p[i];
            int pe = p[i + 1];
            if (pe - ps <= PieceCache.MAX_BYTES) {
                int r = cache.encodeAscii(t, ps, pe - ps, small, s, sink);
                if (r >= 0) {
                    count += r;
                    continue;
                }
            }
            byte[] bytes = s.pieceBytes(3 * (pe - ps));
            int len = Utf8.encode(t, ps, pe, bytes);
            // With a MergeDeferringSink attached (an accelerator's merge step), pieces longer than the short cache
            // holds go to it, as the CUDA path is designed; otherwise the two-level cache serves pieces up to
            // LONG_MAX_BYTES and only longer ones take the merge loop here.
            count += s.deferral != null && len > PieceCache.MAX_BYTES
                    ? m.encodePieceOrDefer(bytes, 0, len, s, sink, s.deferral)
                    : len <= PieceCache.LONG_MAX_BYTES ? cache.encode(bytes, len, s, sink)
                    : m.encodePiece(bytes, 0, len, s, sink);
        }
        return count;
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Decodes ids to the exact bytes they stand for (token bytes concatenated; added tokens as their UTF-8 text).
     *
     * @param ids token ids
     * @return the bytes; may end inside a UTF-8 sequence if the ids do
     * @throws TokenIdOutOfRangeException for an id that is not a token
     */
    public byte[] decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    /**
     * Decodes a range of ids to bytes.
     *
     * @param ids    token ids
     * @param offset first id
     * @param length number of ids
     * @return the bytes
     * @throws TokenIdOutOfRangeException for an id that is not a token
     */
    public byte[] decode(int[] ids, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, ids.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream(length * 4);
        for (int i = offset; i < offset + length; i++) {
            byte[] b = tokenBytes(ids[i], i);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }

    /**
     * The bytes of one token.
     *
     * @param id token id
     * @return a copy of its bytes
     * @throws TokenIdOutOfRangeException if the id is not a token
     */
    public byte[] tokenBytes(int id) {
        return tokenBytes(id, 0).clone();
    }

    private byte[] tokenBytes(int id, long position) {
        byte[] b = id >= 0 && id < model.tokenBytes.length ? model.tokenBytes[id] : null;
        if (b == null) {
            b = addedBytes.get(id);
        }
        if (b == null) {
            throw new TokenIdOutOfRangeException(name, id, position, idLimit);
        }
        return b;
    }

    /**
     * Whether an id is a token of this tokenizer (ids may have gaps).
     *
     * @param id token id
     * @return true if decodable
     */
    public boolean isToken(int id) {
        return (id >= 0 && id < model.tokenBytes.length && model.tokenBytes[id] != null) || addedBytes.containsKey(id);
    }

    // ---------------------------------------------------------------- description

    /**
     * The tokenizer's name (built-in name or file path).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The file family: {@code "tiktoken"} or {@code "tokenizer.json"}.
     *
     * @return the format
     */
    public String format() {
        return format;
    }

    /**
     * Number of entries of the base (BPE model) vocabulary, without added/special tokens.
     *
     * @return the base vocabulary size
     */
    public int vocabularySize() {
        return vocabularySize;
    }

    /**
     * One past the largest id this tokenizer can emit.
     *
     * @return the id limit
     */
    public int idLimit() {
        return idLimit;
    }

    /**
     * The ordered merge list (derived from ranks for tiktoken files, computed on first call).
     *
     * @return the merge list
     */
    public MergeList merges() {
        MergeList m = merges;
        if (m == null) {
            synchronized (this) {
                m = merges;
                if (m == null) {
                    m = mergeSource.get();
                    merges = m;
                }
            }
        }
        return m;
    }

    /**
     * Special and added tokens, in file order.
     *
     * @return the tokens
     */
    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /**
     * Special tokens by text.
     *
     * @return an unmodifiable map from text to id
     */
    public Map<String, Integer> specialTokens() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (AddedToken t : addedTokens) {
            if (t.special()) {
                m.putIfAbsent(t.content(), t.id());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The id of each single byte's token, where the merge loop starts (for replaying merges over raw pieces, or
     * running the loop elsewhere).
     *
     * @return 256 ids indexed by unsigned byte value, -1 where a byte has no token; a copy
     */
    public int[] byteTokenIds() {
        return model.byteToId.clone();
    }

    /** Receives one rule of the merge loop. */
    @FunctionalInterface
    public interface PairMergeVisitor {
        /**
         * Accepts one rule: the adjacent pair {@code (leftId, rightId)} merges into {@code mergedId}.
         *
         * @param leftId   left token id
         * @param rightId  right token id
         * @param rank     priority: the loop merges the lowest rank first, the leftmost pair among equal ranks
         * @param mergedId the token the pair becomes
         */
        void accept(int leftId, int rightId, int rank, int mergedId);
    }

    /**
     * Visits every rule of the merge loop, exactly as the encoder uses them: for a {@code tokenizer.json} its
     * merges (rank = line, a repeated pair keeping its last line); for a tiktoken file every split {@code (a, b)}
     * of every token {@code t = a + b} into two tokens, with rank {@code rank(t)}. No two rules share a pair, and
     * no two pairs share a rank unless they merge into the same token. Order is unspecified.
     *
     * @param visitor receives each rule once
     */
    public void forEachPairMerge(PairMergeVisitor visitor) {
        model.pairs.forEach(visitor::accept);
    }

    /**
     * This tokenizer's normaliser and pretokenizer, to split text into the pieces its model merges inside (for
     * counting pretokens or replaying merges).
     *
     * @return the splitter
     */
    public PieceSplitter pieceSplitter() {
        return splitter;
    }

    /**
     * The pretokenizer steps, as {@code tokmix info} prints them.
     *
     * @return the description
     */
    public String preTokenizerDescription() {
        return preTokenizer.describe();
    }

    /**
     * The normaliser, or {@code "none"}.
     *
     * @return a description
     */
    public String normalizerDescription() {
        return normalizer == null ? "none" : normalizer.describe();
    }

    /**
     * Whether whole pieces found in the vocabulary are emitted without merging (tiktoken, HF
     * {@code ignore_merges}).
     *
     * @return true for tiktoken files and {@code ignore_merges: true}
     */
    public boolean ignoresMerges() {
        return model.wholePieceAlways;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + name + ", " + format + ", vocabulary " + vocabularySize + "]";
    }
}
