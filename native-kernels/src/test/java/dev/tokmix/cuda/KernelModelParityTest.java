package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.DisallowedSpecialTokenException;
import dev.tokmix.bpe.DocumentBatchEncoder;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole CUDA encoder with the kernels' CPU twin as its device gives exactly {@link Tokenizer#encode}'s ids:
 * o200k_base, cl100k_base and Llama 3 ({@code tokenizer.json}, {@code ignore_merges}) on multilingual prose (55
 * languages) and code (10 languages), the block kernel alone, both thread orders, every entry point, and edge
 * documents (empty, a 100 KB run of one letter or of spaces, long CJK and base64 runs, emoji, special-token text,
 * ill-formed UTF-8, lone surrogates).
 */
class KernelModelParityTest {

    static int[] reference(Tokenizer t, byte[] doc, SpecialTokenPolicy policy) {
        TokenBuffer b = new TokenBuffer();
        t.encode(doc, 0, doc.length, policy, b);
        return b.toArray();
    }

    static CudaBatchEncoder twin(Tokenizer t, SpecialTokenPolicy policy, CudaBatchEncoder.Options o, int longThreads,
                                 boolean descending, int shortMax) {
        return CudaBatchEncoder.withKernelModel(t, policy, o, longThreads, descending, shortMax);
    }

    static CudaBatchEncoder.Options options(int threads, int groupBytes) {
        return new CudaBatchEncoder.Options(threads, groupBytes, 0, 2);
    }

    /** Encodes with {@code enc} and asserts every document's ids; returns the encoder's counters. */
    static long[] assertParity(Tokenizer t, List<byte[]> docs, CudaBatchEncoder enc, SpecialTokenPolicy policy,
                               String what) {
        TokenBuffer[] out = new TokenBuffer[docs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new TokenBuffer();
        }
        byte[][] arr = docs.toArray(new byte[0][]);
        long n = enc.encode(arr, out);
        long expected = 0;
        for (int i = 0; i < arr.length; i++) {
            int[] ref = reference(t, arr[i], policy);
            expected += ref.length;
            int fi = i;
            assertArrayEquals(ref, out[i].toArray(), () -> what + ": document " + fi + " differs: "
                    + new String(arr[fi], 0, Math.min(arr[fi].length, 200), StandardCharsets.UTF_8));
        }
        assertEquals(expected, n, what + ": id count");
        long[] c = enc.counters();
        System.out.printf("[parity] %s: %d documents, %.2f MB, %,d ids; deferred %,d pieces (%.2f MB) in %d"
                + " batches%n", what, arr.length, TestCorpus.bytes(docs) / 1e6, n, c[2], c[3] / 1e6, c[0] + c[1]);
        return c;
    }

