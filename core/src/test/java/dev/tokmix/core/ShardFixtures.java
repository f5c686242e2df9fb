package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokmix.core.TokenShardReader.Format;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Shared pieces of the shard tests: the writer's (format, dtype) pairs, random documents with the values that
 * matter (0, the dtype's largest id, empty documents, one document larger than the writer's 1 MiB buffer), a
 * little-endian encoder and a Megatron index builder written from the layout table (not from tokmix's constants,
 * so they check the code rather than repeat it), and one assertion that exercises every read method.
 */
final class ShardFixtures {
    /** The delimiter llm.c uses with 20240520 (GPT-2, uint16) shards. */
    static final int LLMC_EOT_UINT16 = 50256;
    /** The delimiter llm.c uses with 20240801 (Llama 3, uint32) shards. */
    static final int LLMC_EOT_UINT32 = 128000;
    /** {@code MMIDIDX\0\0}. */
    static final byte[] MEGATRON_MAGIC = "MMIDIDX\0\0".getBytes(StandardCharsets.US_ASCII);

    private ShardFixtures() {
    }

    /** One format and a dtype the writer accepts for it. */
    record Case(Format format, TokenDtype dtype) {
        @Override
        public String toString() {
            return format + "/" + dtype;
        }

        /** The llm.c delimiter of this dtype, or -1 for formats with a document index. */
        int llmcDelimiter() {
            if (format != Format.LLMC) {
                return -1;
            }
            return dtype == TokenDtype.UINT16 ? LLMC_EOT_UINT16 : LLMC_EOT_UINT32;
        }
    }

    /** Every (format, dtype) pair the writer accepts. */
    static List<Case> writerCases() {
        return List.of(
                new Case(Format.MEGATRON, TokenDtype.UINT16),
                new Case(Format.MEGATRON, TokenDtype.INT32),
                new Case(Format.MEGATRON, TokenDtype.INT64),
                new Case(Format.LLMC, TokenDtype.UINT16),
                new Case(Format.LLMC, TokenDtype.UINT32),
                new Case(Format.NPY, TokenDtype.UINT16),
                new Case(Format.NPY, TokenDtype.INT32),
                new Case(Format.NPY, TokenDtype.UINT32),
                new Case(Format.NPY, TokenDtype.INT64));
    }

