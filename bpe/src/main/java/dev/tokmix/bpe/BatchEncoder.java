package dev.tokmix.bpe;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Encodes many documents on all cores. Documents are handed out to threads in small contiguous chunks (dynamic
 * load balancing: one long document does not stall the rest), and each document goes to its own caller-supplied
 * sink, or all of them, in input order, to one sink ({@link #encodeInOrder}).
 *
 * <pre>{@code
 * try (BatchEncoder batch = new BatchEncoder(Tokenizer.load("o200k_base"), SpecialTokenPolicy.ordinary(), 8)) {
 *     TokenBuffer[] out = ...;                 // one sink per document, reused across calls
 *     batch.encode(documents, out);
 * }
 * }</pre>
 *
 * <p>The calling thread works too, so {@code threads} counts it. A {@link Tokenizer} is thread-safe and each thread
 * encodes with its own scratch memory; this class adds, per call, one task per helper thread and nothing per
 * document (the in-order mode reuses one id buffer per chunk across calls). Not itself thread-safe: one call at a
 * time.
 */
public final class BatchEncoder implements AutoCloseable {
    private final Tokenizer tokenizer;
    private final SpecialTokenPolicy policy;
    private final int threads;
    private final ExecutorService pool;
    private final List<TokenBuffer> chunkBuffers = new ArrayList<>();

    /** Encodes document i into its sink; returns the ids emitted. */
    @FunctionalInterface
    private interface DocumentTask {
        long encode(int document);
    }

    /**
     * Creates a batch encoder.
     *
     * @param tokenizer the tokenizer
     * @param policy    special tokens in the text
     * @param threads   threads to use, the caller's included (1 encodes on the calling thread only)
     */
    public BatchEncoder(Tokenizer tokenizer, SpecialTokenPolicy policy, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, not " + threads);
        }
        this.tokenizer = Objects.requireNonNull(tokenizer);
        this.policy = Objects.requireNonNull(policy);
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "tokmix-batch-encode");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Encodes {@code docs[i]} (UTF-8) into {@code sinks[i]}.
     *
     * @param docs  the documents
     * @param sinks one sink per document; distinct objects (each is written by one thread)
     * @return the number of ids emitted in all
     */
    public long encode(byte[][] docs, TokenSink[] sinks) {
        check(docs.length, sinks.length);
        return run(docs.length, d -> tokenizer.encode(docs[d], 0, docs[d].length, policy, sinks[d]));
    }

    /**
     * Encodes {@code docs[i]} (UTF-8 in a heap, native or mapped segment) into {@code sinks[i]}.
     *
     * @param docs  the documents
     * @param sinks one sink per document; distinct objects
     * @return the number of ids emitted in all
     */
    public long encode(MemorySegment[] docs, TokenSink[] sinks) {
        check(docs.length, sinks.length);
        return run(docs.length, d -> tokenizer.encode(docs[d], policy, sinks[d]));
    }

    /**
     * Encodes {@code docs[i]} into {@code sinks[i]}.
     *
     * @param docs  the documents
     * @param sinks one sink per document; distinct objects
     * @return the number of ids emitted in all
     */
    public long encode(CharSequence[] docs, TokenSink[] sinks) {
        check(docs.length, sinks.length);
        return run(docs.length, d -> tokenizer.encode(docs[d], policy, sinks[d]));
    }

    /**
     * Encodes all documents into one sink, in input order, as one sequential loop would.
     *
     * @param docs the documents (UTF-8)
     * @param sink receives every id, document after document
     * @return the number of ids emitted
     */
    public long encodeInOrder(byte[][] docs, TokenSink sink) {
        int n = docs.length;
        int chunks = Math.min(n, threads * 8);
        while (chunkBuffers.size() < chunks) {
            chunkBuffers.add(new TokenBuffer(1 << 12));
        }
        for (int c = 0; c < chunks; c++) {
            chunkBuffers.get(c).clear();
        }
        run(chunks, c -> {
            TokenBuffer out = chunkBuffers.get(c);
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            long ids = 0;
            for (int d = from; d < to; d++) {
                ids += tokenizer.encode(docs[d], 0, docs[d].length, policy, out);
            }
            return ids;
        });
        long total = 0;
        for (int c = 0; c < chunks; c++) {
            TokenBuffer b = chunkBuffers.get(c);
            for (int i = 0; i < b.size(); i++) {
                sink.accept(b.get(i));
            }
            total += b.size();
        }
        return total;
    }

    private static void check(int docs, int sinks) {
        if (docs != sinks) {
            throw new IllegalArgumentException(docs + " documents but " + sinks + " sinks; give one sink per"
                    + " document");
        }
    }

    /** Runs task(0..count-1) on all threads, handing out contiguous chunks of about count / (8·threads). */
    private long run(int count, DocumentTask task) {
        if (pool == null || count <= 1) {
            long total = 0;
            for (int d = 0; d < count; d++) {
                total += task.encode(d);
            }
            return total;
        }
        int chunk = Math.max(1, count / (threads * 8));
        AtomicInteger next = new AtomicInteger();
        java.util.concurrent.Callable<Long> worker = () -> {
            long total = 0;
            int from;
            while ((from = next.getAndAdd(chunk)) < count) {
                int to = Math.min(count, from + chunk);
                for (int d = from; d < to; d++) {
                    total += task.encode(d);
                }
            }
            return total;
        };
        List<Future<Long>> helpers = new ArrayList<>(threads - 1);
        for (int t = 1; t < threads; t++) {
            helpers.add(pool.submit(worker));
        }
        long total;
        try {
            total = worker.call();
        } catch (RuntimeException | Error e) {
            next.set(count);
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        for (Future<Long> f : helpers) {
            try {
                total += f.get();
            } catch (ExecutionException e) {
                next.set(count);
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                if (e.getCause() instanceof Error er) {
                    throw er;
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while encoding a batch", e);
            }
        }
        return total;
    }

    /** Stops the helper threads. Idempotent. */
    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