    static List<byte[]> proseAndCode(int prosePerFile, int codePerFile) {
        List<byte[]> docs = new ArrayList<>(TestCorpus.documents("prose", prosePerFile, 4096));
        docs.addAll(TestCorpus.documents("code", codePerFile, 4096));
        return docs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"o200k_base", "cl100k_base", "llama3"})
    void twinGivesTheCpuEncodersIdsOnMultilingualProseAndCode(String name) {
        Tokenizer t = TestCorpus.tokenizer(name);
        List<byte[]> docs = proseAndCode(45_000, 150_000);
        try (CudaBatchEncoder enc = twin(t, SpecialTokenPolicy.ordinary(), options(2, 1 << 20), 128, false,
                PieceBatchFormat.SHORT_MAX_BYTES)) {
            long[] c = assertParity(t, docs, enc, SpecialTokenPolicy.ordinary(), name + " prose+code");
            assertTrue(c[2] > 5_000, "the corpus must defer many pieces");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"o200k_base", "llama3"})
    void blockKernelAloneGivesTheSameIdsInEitherThreadOrder(String name) {
        Tokenizer t = TestCorpus.tokenizer(name);
        List<byte[]> docs = proseAndCode(5_000, 10_000);
        try (CudaBatchEncoder enc = twin(t, SpecialTokenPolicy.ordinary(), options(2, 256 << 10), 32, true, 0)) {
            assertParity(t, docs, enc, SpecialTokenPolicy.ordinary(), name + " block kernel, 32 threads, descending");
        }
    }

    static List<byte[]> edgeDocuments() {
        List<byte[]> docs = new ArrayList<>();
        docs.add(new byte[0]);
        docs.add(TestCorpus.utf8("a"));
        docs.add(TestCorpus.utf8("a".repeat(100_000)));
        docs.add(TestCorpus.utf8(" ".repeat(100_000) + "x"));
        docs.add(TestCorpus.utf8("\n".repeat(5_000)));
        docs.add(TestCorpus.utf8("的".repeat(5_000)));
        docs.add(TestCorpus.utf8("日本語のテキストと中文文本和한국어".repeat(200)));
        docs.add(TestCorpus.utf8("👍🏽👨‍👩‍👧‍👦🇺🇳".repeat(300)));
        docs.add(TestCorpus.utf8("1234567890".repeat(500)));
        StringBuilder b64 = new StringBuilder();
        Random rnd = new Random(3);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 20_000; i++) {
            b64.append(alphabet.charAt(rnd.nextInt(64)));
        }
        docs.add(TestCorpus.utf8(b64.toString()));
        docs.add(TestCorpus.utf8("antidisestablishmentarianism supercalifragilisticexpialidocious "
                + "Donaudampfschifffahrtsgesellschaftskapitän <|endoftext|> done"));
        byte[] bad = new byte[3000];
        rnd.nextBytes(bad);
        docs.add(bad);
        docs.add(TestCorpus.utf8("x".repeat(63) + " " + "y".repeat(64) + " " + "z".repeat(65) + " " + "w".repeat(17)));
        return docs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"o200k_base", "llama3"})
    @Timeout(60)
    void edgeDocumentsGiveTheCpuEncodersIds(String name) {
        Tokenizer t = TestCorpus.tokenizer(name);
        List<byte[]> docs = edgeDocuments();
        for (int threads : new int[] {1, 3}) {
            try (CudaBatchEncoder enc = twin(t, SpecialTokenPolicy.ordinary(), options(threads, 1), 128, false,
                    PieceBatchFormat.SHORT_MAX_BYTES)) {
                assertParity(t, docs, enc, SpecialTokenPolicy.ordinary(), name + " edge documents, " + threads
                        + " threads, one group each");
            }
        }
        SpecialTokenPolicy all = SpecialTokenPolicy.all();
        try (CudaBatchEncoder enc = twin(t, all, options(2, 1 << 20), 128, false, PieceBatchFormat.SHORT_MAX_BYTES)) {
            assertParity(t, docs, enc, all, name + " edge documents, special tokens allowed");
        }
    }

    @Test
    void everyEntryPointGivesTheSameIds() {
        Tokenizer t = TestCorpus.tokenizer("o200k_base");
        List<byte[]> docs = new ArrayList<>(TestCorpus.documents("prose", 3_000, 1024));
        docs.addAll(edgeDocuments());
        byte[][] arr = docs.toArray(new byte[0][]);
        SpecialTokenPolicy p = SpecialTokenPolicy.ordinary();
        TokenBuffer all = new TokenBuffer();
        for (byte[] d : arr) {
            t.encode(d, 0, d.length, p, all);
        }
        try (CudaBatchEncoder enc = twin(t, p, options(3, 64 << 10), 128, false, PieceBatchFormat.SHORT_MAX_BYTES)) {
            TokenBuffer inOrder = new TokenBuffer();
            assertEquals(all.size(), enc.encodeInOrder(arr, inOrder));
            assertArrayEquals(all.toArray(), inOrder.toArray(), "encodeInOrder");

            // Documents back to back, as tokmix shard passes them: ids in order, start/end around each.
            int total = 0;
            for (byte[] d : arr) {
                total += d.length;
            }
            byte[] text = new byte[total];
            int[] ends = new int[arr.length + 5];
            int at = 0;
            for (int i = 0; i < arr.length; i++) {
                System.arraycopy(arr[i], 0, text, at, arr[i].length);
                at += arr[i].length;
                ends[i] = at;
            }
            List<String> events = new ArrayList<>();
            TokenBuffer flat = new TokenBuffer();
            long n = enc.encode(text, ends, arr.length, p, new DocumentBatchEncoder.DocumentSink() {
                int expectedNext;

                @Override
                public void startDocument(int document) {
                    assertEquals(expectedNext, document, "documents start in order");
                    events.add("s" + document);
                }

                @Override
                public void endDocument(int document) {
                    assertEquals(expectedNext++, document);
                    events.add("e" + document);
                }

                @Override
                public void accept(int tokenId) {
                    flat.accept(tokenId);
                }
            });
            assertEquals(all.size(), n);
            assertArrayEquals(all.toArray(), flat.toArray(), "DocumentBatchEncoder");
            assertEquals(2 * arr.length, events.size());

            // Strings: lone surrogates are U+FFFD, as Tokenizer.encode(CharSequence) has them.
            String[] strings = {"abc\uD800def", "\uDC00", "plain text", "", "x\uD83D\uDE00y" + "z".repeat(40)};
            TokenBuffer[] out = new TokenBuffer[strings.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = new TokenBuffer();
            }
            enc.encode(strings, out);
            for (int i = 0; i < strings.length; i++) {
                assertArrayEquals(t.encode(strings[i], p), out[i].toArray(), "string " + i);
            }
        }
    }

    @Test
    void smallGroupsAreMergedByTheCpuTwinWithTheSameIds() {
        Tokenizer t = TestCorpus.tokenizer("cl100k_base");
        List<byte[]> docs = TestCorpus.documents("prose", 4_000, 4096);
        CudaBatchEncoder.Options o = new CudaBatchEncoder.Options(2, 16 << 10, Integer.MAX_VALUE, 1);
        try (CudaBatchEncoder enc = twin(t, SpecialTokenPolicy.ordinary(), o, 128, false,
                PieceBatchFormat.SHORT_MAX_BYTES)) {
            long[] c = assertParity(t, docs, enc, SpecialTokenPolicy.ordinary(), "cl100k, all groups on the CPU");
            assertEquals(0, c[0], "no group reached the device threshold");
        }
    }

    @Test
    void disallowedSpecialTokensRaiseAndAClosedEncoderRefuses() {
        Tokenizer t = TestCorpus.tokenizer("o200k_base");
        CudaBatchEncoder enc = twin(t, SpecialTokenPolicy.allowing(java.util.Set.of()), options(1, 1 << 20), 128,
                false, PieceBatchFormat.SHORT_MAX_BYTES);
        byte[][] docs = {TestCorpus.utf8("fine"), TestCorpus.utf8("not <|endoftext|> fine")};
        TokenBuffer[] out = {new TokenBuffer(), new TokenBuffer()};
        assertThrows(DisallowedSpecialTokenException.class, () -> enc.encode(docs, out));
        enc.close();
        enc.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> enc.encode(docs, out));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
