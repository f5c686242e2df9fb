package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The device pair table: probing, collisions, wrap-around, nearly full tables, the model buffer layout. */
class PairMergeTableTest {
    static int[] identityBytes() {
        int[] b = new int[256];
        for (int i = 0; i < 256; i++) {
            b[i] = i;
        }
        return b;
    }

    record Rules(int[] left, int[] right, int[] rank, int[] merged, int count) {
        static Rules of(List<int[]> pairs) {
            int n = pairs.size();
            int[] l = new int[n];
            int[] r = new int[n];
            int[] k = new int[n];
            int[] m = new int[n];
            for (int i = 0; i < n; i++) {
                l[i] = pairs.get(i)[0];
                r[i] = pairs.get(i)[1];
                k[i] = 1000 + i;
                m[i] = 5000 + i;
            }
            return new Rules(l, r, k, m, n);
        }

        PairMergeTable build(int capacity) {
            return PairMergeTable.build(identityBytes(), left, right, rank, merged, count, capacity);
        }
    }

    /** Pairs whose home slot in a table of {@code capacity} is {@code slot}, found by search. */
    static List<int[]> pairsWithHome(int capacity, int slot, int want, Random rnd) {
        PairMergeTable probe = PairMergeTable.build(identityBytes(), new int[0], new int[0], new int[0], new int[0], 0,
                capacity);
        List<int[]> out = new ArrayList<>();
        while (out.size() < want) {
            int l = rnd.nextInt(300_000);
            int r = rnd.nextInt(300_000);
            if (probe.home(PairMergeTable.key(l, r)) == slot && out.stream().noneMatch(p -> p[0] == l && p[1] == r)) {
                out.add(new int[] {l, r});
            }
        }
        return out;
    }

    static void assertFinds(PairMergeTable t, Rules rules) {
        for (int i = 0; i < rules.count(); i++) {
            long v = t.lookup(rules.left()[i], rules.right()[i]);
            assertEquals(((long) rules.rank()[i] << 32) | rules.merged()[i], v, "rule " + i);
            assertEquals(rules.rank()[i], t.rank(rules.left()[i], rules.right()[i]));
        }
    }

    @Test
    void collidingPairsAreAllFoundAndMissingOnesAreNot() {
        Random rnd = new Random(11);
        System.out.println("collidingPairsAreAllFoundAndMissingOnesAreNot seed 11");
        List<int[]> pairs = pairsWithHome(64, 5, 12, rnd);
        Rules rules = Rules.of(pairs);
        PairMergeTable t = rules.build(64);
        assertFinds(t, rules);
        for (int[] p : pairsWithHome(64, 5, 20, new Random(12))) {
            boolean present = pairs.stream().anyMatch(q -> q[0] == p[0] && q[1] == p[1]);
            if (!present) {
                assertEquals(PieceBatchFormat.EMPTY_KEY, t.lookup(p[0], p[1]));
                assertEquals(PieceBatchFormat.NO_RANK, t.rank(p[0], p[1]));
            }
        }
    }

    @Test
    void probesWrapAroundTheEndOfTheTable() {
        Random rnd = new Random(13);
        List<int[]> pairs = pairsWithHome(16, 15, 5, rnd);
        Rules rules = Rules.of(pairs);
        PairMergeTable t = rules.build(16);
        assertFinds(t, rules);
        // The last four went to slots 0..3.
        int wrapped = 0;
        for (int s = 0; s < 4; s++) {
            wrapped += t.slots[2 * s] != PieceBatchFormat.EMPTY_KEY ? 1 : 0;
        }
        assertEquals(4, wrapped);
    }

    @Test
    void aTableWithOneFreeSlotStillEndsEveryProbe() {
        Random rnd = new Random(17);
        System.out.println("aTableWithOneFreeSlotStillEndsEveryProbe seed 17");
        Map<Long, Boolean> seen = new HashMap<>();
        List<int[]> pairs = new ArrayList<>();
        while (pairs.size() < 31) {
            int l = rnd.nextInt(1000);
            int r = rnd.nextInt(1000);
            if (seen.putIfAbsent(PairMergeTable.key(l, r), true) == null) {
                pairs.add(new int[] {l, r});
            }
        }
        Rules rules = Rules.of(pairs);
        PairMergeTable t = rules.build(32);
        assertFinds(t, rules);
        int misses = 0;
        for (int i = 0; i < 10_000; i++) {
            int l = rnd.nextInt(1000);
            int r = rnd.nextInt(1000);
            if (!seen.containsKey(PairMergeTable.key(l, r))) {
                assertEquals(PieceBatchFormat.EMPTY_KEY, t.lookup(l, r));
                misses++;
            }
        }
        assertTrue(misses > 9000);
    }

    @Test
    void rejectsFullTablesRepeatedPairsAndOutOfRangeRules() {
        Rules two = Rules.of(List.of(new int[] {1, 2}, new int[] {3, 4}));
        assertThrows(IllegalArgumentException.class, () -> two.build(2));
        assertThrows(IllegalArgumentException.class, () -> two.build(6));
        Rules repeated = Rules.of(List.of(new int[] {1, 2}, new int[] {1, 2}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> repeated.build(8));
        assertTrue(e.getMessage().contains("repeats the pair (1, 2)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PairMergeTable.build(identityBytes(), new int[] {1},
                new int[] {2}, new int[] {PieceBatchFormat.NO_RANK}, new int[] {3}, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> PairMergeTable.build(identityBytes(), new int[] {1},
                new int[] {2}, new int[] {0}, new int[] {-1}, 1, 4));
    }

    @Test
    void capacityKeepsTheTableAtMostHalfFull() {
        assertEquals(2, PairMergeTable.capacityFor(0));
        assertEquals(2, PairMergeTable.capacityFor(1));
        assertEquals(4, PairMergeTable.capacityFor(2));
        assertEquals(8, PairMergeTable.capacityFor(3));
        assertEquals(8, PairMergeTable.capacityFor(4));
        assertEquals(16, PairMergeTable.capacityFor(5));
        assertEquals(1 << 21, PairMergeTable.capacityFor(1 << 20));
    }

    @Test
    void modelBufferHoldsByteIdsThenTheSlotsAtTheirOffset() {
        Rules rules = Rules.of(List.of(new int[] {97, 98}, new int[] {98, 99}));
        PairMergeTable t = rules.build(8);
        MemorySegment m = MemorySegment.ofArray(new long[(int) (t.modelBytes() / 8)]);
        t.writeTo(m);
        assertEquals(PieceBatchFormat.modelWords(8) * 4, t.modelBytes());
        assertEquals(200, m.getAtIndex(ValueLayout.JAVA_INT, 200));
        for (int s = 0; s < 8; s++) {
            assertEquals(t.slots[2 * s], m.get(ValueLayout.JAVA_LONG, 4L * PieceBatchFormat.MODEL_TABLE_AT + 16L * s));
            assertEquals(t.slots[2 * s + 1],
                    m.get(ValueLayout.JAVA_LONG, 4L * PieceBatchFormat.MODEL_TABLE_AT + 16L * s + 8));
        }
    }
}
