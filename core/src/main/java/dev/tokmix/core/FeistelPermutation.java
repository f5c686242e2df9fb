package dev.tokmix.core;

/**
 * A keyed bijection on [0, n) in O(1) memory: a four-round Feistel network on the smallest power-of-four domain
 * holding n, with cycle walking (apply again until the value lands below n). It replaces Megatron's shuffle arrays
 * (4–8 bytes per document per epoch): the order of an epoch is a pure function of (key, n), so any rank can find
 * any document's place without a build step.
 *
 * <p>Cycle walking terminates because the network permutes the enclosing domain; since that domain is below 4n,
 * the expected number of walks is under 4. Round function: SplitMix64's finaliser of (key, round, half).
 */
public final class FeistelPermutation {
    private static final int ROUNDS = 4;
    private final long n;
    private final long key;
    private final int halfBits;
    private final long halfMask;

    /**
     * Creates the permutation.
     *
     * @param n   the domain size (0 or more)
     * @param key the key (e.g. a hash of seed, domain and epoch)
     */
    public FeistelPermutation(long n, long key) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, not " + n);
        }
        this.n = n;
        this.key = key;
        int bits = n <= 1 ? 2 : 64 - Long.numberOfLeadingZeros(n - 1);
        this.halfBits = Math.max(1, (bits + 1) / 2);
        this.halfMask = (1L << halfBits) - 1;
    }

    /**
     * The domain size.
     *
     * @return n
     */
    public long size() {
        return n;
    }

    /**
     * The image of {@code i}.
     *
     * @param i in [0, n)
     * @return its place in [0, n)
     */
    public long apply(long i) {
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("index " + i + " outside [0, " + n + ")");
        }
        long x = i;
        do {
            x = encrypt(x);
        } while (x >= n);
        return x;
    }

    /**
     * The inverse: {@code inverse(apply(i)) == i}.
     *
     * @param j in [0, n)
     * @return the index that maps to {@code j}
     */
    public long inverse(long j) {
        if (j < 0 || j >= n) {
            throw new IndexOutOfBoundsException("index " + j + " outside [0, " + n + ")");
        }
        long x = j;
        do {
            x = decrypt(x);
        } while (x >= n);
        return x;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (int r = 0; r < ROUNDS; r++) {
            long next = (left ^ round(r, right)) & halfMask;
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    private long decrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (int r = ROUNDS - 1; r >= 0; r--) {
            long prev = (right ^ round(r, left)) & halfMask;
            right = left;
            left = prev;
        }
        return (left << halfBits) | right;
    }

    private long round(int r, long half) {
        long z = key + 0x9E3779B97F4A7C15L * (r + 1) + half * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
