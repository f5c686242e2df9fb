package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Both kernels' twins against the definition of BPE (merge the lowest-rank adjacent pair, the leftmost among
 * equal ranks, until none has a rank), on random rule tables: ranks shared by pairs with different results (no
 * real tokenizer has them, the kernels must still be exact), tables with one free slot, every block size and
 * both thread orders, and a 100 KB run of one letter.
 */
class KernelModelTest {

    /** A random rule table over bytes 'a', 'b', 'c' (ids 97..99), merged ids from 256 on. */
    record RandomRules(PairMergeTable table, Map<Long, long[]> rules) {
        static RandomRules make(Random rnd, int count, boolean sharedRanks, boolean tight) {
            List<Integer> tokens = new ArrayList<>(List.of(97, 98, 99));
            Map<Long, long[]> rules = new HashMap<>();
            int next = 256;
            int[] l = new int[count];
            int[] r = new int[count];
            int[] k = new int[count];
            int[] m = new int[count];
            int n = 0;
            while (n < count) {
                int a = tokens.get(rnd.nextInt(tokens.size()));
                int b = tokens.get(rnd.nextInt(tokens.size()));
                long key = PairMergeTable.key(a, b);
                if (rules.containsKey(key)) {
                    continue;
                }
                int rank = sharedRanks ? rnd.nextInt(count / 3 + 1) : rnd.nextInt(1_000_000);
                int merged = next++;
                tokens.add(merged);
                rules.put(key, new long[] {rank, merged});
                l[n] = a;
                r[n] = b;
                k[n] = rank;
                m[n] = merged;
                n++;
            }
            int capacity = tight ? Integer.highestOneBit(count) << 1 : PairMergeTable.capacityFor(count);
            return new RandomRules(PairMergeTable.build(PairMergeTableTest.identityBytes(), l, r, k, m, count,
                    capacity), rules);
        }

        int[] naive(byte[] piece) {
            List<Integer> ids = new ArrayList<>();
            for (byte x : piece) {
                ids.add(x & 0xFF);
            }
            while (true) {
                long best = Long.MAX_VALUE;
                int at = -1;
                for (int i = 0; i + 1 < ids.size(); i++) {
                    long[] v = rules.get(PairMergeTable.key(ids.get(i), ids.get(i + 1)));
                    if (v != null && v[0] < best) {
                        best = v[0];
                        at = i;
                    }
                }
                if (at < 0) {
                    return ids.stream().mapToInt(Integer::intValue).toArray();
                }
                ids.set(at, (int) rules.get(PairMergeTable.key(ids.get(at), ids.get(at + 1)))[1]);
                ids.remove(at + 1);
            }
        }
    }

