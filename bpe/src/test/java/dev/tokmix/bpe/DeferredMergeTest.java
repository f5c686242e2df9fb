package dev.tokmix.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Tokenizer#encodeDeferringMerges}: the pieces it defers, merged by the plain loop over
 * {@link Tokenizer#byteTokenIds()} and {@link Tokenizer#forEachPairMerge} rules, give back {@code encode}'s ids.
 */
class DeferredMergeTest {
    @TempDir
    static Path dir;

    static Tokenizer tiny;

    @BeforeAll
    static void load() {
        Path f = TinyTokenizers.write(dir, "tiny.tiktoken",
                TinyTokenizers.tiktoken("ab", "ba", "aa", "aaaa", "abab", "aba", "bab", "ca", "cab", "abc"));
        tiny = TokenizerLoader.loadTiktoken(f, "tiny", PieceScanners.CL100K, Map.of("<|end|>", 400));
    }

    /** The plain merge loop, lowest rank first, leftmost among equal ranks. */
    static List<Integer> naiveMerge(Tokenizer t, byte[] b, int off, int len) {
        Map<Long, long[]> rules = new HashMap<>();
        t.forEachPairMerge((l, r, rank, m) -> rules.put(((long) l << 32) | r, new long[] {rank, m}));
        int[] byteIds = t.byteTokenIds();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < len; i++) {
            ids.add(byteIds[b[off + i] & 0xFF]);
        }
        while (true) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < ids.size(); i++) {
                long[] v = rules.get(((long) ids.get(i) << 32) | ids.get(i + 1));
                if (v != null && v[0] < best) {
                    best = v[0];
                    at = i;
                }
            }
            if (at < 0) {
                return ids;
            }
            ids.set(at, (int) rules.get(((long) ids.get(at) << 32) | ids.get(at + 1))[1]);
            ids.remove(at + 1);
        }
    }

    @Test
    void deferredPiecesMergedByTheRulesGiveEncodesIds() {
        Random rnd = new Random(7);
        System.out.println("deferredPiecesMergedByTheRulesGiveEncodesIds seed 7");
        int deferredPieces = 0;
        for (int iter = 0; iter < 300; iter++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + rnd.nextInt(6);
            for (int w = 0; w < words; w++) {
                int len = 1 + rnd.nextInt(iter % 2 == 0 ? 12 : 60);
                for (int i = 0; i < len; i++) {
                    sb.append("abc".charAt(rnd.nextInt(3)));
                }
                sb.append(rnd.nextInt(4) == 0 ? "<|end|>" : " ");
            }
            byte[] doc = sb.toString().getBytes(StandardCharsets.UTF_8);
            TokenBuffer expected = new TokenBuffer();
            tiny.encode(doc, 0, doc.length, SpecialTokenPolicy.all(), expected);
            List<Integer> got = new ArrayList<>();
            int[] deferred = {0};
            long direct = tiny.encodeDeferringMerges(doc, 0, doc.length, SpecialTokenPolicy.all(),
                    new MergeDeferringSink() {
                        @Override
                        public void accept(int tokenId) {
                            got.add(tokenId);
                        }

                        @Override
                        public void deferMerge(byte[] utf8, int offset, int length) {
                            assertTrue(length > 16, "only pieces the piece cache cannot serve are deferred");
                            got.addAll(naiveMerge(tiny, utf8, offset, length));
                            deferred[0]++;
                        }
                    });
            deferredPieces += deferred[0];
            assertArrayEquals(expected.toArray(), got.stream().mapToInt(Integer::intValue).toArray(), sb::toString);
            assertTrue(direct <= got.size());
        }
        assertTrue(deferredPieces > 100, "the test must defer pieces, deferred " + deferredPieces);
    }

    @Test
    void forEachPairMergeVisitsEverySplitOfEveryTiktokenToken() {
        List<int[]> rules = new ArrayList<>();
        tiny.forEachPairMerge((l, r, rank, m) -> rules.add(new int[] {l, r, rank, m}));
        // ab, ba, aa, ca: one split each; aaaa = aa+aa; abab = a+bab, ab+ab, aba+b; aba = a+ba, ab+a;
        // bab = b+ab, ba+b; cab = c+ab, ca+b; abc = ab+c (no "bc"): 15 splits.
        assertEquals(15, rules.size());
        for (int[] r : rules) {
            assertEquals(r[2], r[3], "tiktoken: rank is the merged token's id");
            byte[] merged = tiny.tokenBytes(r[3]);
            byte[] left = tiny.tokenBytes(r[0]);
            byte[] right = tiny.tokenBytes(r[1]);
            assertEquals(new String(merged, StandardCharsets.ISO_8859_1),
                    new String(left, StandardCharsets.ISO_8859_1) + new String(right, StandardCharsets.ISO_8859_1));
        }
        assertEquals(256, tiny.byteTokenIds().length);
    }
}
