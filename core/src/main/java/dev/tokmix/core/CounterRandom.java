package dev.tokmix.core;

/**
 * Counter-based random numbers: the value for {@code (seed, counter)} is a pure function of the two, so a
 * sampler resumed at position {@code n} needs no replay of the draws before it (contrast litdata, which replays
 * every past draw on resume), and any rank can compute any position's draw.
 *
 * <p>Definition: {@code mix(seed, counter) = mix64(key(seed) + (counter + 1) * GOLDEN_GAMMA)}, where
 * {@code mix64} is SplitMix64's finaliser (Stafford's variant 13) and {@code key} is MurmurHash3's
 * {@code fmix64}. For a fixed seed this is exactly the stream of {@code new SplittableRandom(key(seed))}:
 * {@code mix(seed, c)} is its {@code c}-th {@code nextLong()} (counting from 0), a generator that passes
 * BigCrush. The seed goes through {@code fmix64} first because SplitMix64 streams whose seeds differ by a
 * multiple of the gamma are shifted copies of each other; hashing the seed makes that improbable for the small,
 * related seeds (0, 1, 2, …) people pick. Both functions are bijections, so distinct seeds give distinct keys.
 *
 * <p>Example: {@code CounterRandom.uniform(42, 7)} is the same double on every machine and every run; a
 * consumer that needs several independent numbers per position uses distinct seeds (streams) for them.
 */
public final class CounterRandom {
    /** 2^64 / φ, odd: SplitMix64's Weyl increment (also {@code SplittableRandom}'s golden gamma). */
    static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private CounterRandom() {
    }

    /**
     * The 64 random bits for a counter in the stream of a seed.
     *
     * @param seed    the stream; any value
     * @param counter the position in the stream; any value (negative counters are just more positions)
     * @return 64 uniformly distributed bits, a pure function of {@code (seed, counter)}
     */
    public static long mix(long seed, long counter) {
        return mixKeyed(key(seed), counter);
    }

    /**
     * A uniform double in {@code [0, 1)} for a counter in the stream of a seed: the top 53 bits of
     * {@link #mix(long, long)}, so every value is a multiple of 2^-53.
     *
     * @param seed    the stream
     * @param counter the position in the stream
     * @return a double in {@code [0, 1)}, a pure function of {@code (seed, counter)}
     */
    public static double uniform(long seed, long counter) {
        return (mix(seed, counter) >>> 11) * 0x1.0p-53;
    }

    /**
     * The stream key of a seed (MurmurHash3 {@code fmix64}); hot loops compute it once and call
     * {@link #mixKeyed(long, long)}.
     */
    static long key(long seed) {
        long z = seed;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** {@link #mix(long, long)} with the seed already turned into its key: one finaliser, two multiplies. */
    static long mixKeyed(long key, long counter) {
        long z = key + (counter + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
