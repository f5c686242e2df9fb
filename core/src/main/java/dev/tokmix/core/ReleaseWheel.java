package dev.tokmix.core;

import java.util.Arrays;

/**
 * Domains waiting for the position at which they become eligible: a timing wheel of {@code W} slots (a power of
 * two), slot {@code r mod W} holding, as an intrusive list, the domains released at position {@code r}, for
 * releases less than {@code W} positions ahead; later releases wait in an overflow heap and move into the
 * wheel once they come within range. Adding and taking are O(1) for domains served at least every {@code W}
 * positions; the rest (weights below 1/W, together drawn at most K/W of the time) pay O(log K) on the overflow.
 *
 * <p>Replaces a second binary heap: measured in {@code BlendBenchmark}, the pending heap's sift-down and
 * sift-up were about half of a decision's cost at K = 1,000.
 *
 * <p>The order in which a slot's domains come out does not matter: they all go into the eligible heap, whose
 * order depends on keys and indices alone.
 */
final class ReleaseWheel {
    private static final int NONE = -1;

    private final int[] heads;
    private final int[] nextInSlot;
    private final int slotCount;
    private final int mask;
    private final DomainHeap overflow;

    /**
     * @param domainCount K; the wheel gets the next power of two at or above 2K slots (at least 64, at most
     *                    2^16, so a slot array stays within a few hundred kilobytes)
     */
    ReleaseWheel(int domainCount) {
        int wanted = (int) Math.min(1 << 16, Math.max(64, 2L * domainCount));
        slotCount = Integer.highestOneBit(wanted - 1) << 1;
        mask = slotCount - 1;
        heads = new int[slotCount];
        nextInSlot = new int[domainCount];
        overflow = new DomainHeap(domainCount);
        Arrays.fill(heads, NONE);
    }

    void clear() {
        Arrays.fill(heads, NONE);
        overflow.clear();
    }

    /**
     * Adds a domain released at {@code release}, which is after {@code now}, the next position to be decided;
     * positions before {@code now} must all have been taken.
     */
    void add(int domain, long release, long now) {
        if (release - now < slotCount) {
            int slot = (int) release & mask;
            nextInSlot[domain] = heads[slot];
            heads[slot] = domain;
        } else {
            overflow.add(release, domain);
        }
    }

    /**
     * Detaches the domains released at position {@code n}; walk them with {@link #after(int)}. Must be called
     * once for each position, in order.
     *
     * @return the first domain, or -1 if none
     */
    int takeDue(long n) {
        DomainHeap far = overflow;
        // Overflow entries come into the wheel W - 1 positions ahead, before their slot comes round.
        while (far.size() != 0 && far.topKey() - n < slotCount) {
            add(far.topId(), far.topKey(), n);
            far.removeTop();
        }
        int slot = (int) n & mask;
        int first = heads[slot];
        heads[slot] = NONE;
        return first;
    }

    /** The domain after {@code domain} in the list {@link #takeDue} returned, or -1. */
    int after(int domain) {
        return nextInSlot[domain];
    }
}
