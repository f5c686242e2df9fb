package dev.tokmix.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cap on live file mappings. Every mapped shard file takes one slot until it is closed; when none is free,
 * readers fall back to positioned reads (same API, same results) instead of failing, so a job over thousands of
 * shards stays under {@code vm.max_map_count} and under the mapping quotas of parallel file systems.
 *
 * <p>Thread-safe. {@link #shared()} is the process-wide default (4,096 slots, or the system property
 * {@code tokmix.maxMappings}).
 */
public final class MappingBudget {
    private static final MappingBudget SHARED = new MappingBudget(Integer.getInteger("tokmix.maxMappings", 4096));

    private final int maxLiveMappings;
    private final AtomicInteger live = new AtomicInteger();

    /**
     * Creates a budget.
     *
     * @param maxLiveMappings how many mappings may be live at once (0: never map)
     */
    public MappingBudget(int maxLiveMappings) {
        if (maxLiveMappings < 0) {
            throw new IllegalArgumentException("maxLiveMappings must be >= 0, not " + maxLiveMappings);
        }
        this.maxLiveMappings = maxLiveMappings;
    }

    /**
     * The process-wide budget.
     *
     * @return the shared instance
     */
    public static MappingBudget shared() {
        return SHARED;
    }

    /**
     * The cap.
     *
     * @return live mappings allowed
     */
    public int maxLiveMappings() {
        return maxLiveMappings;
    }

    /**
     * Mappings live now.
     *
     * @return the count
     */
    public int liveMappings() {
        return live.get();
    }

    boolean tryAcquire() {
        while (true) {
            int n = live.get();
            if (n >= maxLiveMappings) {
                return false;
            }
            if (live.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        live.decrementAndGet();
    }
}
