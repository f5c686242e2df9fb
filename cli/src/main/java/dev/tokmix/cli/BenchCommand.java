package dev.tokmix.cli;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenSink;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.JsonStrings;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tokmix bench}: tokmix and its peers timed on the user's own text in one process. The peers (jtokkit,
 * Hugging Face tokenizers through DJL) are loaded by name at run time: they are run-time dependencies of the CLI
 * only, and a peer that is missing is reported, not fatal.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time tokmix and its peers on your own text, in one process, after warm-up: MB/s, tokens/s"
                + " and ratios. The text is cut at line ends into documents of at least 4 KB, the same for all.",
                "Peers: jtokkit (r50k/p50k/cl100k/o200k_base), hf = Hugging Face tokenizers via DJL (any"
                        + " tokenizer.json; for built-in names the fetched GPT conversions in data/hf)."})
final class BenchCommand implements Callable<Integer> {
    @Mixin
    TokenizerOption tokenizer = new TokenizerOption();

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE", description = "UTF-8 text to encode.")
    Path input;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "Threads for tokmix (peers run on one; default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--peers", defaultValue = "jtokkit,hf", paramLabel = "LIST",
            description = "Comma-separated peers: jtokkit, hf, or none (default ${DEFAULT-VALUE}).")
    String peers;

    @Option(names = "--seconds", defaultValue = "3", paramLabel = "S",
            description = "Measured time per implementation, after as long a warm-up (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    /** One implementation: encodes a document and returns its token count. */
    interface Impl {
        long encode(int doc);
    }

    record Row(String name, int threads, double mbPerSecond, double tokensPerSecond, long tokens, String note) {
    }

    @Override
    public Integer call() throws Exception {
        Tokenizer t = tokenizer.load();
        byte[] all = Files.readAllBytes(input);
        List<byte[]> docs = documents(all);
        String[] texts = new String[docs.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = new String(docs.get(i), StandardCharsets.UTF_8);
        }
        List<Row> rows = new ArrayList<>();
        Counter sink = new Counter();
        Impl tokmix = d -> {
            sink.n = 0;
            byte[] b = docs.get(d);
            t.encode(b, 0, b.length, SpecialTokenPolicy.ordinary(), sink);
            return sink.n;
        };
        long tokmixTokens = 0;
        for (int d = 0; d < docs.size(); d++) {
            tokmixTokens += tokmix.encode(d);
        }
        rows.add(time("tokmix", 1, tokmix, docs.size(), all.length, null));
        if (threads > 1) {
            rows.add(timeParallel(t, docs, all.length));
        }
        for (String peer : peers.split(",")) {
            String p = peer.strip();
            if (p.isEmpty() || p.equals("none")) {
                continue;
            }
            Impl impl;
            try {
                impl = switch (p) {
                    case "jtokkit" -> jtokkit(texts);
                    case "hf", "djl" -> hf(texts);
                    default -> throw new IllegalArgumentException("unknown peer " + p + "; use jtokkit, hf or none");
                };
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                rows.add(new Row(p, 1, 0, 0, 0, "unavailable: " + rootMessage(e)));
                continue;
            }
            long peerTokens = 0;
            for (int d = 0; d < docs.size(); d++) {
                peerTokens += impl.encode(d);
            }
            String note = peerTokens == tokmixTokens ? null
                    : "token count differs from tokmix: " + peerTokens + " vs " + tokmixTokens;
            rows.add(time(p, 1, impl, docs.size(), all.length, note));
        }
        print(rows, all.length, docs.size());
        return 0;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    /** Documents of at least 4,096 bytes cut at line ends (the JMH corpora's rule). */
    static List<byte[]> documents(byte[] all) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        while (start < all.length) {
            int end = Math.min(all.length, start + 4096);
            while (end < all.length && all[end - 1] != '\n') {
                end++;
            }
            out.add(Arrays.copyOfRange(all, start, end));
            start = end;
        }
        return out;
    }

    static final class Counter implements TokenSink {
        long n;

        @Override
        public void accept(int tokenId) {
            n++;
        }
    }

    private Row time(String name, int threadCount, Impl impl, int docCount, long bytes, String note) {
        long tokens = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (int d = 0; d < docCount; d++) {
                tokens += impl.encode(d);
            }
        }
        long passes = 0;
        tokens = 0;
        long t0 = System.nanoTime();
        end = t0 + (long) (seconds * 1e9);
        long now;
        do {
            for (int d = 0; d < docCount; d++) {
                tokens += impl.encode(d);
            }
            passes++;
            now = System.nanoTime();
        } while (now < end);
        double s = (now - t0) / 1e9;
        return new Row(name, threadCount, passes * bytes / 1e6 / s, tokens / s, tokens / passes, note);
    }

    private Row timeParallel(Tokenizer t, List<byte[]> docs, long bytes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Callable<Long> pass = () -> {
                List<Future<Long>> parts = new ArrayList<>();
                for (int k = 0; k < threads; k++) {
                    int from = docs.size() * k / threads;
                    int to = docs.size() * (k + 1) / threads;
                    parts.add(pool.submit(() -> {
                        Counter c = new Counter();
                        for (int d = from; d < to; d++) {
                            byte[] b = docs.get(d);
                            t.encode(b, 0, b.length, SpecialTokenPolicy.ordinary(), c);
                        }
                        return c.n;
                    }));
                }
                long n = 0;
                for (Future<Long> f : parts) {
                    n += f.get();
                }
                return n;
            };
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                pass.call();
            }
            long tokens = 0;
            long passes = 0;
            long t0 = System.nanoTime();
            end = t0 + (long) (seconds * 1e9);
            long now;
            do {
                tokens += pass.call();
                passes++;
                now = System.nanoTime();
            } while (now < end);
            double s = (now - t0) / 1e9;
            return new Row("tokmix", threads, passes * bytes / 1e6 / s, tokens / s, tokens / passes, null);
        } finally {
            pool.shutdownNow();
        }
    }

    private Impl jtokkit(String[] texts) throws ReflectiveOperationException {
        String type = switch (tokenizer.spec) {
            case "r50k_base" -> "R50K_BASE";
            case "p50k_base" -> "P50K_BASE";
            case "cl100k_base" -> "CL100K_BASE";
            case "o200k_base" -> "O200K_BASE";
            default -> throw new IllegalStateException("jtokkit has only r50k/p50k/cl100k/o200k_base, not "
                    + tokenizer.spec);
        };
        Class<?> encodings = Class.forName("com.knuddels.jtokkit.Encodings");
        Object registry = encodings.getMethod("newDefaultEncodingRegistry").invoke(null);
        Class<?> typeClass = Class.forName("com.knuddels.jtokkit.api.EncodingType");
        // Through the public interfaces: the implementation classes are not public.
        Object enc = Class.forName("com.knuddels.jtokkit.api.EncodingRegistry").getMethod("getEncoding", typeClass)
                .invoke(registry,
                typeClass.getMethod("valueOf", String.class).invoke(null, type));
        Method ordinary = Class.forName("com.knuddels.jtokkit.api.Encoding").getMethod("encodeOrdinary",
                String.class);
        Method size = Class.forName("com.knuddels.jtokkit.api.IntArrayList").getMethod("size");
        return d -> {
            try {
                return (int) size.invoke(ordinary.invoke(enc, texts[d]));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private Impl hf(String[] texts) throws ReflectiveOperationException {
        Path json = switch (tokenizer.spec) {
            case "o200k_base" -> Tokenizer.sourceFile("o200k_base").getParent().getParent().resolve("hf/gpt4o")
                    .resolve("tokenizer.json");
            case "cl100k_base" -> Tokenizer.sourceFile("cl100k_base").getParent().getParent()
                    .resolve("hf/gpt35turbo").resolve("tokenizer.json");
            case "r50k_base" -> Tokenizer.sourceFile("r50k_base").getParent().getParent().resolve("hf/gpt2")
                    .resolve("tokenizer.json");
            default -> Path.of(tokenizer.spec);
        };
        if (!Files.isRegularFile(json) || !json.getFileName().toString().endsWith(".json")) {
            throw new IllegalStateException("no tokenizer.json for " + tokenizer.spec + " (looked at " + json + ")");
        }
        Class<?> cls = Class.forName("ai.djl.huggingface.tokenizers.HuggingFaceTokenizer");
        Object builder = cls.getMethod("builder").invoke(null);
        Class<?> b = builder.getClass();
        b.getMethod("optTokenizerPath", Path.class).invoke(builder, json);
        b.getMethod("optAddSpecialTokens", boolean.class).invoke(builder, false);
        b.getMethod("optTruncation", boolean.class).invoke(builder, false);
        Object tok = b.getMethod("build").invoke(builder);
        Method encode = cls.getMethod("encode", String.class);
        Method ids = Class.forName("ai.djl.huggingface.tokenizers.Encoding").getMethod("getIds");
        return d -> {
            try {
                return ((long[]) ids.invoke(encode.invoke(tok, texts[d]))).length;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private void print(List<Row> rows, long bytes, int docs) {
        PrintStream o = System.out;
        double base = rows.get(0).mbPerSecond();
        if (json) {
            StringBuilder sb = new StringBuilder("{\"tokenizer\":");
            JsonStrings.quote(tokenizer.spec, sb);
            sb.append(",\"input_bytes\":").append(bytes).append(",\"documents\":").append(docs)
                    .append(",\"results\":[");
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                sb.append(i == 0 ? "" : ",").append("{\"name\":");
                JsonStrings.quote(r.name(), sb);
                sb.append(",\"threads\":").append(r.threads()).append(",\"mb_per_s\":")
                        .append(String.format("%.3f", r.mbPerSecond())).append(",\"tokens_per_s\":")
                        .append(String.format("%.0f", r.tokensPerSecond())).append(",\"tokens\":").append(r.tokens())
                        .append(",\"tokmix_single_thread_ratio\":")
                        .append(r.mbPerSecond() > 0 ? String.format("%.3f", base / r.mbPerSecond()) : "null");
                if (r.note() != null) {
                    sb.append(",\"note\":");
                    JsonStrings.quote(r.note(), sb);
                }
                sb.append('}');
            }
            o.println(sb.append("]}"));
            return;
        }
        o.printf("%s on %s: %,d bytes in %,d documents%n", tokenizer.spec, input, bytes, docs);
        o.printf("%-10s %7s %10s %14s %16s%n", "impl", "threads", "MB/s", "tokens/s", "tokmix(1t) / it");
        for (Row r : rows) {
            if (r.mbPerSecond() == 0) {
                o.printf("%-10s %7d %s%n", r.name(), r.threads(), r.note());
                continue;
            }
            o.printf("%-10s %7d %10.2f %,14.0f %15.2fx%s%n", r.name(), r.threads(), r.mbPerSecond(),
                    r.tokensPerSecond(), base / r.mbPerSecond(), r.note() == null ? "" : "  (" + r.note() + ")");
        }
    }
}