    static List<byte[]> randomPieces(Random rnd, int count, int maxLength) {
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = 1 + rnd.nextInt(maxLength);
            byte[] p = new byte[len];
            int letters = 1 + rnd.nextInt(3);
            for (int j = 0; j < len; j++) {
                p[j] = (byte) ('a' + rnd.nextInt(letters));
            }
            pieces.add(p);
        }
        return pieces;
    }

    static long rounds;
    static long cutRounds;

    static void check(RandomRules rr, List<byte[]> pieces, int longThreads, boolean descending, int shortMax,
                      String what) {
        CudaKernelModel model = new CudaKernelModel(rr.table(), longThreads, descending);
        int[][] got = ModelRunner.merge(model, pieces, shortMax);
        rounds += model.rounds.get();
        cutRounds += model.cutRounds.get();
        for (int i = 0; i < pieces.size(); i++) {
            int fi = i;
            assertArrayEquals(rr.naive(pieces.get(i)), got[i],
                    () -> what + ": piece " + new String(pieces.get(fi), java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    @Test
    void bothKernelsMergeLikeTheDefinitionOnRandomTables() {
        long seed = 20261128;
        System.out.println("bothKernelsMergeLikeTheDefinitionOnRandomTables seed " + seed);
        Random rnd = new Random(seed);
        int[] blockSizes = {1, 2, 4, 32, 128, 256};
        for (int trial = 0; trial < 24; trial++) {
            boolean shared = trial % 2 == 1;
            boolean tight = trial % 3 == 2;
            RandomRules rr = RandomRules.make(rnd, 20 + rnd.nextInt(200), shared, tight);
            List<byte[]> pieces = randomPieces(rnd, 120, trial % 4 == 0 ? 600 : 90);
            String what = "trial " + trial + (shared ? " (shared ranks)" : "") + (tight ? " (one free slot)" : "");
            check(rr, pieces, 128, false, PieceBatchFormat.SHORT_MAX_BYTES, what + ", short/long split");
            int threads = blockSizes[trial % blockSizes.length];
            check(rr, pieces, threads, trial % 2 == 0, 0, what + ", block kernel only, " + threads + " threads");
        }
        System.out.printf("block kernel: %d rounds, %d cut short at a merge making a lower-ranked pair%n", rounds,
                cutRounds);
        assertTrue(cutRounds > 100, "the tables must exercise the cut-short rule");
    }

    /** A table from rules {left, right, rank, merged}, with the naive reference over the same rules. */
    static RandomRules handmade(int[]... rules) {
        int n = rules.length;
        int[] l = new int[n];
        int[] r = new int[n];
        int[] k = new int[n];
        int[] m = new int[n];
        Map<Long, long[]> map = new HashMap<>();
        for (int i = 0; i < n; i++) {
            l[i] = rules[i][0];
            r[i] = rules[i][1];
            k[i] = rules[i][2];
            m[i] = rules[i][3];
            map.put(PairMergeTable.key(l[i], r[i]), new long[] {k[i], m[i]});
        }
        return new RandomRules(PairMergeTable.build(PairMergeTableTest.identityBytes(), l, r, k, m, n,
                PairMergeTable.capacityFor(n)), map);
    }

    static final int AB = 256;

    /**
     * (a,b) -> AB is the round's rank at 0, 2 and 4; once 0 and 2 are merged, (AB, AB) ranks lower, and what it
     * makes, (ABAB, a), lower still, eating the a of the occurrence at 4: the round must stop after 2.
     */
    static RandomRules leftNeighbourCase() {
        return handmade(new int[] {'a', 'b', 10, AB}, new int[] {AB, AB, 1, 257}, new int[] {257, 'a', 2, 258});
    }

    /**
     * After (a,b) merges, (c, AB) must be looked up again: keeping (c, a)'s rank 2 would merge it before (AB, d)
     * at rank 3.
     */
    static RandomRules reRankCase() {
        return handmade(new int[] {'a', 'b', 1, AB}, new int[] {'c', 'a', 2, 257}, new int[] {'c', AB, 5, 258},
                new int[] {AB, 'd', 3, 259});
    }

    /**
     * (a,b) and (AB,a) share rank 10 (no real table does this): after merging (a,b) at 0, (AB,a) is the leftmost
     * pair of rank 10, so the occurrence at 2 must wait; a created pair of the round's own rank cuts the round.
     */
    static RandomRules equalRankCase() {
        return handmade(new int[] {'a', 'b', 10, AB}, new int[] {AB, 'a', 10, 257});
    }

    @Test
    void aLeftNeighbourMergedInTheSameRoundCountsWhenCuttingTheRound() {
        RandomRules rr = leftNeighbourCase();
        List<byte[]> pieces = List.of(TestCorpus.utf8("ababab"));
        assertArrayEquals(new int[] {258, 'b'}, rr.naive(pieces.get(0)));
        for (int threads : new int[] {1, 2, 128}) {
            check(rr, pieces, threads, false, 0, "ababab, " + threads + " threads");
        }
    }

    @Test
    void aPairNextToAMergeIsRankedAgain() {
        RandomRules rr = reRankCase();
        List<byte[]> pieces = List.of(TestCorpus.utf8("cabd"));
        assertArrayEquals(new int[] {'c', 259}, rr.naive(pieces.get(0)));
        check(rr, pieces, 128, false, 0, "cabd");
        check(rr, pieces, 128, false, 64, "cabd");
    }

    @Test
    void aCreatedPairOfTheRoundsOwnRankCutsTheRound() {
        RandomRules rr = equalRankCase();
        List<byte[]> pieces = List.of(TestCorpus.utf8("abab"));
        assertArrayEquals(new int[] {257, 'b'}, rr.naive(pieces.get(0)));
        check(rr, pieces, 4, false, 0, "abab");
    }

    @Test
    void descendingThreadOrderGivesTheSameOutputBuffer() {
        Random rnd = new Random(5);
        RandomRules rr = RandomRules.make(rnd, 150, false, false);
        List<byte[]> pieces = randomPieces(rnd, 200, 400);
        for (int threads : new int[] {8, 64}) {
            int[][] up = ModelRunner.merge(new CudaKernelModel(rr.table(), threads, false), pieces, 0);
            int[][] down = ModelRunner.merge(new CudaKernelModel(rr.table(), threads, true), pieces, 0);
            assertTrue(Arrays.deepEquals(up, down), "a phase reads what another thread of it writes");
        }
    }

    /** Tokens a, aa, aaaa, ... up to 2^k letters, ranks in order: a run of n letters merges in ~log n rounds. */
    static RandomRules powersOfA(int k) {
        int[] l = new int[k];
        int[] r = new int[k];
        int[] rank = new int[k];
        int[] m = new int[k];
        Map<Long, long[]> rules = new HashMap<>();
        int prev = 'a';
        for (int i = 0; i < k; i++) {
            l[i] = prev;
            r[i] = prev;
            rank[i] = i;
            m[i] = 256 + i;
            rules.put(PairMergeTable.key(prev, prev), new long[] {i, 256 + i});
            prev = 256 + i;
        }
        return new RandomRules(PairMergeTable.build(PairMergeTableTest.identityBytes(), l, r, rank, m, k,
                PairMergeTable.capacityFor(k)), rules);
    }

    @Test
    @Timeout(20)
    void aHundredKilobyteRunOfOneLetterMergesExactlyAndFast() {
        RandomRules rr = powersOfA(6);
        byte[] run = new byte[100_000];
        Arrays.fill(run, (byte) 'a');
        byte[] odd = Arrays.copyOf(run, 99_999);
        List<byte[]> pieces = List.of(run, odd);
        int[][] got = ModelRunner.merge(new CudaKernelModel(rr.table()), pieces, PieceBatchFormat.SHORT_MAX_BYTES);
        // 100,000 = 1562 * 64 + 32: 1562 tokens of 64 letters, then one of 32.
        assertEquals(1563, got[0].length);
        assertEquals(256 + 5, got[0][0]);
        assertEquals(256 + 4, got[0][1562]);
        for (int i = 0; i < pieces.size(); i++) {
            assertArrayEquals(powersReference(6, pieces.get(i).length), got[i]);
        }
    }

    /**
     * BPE of n letters under {@link #powersOfA}: rank by rank, equal neighbours merge left to right. Exact here
     * because a merge only ever creates a pair of higher rank.
     */
    static int[] powersReference(int k, int n) {
        int[] ids = new int[n];
        Arrays.fill(ids, 'a');
        int size = n;
        int token = 'a';
        for (int rank = 0; rank < k; rank++) {
            int w = 0;
            for (int i = 0; i < size; i++) {
                if (i + 1 < size && ids[i] == token && ids[i + 1] == token) {
                    ids[w++] = 256 + rank;
                    i++;
                } else {
                    ids[w++] = ids[i];
                }
            }
            size = w;
            token = 256 + rank;
        }
        return Arrays.copyOf(ids, size);
    }

    @Test
    void aPieceWithAByteWithoutATokenIsReportedNotMerged() {
        int[] bytes = PairMergeTableTest.identityBytes();
        bytes['z'] = -1;
        PairMergeTable t = PairMergeTable.build(bytes, new int[0], new int[0], new int[0], new int[0], 0, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelRunner.merge(
                new CudaKernelModel(t), List.of("aaaz".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 64));
        assertTrue(e.getMessage().contains("a byte without a token"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> ModelRunner.merge(new CudaKernelModel(t),
                List.of("a".repeat(100).concat("z").getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 64));
    }

    @Test
    void rejectsBlockSizesTheKernelCannotRun() {
        PairMergeTable t = powersOfA(2).table();
        assertThrows(IllegalArgumentException.class, () -> new CudaKernelModel(t, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new CudaKernelModel(t, 96, false));
        assertThrows(IllegalArgumentException.class, () -> new CudaKernelModel(t, 512, false));
        for (int s : new int[] {1, 128, 256}) {
            new CudaKernelModel(t, s, false).close();
        }
    }
}
