package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Examples and edge cases of the three blenders: documented sequences, zero weights, one domain, ten thousand
 * domains, normalisation, rejected weights and states, Megatron's greedy rule next to EEDF, and the stochastic
 * blender's frequencies.
 */
class BlenderTest {
    @Test
    void blendsThreeDomainsAsDocumented() {
        DeterministicBlender b = new DeterministicBlender(new double[] {0.5, 0.3, 0.2});
        assertArrayEquals(new int[] {0, 1, 0, 2, 0, 1, 0, 1, 0, 2}, draw(b::next, 10));
        assertEquals(10, b.position());
        assertEquals(5, b.count(0));
        assertEquals(3, b.count(1));
        assertEquals(2, b.count(2));
        assertEquals(3.0, b.target(1), 1e-12);
    }

    @Test
    void megatronPortFollowsTheGreedyLoopByHand() {
        // helpers.cpp at n = 0..4 with weights .5/.3/.2 and n' = max(n, 1): errors w·n' − c
        // n=0: .5 .3 .2 → 0;  n=1: −.5 .3 .2 → 1;  n=2: 0 −.4 .4 → 2;
        // n=3: .5 −.1 −.4 → 0;  n=4: 0 .2 −.2 → 1
        MegatronGreedyBlender m = new MegatronGreedyBlender(new double[] {5, 3, 2});
        assertArrayEquals(new int[] {0, 1, 2, 0, 1}, draw(m::next, 5));
        // ties go to the first index, as with the strict '>' in the C++ loop
        assertArrayEquals(new int[] {0, 1, 0, 1}, draw(new MegatronGreedyBlender(new double[] {1, 1})::next, 4));
    }

