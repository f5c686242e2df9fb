package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tokmix.bpe.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Runs tokmix against a reference over many documents and fails with a readable report: how many documents
 * differ, and for the first few the document index and label, a snippet around the first differing token, and
 * both id windows with each token's bytes.
 */
final class Parity {
    /** Documents per reference call; large enough to keep both cores busy, small enough to bound memory. */
    private static final int BATCH_CHARS = 2_000_000;
    private static final int SHOWN = 5;

    private Parity() {
    }

    /**
     * Compares tokmix with a reference on every document, in batches.
     *
     * @param what      what is compared, e.g. {@code "o200k_base encodeOrdinary vs jtokkit"}
     * @param documents the documents
     * @param expected  reference ids of a batch of texts (may run in parallel itself)
     * @param actual    tokmix ids of one text (called from several threads)
     * @param display   tokenizer used to render ids in the report
     */
    static void assertSameIds(String what, List<ParityCorpus.Document> documents,
                              Function<List<String>, int[][]> expected, Function<String, int[]> actual,
                              Tokenizer display) {
        List<String> report = new ArrayList<>();
        int mismatches = 0;
        int start = 0;
        while (start < documents.size()) {
            int end = start;
            long chars = 0;
            while (end < documents.size() && (end == start || chars < BATCH_CHARS)) {
                chars += documents.get(end).text().length();
                end++;
            }
            List<String> texts = documents.subList(start, end).stream().map(ParityCorpus.Document::text).toList();
            int[][] want = expected.apply(texts);
            int[][] got = texts.parallelStream().map(actual).toArray(int[][]::new);
            for (int i = 0; i < texts.size(); i++) {
                if (!Arrays.equals(want[i], got[i])) {
                    mismatches++;
                    if (report.size() < SHOWN) {
                        report.add(describe(start + i, documents.get(start + i), want[i], got[i], display));
                    }
                }
            }
            start = end;
        }
        if (mismatches > 0) {
            fail(what + ": " + mismatches + " of " + documents.size() + " documents differ (first "
                    + report.size() + " shown)\n" + String.join("\n", report));
        }
    }

    /**
     * A reference that encodes one text at a time, run over a batch in parallel.
     *
     * @param one reference ids of one text (thread-safe)
     * @return a batch function for {@link #assertSameIds}
     */
    static Function<List<String>, int[][]> eachInParallel(Function<String, int[]> one) {
        return texts -> texts.parallelStream().map(one).toArray(int[][]::new);
    }

    /**
     * Asserts equal ids for one text, with the same report as {@link #assertSameIds}.
     *
     * @param what     what is compared
     * @param text     the text
     * @param expected reference ids
     * @param actual   tokmix ids
     * @param display  tokenizer used to render ids
     */
    static void assertSameIds(String what, String text, int[] expected, int[] actual, Tokenizer display) {
        if (!Arrays.equals(expected, actual)) {
            fail(what + ":\n" + describe(0, new ParityCorpus.Document("single text", text), expected, actual,
                    display));
        }
    }

    static String describe(int index, ParityCorpus.Document doc, int[] expected, int[] actual, Tokenizer display) {
        int p = 0;
        while (p < expected.length && p < actual.length && expected[p] == actual[p]) {
            p++;
        }
        byte[] utf8 = Texts.utf8(doc.text());
        long offset = 0;
        for (int i = 0; i < p; i++) {
            offset += tokenBytes(display, expected[i]).length;
        }
        int from = (int) Math.max(0, offset - 40);
        int to = (int) Math.min(utf8.length, offset + 60);
        String before = new String(utf8, from, (int) (offset - from), StandardCharsets.UTF_8);
        String after = new String(utf8, (int) Math.min(offset, utf8.length), (int) Math.max(0, to - offset),
                StandardCharsets.UTF_8);
        return "  document " + index + " [" + doc.label() + "] (" + doc.text().length() + " chars, "
                + expected.length + " expected ids, " + actual.length + " actual ids)\n"
                + "    first difference at id position " + p + ", byte offset " + offset + ": \""
                + Texts.escape(before, 80) + "⟦here⟧" + Texts.escape(after, 120) + "\"\n"
                + "    expected[" + Math.max(0, p - 3) + "..] = " + window(expected, p, display) + "\n"
                + "    actual  [" + Math.max(0, p - 3) + "..] = " + window(actual, p, display);
    }

    private static String window(int[] ids, int p, Tokenizer display) {
        StringBuilder b = new StringBuilder("[");
        for (int i = Math.max(0, p - 3); i < Math.min(ids.length, p + 8); i++) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(ids[i]).append(" \"")
                    .append(Texts.escape(new String(tokenBytes(display, ids[i]), StandardCharsets.UTF_8), 40))
                    .append('"');
        }
        return b.append(']').toString();
    }

    private static byte[] tokenBytes(Tokenizer display, int id) {
        return display.isToken(id) ? display.tokenBytes(id) : ("<?" + id + ">").getBytes(StandardCharsets.UTF_8);
    }
}
