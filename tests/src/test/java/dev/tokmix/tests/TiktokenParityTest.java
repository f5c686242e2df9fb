package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.DisallowedSpecialTokenException;
import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * tokmix's tiktoken encodings against jtokkit 1.1.0 (itself checked against tiktoken by its
 * {@code reference_test_generator}), exact ids, on the fetched corpus and the generated hard cases; plus the
 * input forms (UTF-8 bytes, memory segments, ill-formed UTF-8, lone surrogates), token counting, special-token
 * policies and the derived merge list.
 */
class TiktokenParityTest {
    static final List<String> ENCODINGS = TestData.TIKTOKEN_ENCODINGS;

    /** tiktoken's {@code openai_public.py}: special tokens and ids of each encoding. */
    private static final Map<String, Map<String, Integer>> SPECIALS = Map.of(
            "r50k_base", Map.of("<|endoftext|>", 50256),
            "p50k_base", Map.of("<|endoftext|>", 50256),
            "cl100k_base", Map.of("<|endoftext|>", 100257, "<|fim_prefix|>", 100258, "<|fim_middle|>", 100259,
                    "<|fim_suffix|>", 100260, "<|endofprompt|>", 100276),
            "o200k_base", Map.of("<|endoftext|>", 199999, "<|endofprompt|>", 200018));

    private static Tokenizer tokmix(String encoding) {
        return References.tiktoken(encoding);
    }

