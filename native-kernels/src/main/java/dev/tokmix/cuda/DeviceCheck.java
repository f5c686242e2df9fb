package dev.tokmix.cuda;

import dev.tokmix.bpe.BatchEncoder;
import dev.tokmix.bpe.MergeDeferringSink;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The GPU check of {@code native-kernels/device-check.sh}: on 50+ MB of fetched multilingual prose and code, the
 * CUDA encoder's ids against the CPU encoder's for every document (o200k_base and Llama 3 by default), the block
 * kernel alone on part of it, then throughput in the same run: the CPU encoder on all cores
 * ({@link BatchEncoder}), the CPU stage of the CUDA path alone (pretokenization and cache, i.e. the ceiling the
 * device can lift the end-to-end number to), the CUDA path end to end (copies included), and the kernels alone
 * on one resident batch. Prints a table last; exits 1 on any mismatch, 2 on bad input, 3 without a device.
 *
 * <p>Not JMH (the house tool for benchmarks): the check must run in minutes on a machine with nothing but a JRE,
 * so each number is the best of {@code --repeats} timed passes after one untimed warm-up pass over the same
 * documents. {@code --cpu-only} runs everything with the kernels' CPU twin as the device (for trying the script
 * on a machine without a GPU; its "device" numbers then mean nothing).
 *
 * <pre>
 * java -cp ... dev.tokmix.cuda.DeviceCheck --data DIR [--tokenizers o200k_base,llama3] [--min-mb 50]
 *      [--threads N] [--group-mb 16] [--repeats 3] [--cpu-only] [--max-mb M (a quick sample)]
 * </pre>
 */
final class DeviceCheck {
    private DeviceCheck() {
    }

    private record Row(String tokenizer, String corpus, double mb, long docs, long mismatches, double cpuMbs,
                       double stageMbs, double cudaMbs, double kernelGbs, double deferredShare) {
    }

    private static final class Args {
        Path data = Path.of(System.getProperty("tokmix.data", "data"));
        List<String> tokenizers = List.of("o200k_base", "llama3");
        double minMb = 50;
        double maxMb = Double.MAX_VALUE;
        int threads = Runtime.getRuntime().availableProcessors();
        int groupMb = 16;
        int repeats = 3;
        boolean cpuOnly;
    }

    static void main(String[] argv) throws Exception {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String v = i + 1 < argv.length ? argv[i + 1] : null;
            switch (argv[i]) {
                case "--data" -> a.data = Path.of(need(v, argv[i++]));
                case "--tokenizers" -> a.tokenizers = List.of(need(v, argv[i++]).split(","));
                case "--min-mb" -> a.minMb = Double.parseDouble(need(v, argv[i++]));
                case "--max-mb" -> a.maxMb = Double.parseDouble(need(v, argv[i++]));
                case "--threads" -> a.threads = Integer.parseInt(need(v, argv[i++]));
                case "--group-mb" -> a.groupMb = Integer.parseInt(need(v, argv[i++]));
                case "--repeats" -> a.repeats = Integer.parseInt(need(v, argv[i++]));
                case "--cpu-only" -> a.cpuOnly = true;
                default -> fail(2, "unknown argument " + argv[i] + "; see DeviceCheck's javadoc");
            }
        }
        long t0 = System.nanoTime();
        System.out.printf("JVM %s, %d CPU threads used of %d; data %s%n", Runtime.version(), a.threads,
                Runtime.getRuntime().availableProcessors(), a.data.toAbsolutePath());
        CudaEncoderProvider cuda = CudaEncoderProvider.get();
        if (!a.cpuOnly && !cuda.available()) {
            fail(3, "no CUDA device: " + cuda.unavailableReason() + "\n  remedy: run on a GPU machine (or pass"
                    + " --cpu-only to try the script with the kernels' CPU twin)");
        }
        System.out.println("device: " + (a.cpuOnly ? "none (--cpu-only: the kernels' CPU twin)" : cuda.device()));

