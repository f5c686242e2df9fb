package dev.tokmix.cuda;

import dev.tokmix.bpe.DocumentBatchEncoder;
import dev.tokmix.bpe.MergeDeferringSink;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenSink;
import dev.tokmix.bpe.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Encodes many documents with the BPE merges on a CUDA device, giving exactly the ids of
 * {@link Tokenizer#encode(byte[], int, int, SpecialTokenPolicy, TokenSink)}. The methods mirror
 * {@link dev.tokmix.bpe.BatchEncoder}'s, so switching is one line; it is also the {@link DocumentBatchEncoder} of
 * {@code tokmix shard --device cuda}.
 *
 * <pre>{@code
 * Tokenizer o200k = Tokenizer.load("o200k_base");
 * CudaEncoderProvider cuda = CudaEncoderProvider.get();     // probes once, logs one line
 * if (cuda.available()) {
 *     try (CudaBatchEncoder batch = cuda.open(o200k, SpecialTokenPolicy.ordinary())) {
 *         TokenBuffer[] out = ...;                          // one sink per document
 *         batch.encode(documents, out);                     // same ids as o200k.encode(...)
 *     }
 * }
 * }</pre>
 *
 * <p><b>What runs where.</b> Documents are cut into groups of about {@link Options#groupBytes()} of text, handed
 * to {@link Options#threads()} threads. For each group, a CPU thread pretokenizes, splits out special tokens and
 * serves every piece it can cheaply ({@link Tokenizer#encodeDeferringMerges}: pieces of at most 16 bytes from its
 * piece cache, whole-piece vocabulary hits); the remaining pieces, each a placeholder in its document's id
 * stream, are packed into one buffer with offsets ({@link PieceBatchFormat}), copied to the device through pinned
 * memory on the thread's own stream, merged (one thread per piece of at most 64 bytes, one block per longer
 * piece; ranks from a device hash table of the tokenizer's merge rules), copied back, and scattered into the
 * documents in order. Up to {@link Options#lanes()} groups are on the device at once, so one group's copies
 * overlap another's kernels, and the CPU pretokenizes the next groups meanwhile. A group with fewer than
 * {@link Options#minDeviceBytes()} bytes of deferred pieces is merged on the CPU by the kernels' twin
 * ({@link CudaKernelModel}), which is exact too: a device round trip costs more than it saves there.
 *
 * <p>Thread-safe: any number of threads may call at once (each call's groups take lanes from a shared pool).
 * {@link #close()} releases the device (idempotent); later calls throw {@link IllegalStateException}.
 *
 * <p>Performance notes (decided without a GPU; {@code native-kernels/device-check.sh} will measure them):
 * <ul>
 *   <li>Only pieces longer than the piece cache's 16 bytes are deferred. A short cache miss is merged on the CPU
 *       and so fills the cache: deferring it would leave every later occurrence a miss too, and merging at most
 *       16 bytes costs about what packing them does. On English prose this leaves under 0.2% of the bytes for
 *       the device (8-20% on multilingual text and code), so the CPU stage bounds the end-to-end rate; the
 *       device check prints that bound.</li>
 *   <li>The output copies back a word per piece byte, not a compacted id list: one copy, no device-side prefix
 *       sum, and the ids of a piece never outnumber its bytes.</li>
 *   <li>Groups of 8 MB of text keep a batch's copies and kernels well above launch latency while four lanes
 *       still overlap; under 64 KB of deferred bytes the CPU twin is faster than a round trip.</li>
 * </ul>
 */
public final class CudaBatchEncoder implements DocumentBatchEncoder, AutoCloseable {

    /**
     * How a {@link CudaBatchEncoder} cuts and schedules work.
     *
     * @param threads        CPU threads (the caller's included) that pretokenize and scatter, at least 1
     * @param groupBytes     text bytes per group (one device batch), at least 1
     * @param minDeviceBytes deferred bytes below which a group is merged on the CPU (0: always the device)
     * @param lanes          groups on the device at once (each with its own stream and buffers), at least 1
     */
    public record Options(int threads, int groupBytes, int minDeviceBytes, int lanes) {
        /**
         * Checks the values.
         *
         * @throws IllegalArgumentException if one is out of range
         */
        public Options {
            if (threads < 1 || groupBytes < 1 || minDeviceBytes < 0 || lanes < 1) {
                throw new IllegalArgumentException("CudaBatchEncoder options out of range: threads " + threads
                        + ", groupBytes " + groupBytes + ", minDeviceBytes " + minDeviceBytes + ", lanes " + lanes
                        + " (threads, groupBytes and lanes must be >= 1, minDeviceBytes >= 0)");
            }
        }

        /**
         * All cores, 8 MiB groups, groups with under 64 KiB of deferred pieces on the CPU, 4 lanes.
         *
         * @return the defaults
         */
        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), 8 << 20, 64 << 10, 4);
        }

        /**
         * These options with another thread count.
         *
         * @param n threads, at least 1
         * @return new options
         */
        public Options withThreads(int n) {
            return new Options(n, groupBytes, minDeviceBytes, lanes);
        }

        /**
         * These options with another group size.
         *
         * @param bytes text bytes per group, at least 1
         * @return new options
         */
        public Options withGroupBytes(int bytes) {
            return new Options(threads, bytes, minDeviceBytes, lanes);
        }

        /**
         * These options with another device threshold.
         *
         * @param bytes deferred bytes below which a group is merged on the CPU (0: always the device)
         * @return new options
         */
        public Options withMinDeviceBytes(int bytes) {
            return new Options(threads, groupBytes, bytes, lanes);
        }
    }

    /** Documents of a call, as the CPU stage reads them. */
    private interface Documents {
        int count();

        long length(int d);

        long encodeDeferring(int d, SpecialTokenPolicy policy, MergeDeferringSink sink);

        long encode(int d, SpecialTokenPolicy policy, TokenSink sink);
    }

    /** Where the ids of document {@code d} of a group go. */
    @FunctionalInterface
    private interface Emitter {
        long emit(PieceCollector c, int indexInGroup, int document);
    }

    /** Documents longer than this are encoded whole on the CPU (their deferred bytes could pass a batch's limit). */
    private static final long MAX_DEFERRED_DOCUMENT_BYTES = PieceBatchFormat.MAX_BATCH_BYTES / 4;

    private final Tokenizer tokenizer;
    private final SpecialTokenPolicy policy;
    private final Options options;
    private final MergeBackend device;
    private final CudaKernelModel twin;
    private final LanePool deviceLanes;
    private final LanePool twinLanes;
    private final int shortMaxBytes;
    private final ConcurrentLinkedQueue<PieceCollector> collectors = new ConcurrentLinkedQueue<>();
    private final ExecutorService pool;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong deviceBatches = new AtomicLong();
    private final AtomicLong cpuBatches = new AtomicLong();
    private final AtomicLong deferredPieces = new AtomicLong();
    private final AtomicLong deferredBytes = new AtomicLong();

    private CudaBatchEncoder(Tokenizer tokenizer, SpecialTokenPolicy policy, Options options, MergeBackend device,
                             CudaKernelModel twin, int shortMaxBytes) {
        this.tokenizer = tokenizer;
        this.policy = policy;
        this.options = options;
        this.device = device;
        this.twin = twin;
        this.deviceLanes = new LanePool(device, options.lanes());
        // Twin lanes are heap arrays: one per concurrent caller (tokmix shard calls from all its threads).
        this.twinLanes = device == twin ? deviceLanes
                : new LanePool(twin, Math.max(options.threads(), Runtime.getRuntime().availableProcessors()));
        this.shortMaxBytes = shortMaxBytes;
        this.pool = options.threads() == 1 ? null : Executors.newFixedThreadPool(options.threads() - 1, r -> {
            Thread t = new Thread(r, "tokmix-cuda-encode");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds an encoder around a backend made from the tokenizer's table (the provider passes the device's).
     * If making the backend fails, nothing is left open.
     */
    static CudaBatchEncoder create(Tokenizer tokenizer, SpecialTokenPolicy policy, Options options,
                                   Function<PairMergeTable, MergeBackend> backend, int shortMaxBytes) {
        Objects.requireNonNull(tokenizer);
        Objects.requireNonNull(policy);
        Objects.requireNonNull(options);
        if (shortMaxBytes < 0 || shortMaxBytes > PieceBatchFormat.SHORT_MAX_BYTES) {
            throw new IllegalArgumentException("shortMaxBytes " + shortMaxBytes + " is outside 0.."
                    + PieceBatchFormat.SHORT_MAX_BYTES);
        }
        PairMergeTable table = PairMergeTable.of(tokenizer);
        CudaKernelModel twin = new CudaKernelModel(table);
        MergeBackend b = backend.apply(table);
        return new CudaBatchEncoder(tokenizer, policy, options, b, twin, shortMaxBytes);
    }

    /**
     * An encoder whose "device" is the kernels' CPU twin (tests and machines without CUDA).
     *
     * @param shortMaxBytes longest piece for the one-thread kernel (lower to send more pieces to the block kernel)
     */
    static CudaBatchEncoder withKernelModel(Tokenizer tokenizer, SpecialTokenPolicy policy, Options options,
                                            int longThreads, boolean descending, int shortMaxBytes) {
        PairMergeTable table = PairMergeTable.of(tokenizer);
        CudaKernelModel model = new CudaKernelModel(table, longThreads, descending);
        return new CudaBatchEncoder(tokenizer, policy, options, model, model, shortMaxBytes);
    }

    /**
     * What merges the pieces.
     *
     * @return the device's description (or the CPU twin's)
     */
    public String device() {
        return device.description();
    }

    /**
     * The tokenizer.
     *
     * @return the tokenizer whose ids this encoder gives
     */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Encodes {@code docs[i]} (UTF-8) into {@code sinks[i]}, as {@link dev.tokmix.bpe.BatchEncoder#encode} does.
     *
     * @param docs  the documents
     * @param sinks one sink per document; distinct objects (each is written by one thread)
     * @return the number of ids emitted in all
     * @throws CudaException if a device call fails
     */
    public long encode(byte[][] docs, TokenSink[] sinks) {
        check(docs.length, sinks.length);
        return run(bytes(docs), policy, (c, i, d) -> c.emit(i, sinks[d]), false);
    }

    /**
     * Encodes {@code docs[i]} into {@code sinks[i]}; lone surrogates count as U+FFFD, as in
     * {@link Tokenizer#encode(CharSequence, SpecialTokenPolicy, TokenSink)}.
     *
     * @param docs  the documents
     * @param sinks one sink per document; distinct objects
     * @return the number of ids emitted in all
     * @throws CudaException if a device call fails
     */
    public long encode(CharSequence[] docs, TokenSink[] sinks) {
        check(docs.length, sinks.length);
        Documents d = new Documents() {
            @Override
            public int count() {
                return docs.length;
            }

            @Override
            public long length(int i) {
                return 3L * docs[i].length();
            }

            @Override
            public long encodeDeferring(int i, SpecialTokenPolicy p, MergeDeferringSink s) {
                return tokenizer.encodeDeferringMerges(docs[i], p, s);
            }

            @Override
            public long encode(int i, SpecialTokenPolicy p, TokenSink s) {
                return tokenizer.encode(docs[i], p, s);
            }
        };
        return run(d, policy, (c, i, doc) -> c.emit(i, sinks[doc]), false);
    }

    /**
     * Encodes all documents into one sink, in input order, as one sequential loop would.
     *
     * @param docs the documents (UTF-8)
     * @param sink receives every id, document after document
     * @return the number of ids emitted
     * @throws CudaException if a device call fails
     */
    public long encodeInOrder(byte[][] docs, TokenSink sink) {
        return run(bytes(docs), policy, (c, i, d) -> c.emit(i, sink), true);
    }

    /**
     * Encodes documents laid out back to back ({@link DocumentBatchEncoder}, as {@code tokmix shard} calls it).
     *
     * @throws CudaException if a device call fails
     */
    @Override
    public long encode(byte[] text, int[] documentEnds, int documents, SpecialTokenPolicy policy,
                       DocumentSink sink) {
        Objects.checkFromIndexSize(0, documents, documentEnds.length);
        Documents d = new Documents() {
            @Override
            public int count() {
                return documents;
            }

            private int start(int i) {
                return i == 0 ? 0 : documentEnds[i - 1];
            }

            @Override
            public long length(int i) {
                return documentEnds[i] - start(i);
            }

            @Override
            public long encodeDeferring(int i, SpecialTokenPolicy p, MergeDeferringSink s) {
                return tokenizer.encodeDeferringMerges(text, start(i), documentEnds[i] - start(i), p, s);
            }

            @Override
            public long encode(int i, SpecialTokenPolicy p, TokenSink s) {
                return tokenizer.encode(text, start(i), documentEnds[i] - start(i), p, s);
            }
        };
        return run(d, policy, (c, i, doc) -> {
            sink.startDocument(doc);
            long n = c.emit(i, sink);
            sink.endDocument(doc);
            return n;
        }, true);
    }

    private Documents bytes(byte[][] docs) {
        return new Documents() {
            @Override
            public int count() {
                return docs.length;
            }

            @Override
            public long length(int i) {
                return docs[i].length;
            }

            @Override
            public long encodeDeferring(int i, SpecialTokenPolicy p, MergeDeferringSink s) {
                return tokenizer.encodeDeferringMerges(docs[i], 0, docs[i].length, p, s);
            }

            @Override
            public long encode(int i, SpecialTokenPolicy p, TokenSink s) {
                return tokenizer.encode(docs[i], 0, docs[i].length, p, s);
            }
        };
    }

    private static void check(int docs, int sinks) {
        if (docs != sinks) {
            throw new IllegalArgumentException(docs + " documents but " + sinks + " sinks; give one sink per"
                    + " document");
        }
    }

    // ------------------------------------------------------------------------------------------------ groups

    /**
     * Cuts the documents into groups, runs them on the threads and emits each group's documents: as soon as the
     * group is merged, or ({@code inOrder}) all groups in input order on the calling thread once all are merged.
     */
    private long run(Documents docs, SpecialTokenPolicy p, Emitter emitter, boolean inOrder) {
        if (closed.get()) {
            throw new IllegalStateException("CudaBatchEncoder is closed; open a new one");
        }
        int n = docs.count();
        List<Integer> starts = new ArrayList<>();
        long acc = 0;
        for (int d = 0; d < n; d++) {
            if (d == 0 || acc >= options.groupBytes()) {
                starts.add(d);
                acc = 0;
            }
            acc += docs.length(d);
        }
        int groups = starts.size();
        starts.add(n);
        PieceCollector[] done = inOrder ? new PieceCollector[groups] : null;
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.Callable<Long> worker = () -> {
            long total = 0;
            int g;
            while ((g = next.getAndIncrement()) < groups) {
                int from = starts.get(g);
                int to = starts.get(g + 1);
                PieceCollector c = collect(docs, p, from, to);
                merge(c);
                if (inOrder) {
                    done[g] = c;
                } else {
                    try {
                        for (int d = from; d < to; d++) {
                            total += emitter.emit(c, d - from, d);
                        }
                    } finally {
                        collectors.add(c);
                    }
                }
            }
            return total;
        };
        long total;
        try {
            total = runOnThreads(worker, groups, next);
            if (inOrder) {
                for (int g = 0; g < groups; g++) {
                    int from = starts.get(g);
                    int to = starts.get(g + 1);
                    for (int d = from; d < to; d++) {
                        total += emitter.emit(done[g], d - from, d);
                    }
                }
            }
        } finally {
            if (inOrder) {
                for (PieceCollector c : done) {
                    if (c != null) {
                        collectors.add(c);
                    }
                }
            }
        }
        return total;
    }

    private long runOnThreads(java.util.concurrent.Callable<Long> worker, int groups, AtomicInteger next) {
        int helpers = pool == null ? 0 : Math.min(options.threads(), groups) - 1;
        List<Future<Long>> futures = new ArrayList<>(Math.max(0, helpers));
        for (int t = 0; t < helpers; t++) {
            futures.add(pool.submit(worker));
        }
        long total = 0;
        Throwable failure = null;
        try {
            total += worker.call();
        } catch (Throwable e) {
            next.set(Integer.MAX_VALUE / 2);
            failure = e;
        }
        for (Future<Long> f : futures) {
            try {
                total += f.get();
            } catch (ExecutionException e) {
                next.set(Integer.MAX_VALUE / 2);
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                next.set(Integer.MAX_VALUE / 2);
                if (failure == null) {
                    failure = new IllegalStateException("interrupted while encoding a batch", e);
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error er) {
            throw er;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        return total;
    }

    /** The CPU stage of a group: ids and placeholders per document, deferred pieces packed. */
    private PieceCollector collect(Documents docs, SpecialTokenPolicy p, int from, int to) {
        PieceCollector c = collectors.poll();
        if (c == null) {
            c = new PieceCollector();
        }
        c.reset();
        try {
            for (int d = from; d < to; d++) {
                if (docs.length(d) > MAX_DEFERRED_DOCUMENT_BYTES) {
                    docs.encode(d, p, c);
                } else {
                    docs.encodeDeferring(d, p, c);
                }
                c.endDocument();
            }
        } catch (RuntimeException | Error e) {
            collectors.add(c);
            throw e;
        }
        return c;
    }

    /** Merges a group's deferred pieces on the device (or, for a small group, on the CPU twin). */
    private void merge(PieceCollector c) {
        if (c.pieceCount == 0) {
            return;
        }
        boolean onDevice = c.byteCount >= options.minDeviceBytes();
        LanePool lanes = onDevice ? deviceLanes : twinLanes;
        MergeBackend.Lane lane = lanes.take();
        try {
            MemorySegment in = lane.input(4 * PieceBatchFormat.inputWords(c.pieceCount, c.byteCount));
            PieceBatch b = c.pack(in, shortMaxBytes);
            lane.merge(b);
            c.takeResults(lane.output(), b);
        } catch (RuntimeException | Error e) {
            collectors.add(c);
            throw e;
        } finally {
            lanes.give(lane);
        }
        (onDevice && device != twin ? deviceBatches : cpuBatches).incrementAndGet();
        deferredPieces.addAndGet(c.pieceCount);
        deferredBytes.addAndGet(c.byteCount);
    }

    /**
     * Counters since this encoder was opened: device and CPU batches, deferred pieces and bytes.
     *
     * @return {deviceBatches, cpuBatches, deferredPieces, deferredBytes}
     */
    long[] counters() {
        return new long[] {deviceBatches.get(), cpuBatches.get(), deferredPieces.get(), deferredBytes.get()};
    }

    /** Packs, merges and times only the kernels of one group (the device check's kernel-only number). */
    long[] timeKernels(byte[][] docs, int repeats) {
        PieceCollector c = collect(bytes(docs), policy, 0, docs.length);
        MergeBackend.Lane lane = deviceLanes.take();
        try {
            MemorySegment in = lane.input(4 * PieceBatchFormat.inputWords(c.pieceCount, c.byteCount));
            PieceBatch b = c.pack(in, shortMaxBytes);
            lane.merge(b);
            long nanos = lane.timeKernels(b, repeats);
            return new long[] {nanos, c.pieceCount, c.byteCount, b.shortCount(), b.longCount()};
        } finally {
            deviceLanes.give(lane);
            collectors.add(c);
        }
    }

    /** Closes the device (idempotent). Calls still running on other threads must have returned. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (pool != null) {
            pool.shutdownNow();
        }
        Throwable first = null;
        for (AutoCloseable r : twinLanes == deviceLanes
                ? new AutoCloseable[] {deviceLanes, device}
                : new AutoCloseable[] {deviceLanes, twinLanes, device, twin}) {
            try {
                r.close();
            } catch (Throwable e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first instanceof Error er) {
            throw er;
        }
    }

    /** Lanes of one backend, opened on first need up to a limit, then shared. */
    private static final class LanePool implements AutoCloseable {
        private final MergeBackend backend;
        private final BlockingQueue<MergeBackend.Lane> free;
        private final List<MergeBackend.Lane> all = new ArrayList<>();
        private final int limit;

        LanePool(MergeBackend backend, int limit) {
            this.backend = backend;
            this.limit = limit;
            this.free = new ArrayBlockingQueue<>(limit);
        }

        MergeBackend.Lane take() {
            MergeBackend.Lane lane = free.poll();
            if (lane != null) {
                return lane;
            }
            synchronized (this) {
                if (all.size() < limit) {
                    MergeBackend.Lane l = backend.openLane();
                    all.add(l);
                    return l;
                }
            }
            try {
                return free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a CUDA lane", e);
            }
        }

        void give(MergeBackend.Lane lane) {
            free.add(lane);
        }

        @Override
        public synchronized void close() {
            for (MergeBackend.Lane l : all) {
                l.close();
            }
            all.clear();
            free.clear();
        }
    }
}