    private static void assertOrdinaryLikeJtokkit(String encoding, String what, List<ParityCorpus.Document> docs) {
        Parity.assertSameIds(encoding + " encodeOrdinary vs jtokkit on " + what, docs,
                Parity.eachInParallel(t -> References.jtokkitOrdinary(encoding, t)),
                t -> tokmix(encoding).encodeOrdinary(t), tokmix(encoding));
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void encodesLikeJtokkitOnFetchedCorpus(String encoding) {
        assertOrdinaryLikeJtokkit(encoding, "the fetched corpus", ParityCorpus.get().fetched());
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void encodesLikeJtokkitOnHardCases(String encoding) {
        assertOrdinaryLikeJtokkit(encoding, "hard cases (seed " + ParityCorpus.get().seed() + ")",
                ParityCorpus.get().hardCases());
    }

    // ---------------------------------------------------------------- input forms

    /** Every 4th fetched document and every hard case: enough to cross every code path of the three inputs. */
    private static List<ParityCorpus.Document> inputFormSample() {
        ParityCorpus c = ParityCorpus.get();
        List<ParityCorpus.Document> docs = new ArrayList<>(c.hardCases());
        for (int i = 0; i < c.fetched().size(); i += 4) {
            docs.add(c.fetched().get(i));
        }
        return docs;
    }

    private static int[] encodeBytes(Tokenizer t, byte[] utf8) {
        // Embed in a larger array so a wrong offset or length shows up as different ids.
        byte[] padded = new byte[utf8.length + 7];
        Arrays.fill(padded, (byte) 'Z');
        System.arraycopy(utf8, 0, padded, 3, utf8.length);
        TokenBuffer buf = new TokenBuffer();
        long n = t.encode(padded, 3, utf8.length, SpecialTokenPolicy.ordinary(), buf);
        assertEquals(buf.size(), n, "returned count vs ids emitted");
        return buf.toArray();
    }

    private static int[] encodeHeapSegment(Tokenizer t, byte[] utf8) {
        byte[] padded = new byte[utf8.length + 5];
        System.arraycopy(utf8, 0, padded, 2, utf8.length);
        TokenBuffer buf = new TokenBuffer();
        t.encode(MemorySegment.ofArray(padded).asSlice(2, utf8.length), SpecialTokenPolicy.ordinary(), buf);
        return buf.toArray();
    }

    private static int[] encodeNativeSegment(Tokenizer t, byte[] utf8) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(MemorySegment.ofArray(utf8), 0, seg, 0, utf8.length);
            TokenBuffer buf = new TokenBuffer();
            t.encode(seg.asSlice(0, utf8.length), SpecialTokenPolicy.ordinary(), buf);
            return buf.toArray();
        }
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void encodesUtf8BytesLikeStrings(String encoding) {
        Tokenizer t = tokmix(encoding);
        Parity.assertSameIds(encoding + " encode(byte[], offset, length) vs encodeOrdinary(String)",
                inputFormSample(), Parity.eachInParallel(t::encodeOrdinary),
                s -> encodeBytes(t, s.getBytes(StandardCharsets.UTF_8)), t);
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void encodesMemorySegmentsLikeStrings(String encoding) {
        Tokenizer t = tokmix(encoding);
        Parity.assertSameIds(encoding + " encode(heap MemorySegment slice) vs encodeOrdinary(String)",
                inputFormSample(), Parity.eachInParallel(t::encodeOrdinary),
                s -> encodeHeapSegment(t, s.getBytes(StandardCharsets.UTF_8)), t);
        Parity.assertSameIds(encoding + " encode(native MemorySegment) vs encodeOrdinary(String)",
                inputFormSample(), Parity.eachInParallel(t::encodeOrdinary),
                s -> encodeNativeSegment(t, s.getBytes(StandardCharsets.UTF_8)), t);
    }

    /** Ill-formed UTF-8: each must decode like Java's decoder, one U+FFFD per maximal ill-formed subpart. */
    static final byte[][] INVALID_UTF8 = {
        {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC0}, {(byte) 0xC1, (byte) 0xBF}, {(byte) 0xF5, (byte) 0x80},
        {(byte) 0xC3}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {(byte) 0xF0},
        {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
        {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0xBD, (byte) 0xED, (byte) 0xB8, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80},
        {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xBF, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x28, (byte) 0xA1}, {(byte) 0xE2, (byte) 0x82, (byte) 0x28},
        {(byte) 0xF0, (byte) 0x28, (byte) 0x8C, (byte) 0xBC}, {(byte) 0xF0, (byte) 0x90, (byte) 0x28, (byte) 0xBC},
        {(byte) 0xC3, (byte) 0xC3, (byte) 0xA9}, {(byte) 0xE2, (byte) 0x82, (byte) 0xE2, (byte) 0x82, (byte) 0xAC},
        {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, {0},
    };

    private static List<byte[]> invalidUtf8Inputs(long seed) {
        List<byte[]> out = new ArrayList<>();
        byte[][] contexts = {bytes(""), bytes("abc"), bytes(" "), bytes("don't"), bytes("123"), bytes("中"),
            bytes("  \n"), bytes("😀"), bytes("<|endoftext|>")};
        for (byte[] bad : INVALID_UTF8) {
            for (byte[] before : contexts) {
                for (byte[] after : new byte[][] {bytes(""), bytes("x"), bytes(" y"), bytes("1"), bytes("\n")}) {
                    out.add(concat(before, bad, after));
                    out.add(concat(before, bad, bad, after));
                    out.add(concat(bad, before, bad, after));
                }
            }
        }
        // Random mixtures of well-formed fragments and raw bytes, so truncations land everywhere.
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] fragments = {bytes("a"), bytes(" the"), bytes("é"), bytes("中"), bytes("😀"), bytes("'s"),
            bytes("12"), bytes("\n"), bytes("  ")};
        for (int i = 0; i < 2000; i++) {
            byte[][] parts = new byte[rnd.nextInt(1, 30)][];
            for (int k = 0; k < parts.length; k++) {
                parts[k] = rnd.nextInt(3) == 0 ? new byte[] {(byte) rnd.nextInt(256)}
                        : rnd.nextInt(4) == 0 ? INVALID_UTF8[rnd.nextInt(INVALID_UTF8.length)]
                        : fragments[rnd.nextInt(fragments.length)];
            }
            byte[] all = concat(parts);
            if (rnd.nextBoolean() && all.length > 1) {
                all = Arrays.copyOf(all, rnd.nextInt(1, all.length)); // cut inside a sequence
            }
            out.add(all);
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    /**
     * Ill-formed UTF-8 encodes like jtokkit on the text Java's decoder makes of it, except for UTF-8-encoded
     * surrogates: there tokmix follows its documented policy (one U+FFFD per maximal ill-formed subpart, as Python's
     * {@code decode(errors="replace")} and Rust's {@code from_utf8_lossy}, so {@code ED A0 80} is three U+FFFD),
     * while Java's decoder writes one U+FFFD per three-byte sequence. The reference text is therefore
     * {@link Texts#decodeUtf8Lossy}, which this test first checks against {@code new String(bytes, UTF_8)} on
     * every input without an encoded surrogate.
     */
    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void encodesInvalidUtf8LikeJtokkitOnTheDecodedString(String encoding) {
        Tokenizer t = tokmix(encoding);
        List<byte[]> inputs = invalidUtf8Inputs(ParityCorpus.get().seed());
        for (byte[] in : inputs) {
            String decoded = Texts.decodeUtf8Lossy(in);
            if (!containsEncodedSurrogate(in)) {
                assertEquals(new String(in, StandardCharsets.UTF_8), decoded, "lossy decoders agree on " + hex(in));
            }
            int[] want = References.jtokkitOrdinary(encoding, decoded);
            String what = encoding + " on ill-formed UTF-8 " + hex(in) + " (decoded as \""
                    + Texts.escape(decoded, 80) + "\")";
            Parity.assertSameIds(what + ", byte[] input", decoded, want, encodeBytes(t, in), t);
            Parity.assertSameIds(what + ", heap segment input", decoded, want, encodeHeapSegment(t, in), t);
            Parity.assertSameIds(what + ", native segment input", decoded, want, encodeNativeSegment(t, in), t);
            assertEquals(want.length, t.countTokens(in, 0, in.length, SpecialTokenPolicy.ordinary()),
                    what + ", countTokens(byte[])");
        }
    }

    private static boolean containsEncodedSurrogate(byte[] b) {
        for (int i = 0; i + 1 < b.length; i++) {
            if ((b[i] & 0xFF) == 0xED && (b[i + 1] & 0xFF) >= 0xA0 && (b[i + 1] & 0xFF) <= 0xBF) {
                return true;
            }
        }
        return false;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 40); i++) {
            s.append(String.format("%02X", b[i] & 0xFF)).append(i + 1 < b.length ? " " : "");
        }
        return (b.length > 40 ? s.append("…") : s).toString();
    }

    private static List<String> loneSurrogateInputs(long seed) {
        List<String> out = new ArrayList<>(List.of("\uD800", "\uDC00", "a\uD800b", "x\uD83D", "\uDE00\uD83D",
                "\uD83D\uD83D\uDE00", "\uD83D\uDE00\uDE00", "don\uD800't", "123\uDFFF456", " \uD800 ", "\uD800\uD800",
                "\uDC00\uD800", "\uD83D \uDE00", "  \uDBFF", "\uDC00\n\n", "<|endoftext|>\uD800", "中\uDC00中",
                "'\uD800s", "\uD800's", "\u00A0\uDFFF", "a\uDBFFb\uDC00c\uD800\uDC00d"));
        SplittableRandom rnd = new SplittableRandom(seed);
        char[] pool = {'a', 'Z', ' ', '\n', '1', '\'', 's', 'é', '中', '!', '\uD83D', '\uDE00', '\uD800', '\uDFFF',
            '\u00A0', '\t'};
        for (int i = 0; i < 3000; i++) {
            char[] c = new char[rnd.nextInt(1, 40)];
            for (int k = 0; k < c.length; k++) {
                c[k] = pool[rnd.nextInt(pool.length)];
            }
            out.add(new String(c));
        }
        return out;
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void encodesLoneSurrogatesLikeJtokkitOnReplacementCharacter(String encoding) {
        Tokenizer t = tokmix(encoding);
        for (String s : loneSurrogateInputs(ParityCorpus.get().seed())) {
            String replaced = Texts.replaceLoneSurrogates(s);
            int[] want = References.jtokkitOrdinary(encoding, replaced);
            String what = encoding + " on \"" + Texts.escape(s, 80) + "\" (lone surrogates as U+FFFD)";
            Parity.assertSameIds(what + ", String", s, want, t.encodeOrdinary(s), t);
            Parity.assertSameIds(what + ", StringBuilder", s, want, t.encodeOrdinary(new StringBuilder(s)), t);
            Parity.assertSameIds(what + ", CharBuffer", s, want, t.encodeOrdinary(CharBuffer.wrap(s)), t);
            assertEquals(want.length, t.countTokens(s, SpecialTokenPolicy.ordinary()), what + ", countTokens");
        }
    }

    // ---------------------------------------------------------------- counting

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void countsAsManyTokensAsEncodeEmits(String encoding) {
        Tokenizer t = tokmix(encoding);
        List<ParityCorpus.Document> docs = new ArrayList<>(inputFormSample());
        docs.addAll(ParityCorpus.get().withInsertedTokens(List.copyOf(SPECIALS.get(encoding).keySet()), 50));
        TokenBuffer reused = new TokenBuffer();
        for (ParityCorpus.Document d : docs) {
            for (SpecialTokenPolicy policy : List.of(SpecialTokenPolicy.ordinary(), SpecialTokenPolicy.all())) {
                int[] ids = t.encode(d.text(), policy);
                reused.clear();
                long emitted = t.encode(d.text(), policy, reused);
                String what = encoding + " " + policy + " on " + d.label();
                assertEquals(ids.length, emitted, what + ": encode(sink) return value");
                assertArrayEquals(ids, reused.toArray(), what + ": reused TokenBuffer");
                assertEquals(ids.length, t.countTokens(d.text(), policy), what + ": countTokens(CharSequence)");
                byte[] utf8 = d.text().getBytes(StandardCharsets.UTF_8);
                assertEquals(ids.length, t.countTokens(utf8, 0, utf8.length, policy), what + ": countTokens(byte[])");
            }
        }
    }

    // ---------------------------------------------------------------- special tokens

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void exposesTiktokensSpecialTokens(String encoding) {
        Tokenizer t = tokmix(encoding);
        assertEquals(SPECIALS.get(encoding), t.specialTokens(), encoding + " specialTokens()");
        for (Map.Entry<String, Integer> e : SPECIALS.get(encoding).entrySet()) {
            assertArrayEquals(new int[] {e.getValue()}, t.encode(e.getKey(), SpecialTokenPolicy.all()),
                    e.getKey() + " under all()");
            assertArrayEquals(References.jtokkitOrdinary(encoding, e.getKey()),
                    t.encode(e.getKey(), SpecialTokenPolicy.ordinary()), e.getKey() + " under ordinary()");
            assertArrayEquals(e.getKey().getBytes(StandardCharsets.UTF_8), t.decode(new int[] {e.getValue()}),
                    "decode of " + e.getKey());
        }
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void matchesAnAllowedSpecialTokenBetweenOrdinaryText(String encoding) {
        Tokenizer t = tokmix(encoding);
        int eot = t.specialTokens().get("<|endoftext|>");
        int[] want = IntStream.concat(IntStream.concat(Arrays.stream(t.encodeOrdinary("a")), IntStream.of(eot)),
                Arrays.stream(t.encodeOrdinary("b"))).toArray();
        assertArrayEquals(want, t.encode("a<|endoftext|>b", SpecialTokenPolicy.allowing(Set.of("<|endoftext|>"))));
        assertArrayEquals(References.jtokkitWithSpecials(encoding, "a<|endoftext|>b", SPECIALS.get(encoding)), want,
                "jtokkit around the special");
        assertArrayEquals(want, t.encode("a<|endoftext|>b", SpecialTokenPolicy.all()));
        assertArrayEquals(want, t.encode("a<|endoftext|>b",
                SpecialTokenPolicy.of(Set.of("<|endoftext|>"), Set.of())));
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void rejectsADisallowedSpecialTokenAtItsCharOffset(String encoding) {
        Tokenizer t = tokmix(encoding);
        record Case(String text, SpecialTokenPolicy policy, String token, int charOffset) {
        }
        List<Case> cases = new ArrayList<>(List.of(
                new Case("a<|endoftext|>b", SpecialTokenPolicy.allowing(Set.of()), "<|endoftext|>", 1),
                new Case("<|endoftext|>", SpecialTokenPolicy.allowing(Set.of()), "<|endoftext|>", 0),
                new Case("😀 x<|endoftext|>", SpecialTokenPolicy.allowing(Set.of()), "<|endoftext|>", 4),
                new Case("a<|endoftext|>b", SpecialTokenPolicy.of(Set.of(), Set.of("<|endoftext|>")),
                        "<|endoftext|>", 1)));
        if (encoding.equals("cl100k_base")) {
            cases.add(new Case("<|endoftext|> then <|fim_prefix|>",
                    SpecialTokenPolicy.allowing(Set.of("<|endoftext|>")), "<|fim_prefix|>", 19));
        }
        for (Case c : cases) {
            DisallowedSpecialTokenException e = assertThrows(DisallowedSpecialTokenException.class,
                    () -> t.encode(c.text(), c.policy()), c.text() + " under " + c.policy());
            assertEquals(c.token(), e.token(), c.text());
            assertEquals(c.charOffset(), e.charOffset(), c.text());
            assertThrows(DisallowedSpecialTokenException.class, () -> t.countTokens(c.text(), c.policy()));
            byte[] utf8 = c.text().getBytes(StandardCharsets.UTF_8);
            assertThrows(DisallowedSpecialTokenException.class,
                    () -> t.encode(utf8, 0, utf8.length, c.policy(), new TokenBuffer()));
        }
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void treatsSpecialTokensAsTextUnderTheOrdinaryPolicy(String encoding) {
        Tokenizer t = tokmix(encoding);
        List<ParityCorpus.Document> docs =
                ParityCorpus.get().withInsertedTokens(List.copyOf(SPECIALS.get(encoding).keySet()), 100);
        Parity.assertSameIds(encoding + " encode(ordinary()) vs jtokkit encodeOrdinary", docs,
                Parity.eachInParallel(s -> References.jtokkitOrdinary(encoding, s)),
                s -> t.encode(s, SpecialTokenPolicy.ordinary()), t);
        Parity.assertSameIds(encoding + " encode(of({}, {})) vs jtokkit encodeOrdinary", docs,
                Parity.eachInParallel(s -> References.jtokkitOrdinary(encoding, s)),
                s -> t.encode(s, SpecialTokenPolicy.of(Set.of(), Set.of())), t);
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void encodesAllowedSpecialTokensLikeTiktoken(String encoding) {
        Tokenizer t = tokmix(encoding);
        Map<String, Integer> specials = SPECIALS.get(encoding);
        List<ParityCorpus.Document> docs = ParityCorpus.get().withInsertedTokens(List.copyOf(specials.keySet()), 100);
        Parity.assertSameIds(encoding + " encode(all()) vs jtokkit encodeOrdinary between specials", docs,
                Parity.eachInParallel(s -> References.jtokkitWithSpecials(encoding, s, specials)),
                s -> t.encode(s, SpecialTokenPolicy.all()), t);
        Parity.assertSameIds(encoding + " encode(allowing(all)) vs jtokkit encodeOrdinary between specials", docs,
                Parity.eachInParallel(s -> References.jtokkitWithSpecials(encoding, s, specials)),
                s -> t.encode(s, SpecialTokenPolicy.allowing(specials.keySet())), t);
    }

    /** A rank file loaded by path gets its built-in pattern and special tokens (chosen by file name). */
    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void loadsARankFileByPathAsItsBuiltInEncoding(String encoding) {
        Tokenizer byPath = Tokenizer.load(TestData.tiktokenFile(encoding));
        assertEquals(SPECIALS.get(encoding), byPath.specialTokens(), encoding + " specialTokens() by path");
        List<ParityCorpus.Document> docs = new ArrayList<>(ParityCorpus.get().hardCases());
        docs.addAll(ParityCorpus.get().withInsertedTokens(List.copyOf(SPECIALS.get(encoding).keySet()), 400));
        Parity.assertSameIds(encoding + " loaded by path vs by name, encode(all())", docs,
                Parity.eachInParallel(s -> tokmix(encoding).encode(s, SpecialTokenPolicy.all())),
                s -> byPath.encode(s, SpecialTokenPolicy.all()), byPath);
    }

    // ---------------------------------------------------------------- merge list

    /** The rank file read independently of tokmix: token bytes by rank. */
    private static byte[][] readRanks(String encoding) {
        Map<Integer, byte[]> byRank = new LinkedHashMap<>();
        int max = -1;
        try {
            for (String line : Files.readAllLines(TestData.tiktokenFile(encoding), StandardCharsets.ISO_8859_1)) {
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                int rank = Integer.parseInt(parts[1]);
                byRank.put(rank, Base64.getDecoder().decode(parts[0]));
                max = Math.max(max, rank);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[][] out = new byte[max + 1][];
        byRank.forEach((r, b) -> out[r] = b);
        return out;
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void derivesAMergeForEveryRankedTokenButTheBytesAndTheUnreachable(String encoding) {
        Tokenizer t = tokmix(encoding);
        byte[][] ranks = readRanks(encoding);
        long ranked = Arrays.stream(ranks).filter(b -> b != null).count();
        MergeList m = t.merges();
        int[] unreachable = m.unreachableTokenIds();
        assertEquals(ranked, m.size() + unreachable.length + 256L,
                encoding + ": merges " + m.size() + " + unreachable " + unreachable.length + " + 256 bytes");
        assertEquals(ranked, t.vocabularySize(), encoding + " vocabularySize()");
        for (int i = 1; i < unreachable.length; i++) {
            assertTrue(unreachable[i - 1] < unreachable[i], "unreachable ids ascending");
        }
        for (int r = 0; r < m.size(); r++) {
            assertArrayEquals(ranks[m.merged(r)], concat(ranks[m.left(r)], ranks[m.right(r)]),
                    encoding + " merge " + r + ": left + right bytes = merged bytes");
            assertEquals(r, m.rankOf(m.left(r), m.right(r)), encoding + " rankOf(merge " + r + ")");
            if (r > 0) {
                assertTrue(m.merged(r - 1) < m.merged(r), encoding + ": merges in rank order at " + r);
            }
        }
    }

    @ParameterizedTest
    @FieldSource("ENCODINGS")
    void replayingTheMergesInRankOrderRebuildsEveryReachableToken(String encoding) {
        byte[][] ranks = readRanks(encoding);
        MergeList m = tokmix(encoding).merges();
        Map<Long, Integer> mergeOf = new HashMap<>(m.size() * 2);
        for (int r = 0; r < m.size(); r++) {
            mergeOf.put(pair(m.left(r), m.right(r)), r);
        }
        Map<Integer, Integer> byteToRank = new HashMap<>();
        for (int id = 0; id < ranks.length; id++) {
            if (ranks[id] != null && ranks[id].length == 1) {
                byteToRank.put(ranks[id][0] & 0xFF, id);
            }
        }
        Set<Integer> unreachable = new java.util.HashSet<>();
        for (int id : m.unreachableTokenIds()) {
            unreachable.add(id);
        }
        List<String> failures = new ArrayList<>();
        for (int id = 0; id < ranks.length; id++) {
            byte[] b = ranks[id];
            if (b == null || b.length < 2) {
                continue;
            }
            int[] parts = replay(b, byteToRank, mergeOf, m);
            boolean rebuilt = parts.length == 1 && parts[0] == id;
            if (rebuilt == unreachable.contains(id) && failures.size() < 10) {
                failures.add("token " + id + " \"" + Texts.escape(new String(b, StandardCharsets.UTF_8), 40)
                        + "\": replay gives " + Arrays.toString(parts) + ", listed unreachable: "
                        + unreachable.contains(id));
            }
        }
        assertTrue(failures.isEmpty(), encoding + ": replay disagrees with the merge list:\n"
                + String.join("\n", failures));
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Plain BPE over the merge list: the lowest merge rank present applies first, leftmost on ties. */
    private static int[] replay(byte[] b, Map<Integer, Integer> byteToRank, Map<Long, Integer> mergeOf, MergeList m) {
        List<Integer> parts = new ArrayList<>();
        for (byte x : b) {
            parts.add(assertNotNullAndGet(byteToRank.get(x & 0xFF)));
        }
        while (parts.size() > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = mergeOf.get(pair(parts.get(i), parts.get(i + 1)));
                if (r != null && r < best) {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            parts.set(at, m.merged(best));
            parts.remove(at + 1);
        }
        return parts.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int assertNotNullAndGet(Integer v) {
        assertNotNull(v, "every byte has a single-byte token");
        return v;
    }
}
