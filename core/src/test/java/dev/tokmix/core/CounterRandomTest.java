package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The counter-based generator: parity with the JDK's SplitMix64 ({@link SplittableRandom}), pinned values,
 * and chi-square sanity of single values, adjacent counters and adjacent seeds.
 */
class CounterRandomTest {
    @Test
    void isTheSplittableRandomStreamOfTheSeedsKey() {
        for (long seed : new long[] {0, 1, 42, -1, Long.MIN_VALUE}) {
            SplittableRandom jdk = new SplittableRandom(CounterRandom.key(seed));
            for (long c = 0; c < 1000; c++) {
                assertEquals(jdk.nextLong(), CounterRandom.mix(seed, c), "seed " + seed + ", counter " + c);
            }
        }
    }

    /** Pinned: a change of definition would silently change every run's data order, so it must fail here. */
    @Test
    void valuesArePinned() {
        assertEquals(-2152535657050944081L, CounterRandom.mix(0, 0));
        assertEquals(140687228628919645L, CounterRandom.mix(42, 7));
        assertEquals(0.007626669946021902, CounterRandom.uniform(42, 7));
        assertEquals(CounterRandom.mix(42, 7), CounterRandom.mix(42, 7));
        assertNotEquals(CounterRandom.mix(42, 7), CounterRandom.mix(43, 7));
    }

    @Test
    void uniformsFillTheirBinsEvenly() {
        int bins = 1000;
        int n = 1_000_000;
        long[] counts = new long[bins];
        double min = 1;
        double max = 0;
        for (int c = 0; c < n; c++) {
            double u = CounterRandom.uniform(7, c);
            min = Math.min(min, u);
            max = Math.max(max, u);
            counts[(int) (u * bins)]++;
        }
        assertTrue(min >= 0 && max < 1, min + " " + max);
        assertChiSquare(counts, n, "1000 bins of uniform(7, c)");
    }

    @Test
    void adjacentCountersAndAdjacentSeedsLookIndependent() {
        int side = 32;
        int n = 1_000_000;
        long[] counterPairs = new long[side * side];
        long[] seedPairs = new long[side * side];
        long[] bits = new long[64];
        double sumProduct = 0;
        double previous = CounterRandom.uniform(11, 0);
        for (int c = 1; c <= n; c++) {
            double u = CounterRandom.uniform(11, c);
            counterPairs[(int) (previous * side) * side + (int) (u * side)]++;
            sumProduct += (previous - 0.5) * (u - 0.5);
            previous = u;
            double v = CounterRandom.uniform(12, c);
            seedPairs[(int) (u * side) * side + (int) (v * side)]++;
            long x = CounterRandom.mix(11, c);
            for (int b = 0; b < 64; b++) {
                bits[b] += (x >>> b) & 1;
            }
        }
        assertChiSquare(counterPairs, n, "pairs (c, c+1)");
        assertChiSquare(seedPairs, n, "pairs (seed 11, seed 12)");
        // serial correlation: variance of each product is 1/144, so the mean's standard error is 1/(12 sqrt n)
        double correlation = sumProduct / n * 12;
        assertTrue(Math.abs(correlation) < 6 / Math.sqrt(n), "serial correlation " + correlation);
        for (int b = 0; b < 64; b++) {
            assertTrue(Math.abs(bits[b] - n / 2.0) < 6 * Math.sqrt(n / 4.0), "bit " + b + ": " + bits[b]);
        }
    }

    /** Chi-square against equal bins, within 6 standard deviations of its mean (df, sd sqrt(2 df)). */
    private static void assertChiSquare(long[] counts, long n, String what) {
        double expected = (double) n / counts.length;
        double chi = 0;
        for (long c : counts) {
            chi += (c - expected) * (c - expected) / expected;
        }
        int df = counts.length - 1;
        assertTrue(Math.abs(chi - df) < 6 * Math.sqrt(2.0 * df), what + ": chi-square " + chi + " for df " + df);
    }
}
