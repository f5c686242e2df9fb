package dev.tokmix.cuda;

import static dev.tokmix.cuda.PieceBatchFormat.BAD_BYTE_COUNT;
import static dev.tokmix.cuda.PieceBatchFormat.NO_RANK;
import static dev.tokmix.cuda.PieceBatchFormat.RECOMPUTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CUDA kernels of {@code bpe_merge.cu}, line for line, run on the CPU over the same buffers
 * ({@link PieceBatchFormat}) and the same pair table ({@link PairMergeTable}): the algorithm is verified against
 * the CPU encoder on every machine, and the device check then only has to show the device agrees with this.
 *
 * <p>{@code bpe_merge_short} runs its threads one after another. {@code bpe_merge_long} runs each block as
 * phases between barriers; inside a phase the block's threads run one after another, in ascending or (to catch a
 * phase that reads what another thread of the same phase writes, which the device would race on) descending
 * order; the shared-memory scans are simulated step by step, so chunk and scan index arithmetic is exercised as
 * written. Device memory is one int array: the output buffer, then the workspace planes.
 *
 * <p>Also the CPU fallback of {@link CudaBatchEncoder} for batches too small to be worth a device round trip:
 * it is exact, and on short pieces its thread path is the CPU encoder's own array rescan.
 */
final class CudaKernelModel implements MergeBackend {
    private final PairMergeTable table;
    private final int longThreads;
    private final boolean descending;
    /** Rounds of the block kernel, and those cut short at an occurrence making a lower-ranked pair (tests). */
    final AtomicLong rounds = new AtomicLong();
    final AtomicLong cutRounds = new AtomicLong();

    /**
     * A twin with the launch configuration of the device.
     *
     * @param table the tokenizer's table
     */
    CudaKernelModel(PairMergeTable table) {
        this(table, PieceBatchFormat.LONG_THREADS, false);
    }

    /**
     * A twin with a chosen block size and thread order (tests).
     *
     * @param table       the tokenizer's table
     * @param longThreads threads per block of the block kernel (power of two, at most MAX_LONG_THREADS)
     * @param descending  run the threads of each phase from the highest index down
     */
    CudaKernelModel(PairMergeTable table, int longThreads, boolean descending) {
        if (longThreads < 1 || longThreads > PieceBatchFormat.MAX_LONG_THREADS || Integer.bitCount(longThreads) != 1) {
            throw new IllegalArgumentException("block size " + longThreads + " must be a power of two up to "
                    + PieceBatchFormat.MAX_LONG_THREADS);
        }
        this.table = table;
        this.longThreads = longThreads;
        this.descending = descending;
    }

    @Override
    public Lane openLane() {
        return new ModelLane();
    }

    @Override
    public String description() {
        return "CPU twin of the CUDA kernels (" + longThreads + " threads per block"
                + (descending ? ", descending thread order" : "") + ")";
    }

    @Override
    public void close() {
        // Nothing is held beyond the lanes' heap arrays.
    }

    /** Heap buffers: the input as a segment (as the host packs it), device memory as one int array. */
    private final class ModelLane implements Lane {
        private MemorySegment input = MemorySegment.ofArray(new long[0]);
        private int[] mem = new int[0];
        private MemorySegment output = MemorySegment.ofArray(mem);

        @Override
        public MemorySegment input(long bytes) {
            if (input.byteSize() < bytes) {
                input = MemorySegment.ofArray(new long[(int) Math.max((bytes + 7) >>> 3, input.byteSize() / 4)]);
            }
            return input;
        }

        @Override
        public void merge(PieceBatch b) {
            long words = PieceBatchFormat.outputWords(b.pieceCount(), b.byteCount())
                    + PieceBatchFormat.workspaceWords(b.byteCount());
            if (mem.length < words) {
                mem = new int[(int) Math.max(words, Math.min(Integer.MAX_VALUE - 16, 2L * mem.length))];
                output = MemorySegment.ofArray(mem);
            }
            run(input, b, mem);
        }

        @Override
        public MemorySegment output() {
            return output;
        }

        @Override
        public long timeKernels(PieceBatch batch, int repeats) {
            long t0 = System.nanoTime();
            for (int r = 0; r < repeats; r++) {
                run(input, batch, mem);
            }
            return (System.nanoTime() - t0) / Math.max(1, repeats);
        }

        @Override
        public void close() {
            mem = new int[0];
        }
    }

    /** Both launches of a batch, as {@code CudaDriverBackend} makes them. */
    void run(MemorySegment in, PieceBatch b, int[] mem) {
        int wsAt = (int) PieceBatchFormat.outputWords(b.pieceCount(), b.byteCount());
        int[] ids = new int[PieceBatchFormat.SHORT_MAX_BYTES];
        int[] ranks = new int[PieceBatchFormat.SHORT_MAX_BYTES];
        for (int k = 0; k < b.shortCount(); k++) {
            int t = descending ? b.shortCount() - 1 - k : k;
            mergeShortThread(in, b, mem, t, ids, ranks);
        }
        LongBlock block = new LongBlock();
        for (int k = 0; k < b.longCount(); k++) {
            int blockIdx = descending ? b.longCount() - 1 - k : k;
            block.run(in, b, mem, wsAt, b.byteCount(), blockIdx);
        }
    }