    /** A random id of the dtype, often 0 or the largest one, never {@code avoid}. */
    static int randomId(Random rnd, TokenDtype dtype, int avoid) {
        int max = dtype.maxTokenId();
        int id = switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> max;
            case 2 -> max - 1;
            case 3 -> rnd.nextInt((int) Math.min(300L, max + 1L));
            default -> max == Integer.MAX_VALUE ? rnd.nextInt() & Integer.MAX_VALUE : rnd.nextInt(max + 1);
        };
        return id == avoid ? (id == 0 ? 1 : id - 1) : id;
    }

    /**
     * Random documents: the first one empty, about one in six empty, one (at a random place) larger than the
     * writer's 1 MiB buffer in this dtype, the rest up to 300 tokens; at least one id 0 and one largest id.
     * With {@code llmcDelimiter >= 0} every document starts with it (llm.c's layout) and holds it nowhere else,
     * so none is empty.
     */
    static int[][] randomDocuments(Random rnd, TokenDtype dtype, int llmcDelimiter) {
        // Crosses the writer's buffer, the reader's 16,384-token scan chunks and its positioned scratch.
        return randomDocuments(rnd, dtype, llmcDelimiter, (1 << 20) / dtype.byteSize() + 4093);
    }

    /** {@link #randomDocuments(Random, TokenDtype, int)} with the large document {@code hugeLength} long. */
    static int[][] randomDocuments(Random rnd, TokenDtype dtype, int llmcDelimiter, int hugeLength) {
        int count = 20 + rnd.nextInt(20);
        int huge = 1 + rnd.nextInt(count - 1);
        int[][] docs = new int[count][];
        for (int d = 0; d < count; d++) {
            int len;
            if (d == huge) {
                len = hugeLength;
            } else if (d == 0 || rnd.nextInt(6) == 0) {
                len = 0;
            } else {
                len = 1 + rnd.nextInt(300);
            }
            int[] doc = new int[len];
            for (int i = 0; i < len; i++) {
                doc[i] = randomId(rnd, dtype, llmcDelimiter);
            }
            docs[d] = llmcDelimiter >= 0 ? prepend(llmcDelimiter, doc) : doc;
        }
        // The extreme values, for certain.
        int[] last = docs[count - 1];
        int[] withExtremes = Arrays.copyOf(last, last.length + 2);
        withExtremes[last.length] = 0;
        withExtremes[last.length + 1] = dtype.maxTokenId();
        docs[count - 1] = withExtremes;
        return docs;
    }

    static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    static int[] concat(int[][] docs) {
        int total = 0;
        for (int[] d : docs) {
            total += d.length;
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] d : docs) {
            System.arraycopy(d, 0, all, at, d.length);
            at += d.length;
        }
        return all;
    }

    /** Tokens as the dtype stores them on disk, little-endian. */
    static byte[] littleEndian(TokenDtype dtype, int[] tokens, int from, int to) {
        ByteBuffer b = ByteBuffer.allocate((to - from) * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < to; i++) {
            int t = tokens[i];
            switch (dtype) {
                case UINT8 -> b.put((byte) t);
                case UINT16 -> b.putShort((short) t);
                case INT32, UINT32 -> b.putInt(t);
                case INT64 -> b.putLong(t);
            }
        }
        return b.array();
    }

    static byte[] littleEndian(TokenDtype dtype, int[] tokens) {
        return littleEndian(dtype, tokens, 0, tokens.length);
    }

    /**
     * Writes documents through every entry point of the writer in turn (whole documents, documents from an offset
     * into a larger array, pieces then {@code endDocument}, single tokens) and commits.
     *
     * @return the committed shard
     */
    static TokenShardWriter.Committed write(Case c, Path prefix, int[][] docs) {
        try (TokenShardWriter w = TokenShardWriter.create(c.format(), prefix, c.dtype(), 0)) {
            for (int d = 0; d < docs.length; d++) {
                int[] doc = docs[d];
                switch (d % 4) {
                    case 0 -> w.writeDocument(doc, 0, doc.length);
                    case 1 -> {
                        int[] padded = new int[doc.length + 7];
                        System.arraycopy(doc, 0, padded, 3, doc.length);
                        w.writeDocument(padded, 3, doc.length);
                    }
                    case 2 -> {
                        int half = doc.length / 2;
                        w.addTokens(doc, 0, half);
                        w.addTokens(doc, half, doc.length - half);
                        w.endDocument();
                    }
                    default -> {
                        if (doc.length < 1000) {
                            for (int t : doc) {
                                w.addToken(t);
                            }
                        } else {
                            w.addTokens(doc, 0, doc.length);
                        }
                        w.endDocument();
                    }
                }
                assertEquals(d + 1, w.documentCount());
            }
            return w.commit();
        }
    }

    /** The path a reader opens for a shard written under {@code prefix}. */
    static Path shardPath(Format format, Path prefix) {
        return switch (format) {
            case MEGATRON -> prefix.resolveSibling(prefix.getFileName() + ".idx");
            case LLMC -> prefix.resolveSibling(prefix.getFileName() + ".bin");
            case NPY -> prefix.resolveSibling(prefix.getFileName() + ".npy");
            case HEADERLESS -> prefix;
        };
    }

    /** Options for one access mode with a budget of its own (so tests never share the process-wide one). */
    static TokenShardReader.Options options(TokenShardReader.Access access) {
        return TokenShardReader.Options.defaults().withAccess(access).withMappings(new MappingBudget(64));
    }

    /**
     * A Megatron index, byte for byte as the layout table in {@link MegatronFormat} (and Megatron's
     * {@code _IndexWriter}) draws it: 34-byte header, int32 lengths, int64 pointers, int64 document indices.
     */
    static byte[] megatronIndex(int dtypeCode, int[] lengths, long[] pointers, long[] documentIndices) {
        int n = lengths.length;
        int m = documentIndices.length;
        ByteBuffer b = ByteBuffer.allocate(34 + 12 * n + 8 * m).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MEGATRON_MAGIC).putLong(1).put((byte) dtypeCode).putLong(n).putLong(m);
        for (int len : lengths) {
            b.putInt(len);
        }
        for (long p : pointers) {
            b.putLong(p);
        }
        for (long di : documentIndices) {
            b.putLong(di);
        }
        return b.array();
    }

    /** Pointers of sequences laid back to back, as every Megatron writer computes them (int64 byte offsets). */
    static long[] contiguousPointers(int[] lengths, int itemSize) {
        long[] p = new long[lengths.length];
        long at = 0;
        for (int i = 0; i < lengths.length; i++) {
            p[i] = at;
            at += (long) lengths[i] * itemSize;
        }
        return p;
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks every read method of an open reader against the documents it should hold: counts, each document's
     * start, end and length, {@code document}, {@code readDocument}, {@code token} (every token of small shards,
     * a sample of large ones), the whole shard and random ranges at odd offsets through {@code copyTokens}, raw
     * copies into native and heap segments at odd byte offsets, {@code maxTokenId} and the bounds checks.
     */
    static void assertReads(TokenShardReader r, int[][] docs, long seed) {
        String where = r + ", seed " + seed;
        int[] all = concat(docs);
        int total = all.length;
        assertEquals(total, r.tokenCount(), where);
        assertEquals(docs.length, r.documentCount(), where);
        long at = 0;
        for (int d = 0; d < docs.length; d++) {
            String doc = where + ", document " + d;
            assertEquals(at, r.documentStart(d), doc);
            assertEquals(at + docs[d].length, r.documentEnd(d), doc);
            assertEquals(docs[d].length, r.documentLength(d), doc);
            assertArrayEquals(docs[d], r.document(d), doc);
            int[] buf = new int[docs[d].length + 3];
            Arrays.fill(buf, -7);
            assertEquals(docs[d].length, r.readDocument(d, buf), doc);
            assertArrayEquals(docs[d], Arrays.copyOf(buf, docs[d].length), doc);
            assertEquals(-7, buf[docs[d].length], doc + ": readDocument wrote past the document");
            at += docs[d].length;
        }
        int step = total <= 20_000 ? 1 : 211;
        for (int i = 0; i < total; i += step) {
            assertEquals(all[i], r.token(i), where + ", token " + i);
        }
        if (total > 0) {
            assertEquals(all[total - 1], r.token(total - 1), where);
        }
        int[] whole = new int[total];
        r.copyTokens(0, whole, 0, total);
        assertArrayEquals(all, whole, where);

        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int k = 0; k < 32; k++) {
                int start = total == 0 ? 0 : rnd.nextInt(total);
                // Mostly ranges up to 40,000 tokens (several scan chunks), some to the end, some of 0 or 1 token.
                int count = rnd.nextInt((k % 4 == 0 ? total - start : Math.min(total - start, 40_000)) + 1);
                if (k % 8 == 1) {
                    count = Math.min(count, 1);
                }
                int dstIndex = 1 + 2 * rnd.nextInt(3);
                int[] dst = new int[count + dstIndex + 2];
                r.copyTokens(start, dst, dstIndex, count);
                assertArrayEquals(Arrays.copyOfRange(all, start, start + count),
                        Arrays.copyOfRange(dst, dstIndex, dstIndex + count), where + ", range " + start + "+" + count);

                byte[] want = littleEndian(r.dtype(), all, start, start + count);
                long bytes = want.length;
                MemorySegment nativeDst = arena.allocate(bytes + 8);
                r.copyRawTokens(start, count, nativeDst, 3);
                assertArrayEquals(want, nativeDst.asSlice(3, bytes).toArray(ValueLayout.JAVA_BYTE),
                        where + ", raw range " + start + "+" + count);
                byte[] heapBytes = new byte[want.length + 5];
                r.copyRawTokens(start, count, MemorySegment.ofArray(heapBytes), 5);
                assertArrayEquals(want, Arrays.copyOfRange(heapBytes, 5, heapBytes.length), where);
                // A heap segment over another primitive array is a valid destination too.
                long[] heapLongs = new long[(int) (bytes / 8) + 2];
                MemorySegment longs = MemorySegment.ofArray(heapLongs);
                r.copyRawTokens(start, count, longs, 1);
                assertArrayEquals(want, longs.asSlice(1, bytes).toArray(ValueLayout.JAVA_BYTE), where);
            }
        }
        int max = -1;
        for (int t : all) {
            max = Math.max(max, t);
        }
        assertEquals(max, r.maxTokenId(), where);

        long n = r.documentCount();
        assertThrows(IndexOutOfBoundsException.class, () -> r.documentEnd(n), where);
        assertThrows(IndexOutOfBoundsException.class, () -> r.documentLength(-1), where);
        assertThrows(IndexOutOfBoundsException.class, () -> r.token(total), where);
        assertThrows(IndexOutOfBoundsException.class, () -> r.token(-1), where);
        assertThrows(IndexOutOfBoundsException.class, () -> r.copyTokens(total, new int[2], 0, 1), where);
        assertThrows(IndexOutOfBoundsException.class, () -> r.copyTokens(0, new int[2], 1, 2), where);
    }

    /** Files in a folder, by name, sorted. */
    static List<String> fileNames(Path dir) {
        try (var s = Files.list(dir)) {
            List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()).toList());
            names.sort(null);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