    @Test
    void staticWeightsOrderTiesByLowestIndex() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 0, 1, 2, 3},
                draw(new DeterministicBlender(new double[] {1, 1, 1, 1})::next, 8));
    }

    @Test
    void zeroWeightDomainIsNeverDrawn() {
        double[] w = {0.3, 0, 0.7, 0};
        DeterministicBlender d = new DeterministicBlender(w);
        StochasticBlender s = new StochasticBlender(w, 7);
        for (int n = 0; n < 50_000; n++) {
            int a = d.next();
            int b = s.next();
            assertTrue(a != 1 && a != 3 && b != 1 && b != 3, "position " + n + ": " + a + ", " + b);
        }
        assertEquals(0, s.probability(1));
        // a weight set to zero later stops the domain once it is no longer owed a sample
        d.setWeights(new double[] {0, 0, 1, 0});
        d.next();
        for (int n = 0; n < 1000; n++) {
            assertEquals(2, d.next());
        }
    }

    @Test
    void singleDomainTakesEveryPosition() {
        DeterministicBlender d = new DeterministicBlender(new double[] {3.5});
        StochasticBlender s = new StochasticBlender(new double[] {1e-300}, 1);
        MegatronGreedyBlender m = new MegatronGreedyBlender(new double[] {1});
        for (int n = 0; n < 10_000; n++) {
            assertEquals(0, d.next());
            assertEquals(0, s.next());
            assertEquals(0, m.next());
        }
        assertEquals(10_000, d.count(0));
        assertEquals(10_000.0, d.target(0));
        assertEquals(1.0, s.probability(0));
    }

    @Test
    void tenThousandDomainsAfterAMillionDrawsAreWithinOneOfTarget() {
        int k = 10_000;
        int n = 1_000_000;
        double[] w = zipf(k, 1.1, new Random(20_260_512));
        for (int i = 0; i < k; i += 17) {
            w[i] = 0;
        }
        DeterministicBlender b = new DeterministicBlender(w);
        double[] normalised = b.weights();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            b.next();
        }
        long nanos = System.nanoTime() - start;
        long total = 0;
        double worst = 0;
        for (int i = 0; i < k; i++) {
            long c = b.count(i);
            total += c;
            double deviation = Math.abs(c - normalised[i] * n);
            worst = Math.max(worst, deviation);
            assertTrue(deviation < 1, "domain " + i + ": count " + c + ", target " + normalised[i] * n);
            if (w[i] == 0) {
                assertEquals(0, c, "zero-weight domain " + i);
            }
        }
        assertEquals(n, total);
        System.out.printf("[blender] K=%d, n=%d: max |c - w n| = %.6f, %.0f ns/decision (test JVM, unwarmed)%n",
                k, n, worst, (double) nanos / n);
    }

    /**
     * Far into a run (3·2^40 ≈ 3.3·10^12 samples, where a double target has only 12 bits below the point) the
     * deficits are still exact: the blender never holds targets as large doubles.
     */
    @Test
    void keepsTheGuaranteeFarIntoARun() {
        long third = 1L << 40;
        double w = 1.0 / 3;
        DeterministicBlender b = DeterministicBlender.restore(new DeterministicBlender.State(3 * third,
                new long[] {third, third, third}, new double[] {w, w, w}, 0, new long[3], new double[3]));
        double[] changed = {0.7, 0.2, 0.1};
        for (int n = 0; n < 30_000; n++) {
            b.next();
            if (n == 10_000) {
                b.setWeights(changed);
            }
            for (int i = 0; i < 3; i++) {
                double deficit = b.deficit(i);
                assertTrue(deficit < 1 && deficit > -1, "domain " + i + " at " + b.position() + ": " + deficit);
            }
        }
        assertEquals(3 * third + 30_000, b.position());
        // 19,999 positions after the change, domain 0 got 0.7 of them, to within one sample
        DeterministicBlender.State s = b.snapshot();
        assertEquals(0.7 * 19_999, s.counts()[0] - s.countsAtChange()[0], 1);
    }

    @Test
    void weightsNotSummingToOneAreNormalised() {
        DeterministicBlender a = new DeterministicBlender(new double[] {1, 3, 1});
        DeterministicBlender b = new DeterministicBlender(new double[] {2, 6, 2});
        DeterministicBlender c = new DeterministicBlender(new double[] {0.25, 0.75, 0.25});
        assertArrayEquals(new double[] {0.2, 0.6, 0.2}, a.weights(), 1e-15);
        assertArrayEquals(a.weights(), b.weights());
        assertArrayEquals(a.weights(), c.weights());
        int[] expected = draw(a::next, 1000);
        assertArrayEquals(expected, draw(b::next, 1000));
        assertArrayEquals(expected, draw(c::next, 1000));
        StochasticBlender s = new StochasticBlender(new double[] {1e300, 3e300}, 3);
        assertEquals(0.25, s.probability(0), 1e-15);
        assertEquals(0.75, s.probability(1), 1e-15);
    }

    @Test
    void rejectsBadWeightsNamingTheIndexAndARemedy() {
        assertRejected(w -> new DeterministicBlender(w));
        assertRejected(w -> new StochasticBlender(w, 0));
        assertRejected(w -> new MegatronGreedyBlender(w));
        DeterministicBlender d = new DeterministicBlender(new double[] {1, 1, 1});
        StochasticBlender s = new StochasticBlender(new double[] {1, 1, 1}, 0);
        assertRejected(d::setWeights);
        assertRejected(s::setWeights);
        TokmixException e = assertThrows(TokmixException.class, () -> d.setWeights(new double[] {1, 1}));
        assertTrue(e.getMessage().contains("2 weights given for 3 domains"), e.getMessage());
        assertThrows(TokmixException.class, () -> s.setWeights(new double[] {1, 1, 1, 1}));
        // a rejected change leaves the blender as it was
        assertArrayEquals(new int[] {0, 1, 2}, draw(d::next, 3));
    }

    private static void assertRejected(Consumer<double[]> construct) {
        String[] expected = {"weight[2] is -0.5", "weight[1] is NaN", "weight[0] is Infinity", "all 3 weights are 0",
            "no weights given", "no weights given"};
        double[][] bad = {{1, 1, -0.5}, {1, Double.NaN, 1}, {Double.POSITIVE_INFINITY, 1, 1}, {0, 0, 0}, {}, null};
        for (int i = 0; i < bad.length; i++) {
            double[] w = bad[i];
            TokmixException e = assertThrows(TokmixException.class, () -> construct.accept(w),
                    Arrays.toString(w));
            assertTrue(e.getMessage().contains(expected[i]), e.getMessage());
            assertTrue(e.getMessage().contains("—"), "remedy missing: " + e.getMessage());
        }
    }

    @Test
    void rejectsInconsistentStates() {
        DeterministicBlender d = new DeterministicBlender(new double[] {1, 2});
        draw(d::next, 5);
        DeterministicBlender.State ok = d.snapshot();
        long[] c = ok.counts();
        double[] w = ok.weights();
        long[] c0 = {0, 0};
        double[] l0 = {0, 0};
        assertRestoreFails(new DeterministicBlender.State(6, c, w, 0, c0, l0), "counts sum to 5 at position 6");
        assertRestoreFails(new DeterministicBlender.State(5, new long[] {6, -1}, w, 0, c0, l0),
                "domain 1 has count -1");
        assertRestoreFails(new DeterministicBlender.State(5, c, new double[] {0.5, 0.6}, 0, c0, l0), "sum to 1.1");
        assertRestoreFails(new DeterministicBlender.State(5, c, new double[] {1}, 0, c0, l0), "must match");
        assertRestoreFails(new DeterministicBlender.State(5, c, w, 2, new long[] {1, 0}, l0),
                "and to 1 at the change position 2");
        assertRestoreFails(new DeterministicBlender.State(5, c, w, 6, c, l0), "and to 5 at the change position 6");
        assertRestoreFails(new DeterministicBlender.State(5, c, w, 0, c0, new double[] {0.5, 0}), "sum to 0.5");
        assertRestoreFails(new DeterministicBlender.State(5, c, w, 0, c0, new double[] {Double.NaN, 0}),
                "lagsAtChange[0] is NaN");
        assertThrows(TokmixException.class, () -> new DeterministicBlender.State(0, null, new double[1], 0,
                new long[1], new double[1]));
        assertThrows(TokmixException.class, () -> DeterministicBlender.restore(null));

        StochasticBlender s = new StochasticBlender(new double[] {1, 2}, 5);
        draw(s::next, 5);
        StochasticBlender.State so = s.snapshot();
        TokmixException e = assertThrows(TokmixException.class, () -> StochasticBlender.restore(
                new StochasticBlender.State(4, so.seed(), so.weights(), so.counts())));
        assertTrue(e.getMessage().contains("must sum to the position"), e.getMessage());
        assertThrows(TokmixException.class, () -> StochasticBlender.restore(null));
    }

    private static void assertRestoreFails(DeterministicBlender.State state, String expected) {
        TokmixException e = assertThrows(TokmixException.class, () -> DeterministicBlender.restore(state));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains("snapshot()"), e.getMessage());
    }

    @Test
    void statesAreValuesAndCopyTheirArrays() {
        DeterministicBlender d = new DeterministicBlender(new double[] {1, 2, 3});
        draw(d::next, 7);
        DeterministicBlender.State a = d.snapshot();
        a.counts()[0] = 99;
        a.weights()[0] = 99;
        assertEquals(a, d.snapshot());
        assertEquals(a.hashCode(), d.snapshot().hashCode());
        d.next();
        assertNotEquals(a, d.snapshot());
        assertTrue(a.toString().contains("position=7"), a.toString());
        StochasticBlender s = new StochasticBlender(new double[] {1, 2, 3}, 9);
        draw(s::next, 7);
        assertEquals(s.snapshot(), StochasticBlender.restore(s.snapshot()).snapshot());
    }

    @Test
    void weightChangeTakesEffectAtTheCurrentPosition() {
        DeterministicBlender b = new DeterministicBlender(new double[] {1, 1});
        draw(b::next, 10);
        b.setWeights(new double[] {0, 1});
        assertEquals(5.0, b.target(0));
        draw(b::next, 10);
        assertEquals(5.0, b.target(0), 0);
        assertEquals(15.0, b.target(1), 0);
        assertEquals(5, b.count(0));
        assertEquals(15, b.count(1));
        assertArrayEquals(new double[] {0, 1}, b.weights());
    }

    /**
     * No online blender can keep every deficit below one sample across weight changes, not even eventually:
     * with five equal weights, after three samples the two domains not yet drawn are owed 0.6 each (whichever
     * three were drawn). Moving all the weight onto those two freezes the others' targets and counts, so the
     * pair's total deficit stays 1.2 while their targets advance by 0.5 each per position; at every odd number
     * of positions after the change both deficits have fractional part 0.1 and sum to 1.2, so one of them is
     * 1.1, whatever the rule. EEDF never does worse than that and never gets ahead by a whole sample.
     */
    @Test
    void aWeightChangeCanForceADeficitAboveOneForEveryOnlineBlender() {
        DeterministicBlender b = new DeterministicBlender(new double[] {1, 1, 1, 1, 1});
        assertArrayEquals(new int[] {0, 1, 2}, draw(b::next, 3));
        b.setWeights(new double[] {0, 0, 0, 1, 1});
        assertEquals(3, b.next());
        assertEquals(1.1, b.target(4) - b.count(4), 1e-12);
        for (int n = 0; n < 100; n++) {
            int d = b.next();
            assertTrue(d == 3 || d == 4, "position " + b.position() + ": " + d);
            double worst = 0;
            for (int i = 0; i < 5; i++) {
                assertTrue(b.count(i) - b.target(i) < 1, "domain " + i + " ahead at " + b.position());
                worst = Math.max(worst, b.target(i) - b.count(i));
            }
            assertEquals(n % 2 == 0 ? 0.6 : 1.1, worst, 1e-9, "position " + b.position());
        }
    }

    @Test
    void megatronGreedyDeviatesByMoreThanOneWhereEedfStaysBelow() {
        // Skewed Zipf weights over 20 domains: Megatron's rule compares w·n, not w·(n+1), and lets a heavy
        // domain fall behind by about 1.5 samples (1.54 here).
        double[] w = zipf(20, 2.0, new Random(3));
        MegatronGreedyBlender m = new MegatronGreedyBlender(w);
        DeterministicBlender d = new DeterministicBlender(w);
        double[] nw = d.weights();
        double megatron = 0;
        double eedf = 0;
        for (int n = 1; n <= 20_000; n++) {
            m.next();
            d.next();
            for (int i = 0; i < nw.length; i++) {
                megatron = Math.max(megatron, Math.abs(m.count(i) - nw[i] * n));
                eedf = Math.max(eedf, Math.abs(d.count(i) - d.target(i)));
            }
        }
        System.out.printf("[blender] max prefix deviation, K=20 Zipf(2.0), n=20000: Megatron greedy %.4f,"
                + " EEDF %.4f%n", megatron, eedf);
        assertTrue(megatron > 1.2 && megatron < 3, "Megatron " + megatron);
        assertTrue(eedf < 1, "EEDF " + eedf);
    }

    @Test
    void stochasticFrequenciesAreWithinFiveStandardErrors() {
        double[] w = {0.5, 0.25, 0.15, 0.0999, 0.0001, 0};
        int n = 1_000_000;
        StochasticBlender s = new StochasticBlender(w, 123);
        for (int i = 0; i < n; i++) {
            s.next();
        }
        for (int i = 0; i < w.length; i++) {
            double p = s.probability(i);
            double se = Math.sqrt(p * (1 - p) / n);
            double f = (double) s.count(i) / n;
            assertTrue(Math.abs(f - p) <= 5 * se, "domain " + i + ": frequency " + f + ", probability " + p);
        }
        assertEquals(0, s.count(5));
    }

    @Test
    void stochasticSameSeedSameStreamOtherSeedOtherStream() {
        double[] w = {1, 2, 3, 4};
        int[] a = draw(new StochasticBlender(w, 77)::next, 2000);
        assertArrayEquals(a, draw(new StochasticBlender(w, 77)::next, 2000));
        int[] b = draw(new StochasticBlender(w, 78)::next, 2000);
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        // independent draws agree with probability Σ p² = 0.3: 600 ± 20 of 2000
        assertTrue(same > 500 && same < 700, "agreements " + same);
    }

    @Test
    void stochasticWeightChangeAppliesFromTheCurrentPosition() {
        StochasticBlender s = new StochasticBlender(new double[] {1, 1}, 5);
        draw(s::next, 100);
        s.setWeights(new double[] {0, 1});
        for (int n = 0; n < 1000; n++) {
            assertEquals(1, s.next());
        }
        assertEquals(1.0, s.probability(1));
        assertEquals(1100, s.position());
    }

    /** Zipf-like weights {@code 1/rank^s} over a random permutation of the domains. */
    static double[] zipf(int k, double s, Random random) {
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = 1 / Math.pow(i + 1, s);
        }
        for (int i = k - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = w[i];
            w[i] = w[j];
            w[j] = t;
        }
        return w;
    }

    private interface Draw {
        int next();
    }

    private static int[] draw(Draw d, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = d.next();
        }
        return out;
    }
}
