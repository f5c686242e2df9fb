package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The text every parity test encodes, loaded once per test JVM ({@link #get()}):
 * <ul>
 *   <li>real documents (blank-line separated) from {@code data/text}: all of it is read and must hold at least
 *       {@value #MIN_FETCHED_BYTES} bytes, and about {@value #DEFAULT_SAMPLE_BYTES} bytes of documents, in
 *       {@value #SAMPLE_RUNS} runs spread over every file, are encoded (the eight DJL comparisons run at about
 *       3 MB/s on two cores, which sets the budget);</li>
 *   <li>one whole multi-paragraph chunk of about {@value #CHUNK_CHARS} chars per file, so the pretokenizer also
 *       sees long-range context: runs of blank lines, indentation, text after a long code block;</li>
 *   <li>generated {@link HardCases} around the known parity pitfalls, including random strings over all planes,
 *       and {@link #withInsertedTokens documents with added-token text} inserted.</li>
 * </ul>
 *
 * <p>The random parts are seeded: {@code -Dtokmix.seed=N} repeats a run; otherwise a fresh seed is drawn and
 * printed. {@code -Dtokmix.parity.bytes=N} changes the sample size (0: every document).
 */
final class ParityCorpus {
    /** Minimum real text the parity claims rest on. */
    static final long MIN_FETCHED_BYTES = 20_000_000L;
    /** Target size of a multi-paragraph chunk, in chars. */
    static final int CHUNK_CHARS = 50_000;
    /** Bytes of documents the parity tests encode, spread over all files ({@code -Dtokmix.parity.bytes}). */
    static final long DEFAULT_SAMPLE_BYTES = 16_000_000L;
    /** Contiguous runs of documents taken from each file that does not fit its share. */
    static final int SAMPLE_RUNS = 8;

    /**
     * One text to encode.
     *
     * @param label where it came from, e.g. {@code prose/en.txt @1234} (char offset) or {@code hard:whitespace #40}
     * @param text  the text
     */
    record Document(String label, String text) {
        @Override
        public String toString() {
            return label;
        }
    }

    private static volatile ParityCorpus instance;

    private final long seed;
    private final List<Document> fetched;
    private final long fetchedBytes;
    private final long sampledBytes;
    private final int fileCount;
    private final List<Document> hardCases;
    private final List<Document> hardCasesHf;

    private ParityCorpus(long seed) {
        this.seed = seed;
        Path textDir = TestData.directory().resolve("text");
        List<Path> files = textFiles(textDir);
        List<String> texts = new ArrayList<>();
        long bytes = 0;
        long[] sizes = new long[files.size()];
        for (int i = 0; i < files.size(); i++) {
            byte[] raw = read(files.get(i));
            sizes[i] = raw.length;
            bytes += raw.length;
            texts.add(new String(raw, StandardCharsets.UTF_8));
        }
        if (bytes < MIN_FETCHED_BYTES) {
            fail("data/text holds " + bytes + " bytes in " + files.size() + " files under " + textDir
                    + "; the parity tests need at least " + MIN_FETCHED_BYTES + "; run `make data`");
        }
        long[] quotas = quotas(sizes, sampleBytes());
        List<Document> docs = new ArrayList<>();
        long sampled = 0;
        for (int i = 0; i < files.size(); i++) {
            String label = textDir.relativize(files.get(i)).toString();
            sampled += sample(label, texts.get(i), sizes[i], quotas[i], docs);
            sampled += chunk(label, texts.get(i), docs);
        }
        this.fetched = List.copyOf(docs);
        this.fetchedBytes = bytes;
        this.sampledBytes = sampled;
        this.fileCount = files.size();
        this.hardCases = List.copyOf(HardCases.generate(seed, cp -> !isSurrogateCodePoint(cp), fetched));
        this.hardCasesHf = List.copyOf(HardCases.generate(seed, UnicodeVersions::forRandomHfText, fetched));
    }

    /** {@value #DEFAULT_SAMPLE_BYTES} unless {@code -Dtokmix.parity.bytes} says otherwise (0 = everything). */
    private static long sampleBytes() {
        String p = System.getProperty("tokmix.parity.bytes");
        long v = p == null || p.isBlank() ? DEFAULT_SAMPLE_BYTES : Long.parseLong(p);
        return v <= 0 ? Long.MAX_VALUE : v;
    }

    /**
     * Splits a byte budget over files so that each gets an equal share, and a file smaller than its share gives
     * the rest to the others (water filling): every language and programming language is represented, however
     * unequal the file sizes.
     */
    static long[] quotas(long[] sizes, long budget) {
        Integer[] order = new Integer[sizes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingLong(i -> sizes[i]));
        long[] q = new long[sizes.length];
        long left = budget;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            q[i] = Math.min(sizes[i], left / (order.length - k));
            left -= q[i];
        }
        return q;
    }

    /**
     * The corpus of this JVM, loaded on first use.
     *
     * @return the corpus
     */
    static ParityCorpus get() {
        ParityCorpus c = instance;
        if (c == null) {
            synchronized (ParityCorpus.class) {
                c = instance;
                if (c == null) {
                    String p = System.getProperty("tokmix.seed");
                    long seed = p == null || p.isBlank() ? new SplittableRandom().nextLong() : Long.parseLong(p);
                    System.out.println("ParityCorpus: random seed " + seed + " (repeat with -Dtokmix.seed=" + seed
                            + ")");
                    c = new ParityCorpus(seed);
                    System.out.printf("ParityCorpus: read %,d bytes from %d files; %d documents and chunks of"
                                    + " %,d bytes sampled from all of them; %d hard cases (%d for HF parity)%n",
                            c.fetchedBytes, c.fileCount, c.fetched.size(), c.sampledBytes, c.hardCases.size(),
                            c.hardCasesHf.size());
                    instance = c;
                }
            }
        }
        return c;
    }

    /**
     * The seed of the generated parts.
     *
     * @return the seed
     */
    long seed() {
        return seed;
    }

    /**
     * Real documents (blank-line separated) sampled from every file of {@code data/text}, and one ~50 KB chunk per
     * file.
     *
     * @return the documents
     */
    List<Document> fetched() {
        return fetched;
    }

    /**
     * Bytes read from {@code data/text}.
     *
     * @return the byte count
     */
    long fetchedBytes() {
        return fetchedBytes;
    }

    /**
     * UTF-8 bytes of {@link #fetched()}.
     *
     * @return the byte count
     */
    long sampledBytes() {
        return sampledBytes;
    }

    /**
     * Generated hard cases over every code point except surrogates (lone surrogates have their own tests).
     *
     * @return the documents
     */
    List<Document> hardCases() {
        return hardCases;
    }

    /**
     * The same hard cases restricted to {@link UnicodeVersions#forRandomHfText} code points, for the HF reference
     * whose Unicode tables are older than JDK 25's.
     *
     * @return the documents
     */
    List<Document> hardCasesForHf() {
        return hardCasesHf;
    }

    /**
     * Every {@code step}-th fetched document with some of {@code tokens} inserted at random char positions (never
     * inside a surrogate pair), next to spaces and newlines, and doubled; plus fixed edge placements of each token.
     *
     * @param tokens added-token strings to insert
     * @param step   take every step-th fetched document
     * @return the documents
     */
    List<Document> withInsertedTokens(List<String> tokens, int step) {
        Random rnd = new Random(seed ^ tokens.hashCode());
        List<Document> out = new ArrayList<>();
        String[] around = {"", " ", "\n", "  ", "x", " \n", "'s", "1"};
        for (String t : tokens) {
            out.add(new Document("inserted:edge " + t, t));
            out.add(new Document("inserted:edge " + t, t + t));
            out.add(new Document("inserted:edge " + t, "a" + t + "b"));
            out.add(new Document("inserted:edge " + t, " " + t + " "));
            out.add(new Document("inserted:edge " + t, "\n\n" + t + "\n\n"));
            out.add(new Document("inserted:edge " + t, "hello " + t + "user\nHi!" + t));
            out.add(new Document("inserted:edge " + t, t.substring(0, t.length() - 1) + " " + t));
            out.add(new Document("inserted:edge " + t, t.substring(1) + t.charAt(0) + t));
        }
        for (int i = 0; i < fetched.size(); i += step) {
            Document d = fetched.get(i);
            StringBuilder b = new StringBuilder(d.text());
            int inserts = 1 + rnd.nextInt(3);
            for (int k = 0; k < inserts; k++) {
                int at = rnd.nextInt(b.length() + 1);
                if (at > 0 && at < b.length() && Character.isLowSurrogate(b.charAt(at))) {
                    at--;
                }
                b.insert(at, around[rnd.nextInt(around.length)] + tokens.get(rnd.nextInt(tokens.size()))
                        + around[rnd.nextInt(around.length)]);
            }
            out.add(new Document("inserted:" + d.label(), b.toString()));
        }
        return out;
    }

    private static boolean isSurrogateCodePoint(int cp) {
        return cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE;
    }

    private static List<Path> textFiles(Path textDir) {
        if (!Files.isDirectory(textDir)) {
            fail("text folder " + textDir + " does not exist; run `make data` (scripts/fetch-data.sh) first");
        }
        try (Stream<Path> s = Files.walk(textDir)) {
            List<Path> files = s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".txt")).sorted()
                    .toList();
            assertTrue(!files.isEmpty(), "no .txt files under " + textDir + "; run `make data`");
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + textDir, e);
        }
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    /**
     * Documents (separated by blank lines, which belong to no document) from {@value #SAMPLE_RUNS} evenly spaced
     * runs of the file, about {@code quota} bytes in all; the whole file when it fits.
     *
     * @return the bytes taken
     */
    private static long sample(String label, String text, long size, long quota, List<Document> out) {
        long taken = 0;
        int runs = quota >= size ? 1 : SAMPLE_RUNS;
        long runBytes = quota / runs;
        for (int r = 0; r < runs; r++) {
            int start = r == 0 ? 0 : text.indexOf("\n\n", (int) ((long) text.length() * r / runs));
            if (start < 0) {
                break; // no blank line after this point: the rest is one document, already taken or too long
            }
            long runTaken = 0;
            while (start < text.length() && (runs == 1 || runTaken < runBytes)) {
                int end = text.indexOf("\n\n", start);
                if (end < 0) {
                    end = text.length();
                }
                if (end > start) {
                    String doc = text.substring(start, end);
                    long n = doc.getBytes(StandardCharsets.UTF_8).length;
                    runTaken += n;
                    out.add(new Document(label + " @" + start, doc));
                }
                start = end + 2;
            }
            taken += runTaken;
        }
        return taken;
    }

    /**
     * One whole stretch of about {@value #CHUNK_CHARS} chars from the middle of a file, cut at blank lines and
     * keeping its blank lines (and the one after it: whitespace at end of text).
     *
     * @return the bytes taken
     */
    private static long chunk(String label, String text, List<Document> out) {
        int start = text.length() <= CHUNK_CHARS ? 0 : text.indexOf("\n\n", (text.length() - CHUNK_CHARS) / 2);
        if (start < 0) {
            start = 0;
        }
        int end = text.indexOf("\n\n", start + CHUNK_CHARS);
        end = end < 0 ? text.length() : end + 2;
        String c = text.substring(start, end);
        out.add(new Document(label + " chunk@" + start, c));
        return c.getBytes(StandardCharsets.UTF_8).length;
    }
}