        Path tokenizers = Files.createTempDirectory("tokmix-device-check");
        List<byte[]> mixed = new ArrayList<>();
        for (String folder : List.of("text/prose", "text/code", "text-large/prose/en.txt")) {
            documents(a.data.resolve(folder), mixed);
        }
        List<byte[]> english = new ArrayList<>();
        documents(a.data.resolve("text/prose/en.txt"), english);
        documents(a.data.resolve("text-large/prose/en.txt"), english);
        double foundMb = bytes(mixed) / 1e6;
        if (foundMb < a.minMb) {
            fail(2, String.format("only %.1f MB of text under %s (text/prose, text/code, text-large/prose/en.txt);"
                    + " need %.0f\n  remedy: make data data-large, or make device-bundle", foundMb, a.data, a.minMb));
        }
        if (a.maxMb < Double.MAX_VALUE) {
            // A quick try: an even sample of the documents, every language kept.
            mixed = sample(mixed, (long) (a.maxMb * 1e6));
            english = sample(english, (long) (a.maxMb * 1e6));
        }
        double mixedMb = bytes(mixed) / 1e6;
        System.out.printf("corpus: mixed %,d documents, %.1f MB (55 languages of prose, 10 of code, English);"
                + " english %,d documents, %.1f MB (%.1f s)%n", mixed.size(), mixedMb, english.size(),
                bytes(english) / 1e6, (System.nanoTime() - t0) / 1e9);

