package dev.tokmix.bpe;

import dev.tokmix.core.TokmixException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counts the pretokens of a stream of documents on several threads: the caller hands documents in (from one
 * thread), they are split in batches by worker threads into per-thread {@link PretokenCounts}, and
 * {@link #finish()} merges the tables. Memory stays bounded: at most two batches per worker wait in the queue.
 *
 * <pre>{@code
 * try (PretokenCounter counter = new PretokenCounter(PieceSplitter.named("gpt2"), 4)) {
 *     for (String doc : docs) counter.add(doc, 1);
 *     PretokenCounts counts = counter.finish();
 * }
 * }</pre>
 */
public final class PretokenCounter implements AutoCloseable {
    /** Characters per batch: large enough to amortise the hand-off, small enough to keep memory flat. */
    private static final int BATCH_CHARS = 1 << 20;

    private final PieceSplitter splitter;
    private final ExecutorService pool;
    private final Semaphore slots;
    private final ThreadLocal<CountingSink> local;
    private final List<PretokenCounts> tables = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountingSink inline;
    private List<String> batch = new ArrayList<>();
    private long[] weights = new long[256];
    private int batchChars;
    private boolean finished;

    /**
     * Creates a counter.
     *
     * @param splitter the pipeline that cuts documents into pieces
     * @param threads  worker threads (1: count on the calling thread)
     */
    public PretokenCounter(PieceSplitter splitter, int threads) {
        if (threads < 1) {
            throw new TokmixException("threads must be at least 1, got " + threads);
        }
        this.splitter = splitter;
        if (threads == 1) {
            this.pool = null;
            this.slots = null;
            this.local = null;
            this.inline = new CountingSink(new PretokenCounts());
        } else {
            this.inline = null;
            this.pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "tokmix-count");
                t.setDaemon(true);
                return t;
            });
            this.slots = new Semaphore(2 * threads);
            this.local = ThreadLocal.withInitial(() -> {
                PretokenCounts c = new PretokenCounts();
                synchronized (tables) {
                    tables.add(c);
                }
                return new CountingSink(c);
            });
        }
    }

    /**
     * Adds a document, counted {@code weight} times (a document drawn twice counts twice).
     *
     * @param document the text
     * @param weight   how many times it counts (≥ 1)
     */
    public void add(String document, long weight) {
        rethrow();
        if (inline != null) {
            inline.count(splitter, document, weight);
            return;
        }
        if (batch.size() == weights.length) {
            weights = java.util.Arrays.copyOf(weights, weights.length * 2);
        }
        weights[batch.size()] = weight;
        batch.add(document);
        batchChars += document.length();
        if (batchChars >= BATCH_CHARS) {
            submit();
        }
    }

    /** Adds pieces to one thread's table with the current document's weight; reused, so nothing is allocated
     * per document. */
    private static final class CountingSink implements PieceSplitter.PieceSink {
        final PretokenCounts into;
        long weight;

        CountingSink(PretokenCounts into) {
            this.into = into;
        }

        void count(PieceSplitter splitter, String doc, long w) {
            weight = w;
            splitter.split(doc, this);
        }

        @Override
        public void accept(byte[] utf8, int offset, int length) {
            into.add(utf8, offset, length, weight);
        }
    }

    private void submit() {
        List<String> docs = batch;
        long[] w = weights;
        batch = new ArrayList<>();
        weights = new long[Math.max(256, docs.size())];
        batchChars = 0;
        slots.acquireUninterruptibly();
        pool.execute(() -> {
            try {
                if (failure.get() == null) {
                    CountingSink into = local.get();
                    for (int i = 0; i < docs.size(); i++) {
                        into.count(splitter, docs.get(i), w[i]);
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                slots.release();
            }
        });
    }

    private void rethrow() {
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new TokmixException("counting failed: " + t, t);
        }
    }

    /**
     * Waits for all documents and returns the merged table. The counter cannot be used afterwards.
     *
     * @return the counts of every document added
     */
    public PretokenCounts finish() {
        if (finished) {
            throw new IllegalStateException("PretokenCounter.finish() was already called");
        }
        finished = true;
        if (inline != null) {
            return inline.into;
        }
        if (!batch.isEmpty()) {
            submit();
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(365, TimeUnit.DAYS)) {
                throw new TokmixException("counting did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokmixException("interrupted while counting pretokens", e);
        }
        rethrow();
        PretokenCounts largest = null;
        for (PretokenCounts t : tables) {
            if (largest == null || t.size() > largest.size()) {
                largest = t;
            }
        }
        if (largest == null) {
            return new PretokenCounts();
        }
        for (PretokenCounts t : tables) {
            if (t != largest) {
                largest.addAll(t);
            }
        }
        return largest;
    }

    @Override
    public void close() {
        finished = true;
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
