package dev.tokmix.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * Decides, for each global sample position {@code n = 0, 1, 2, …}, which domain the sample comes from, so that
 * every domain's count stays within one sample of its target at every prefix: earliest-eligible-deadline-first
 * (EEDF) over cumulative targets, after Tijdeman's chairman assignment (1980).
 *
 * <p><b>Targets.</b> With weights {@code w_i(t)} normalised to sum to 1, domain {@code i}'s target after
 * {@code n} samples is {@code T_i(n) = Σ_{t<n} w_i(t)}; {@code c_i(n)} counts the samples it got among the first
 * {@code n}. A weight change ({@link #setWeights}) at position {@code p} makes the targets integrate the new
 * weights from {@code p} on; positions already decided never change.
 *
 * <p><b>Rule.</b> Domain {@code i} is <em>eligible</em> for position {@code n} when {@code c_i < T_i(n+1)}
 * (taking the sample keeps it below target + 1). Among eligible domains the one with the earliest
 * <em>deadline</em> wins: the first position {@code m} at which {@code T_i(m) ≥ c_i + 1} if the current weights
 * continue (in the past for an overdue domain); equal deadlines go to the lowest domain index. Deadlines are
 * integers, so ties are exact and the order is a pure function of the state.
 *
 * <p><b>Guarantee.</b> For constant weights, {@code |c_i(n) − T_i(n)| < 1} for every domain and prefix: EDF
 * meets every deadline of a feasible unit-job schedule, and the targets make it feasible (Tijdeman's theorem gives
 * {@code ≤ 1 − 1/(2K−2)} for a close variant; the property tests check {@code < 1} over 10^5-step runs). Across
 * weight changes the upper side {@code c_i(n) − T_i(n) < 1} always holds (eligibility forbids getting ahead),
 * but the lower side cannot be promised by any online blender, not even eventually: with five equal weights,
 * after three samples the two domains not yet drawn are owed 0.6 each; moving all weight onto those two freezes
 * the others' surpluses (0.4 each), the pair must carry them as a deficit of 1.2 between them for as long as the
 * new weights last, and every other position one of the two is owed 1.1. EEDF serves overdue domains first
 * (their deadlines are in the past); in random tests with sparse weights changed at every step the worst deficit
 * seen was 2.49 samples (9·10^7 steps, K ≤ 50), with changes every few hundred steps about 1.7. See
 * {@link #setWeights}.
 *
 * <p><b>Floating point.</b> Targets are never summed step by step, and never held as large doubles: each
 * domain keeps {@code L_i = T_i(p) − c_i(p)} and {@code c_i(p)} at the last change {@code p}, and what it is owed
 * at prefix {@code x} is {@code L_i + w_i·(x − p) − (c_i − c_i(p))}, evaluated with an exact product
 * ({@link Math#fma}) and an exact cancellation of the integer count against it. Its error is a few ulps of
 * numbers below 3 at any position up to 2^53 (a plain {@code B_i + w_i·Δ} loses 2^-12 of a sample by 10^12
 * samples, and more with K). Eligibility asks for more than {@code ε = 2^-40} of a sample, so a target exactly
 * equal to the count never counts as above it (which would let {@code c_i − T_i} reach 1).
 *
 * <p><b>Cost.</b> O(log K) per decision, no allocation. Eligible domains wait in a binary heap over primitive
 * arrays keyed by {@code (deadline, index)}; the others wait in a {@link ReleaseWheel}, a timing wheel keyed by
 * the position at which they become eligible (O(1), with an overflow heap for releases far ahead). A decision
 * moves the domains released at this position into the heap, takes its top, and puts that domain back where it
 * now belongs, with its next deadline computed once. {@link #setWeights} rebuilds both in O(K).
 *
 * <p><b>State.</b> {@link #snapshot()} captures the position, counts, weights and each domain's count and
 * deficit at the last change; {@link #restore} rebuilds the heaps from them and continues with exactly the
 * decisions the original would have made. Not thread-safe: one blender per stream of decisions.
 *
 * <p>Example (from {@code BlenderTest.blendsThreeDomainsAsDocumented}):
 * <pre>{@code
 * DeterministicBlender b = new DeterministicBlender(new double[] {0.5, 0.3, 0.2});
 * // next() gives 0, 1, 0, 2, 0, 1, 0, 1, 0, 2 for the first ten positions
 * }</pre>
 *
 * <p><b>Performance notes.</b> {@code BlendBenchmark}, K = 1,000 Zipf weights, one core of a shared 2-core
 * EPYC VM (see {@code docs/benchmarks.md}). Two binary heaps (pending by release, eligible by deadline): about
 * 180 ns per decision, half of it in the pending heap's sift-down and sift-up. A timing wheel for the pending
 * domains: about 77 ns (13 M decisions/s), 100 ns at K = 10,000. A 4-ary eligible heap (fewer levels, more
 * compares per level) measured slower, about 100 ns, and was dropped. Keys and ids sit side by side in the heap
 * arrays (no position index: nothing is ever removed from the middle); a served domain that is still eligible
 * goes back with one sift ({@code replaceTop}); release positions and deadlines come from one division as a
 * guess, settled by the exact predicate (two evaluations when the guess is right). Megatron's greedy O(K) rule
 * costs about 850 ns at K = 1,000. {@link Math#fma} is a single instruction on x86-64 since Haswell and on
 * AArch64; on a CPU without FMA the JDK computes it with BigDecimal, which is slow and allocates.
 */
public final class DeterministicBlender {
    /** What a domain must be owed, in samples, to count as owed anything: see the class comment. */
    static final double ELIGIBILITY_EPSILON = 0x1p-40;
    /** Positions are exact in doubles below 2^53; guesses beyond are clamped here. */
    private static final long POSITION_LIMIT = 1L << 53;
    private static final long NEVER = Long.MAX_VALUE;
    private static final long ALWAYS = Long.MIN_VALUE;

    /**
     * A checkpoint of a {@link DeterministicBlender}: everything its future decisions depend on.
     *
     * @param position       the number of positions decided so far
     * @param counts         samples given to each domain so far (they sum to {@code position})
     * @param weights        the current weights, normalised (as returned by {@link #weights()})
     * @param changePosition the position {@code p} at which the current weights took effect
     * @param countsAtChange each domain's count at {@code p} (they sum to {@code p})
     * @param lagsAtChange   each domain's target minus count at {@code p}, {@code T_i(p) − c_i(p)} (they sum to
     *                       0), so that its target at {@code p} is {@code countsAtChange[i] + lagsAtChange[i]}
     */
    public record State(long position, long[] counts, double[] weights, long changePosition,
                        long[] countsAtChange, double[] lagsAtChange) {
        /**
         * Creates a state, copying the arrays.
         *
         * @throws TokmixException if an array is null
         */
        public State {
            if (counts == null || weights == null || countsAtChange == null || lagsAtChange == null) {
                throw new TokmixException("DeterministicBlender.State: counts, weights, countsAtChange and"
                        + " lagsAtChange must all be given — build states with DeterministicBlender.snapshot()");
            }
            counts = counts.clone();
            weights = weights.clone();
            countsAtChange = countsAtChange.clone();
            lagsAtChange = lagsAtChange.clone();
        }

        /** @return a copy of the per-domain counts */
        @Override
        public long[] counts() {
            return counts.clone();
        }

        /** @return a copy of the normalised weights */
        @Override
        public double[] weights() {
            return weights.clone();
        }

        /** @return a copy of the counts at the last weight change */
        @Override
        public long[] countsAtChange() {
            return countsAtChange.clone();
        }

        /** @return a copy of the target-minus-count of each domain at the last weight change */
        @Override
        public double[] lagsAtChange() {
            return lagsAtChange.clone();
        }

        /** States are equal when all fields are, arrays compared element by element (doubles bit for bit). */
        @Override
        public boolean equals(Object o) {
            return o instanceof State s && position == s.position && changePosition == s.changePosition
                    && Arrays.equals(counts, s.counts) && Arrays.equals(weights, s.weights)
                    && Arrays.equals(countsAtChange, s.countsAtChange) && Arrays.equals(lagsAtChange, s.lagsAtChange);
        }

        /** @return a hash over all fields, consistent with {@link #equals} */
        @Override
        public int hashCode() {
            return Objects.hash(position, changePosition, Arrays.hashCode(counts), Arrays.hashCode(weights),
                    Arrays.hashCode(countsAtChange), Arrays.hashCode(lagsAtChange));
        }

        /** @return the fields, arrays written out */
        @Override
        public String toString() {
            return "State[position=" + position + ", counts=" + Arrays.toString(counts) + ", weights="
                    + Arrays.toString(weights) + ", changePosition=" + changePosition + ", countsAtChange="
                    + Arrays.toString(countsAtChange) + ", lagsAtChange=" + Arrays.toString(lagsAtChange) + "]";
        }
    }

    private final int domainCount;
    private final long[] counts;
    private final long[] countsAtChange;
    private final double[] lagsAtChange;
    private double[] weights;
    /** 1/w, clamped to the largest finite double; only used for guesses, which the exact predicate settles. */
    private double[] inverseWeights;
    private long changePosition;
    private long position;
    /** The deadline of each pending domain, computed when it was served (its state has not changed since). */
    private final long[] deadlines;
    private final ReleaseWheel pending;
    private final DomainHeap eligible;

    /**
     * Creates a blender at position 0.
     *
     * @param weights one non-negative weight per domain; they are normalised to sum to 1, and a zero weight
     *                means the domain is never drawn while it lasts
     * @throws TokmixException if the array is null or empty, a weight is negative, NaN or infinite, or all
     *                         weights are zero (the message names the index and the remedy)
     */
    public DeterministicBlender(double[] weights) {
        this(BlendWeights.normalise(weights, -1, "DeterministicBlender"), 0, new long[weights.length], 0,
                new long[weights.length], new double[weights.length]);
    }

    private DeterministicBlender(double[] normalised, long position, long[] counts, long changePosition,
                                 long[] countsAtChange, double[] lagsAtChange) {
        this.domainCount = normalised.length;
        this.counts = counts;
        this.countsAtChange = countsAtChange;
        this.lagsAtChange = lagsAtChange;
        this.position = position;
        this.changePosition = changePosition;
        this.deadlines = new long[domainCount];
        this.pending = new ReleaseWheel(domainCount);
        this.eligible = new DomainHeap(domainCount);
        install(normalised);
    }

    /**
     * Rebuilds a blender from a checkpoint; it makes exactly the decisions the snapshotted one would have made.
     *
     * @param state a state from {@link #snapshot()}
     * @return a blender at {@code state.position()}
     * @throws TokmixException if the state is inconsistent (lengths differ, counts negative, not summing to the
     *                         position or below the counts at the change, weights not normalised, lags not finite
     *                         or not summing to 0)
     */
    public static DeterministicBlender restore(State state) {
        String owner = "DeterministicBlender.restore";
        if (state == null) {
            throw new TokmixException(owner + ": no state given — pass a state from DeterministicBlender.snapshot()");
        }
        double[] w = BlendWeights.checkNormalised(state.weights, -1, owner);
        long[] counts = state.counts();
        long[] atChange = state.countsAtChange();
        double[] lags = state.lagsAtChange();
        if (counts.length != w.length || atChange.length != w.length || lags.length != w.length) {
            throw new TokmixException(owner + ": the state has " + w.length + " weights, " + counts.length
                    + " counts, " + atChange.length + " counts at the change and " + lags.length + " lags; they must"
                    + " match — restore from an unmodified snapshot()");
        }
        long sum = 0;
        long sumAtChange = 0;
        double lagSum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (atChange[i] < 0 || counts[i] < atChange[i]) {
                throw new TokmixException(owner + ": domain " + i + " has count " + counts[i] + " and count at the"
                        + " change " + atChange[i] + "; counts are >= 0 and never decrease — restore from an"
                        + " unmodified snapshot()");
            }
            if (!Double.isFinite(lags[i])) {
                throw new TokmixException(owner + ": lagsAtChange[" + i + "] is " + lags[i] + "; lags are finite"
                        + " — restore from an unmodified snapshot()");
            }
            sum += counts[i];
            sumAtChange += atChange[i];
            lagSum += lags[i];
        }
        if (sum != state.position || sumAtChange != state.changePosition || state.changePosition > state.position) {
            throw new TokmixException(owner + ": counts sum to " + sum + " at position " + state.position
                    + " and to " + sumAtChange + " at the change position " + state.changePosition + "; each must"
                    + " sum to its position, and the change lie in [0, position] — restore from an unmodified"
                    + " snapshot()");
        }
        if (!(Math.abs(lagSum) <= BlendWeights.RESTORED_SUM_TOLERANCE * counts.length)) {
            throw new TokmixException(owner + ": lags at the change sum to " + lagSum + ", not 0 (targets and"
                    + " counts both sum to the position) — restore from an unmodified snapshot()");
        }
        return new DeterministicBlender(w, state.position, counts, state.changePosition, atChange, lags);
    }

    /**
     * Decides the domain of the current position and advances to the next one. O(log K), allocation-free.
     *
     * @return the domain index, in {@code [0, domainCount())}
     */
    public int next() {
        long n = position;
        ReleaseWheel pend = pending;
        DomainHeap elig = eligible;
        long[] due = deadlines;
        for (int j = pend.takeDue(n); j >= 0; j = pend.after(j)) {
            elig.add(due[j], j);
        }
        if (elig.size() == 0) {
            return nextWithoutEligible();
        }
        int i = elig.topId();
        counts[i]++;
        long following = n + 1;
        position = following;
        long release = releasePosition(i, following);
        long deadline = deadline(i);
        if (release == following) {
            elig.replaceTop(deadline, i);
        } else {
            elig.removeTop();
            if (release != NEVER) {
                due[i] = deadline;
                pend.add(i, release, following);
            }
        }
        return i;
    }

    /**
     * Unreachable in exact arithmetic: what the domains are owed at the next prefix sums to 1, so one of them is
     * owed at least 1/K, far above ε. Kept so that an accident of rounding degrades to a deterministic choice
     * (the domain owed most, lowest index on ties) and an O(K) rebuild, rather than an exception in the middle
     * of a run; the rebuild leaves the same structures a restore would build.
     */
    private int nextWithoutEligible() {
        int best = 0;
        for (int i = 1; i < domainCount; i++) {
            if (owed(i, position + 1) > owed(best, position + 1)) {
                best = i;
            }
        }
        counts[best]++;
        position++;
        install(weights);
        return best;
    }

    /**
     * Changes the weights from the current position on: targets integrate the new weights from here, decisions
     * already made stay. O(K).
     *
     * <p>Deficits and surpluses carry over: a domain owed almost a whole sample that now gets a large weight can
     * fall behind by more than one sample, and surpluses frozen in domains whose weight drops to zero become
     * deficits of the others (no online rule can avoid this; see the class comment). EEDF serves overdue
     * domains first. The upper side, {@code c_i − T_i < 1}, always holds.
     *
     * @param weights one non-negative weight per domain, normalised to sum to 1
     * @throws TokmixException if the length differs from {@link #domainCount()}, a weight is negative, NaN or
     *                         infinite, or all are zero
     */
    public void setWeights(double[] weights) {
        double[] normalised = BlendWeights.normalise(weights, domainCount, "DeterministicBlender.setWeights");
        for (int i = 0; i < domainCount; i++) {
            lagsAtChange[i] = owed(i, position);
            countsAtChange[i] = counts[i];
        }
        changePosition = position;
        install(normalised);
    }

    private void install(double[] normalised) {
        weights = normalised;
        inverseWeights = new double[domainCount];
        for (int i = 0; i < domainCount; i++) {
            inverseWeights[i] = normalised[i] == 0 ? 0 : Math.min(1 / normalised[i], Double.MAX_VALUE);
        }
        pending.clear();
        eligible.clear();
        for (int i = 0; i < domainCount; i++) {
            long release = releasePosition(i, position);
            if (release == position) {
                eligible.append(deadline(i), i);
            } else if (release != NEVER) {
                deadlines[i] = deadline(i);
                pending.add(i, release, position);
            }
        }
        eligible.heapify();
    }

    /**
     * What domain i is owed at prefix x under the current weights, {@code T_i(x) − c_i}, for any x (before the
     * change it extrapolates). {@code w·Δ} is split exactly into {@code p + e} by an FMA; {@code p − served} is
     * exact where it matters (Sterbenz: both are within a factor 2 once they exceed 2), so the result is exact to
     * a few ulps of a number below 3 however far the run has gone.
     */
    private double owed(int i, long x) {
        double w = weights[i];
        double delta = (double) (x - changePosition);
        double served = (double) (counts[i] - countsAtChange[i]);
        double p = w * delta;
        return (p - served) + (Math.fma(w, delta, -p) + lagsAtChange[i]);
    }

    /**
     * The first prefix x at which domain i is owed more than {@code threshold}, a pure function of the domain's
     * state (as restore requires): a division gives the guess, a gallop and a bisection on {@link #owed} settle
     * it; two evaluations when the guess is right. Needs a positive weight. Clamped to ±2^53.
     */
    private long firstPrefixOwing(int i, double threshold) {
        double served = (double) (counts[i] - countsAtChange[i]);
        // owed(x) > t  ⇔  w·(x − p) > t − L + served: the first integer past the quotient.
        double steps = Math.floor((threshold - lagsAtChange[i] + served) * inverseWeights[i]) + 1;
        if (!(steps < POSITION_LIMIT)) {
            return POSITION_LIMIT;
        }
        if (!(steps > -POSITION_LIMIT)) {
            return -POSITION_LIMIT;
        }
        long guess = changePosition + (long) steps;
        long low; // owed(low) <= threshold
        long high; // owed(high) > threshold
        if (owed(i, guess) > threshold) {
            high = guess;
            low = guess - 1;
            for (long step = 1; owed(i, low) > threshold; step <<= 1) {
                high = low;
                if (low <= -POSITION_LIMIT) {
                    return high;
                }
                low = Math.max(-POSITION_LIMIT, low - step);
            }
        } else {
            low = guess;
            high = guess + 1;
            for (long step = 1; !(owed(i, high) > threshold); step <<= 1) {
                low = high;
                if (high >= POSITION_LIMIT) {
                    return POSITION_LIMIT;
                }
                high = Math.min(POSITION_LIMIT, high + step);
            }
        }
        while (high - low > 1) {
            long mid = low + ((high - low) >>> 1);
            if (owed(i, mid) > threshold) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return high;
    }

    /**
     * The first position at or after {@code from} for which domain i is eligible (owed more than ε at the prefix
     * after it), or {@link #NEVER}.
     */
    private long releasePosition(int i, long from) {
        if (weights[i] == 0) {
            return owed(i, from + 1) > ELIGIBILITY_EPSILON ? from : NEVER;
        }
        long first = firstPrefixOwing(i, ELIGIBILITY_EPSILON) - 1;
        if (first >= POSITION_LIMIT - 1) {
            return NEVER;
        }
        return Math.max(from, first);
    }

    /**
     * The first prefix at which domain i is owed a whole sample (less ε) if the current weights continue: the
     * sample must be taken at a position before it. A zero-weight domain is owed a constant: due at once if
     * that is a whole sample, else never.
     */
    private long deadline(int i) {
        double due = 1 - ELIGIBILITY_EPSILON;
        if (weights[i] == 0) {
            return owed(i, position) > due ? ALWAYS : NEVER;
        }
        return firstPrefixOwing(i, due);
    }

    /**
     * The number of positions decided so far, which is also the next position to decide.
     *
     * @return the position
     */
    public long position() {
        return position;
    }

    /**
     * The number of samples given to a domain so far.
     *
     * @param domain a domain index
     * @return its count {@code c_i(position())}
     * @throws IndexOutOfBoundsException if the index is not in {@code [0, domainCount())}
     */
    public long count(int domain) {
        return counts[Objects.checkIndex(domain, domainCount)];
    }

    /**
     * A domain's target {@code T_i(position())}: the sum of its normalised weights over the positions so far.
     *
     * @param domain a domain index
     * @return the target, a real number of samples (as a double; past 2^53 / K samples its last digits round)
     * @throws IndexOutOfBoundsException if the index is not in {@code [0, domainCount())}
     */
    public double target(int domain) {
        Objects.checkIndex(domain, domainCount);
        return counts[domain] + owed(domain, position);
    }

    /**
     * What a domain is owed now, {@code T_i(position()) − c_i}, computed without the rounding of
     * {@code target(i) − count(i)} at large positions.
     *
     * @param domain a domain index
     * @return the deficit (positive) or surplus (negative), in samples
     * @throws IndexOutOfBoundsException if the index is not in {@code [0, domainCount())}
     */
    public double deficit(int domain) {
        Objects.checkIndex(domain, domainCount);
        return owed(domain, position);
    }

    /**
     * The number of domains.
     *
     * @return K
     */
    public int domainCount() {
        return domainCount;
    }

    /**
     * The current weights, normalised to sum to 1.
     *
     * @return a copy
     */
    public double[] weights() {
        return weights.clone();
    }

    /**
     * Captures everything future decisions depend on.
     *
     * @return a state for {@link #restore}
     */
    public State snapshot() {
        return new State(position, counts, weights, changePosition, countsAtChange, lagsAtChange);
    }
}