        List<Row> rows = new ArrayList<>();
        long mismatches = 0;
        for (String name : a.tokenizers) {
            long tl = System.nanoTime();
            Tokenizer t = load(name, a.data, tokenizers);
            System.out.printf("%n== %s (loaded in %.1f s)%n", name, (System.nanoTime() - tl) / 1e9);
            SpecialTokenPolicy p = SpecialTokenPolicy.ordinary();
            CudaBatchEncoder.Options o = new CudaBatchEncoder.Options(a.threads, a.groupMb << 20, 0, 4);
            try (BatchEncoder cpu = new BatchEncoder(t, p, a.threads);
                 CudaBatchEncoder dev = a.cpuOnly
                         ? CudaBatchEncoder.withKernelModel(t, p, o, PieceBatchFormat.LONG_THREADS, false,
                         PieceBatchFormat.SHORT_MAX_BYTES)
                         : cuda.open(t, p, o)) {
                for (String corpus : List.of("mixed", "english")) {
                    List<byte[]> docs = corpus.equals("mixed") ? mixed : english;
                    byte[][] arr = docs.toArray(new byte[0][]);
                    double mb = bytes(docs) / 1e6;
                    TokenBuffer[] ref = buffers(arr.length);
                    TokenBuffer[] got = buffers(arr.length);
                    double cpuS = best(a.repeats, () -> {
                        clear(ref);
                        cpu.encode(arr, ref);
                    });
                    double stageS = best(a.repeats, () -> cpuStage(t, p, arr, a.threads));
                    long[] before = dev.counters();
                    double devS = best(a.repeats, () -> {
                        clear(got);
                        dev.encode(arr, got);
                    });
                    long[] after = dev.counters();
                    long bad = compare(name + " " + corpus, arr, ref, got);
                    mismatches += bad;
                    double deferred = (after[3] - before[3]) / (double) (a.repeats + 1) / (mb * 1e6);
                    long[] k = dev.timeKernels(group(arr, a.groupMb << 20), 5);
                    double kernelGbs = groupBytes(arr, a.groupMb << 20) / (double) k[0];
                    System.out.printf("%s %s: %.1f MB, %,d documents, %d mismatching; CPU %.0f MB/s, CPU stage"
                            + " %.0f MB/s, device end to end %.0f MB/s; kernels %.2f ms for %,d pieces (%,d in"
                            + " blocks), %.1f MB deferred of a %.1f MB group%n", name, corpus, mb, arr.length, bad,
                            mb / cpuS, mb / stageS, mb / devS, k[0] / 1e6, k[1], k[4], k[2] / 1e6,
                            groupBytes(arr, a.groupMb << 20) / 1e6);
                    rows.add(new Row(name, corpus, mb, arr.length, bad, mb / cpuS, mb / stageS, mb / devS,
                            kernelGbs, deferred));
                }
                // The block kernel alone (every deferred piece one block) on the first 8 MB.
                try (CudaBatchEncoder blocks = a.cpuOnly
                        ? CudaBatchEncoder.withKernelModel(t, p, o, PieceBatchFormat.LONG_THREADS, false, 0)
                        : cuda.open(t, p, o, 0)) {
                    byte[][] part = head(mixed, 8_000_000);
                    TokenBuffer[] ref = buffers(part.length);
                    TokenBuffer[] got = buffers(part.length);
                    cpu.encode(part, ref);
                    blocks.encode(part, got);
                    long bad = compare(name + " block kernel only", part, ref, got);
                    mismatches += bad;
                    System.out.printf("%s block kernel only: %.1f MB, %d mismatching%n", name, bytes(Arrays.asList(part)) / 1e6, bad);
                }
            }
        }
        System.out.printf("%nDEVICE CHECK (%s), %.0f s%n", a.cpuOnly ? "CPU twin, --cpu-only: device columns are"
                + " not GPU numbers" : cuda.device(), (System.nanoTime() - t0) / 1e9);
        System.out.println("| tokenizer | corpus | MB | docs | mismatches | CPU all cores MB/s | CPU stage MB/s"
                + " (ceiling) | CUDA end to end MB/s | vs CPU | kernels GB/s | deferred |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %,d | %d | %.0f | %.0f | %.0f | %.2fx | %.2f | %.1f%% |%n",
                    r.tokenizer, r.corpus, r.mb, r.docs, r.mismatches, r.cpuMbs, r.stageMbs, r.cudaMbs,
                    r.cudaMbs / r.cpuMbs, r.kernelGbs, 100 * r.deferredShare);
        }
        System.out.println(mismatches == 0 ? "parity: 0 mismatching documents" : "parity: " + mismatches
                + " MISMATCHING documents");
        System.exit(mismatches == 0 ? 0 : 1);
    }

    private static String need(String v, String flag) {
        if (v == null) {
            fail(2, flag + " needs a value");
        }
        return v;
    }

    private static void fail(int status, String message) {
        System.err.println("device-check: " + message);
        System.exit(status);
    }

    /** A built-in tiktoken name or {@code llama3}, read from the data folder, gzipped or not. */
    private static Tokenizer load(String name, Path data, Path tmp) throws IOException {
        String rel = name.equals("llama3") ? "hf/llama3/tokenizer.json" : "tiktoken/" + name + ".tiktoken";
        Path plain = data.resolve(rel);
        if (!Files.isRegularFile(plain)) {
            Path gz = data.resolve(rel + ".gz");
            if (!Files.isRegularFile(gz)) {
                fail(2, "tokenizer " + name + " not found at " + plain + "(.gz); run `make data`");
            }
            plain = tmp.resolve(rel);
            Files.createDirectories(plain.getParent());
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz));
                 OutputStream out = Files.newOutputStream(plain)) {
                in.transferTo(out);
            }
        }
        if (name.equals("llama3")) {
            return Tokenizer.load(plain);
        }
        System.setProperty("tokmix.data", plain.getParent().getParent().toString());
        return Tokenizer.load(name);
    }

    /** Every .txt or .txt.gz file of a folder (or one file), cut at line ends into documents of ~16 KB. */
    private static void documents(Path where, List<byte[]> out) throws IOException {
        List<Path> files = new ArrayList<>();
        Path gz = where.resolveSibling(where.getFileName() + ".gz");
        if (Files.isDirectory(where)) {
            try (Stream<Path> s = Files.list(where)) {
                s.filter(f -> f.toString().endsWith(".txt") || f.toString().endsWith(".txt.gz")).sorted()
                        .forEach(files::add);
            }
        } else if (Files.isRegularFile(where)) {
            files.add(where);
        } else if (Files.isRegularFile(gz)) {
            files.add(gz);
        } else {
            System.out.println("(not found, skipped: " + where + ")");
        }
        for (Path f : files) {
            byte[] all;
            try (InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(f))
                    : Files.newInputStream(f)) {
                all = in.readAllBytes();
            }
            int start = 0;
            while (start < all.length) {
                int end = Math.min(all.length, start + 16_384);
                while (end < all.length && all[end - 1] != '\n') {
                    end++;
                }
                out.add(Arrays.copyOfRange(all, start, end));
                start = end;
            }
        }
    }

    private static long bytes(List<byte[]> docs) {
        long n = 0;
        for (byte[] d : docs) {
            n += d.length;
        }
        return n;
    }

    private static List<byte[]> sample(List<byte[]> docs, long limit) {
        long total = bytes(docs);
        if (total <= limit) {
            return docs;
        }
        List<byte[]> out = new ArrayList<>();
        long step = Math.max(1, Math.round(total / (double) limit));
        for (int i = 0; i < docs.size(); i += (int) step) {
            out.add(docs.get(i));
        }
        return out;
    }

    private static byte[][] head(List<byte[]> docs, long limit) {
        List<byte[]> out = new ArrayList<>();
        long n = 0;
        for (byte[] d : docs) {
            if (n >= limit) {
                break;
            }
            out.add(d);
            n += d.length;
        }
        return out.toArray(new byte[0][]);
    }

    private static byte[][] group(byte[][] docs, long limit) {
        return head(Arrays.asList(docs), limit);
    }

    private static long groupBytes(byte[][] docs, long limit) {
        return bytes(Arrays.asList(group(docs, limit)));
    }

    private static TokenBuffer[] buffers(int n) {
        TokenBuffer[] b = new TokenBuffer[n];
        for (int i = 0; i < n; i++) {
            b[i] = new TokenBuffer(1024);
        }
        return b;
    }

    private static void clear(TokenBuffer[] b) {
        for (TokenBuffer x : b) {
            x.clear();
        }
    }

    @FunctionalInterface
    private interface Pass {
        void run() throws Exception;
    }

    /** One untimed warm-up pass, then the best of {@code repeats} timed ones, in seconds. */
    private static double best(int repeats, Pass pass) throws Exception {
        pass.run();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            long t = System.nanoTime();
            pass.run();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return best;
    }

    /** The CUDA path's CPU work alone: pretokenize, serve from the cache, drop what would be deferred. */
    private static void cpuStage(Tokenizer t, SpecialTokenPolicy p, byte[][] docs, int threads) throws Exception {
        MergeDeferringSink drop = new MergeDeferringSink() {
            @Override
            public void accept(int tokenId) {
            }

            @Override
            public void deferMerge(byte[] utf8, int offset, int length) {
            }
        };
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                fs.add(pool.submit(() -> {
                    int d;
                    while ((d = next.getAndAdd(16)) < docs.length) {
                        for (int k = d; k < Math.min(docs.length, d + 16); k++) {
                            t.encodeDeferringMerges(docs[k], 0, docs[k].length, p, drop);
                        }
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Documents whose ids differ (the first few printed with the first differing position). */
    private static long compare(String what, byte[][] docs, TokenBuffer[] ref, TokenBuffer[] got) {
        long bad = 0;
        for (int i = 0; i < docs.length; i++) {
            int[] r = ref[i].toArray();
            int[] g = got[i].toArray();
            if (!Arrays.equals(r, g)) {
                if (bad++ < 5) {
                    int at = Arrays.mismatch(r, g);
                    System.out.printf("MISMATCH %s: document %d (%d bytes), first difference at id %d: expected %s,"
                            + " got %s%n", what, i, docs[i].length, at, slice(r, at), slice(g, at));
                }
            }
        }
        return bad;
    }

    private static String slice(int[] a, int at) {
        return Arrays.toString(Arrays.copyOfRange(a, Math.max(0, at - 2), Math.min(a.length, at + 3)));
    }
}
