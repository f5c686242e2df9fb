package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Properties of the blenders over random weights (1 to 50 domains, zeros, tiny and huge weights) and random
 * weight changes: the deviation of every domain from its target at every prefix, and resume-equals-continue.
 * jqwik prints the seed of a failing run and replays it first on the next one; weight-change schedules come from
 * a {@code long} jqwik draws, printed in each failure message.
 *
 * <p>Checking every prefix in O(1) per step: a target {@code T_i} never decreases and a count only steps up when
 * its domain is drawn, so between two draws of domain {@code i} its deficit {@code T_i − c_i} is largest just
 * before the second draw and its surplus {@code c_i − T_i} just after a draw. The test therefore checks the drawn
 * domain before and after each draw, and every domain at the end.
 */
class BlenderPropertiesTest {
    private static final int STEPS = 100_000;
    /** Worst deficit seen across all properties' runs with weight changes, printed after the class. */
    private static double worstDeficitWithChanges;
    private static double worstStatic;

    @Provide
    Arbitrary<double[]> weights() {
        Arbitrary<Double> weight = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(0.0)),
                Tuple.of(6, Arbitraries.doubles().between(0.001, 1).ofScale(6)),
                Tuple.of(1, Arbitraries.doubles().between(-9, -4).ofScale(6).map(e -> Math.pow(10, e))),
                Tuple.of(1, Arbitraries.doubles().between(0, 6).ofScale(6).map(e -> Math.pow(10, e))));
        return weight.list().ofMinSize(1).ofMaxSize(50)
                .filter(l -> l.stream().anyMatch(x -> x > 0))
                .map(BlenderPropertiesTest::toArray);
    }

    private static double[] toArray(List<Double> list) {
        double[] a = new double[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    @Property(tries = 25)
    void staticWeightsStayWithinOneSampleOfTargetAtEveryPrefix(@ForAll("weights") double[] w) {
        DeterministicBlender b = new DeterministicBlender(w);
        Reference ref = new Reference(b.weights());
        double worst = 0;
        for (int n = 0; n < STEPS; n++) {
            worst = Math.max(worst, ref.drawAndCheck(b, 1, "static"));
        }
        worst = Math.max(worst, ref.checkAll(b, 1, "static"));
        worstStatic = Math.max(worstStatic, worst);
    }

    /**
     * With weight changes at random positions no domain ever gets a whole sample ahead of its target (the
     * eligibility rule forbids it), and deficits stay below 3 samples. Below 1 cannot be promised by any online
     * rule ({@code BlenderTest.aWeightChangeCanForceADeficitAboveOneForEveryOnlineBlender}); the bound 3 is
     * empirical, not proven: the worst seen while tuning was 2.49, over 9·10^7 steps (9,000 runs, K up to 50)
     * of weights up to 100% sparse changed at every step (the class prints the worst of each run).
     */
    @Property(tries = 25)
    void weightChangesNeverPutADomainAheadAndKeepDeficitsBounded(@ForAll("weights") double[] w,
                                                                  @ForAll long scheduleSeed,
                                                                  @ForAll @IntRange(min = 1, max = 5000) int meanGap) {
        Random random = new Random(scheduleSeed);
        DeterministicBlender b = new DeterministicBlender(w);
        Reference ref = new Reference(b.weights());
        String where = "schedule seed " + scheduleSeed + ", mean gap " + meanGap;
        double changeProbability = 1.0 / meanGap;
        for (int n = 0; n < STEPS; n++) {
            if (random.nextDouble() < changeProbability) {
                b.setWeights(randomWeights(random, w.length));
                ref.change(b.position(), b.weights());
            }
            ref.drawAndCheck(b, 3, where);
        }
        ref.checkAll(b, 3, where);
        worstDeficitWithChanges = Math.max(worstDeficitWithChanges, ref.worstDeficit);
    }

    @Property(tries = 40)
    void deterministicResumeFromASnapshotEqualsContinuing(@ForAll("weights") double[] w, @ForAll long seed,
                                                          @ForAll @IntRange(min = 0, max = 20_000) int at) {
        Random random = new Random(seed);
        DeterministicBlender original = new DeterministicBlender(w);
        for (int n = 0; n < at; n++) {
            if (random.nextInt(1000) == 0) {
                original.setWeights(randomWeights(random, w.length));
            }
            original.next();
        }
        DeterministicBlender resumed = DeterministicBlender.restore(original.snapshot());
        assertEquals(original.snapshot(), resumed.snapshot());
        double[] later = randomWeights(random, w.length);
        int changeAt = random.nextInt(5000);
        for (int n = 0; n < 10_000; n++) {
            if (n == changeAt) {
                original.setWeights(later);
                resumed.setWeights(later);
            }
            assertEquals(original.next(), resumed.next(), "seed " + seed + ", step " + n + " after " + at);
        }
        assertEquals(original.snapshot(), resumed.snapshot());
    }

    @Property(tries = 40)
    void stochasticResumeFromASnapshotEqualsContinuing(@ForAll("weights") double[] w, @ForAll long seed,
                                                       @ForAll @IntRange(min = 0, max = 20_000) int at) {
        Random random = new Random(seed);
        StochasticBlender original = new StochasticBlender(w, seed);
        StochasticBlender fresh = new StochasticBlender(w, seed);
        int[] expected = new int[at + 10_000];
        for (int n = 0; n < expected.length; n++) {
            expected[n] = fresh.next();
        }
        for (int n = 0; n < at; n++) {
            assertEquals(expected[n], original.next());
        }
        StochasticBlender resumed = StochasticBlender.restore(original.snapshot());
        int[] continued = new int[10_000];
        int[] fromRestore = new int[10_000];
        for (int n = 0; n < continued.length; n++) {
            continued[n] = original.next();
            fromRestore[n] = resumed.next();
        }
        assertArrayEquals(continued, fromRestore, "seed " + seed + " at " + at);
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, at, expected.length), continued);
        double[] later = randomWeights(random, w.length);
        original.setWeights(later);
        resumed.setWeights(later);
        for (int n = 0; n < 1000; n++) {
            assertEquals(original.next(), resumed.next());
        }
        assertEquals(original.snapshot(), resumed.snapshot());
    }

    @AfterContainer
    static void report() {
        System.out.printf("[blender] worst |c - T| with static weights %.9f; worst deficit T - c with weight"
                + " changes %.4f%n", worstStatic, worstDeficitWithChanges);
    }

    /** Sparse-ish random weights: each zero with probability 0.3, at least one positive. */
    static double[] randomWeights(Random random, int k) {
        double[] w = new double[k];
        boolean positive = false;
        for (int i = 0; i < k; i++) {
            double u = random.nextDouble();
            w[i] = random.nextDouble() < 0.3 ? 0 : random.nextBoolean() ? u : u * u * u * u;
            positive |= w[i] > 0;
        }
        if (!positive) {
            w[random.nextInt(k)] = 1;
        }
        return w;
    }

    /**
     * Targets computed by the test, independently of the blender: {@code base + w·(n − change)} with the
     * blender's normalised weights. Checks the drawn domain's deficit before the draw and surplus after it.
     */
    private static final class Reference {
        private final double[] base;
        private double[] weights;
        private long change;
        private long position;
        private final long[] counts;
        double worstDeficit;

        Reference(double[] weights) {
            this.weights = weights;
            this.base = new double[weights.length];
            this.counts = new long[weights.length];
        }

        double target(int i, long n) {
            return base[i] + weights[i] * (double) (n - change);
        }

        void change(long at, double[] next) {
            for (int i = 0; i < base.length; i++) {
                base[i] = target(i, at);
            }
            change = at;
            weights = next;
        }

        /** Draws once; returns the larger of the drawn domain's deficit before and surplus after. */
        double drawAndCheck(DeterministicBlender b, double deficitBound, String where) {
            int i = b.next();
            long n = position++;
            double deficit = target(i, n) - counts[i];
            double surplus = ++counts[i] - target(i, n + 1);
            worstDeficit = Math.max(worstDeficit, deficit);
            assertTrue(surplus < 1, () -> where + ": domain " + i + " ahead by " + surplus + " after position " + n);
            assertTrue(deficit < deficitBound,
                    () -> where + ": domain " + i + " behind by " + deficit + " at position " + n);
            return Math.max(deficit, surplus);
        }

        double checkAll(DeterministicBlender b, double deficitBound, String where) {
            double worst = 0;
            for (int i = 0; i < counts.length; i++) {
                assertEquals(counts[i], b.count(i));
                double t = target(i, position);
                assertEquals(t, b.target(i), 1e-9 * Math.max(1, t), "target of domain " + i);
                worstDeficit = Math.max(worstDeficit, t - counts[i]);
                assertTrue(t - counts[i] < deficitBound, where + ": domain " + i + " behind at the end");
                assertTrue(counts[i] - t < 1, where + ": domain " + i + " ahead at the end");
                worst = Math.max(worst, Math.abs(t - counts[i]));
            }
            return worst;
        }
    }
}