    private static int word(MemorySegment in, int index) {
        return in.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index);
    }

    private static int byteAt(MemorySegment in, int bytesAt, int index) {
        return in.get(ValueLayout.JAVA_BYTE, 4L * bytesAt + index) & 0xFF;
    }

    /** {@code bpe_merge_short}, thread {@code t}; {@code ids} and {@code ranks} are its local arrays. */
    private void mergeShortThread(MemorySegment in, PieceBatch b, int[] out, int t, int[] ids, int[] ranks) {
        PairMergeTable tb = table;
        int countsAt = b.countsAt();
        int piece = word(in, b.shortListAt() + t);
        int start = word(in, piece);
        int n = word(in, piece + 1) - start;
        if (n > PieceBatchFormat.SHORT_MAX_BYTES) {
            throw new IllegalStateException("piece " + piece + " of " + n + " bytes is in the short list (at most "
                    + PieceBatchFormat.SHORT_MAX_BYTES + ")");
        }
        for (int i = 0; i < n; i++) {
            int id = tb.byteIds[byteAt(in, b.bytesAt(), start + i)];
            if (id < 0) {
                out[countsAt + piece] = BAD_BYTE_COUNT;
                return;
            }
            ids[i] = id;
        }
        for (int i = 0; i + 1 < n; i++) {
            ranks[i] = tb.rank(ids[i], ids[i + 1]);
        }
        while (n > 1) {
            int best = NO_RANK;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (ranks[i] < best) {
                    best = ranks[i];
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            ids[at] = (int) tb.lookup(ids[at], ids[at + 1]);
            for (int i = at + 1; i + 1 < n; i++) {
                ids[i] = ids[i + 1];
            }
            for (int i = at + 1; i + 2 < n; i++) {
                ranks[i] = ranks[i + 1];
            }
            n--;
            if (at > 0) {
                ranks[at - 1] = tb.rank(ids[at - 1], ids[at]);
            }
            if (at + 1 < n) {
                ranks[at] = tb.rank(ids[at], ids[at + 1]);
            }
        }
        System.arraycopy(ids, 0, out, start, n);
        out[countsAt + piece] = n;
    }

    /**
     * {@code bpe_merge_long} for one block. Per-thread registers that live across a barrier are arrays indexed
     * by thread; {@code __shared__} variables are fields.
     */
    private final class LongBlock {
        final int threads = longThreads;
        final int[] scan = new int[PieceBatchFormat.MAX_LONG_THREADS];
        final int[] reg0 = new int[threads];
        final int[] reg1 = new int[threads];
        final int[] other = new int[threads];
        int sMin;
        int sFirst;
        boolean sBad;

        private int tid(int k) {
            return descending ? threads - 1 - k : k;
        }

        /**
         * {@code block_exclusive_scan}: {@code values[tid]} in, each thread's exclusive prefix out (in
         * {@code values}); returns {@code scan[threads - 1]} (the inclusive total), which the kernel reads after.
         */
        int exclusiveScan(int[] values, boolean isMax) {
            int identity = isMax ? -1 : 0;
            for (int k = 0; k < threads; k++) {
                int tid = tid(k);
                scan[tid] = values[tid];
            }
            for (int offset = 1; offset < threads; offset <<= 1) {
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    other[tid] = tid >= offset ? scan[tid - offset] : identity;
                }
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    scan[tid] = isMax ? Math.max(scan[tid], other[tid]) : scan[tid] + other[tid];
                }
            }
            for (int k = 0; k < threads; k++) {
                int tid = tid(k);
                values[tid] = tid > 0 ? scan[tid - 1] : identity;
            }
            return scan[threads - 1];
        }

        void run(MemorySegment in, PieceBatch b, int[] mem, int wsAt, int wsStride, int blockIdx) {
            PairMergeTable tb = table;
            int countsAt = b.countsAt();
            int bytesAt = b.bytesAt();
            int piece = word(in, b.longListAt() + blockIdx);
            int start = word(in, piece);
            int n = word(in, piece + 1) - start;
            int ids = start;
            int ids2 = wsAt + start;
            int ranks = wsAt + wsStride + start;
            int ranks2 = wsAt + 2 * wsStride + start;
            int mid = wsAt + 3 * wsStride + start;

            sBad = false;
            for (int k = 0; k < threads; k++) {
                int tid = tid(k);
                for (int i = tid; i < n; i += threads) {
                    int id = tb.byteIds[byteAt(in, bytesAt, start + i)];
                    if (id < 0) {
                        sBad = true;
                    }
                    mem[ids + i] = id;
                }
            }
            if (sBad) {
                mem[countsAt + piece] = BAD_BYTE_COUNT;
                return;
            }
            for (int k = 0; k < threads; k++) {
                int tid = tid(k);
                for (int i = tid; i + 1 < n; i += threads) {
                    mem[ranks + i] = tb.rank(mem[ids + i], mem[ids + i + 1]);
                }
            }

            while (n > 1) {
                sMin = NO_RANK;
                sFirst = NO_RANK;
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    int local = NO_RANK;
                    for (int i = tid; i + 1 < n; i += threads) {
                        local = Math.min(local, mem[ranks + i]);
                    }
                    if (local != NO_RANK) {
                        sMin = Math.min(sMin, local);
                    }
                }
                int best = sMin;
                if (best == NO_RANK) {
                    break;
                }

                // 1. Chosen occurrences.
                int pairs = n - 1;
                int chunk = (pairs + threads - 1) / threads;
                int[] lastStart = reg0;
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    int lo = Math.min(tid * chunk, pairs);
                    int hi = Math.min(lo + chunk, pairs);
                    int ls = -1;
                    for (int i = lo; i < hi; i++) {
                        if (mem[ranks + i] == best && (i == 0 || mem[ranks + i - 1] != best)) {
                            ls = i;
                        }
                    }
                    lastStart[tid] = ls;
                }
                exclusiveScan(lastStart, true);
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    int lo = Math.min(tid * chunk, pairs);
                    int hi = Math.min(lo + chunk, pairs);
                    int runStart = lastStart[tid];
                    for (int i = lo; i < hi; i++) {
                        int m = -1;
                        if (mem[ranks + i] == best) {
                            if (i == 0 || mem[ranks + i - 1] != best) {
                                runStart = i;
                            }
                            if (((i - runStart) & 1) == 0) {
                                m = (int) tb.lookup(mem[ids + i], mem[ids + i + 1]);
                            }
                        }
                        mem[mid + i] = m;
                    }
                }

                // 2. First occurrence whose merge makes a pair of rank at most best.
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    int lo = Math.min(tid * chunk, pairs);
                    int hi = Math.min(lo + chunk, pairs);
                    for (int i = lo; i < hi; i++) {
                        int merged = mem[mid + i];
                        if (merged < 0) {
                            continue;
                        }
                        int created = NO_RANK;
                        if (i > 0) {
                            int left = i >= 2 && mem[mid + i - 2] >= 0 ? mem[mid + i - 2] : mem[ids + i - 1];
                            created = tb.rank(left, merged);
                        }
                        if (i + 2 < n) {
                            created = Math.min(created, tb.rank(merged, mem[ids + i + 2]));
                        }
                        if (created <= best) {
                            sFirst = Math.min(sFirst, i);
                            break;
                        }
                    }
                }
                int first = sFirst;
                rounds.incrementAndGet();
                if (first != NO_RANK) {
                    cutRounds.incrementAndGet();
                }

                // 3. Merge up to first, compact.
                int tchunk = (n + threads - 1) / threads;
                int[] kept = reg1;
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    int tlo = Math.min(tid * tchunk, n);
                    int thi = Math.min(tlo + tchunk, n);
                    int c = 0;
                    for (int j = tlo; j < thi; j++) {
                        boolean dead = j >= 1 && mem[mid + j - 1] >= 0 && j - 1 <= first;
                        c += dead ? 0 : 1;
                    }
                    kept[tid] = c;
                }
                int newN = exclusiveScan(kept, false);
                if (newN == n) {
                    mem[countsAt + piece] = PieceBatchFormat.STALLED_COUNT;
                    return;
                }
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    int tlo = Math.min(tid * tchunk, n);
                    int thi = Math.min(tlo + tchunk, n);
                    int p = kept[tid];
                    for (int j = tlo; j < thi; j++) {
                        boolean dead = j >= 1 && mem[mid + j - 1] >= 0 && j - 1 <= first;
                        if (dead) {
                            continue;
                        }
                        boolean merged = j + 1 < n && mem[mid + j] >= 0 && j <= first;
                        mem[ids2 + p] = merged ? mem[mid + j] : mem[ids + j];
                        if (j + 1 < n) {
                            boolean nextMerged = j + 2 < n && mem[mid + j + 1] >= 0 && j + 1 <= first;
                            mem[ranks2 + p] = merged || nextMerged ? RECOMPUTE : mem[ranks + j];
                        }
                        p++;
                    }
                }
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    for (int q = tid; q + 1 < newN; q += threads) {
                        if (mem[ranks2 + q] == RECOMPUTE) {
                            mem[ranks2 + q] = tb.rank(mem[ids2 + q], mem[ids2 + q + 1]);
                        }
                    }
                }
                int t1 = ids;
                ids = ids2;
                ids2 = t1;
                int t2 = ranks;
                ranks = ranks2;
                ranks2 = t2;
                n = newN;
            }
            if (ids != start) {
                for (int k = 0; k < threads; k++) {
                    int tid = tid(k);
                    for (int i = tid; i < n; i += threads) {
                        mem[start + i] = mem[ids + i];
                    }
                }
            }
            mem[countsAt + piece] = n;
        }
    }
}
