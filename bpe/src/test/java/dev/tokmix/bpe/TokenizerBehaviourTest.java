package dev.tokmix.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encoder behaviour on small synthetic tokenizers: paths agree, policies hold, sharing across threads is safe. */
class TokenizerBehaviourTest {
    @TempDir
    static Path dir;

    static Tokenizer tiny;

    @BeforeAll
    static void load() {
        // "abab" is unreachable: BPE of its bytes with lower ranks ends in (ab, a, b)... no: (aba, b) is not a
        // merge path because "aba" has a higher rank, so it is reported rather than guessed.
        Path f = TinyTokenizers.write(dir, "tiny.tiktoken",
                TinyTokenizers.tiktoken("ab", "ba", "aa", "aaaa", "abab", "aba", "bab", "ca", "cab", "abc"));
        tiny = TokenizerLoader.loadTiktoken(f, "tiny", PieceScanners.CL100K,
                Map.of("<|end|>", 400, "<|pad|>", 401));
    }

    @Test
    void derivesMergesFromRanksAndReportsUnreachableTokens() {
        MergeList m = tiny.merges();
        int ab = 256;
        assertEquals(97, m.left(0));
        assertEquals(98, m.right(0));
        assertEquals(ab, m.merged(0));
        assertEquals(0, m.rankOf(97, 98));
        assertEquals(-1, m.rankOf(98, 99));
        // Every multi-byte token is either produced by a merge or reported.
        assertEquals(10, m.size() + m.unreachableTokenIds().length);
    }

    @Test
    void heapPathAgreesWithRescanOnLongPieces() {
        BpeModel model = modelOf(tiny);
        Random rnd = new Random(42);
        System.out.println("heapPathAgreesWithRescanOnLongPieces seed 42");
        EncodeScratch s = new EncodeScratch();
        for (int iter = 0; iter < 2000; iter++) {
            int len = 1 + rnd.nextInt(iter < 1000 ? 80 : 400);
            byte[] b = new byte[len];
            for (int i = 0; i < len; i++) {
                b[i] = (byte) "abc".charAt(rnd.nextInt(rnd.nextBoolean() ? 2 : 3));
            }
            TokenBuffer fast = new TokenBuffer();
            model.encodePiece(b, 0, len, s, fast);
            int[] ref = new int[len];
            int n = model.mergeParts(b, 0, len, Integer.MAX_VALUE, ref);
            int whole = model.vocab.get(b, 0, len);
            int[] expected = whole >= 0 ? new int[] {whole} : java.util.Arrays.copyOf(ref, n);
            assertArrayEquals(expected, fast.toArray(), () -> "piece " + new String(b, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void longPiecesStayFast() {
        for (String piece : List.of("a".repeat(200_000), "ab".repeat(100_000), "abc".repeat(70_000))) {
            long t0 = System.nanoTime();
            long n = tiny.countTokens(piece, SpecialTokenPolicy.ordinary());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(n > 0);
            assertTrue(ms < 2_000, () -> "200 KB piece took " + ms + " ms");
        }
    }

    @Test
    void specialTokenPoliciesFollowTiktoken() {
        String text = "ab<|end|>ab<|pad|>";
        int[] ordinary = tiny.encodeOrdinary(text);
        assertTrue(ordinary.length > 4);
        assertArrayEquals(new int[] {256, 400, 256, 401}, tiny.encode(text, SpecialTokenPolicy.all()));
        DisallowedSpecialTokenException e = assertThrows(DisallowedSpecialTokenException.class,
                () -> tiny.encode(text, SpecialTokenPolicy.allowing(Set.of("<|end|>"))));
        assertEquals("<|pad|>", e.token());
        assertEquals(11, e.charOffset());
        int[] mixed = tiny.encode(text, SpecialTokenPolicy.of(Set.of("<|end|>"), Set.of()));
        assertEquals(400, mixed[1]);
        assertArrayEquals(tiny.encodeOrdinary("ab<|pad|>"), java.util.Arrays.copyOfRange(mixed, 2, mixed.length));
        assertThrows(DisallowedSpecialTokenException.class,
                () -> tiny.encode("x<|end|>", SpecialTokenPolicy.allowing(Set.of())));
    }

    @Test
    void decodeRejectsUnknownIdsWithPosition() {
        TokenIdOutOfRangeException e = assertThrows(TokenIdOutOfRangeException.class,
                () -> tiny.decode(new int[] {97, 350}));
        assertTrue(e.getMessage().contains("350") && e.getMessage().contains("position 1"), e.getMessage());
        assertArrayEquals("ab<|end|>".getBytes(StandardCharsets.UTF_8), tiny.decode(new int[] {256, 400}));
    }

    @Test
    void loneSurrogatesAndBadUtf8BecomeReplacementCharacter() {
        int[] replaced = tiny.encodeOrdinary("a\uFFFDb");
        assertArrayEquals(replaced, tiny.encodeOrdinary("a\uD800b"));
        assertArrayEquals(replaced, tiny.encodeOrdinary("a\uDC00b"));
        byte[] bad = {'a', (byte) 0xFF, 'b'};
        TokenBuffer buf = new TokenBuffer();
        tiny.encode(bad, 0, bad.length, SpecialTokenPolicy.ordinary(), buf);
        assertArrayEquals(replaced, buf.toArray());
    }

    @Test
    void sharedTokenizerGivesSameIdsOnManyThreads() throws Exception {
        Random rnd = new Random(7);
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(2000);
            for (int k = 0; k < len; k++) {
                sb.append("ab c\n<|end|>é中😀".charAt(rnd.nextInt(12)));
            }
            docs.add(sb.toString());
        }
        List<int[]> expected = docs.stream().map(d -> tiny.encode(d, SpecialTokenPolicy.all())).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                results.add(pool.submit(() -> {
                    TokenBuffer buf = new TokenBuffer();
                    for (int i = 0; i < docs.size(); i++) {
                        buf.clear();
                        tiny.encode(docs.get(i), SpecialTokenPolicy.all(), buf);
                        if (!java.util.Arrays.equals(expected.get(i), buf.toArray())) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void reentrantEncodeFromASinkDoesNotCorruptScratch() {
        TokenBuffer inner = new TokenBuffer();
        TokenBuffer outer = new TokenBuffer();
        tiny.encode("ab ba ab", SpecialTokenPolicy.ordinary(), id -> {
            outer.accept(id);
            tiny.encode("abc", SpecialTokenPolicy.ordinary(), inner);
        });
        assertArrayEquals(tiny.encodeOrdinary("ab ba ab"), outer.toArray());
    }

    @Test
    void singleWordCheckUsesUnicodeWordCharsLikeRegex() {
        java.util.regex.Pattern w = java.util.regex.Pattern.compile("\\w",
                java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                continue;
            }
            boolean expected = w.matcher(new String(Character.toChars(cp))).matches();
            assertEquals(expected, Tokenizer.isUnicodeWordChar(cp), "U+" + Integer.toHexString(cp));
        }
    }

    static BpeModel modelOf(Tokenizer t) {
        try {
            var f = Tokenizer.class.getDeclaredField("model");
            f.setAccessible(true);
            return (BpeModel) f.get(t);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
