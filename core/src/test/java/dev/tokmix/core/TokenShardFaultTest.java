package dev.tokmix.core;

import static dev.tokmix.core.ShardFixtures.contiguousPointers;
import static dev.tokmix.core.ShardFixtures.littleEndian;
import static dev.tokmix.core.ShardFixtures.megatronIndex;
import static dev.tokmix.core.ShardFixtures.options;
import static dev.tokmix.core.ShardFixtures.shardPath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tokmix.core.ShardFixtures.Case;
import dev.tokmix.core.TokenShardReader.Access;
import dev.tokmix.core.TokenShardReader.Format;
import dev.tokmix.core.TokenShardReader.Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damaged shards fail at open with a {@link ShardFormatException} that names the file, the byte offset and a
 * remedy, never with an {@link IndexOutOfBoundsException} or a silent success: truncation at every byte (every
 * structural boundary of llm.c), flipped magic, version and dtype bytes, indexes that disagree with their data,
 * ids beyond the vocabulary or the int range; and the writer refuses what it cannot store, leaving no files.
 */
class TokenShardFaultTest {
    /** Four documents (so no truncation or trailing byte can pass for the N = 1 fairseq or multimodal layouts). */
    private static final int[][] DOCS = {{1, 2, 3}, {}, {4, 5}, {65535, 0, 7, 8}};
    private static final int TOKENS = 9;

    @TempDir
    Path dir;

    static Stream<Case> writerCases() {
        return ShardFixtures.writerCases().stream();
    }

    private Path writeShard(Case c, String name) {
        Path prefix = dir.resolve(name);
        ShardFixtures.write(c, prefix, DOCS);
        return prefix;
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens {@code path} and expects a {@link ShardFormatException} about {@code file} at {@code offset} (or at
     * any offset &gt;= 0 when {@code offset} is -1), whose message names the file and gives a remedy.
     */
    private static ShardFormatException assertRejected(Path path, Options o, Path file, long offset, String what) {
        Throwable t = null;
        try (TokenShardReader r = TokenShardReader.open(path, o)) {
            fail(what + ": opened without complaint: " + r);
        } catch (Throwable e) {
            t = e;
        }
        ShardFormatException e = assertInstanceOf(ShardFormatException.class, t, what);
        assertEquals(file.toAbsolutePath(), e.file().toAbsolutePath(), what + ": " + e.getMessage());
        if (offset >= 0) {
            assertEquals(offset, e.offsetBytes(), what + ": " + e.getMessage());
        } else {
            assertTrue(e.offsetBytes() >= 0, what + ": " + e.getMessage());
        }
        assertTrue(e.getMessage().contains("remedy"), what + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), what + ": " + e.getMessage());
        return e;
    }

    /** Every length from 0 to size - 1 of {@code original}, written to {@code target}, must be rejected. */
    private void assertEveryTruncationRejected(Path original, Path target, Path open, Access access,
                                               Iterable<Integer> lengths) {
        byte[] all = bytes(original);
        for (int len : lengths) {
            ShardFixtures.write(target, Arrays.copyOf(all, len));
            assertRejected(open, options(access), target, -1, target.getFileName() + " cut to " + len + " of "
                    + all.length + " bytes, " + access);
        }
        ShardFixtures.write(target, all);
    }

    private static List<Integer> everyLength(Path p) {
        return java.util.stream.IntStream.range(0, bytes(p).length).boxed().toList();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Truncation

    /**
     * Megatron index cut at every byte: in the magic, at 9 (version), 17 (dtype), 18 (N), 26 (M), 34 (lengths),
     * 34+4N (pointers), 34+12N (document indices), end-1, and everywhere between.
     */
    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void rejectsMegatronIndexTruncatedAtEveryByte(Access access) {
        Path prefix = writeShard(new Case(Format.MEGATRON, TokenDtype.UINT16), "m");
        Path idx = dir.resolve("m.idx");
        Path copy = dir.resolve("m.idx.orig");
        ShardFixtures.write(copy, bytes(idx));
        assertEquals(34 + 12 * 4 + 8 * 5, bytes(idx).length);
        assertEveryTruncationRejected(copy, idx, idx, access, everyLength(copy));
        assertTrue(Files.exists(prefix.resolveSibling("m.bin")));
        // One sequence: cut at 34 + 4N = 38 the index has the size of a fairseq index (26 + 12N), whose pointer
        // then reads as 3 << 32 and is refused.
        ShardFixtures.write(new Case(Format.MEGATRON, TokenDtype.INT32), dir.resolve("one"), new int[][] {{7, 8, 9}});
        Path one = dir.resolve("one.idx");
        ShardFixtures.write(copy, bytes(one));
        assertEveryTruncationRejected(copy, one, one, access, everyLength(copy));
    }

    /** Megatron data file cut at each sequence boundary and at every byte between. */
    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void rejectsMegatronDataTruncatedAtEveryByte(Access access) {
        for (TokenDtype dtype : List.of(TokenDtype.UINT16, TokenDtype.INT64)) {
            writeShard(new Case(Format.MEGATRON, dtype), "m" + dtype);
            Path bin = dir.resolve("m" + dtype + ".bin");
            Path copy = dir.resolve("m" + dtype + ".bin.orig");
            ShardFixtures.write(copy, bytes(bin));
            assertEquals(TOKENS * dtype.byteSize(), bytes(bin).length);
            assertEveryTruncationRejected(copy, bin, dir.resolve("m" + dtype + ".idx"), access, everyLength(copy));
        }
    }

    /** llm.c cut at 0..4 (magic), 8 (count), 12 (reserved), 1024 (tokens), each token and end-1. */
    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void rejectsLlmcShardTruncatedAtEveryBoundary(Access access) {
        for (TokenDtype dtype : List.of(TokenDtype.UINT16, TokenDtype.UINT32)) {
            Path bin = shardPath(Format.LLMC, writeShard(new Case(Format.LLMC, dtype), "l" + dtype));
            Path copy = dir.resolve("l" + dtype + ".orig");
            ShardFixtures.write(copy, bytes(bin));
            int size = bytes(bin).length;
            assertEquals(1024 + TOKENS * dtype.byteSize(), size);
            TreeSet<Integer> cuts = new TreeSet<>(List.of(0, 1, 2, 3, 4, 5, 8, 11, 12, 13, 512, 1020, 1023));
            for (int at = 1024; at < size; at += dtype.byteSize()) {
                cuts.add(at);
                cuts.add(at + 1);
            }
            cuts.add(size - 1);
            assertEveryTruncationRejected(copy, bin, bin, access, cuts);
        }
    }

    /** numpy tokens and document offsets cut at every byte: 0, 6 (version), 8 (header length), 10, 128, end-1. */
    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void rejectsNpyShardTruncatedAtEveryByte(Access access) {
        Path npy = shardPath(Format.NPY, writeShard(new Case(Format.NPY, TokenDtype.INT32), "n"));
        Path docs = dir.resolve("n.docs.npy");
        Path copy = dir.resolve("n.orig");
        ShardFixtures.write(copy, bytes(npy));
        assertEveryTruncationRejected(copy, npy, npy, access, everyLength(copy));
        ShardFixtures.write(copy, bytes(docs));
        assertEveryTruncationRejected(copy, docs, npy, access, everyLength(copy));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Flipped header bytes

    /** {@code expectedOffset} for a field whose every byte is named by its own offset (magic). */
    private static final int EACH_BYTE = -1;
    /** {@code expectedOffset} for a field that may be blamed at any offset. */
    private static final int ANY_OFFSET = -2;

    private void assertFlipsRejected(Path file, Path open, int from, int to, int expectedOffset, String field) {
        byte[] original = bytes(file);
        for (int i = from; i < to; i++) {
            byte[] flipped = original.clone();
            flipped[i] ^= (byte) 0xFF;
            ShardFixtures.write(file, flipped);
            for (Access access : List.of(Access.MAPPED, Access.POSITIONED)) {
                assertRejected(open, options(access), file, expectedOffset == EACH_BYTE ? i : expectedOffset,
                        field + " byte " + i + " of " + file.getFileName() + " flipped, " + access);
            }
        }
        ShardFixtures.write(file, original);
    }

    @Test
    void rejectsMegatronIndexWithFlippedMagicVersionOrDtype() {
        writeShard(new Case(Format.MEGATRON, TokenDtype.UINT16), "m");
        Path idx = dir.resolve("m.idx");
        assertFlipsRejected(idx, idx, 0, 9, EACH_BYTE, "magic");
        assertFlipsRejected(idx, idx, 9, 17, 9, "version");
        assertFlipsRejected(idx, idx, 17, 18, 17, "dtype");
        byte[] original = bytes(idx);
        // Codes Megatron knows that hold no token ids: int8, int16, float64, float32.
        for (int code : new int[] {0, 2, 3, 6, 7, 9}) {
            byte[] b = original.clone();
            b[17] = (byte) code;
            ShardFixtures.write(idx, b);
            ShardFormatException e = assertRejected(idx, options(Access.AUTO), idx, 17, "dtype code " + code);
            assertTrue(e.getMessage().contains("code " + code), e.getMessage());
        }
        // Another token type: the data file no longer matches the index.
        byte[] int32 = original.clone();
        int32[17] = 4;
        ShardFixtures.write(idx, int32);
        assertRejected(idx, options(Access.AUTO), idx, 34 + 4 * 4 + 8, "uint16 read as int32");
    }

    @Test
    void rejectsLlmcShardWithFlippedMagicOrVersion() {
        for (TokenDtype dtype : List.of(TokenDtype.UINT16, TokenDtype.UINT32)) {
            Path bin = shardPath(Format.LLMC, writeShard(new Case(Format.LLMC, dtype), "l" + dtype));
            assertFlipsRejected(bin, bin, 0, 4, 0, "magic");
            assertFlipsRejected(bin, bin, 4, 8, 4, "version");
            // The token count: any change breaks the file-size equation.
            assertFlipsRejected(bin, bin, 8, 12, ANY_OFFSET, "token count");
            // The other version: the tokens no longer fill the file.
            byte[] b = bytes(bin);
            b[4] = (byte) (dtype == TokenDtype.UINT16 ? 7 : 1);
            ShardFixtures.write(bin, b);
            assertRejected(bin, options(Access.AUTO), bin, -1, "version of the other dtype");
        }
    }

    @Test
    void rejectsNpyShardWithFlippedMagicVersionOrDtype() {
        Path npy = shardPath(Format.NPY, writeShard(new Case(Format.NPY, TokenDtype.UINT16), "n"));
        Path docs = dir.resolve("n.docs.npy");
        for (Path file : List.of(npy, docs)) {
            String header = new String(bytes(file), 0, 128, StandardCharsets.ISO_8859_1);
            int descr = header.indexOf("'descr': '") + "'descr': '".length();
            assertFlipsRejected(file, npy, 0, 6, EACH_BYTE, "magic");
            assertFlipsRejected(file, npy, 6, 7, 6, "major version");
            assertFlipsRejected(file, npy, 7, 8, 7, "minor version");
            assertFlipsRejected(file, npy, descr, descr + 3, descr, "descr");
        }
        // Big-endian tokens are not read as little-endian ones.
        byte[] b = bytes(npy);
        String header = new String(b, 0, 128, StandardCharsets.ISO_8859_1);
        b[header.indexOf("<u2")] = '>';
        ShardFixtures.write(npy, b);
        assertRejected(npy, options(Access.AUTO), npy, header.indexOf("<u2"), "big-endian descr");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Indexes that disagree with their data

    /** Rewrites the little-endian field at {@code offset} of a file. */
    private static void patch(Path file, int offset, Consumer<ByteBuffer> change) {
        byte[] b = bytes(file);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(offset);
        change.accept(buf);
        ShardFixtures.write(file, b);
    }

    @Test
    void rejectsMegatronIndexesThatDisagreeWithTheirData() {
        writeShard(new Case(Format.MEGATRON, TokenDtype.UINT16), "m");
        Path idx = dir.resolve("m.idx");
        Path bin = dir.resolve("m.bin");
        byte[] original = bytes(idx);
        int n = DOCS.length;
        int lengths = 34;
        int pointers = 34 + 4 * n;
        int documents = 34 + 12 * n;
        record Fault(String what, int offset, Consumer<ByteBuffer> change, Path file, long expectedOffset) {
        }
        List<Fault> faults = List.of(
                new Fault("last length raised past the data file", lengths + 12, b -> b.putInt(5), bin, 18),
                new Fault("middle length raised", lengths + 4, b -> b.putInt(1), idx, pointers + 16),
                new Fault("negative length", lengths + 8, b -> b.putInt(-1), idx, lengths + 8),
                new Fault("pointer not at 0", pointers, b -> b.putLong(2), idx, pointers),
                new Fault("pointers out of order", pointers + 16, b -> b.putLong(10).putLong(6), idx, pointers + 16),
                new Fault("pointer past the data file", pointers + 24, b -> b.putLong(1L << 40), idx, pointers + 24),
                new Fault("document index not starting at 0", documents, b -> b.putLong(1), idx, documents),
                new Fault("document index running backwards", documents + 16, b -> b.putLong(0), idx, documents + 16),
                new Fault("document index past N", documents + 24, b -> b.putLong(5), idx, documents + 24),
                new Fault("document index not ending at N", documents + 32, b -> b.putLong(3), idx, documents + 32),
                new Fault("sequence count too large", 18, b -> b.putLong(1L << 40), idx, 18),
                new Fault("sequence count negative", 18, b -> b.putLong(-1), idx, 18),
                new Fault("document count one more", 26, b -> b.putLong(6), idx, -1),
                new Fault("document count negative", 26, b -> b.putLong(-5), idx, 26));
        for (Fault f : faults) {
            ShardFixtures.write(idx, original);
            patch(idx, f.offset(), f.change());
            for (Access access : List.of(Access.MAPPED, Access.POSITIONED)) {
                assertRejected(idx, options(access), f.file(), f.expectedOffset(), f.what() + ", " + access);
            }
        }
        ShardFixtures.write(idx, Arrays.copyOf(original, original.length + 1));
        assertRejected(idx, options(Access.AUTO), idx, original.length, "a trailing byte in the index");
        ShardFixtures.write(idx, original);
        byte[] data = bytes(bin);
        ShardFixtures.write(bin, Arrays.copyOf(data, data.length + 1));
        assertRejected(idx, options(Access.AUTO), bin, data.length, "a trailing byte in the data file");
        ShardFixtures.write(bin, data);
        try (TokenShardReader r = TokenShardReader.open(idx)) {
            ShardFixtures.assertReads(r, DOCS, 0);
        }
        try {
            Files.delete(bin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        UncheckedIOException missing = assertThrows(UncheckedIOException.class, () -> TokenShardReader.open(idx));
        assertTrue(missing.getMessage().contains("m.bin"), missing.getMessage());
    }

    @Test
    void rejectsLlmcAndNpyFilesWithTrailingBytesOrWrongCounts() {
        Path llmc = shardPath(Format.LLMC, writeShard(new Case(Format.LLMC, TokenDtype.UINT16), "l"));
        byte[] l = bytes(llmc);
        ShardFixtures.write(llmc, Arrays.copyOf(l, l.length + 1));
        assertRejected(llmc, options(Access.AUTO), llmc, l.length, "llm.c trailing byte");
        ShardFixtures.write(llmc, Arrays.copyOf(l, l.length + 2));
        assertRejected(llmc, options(Access.AUTO), llmc, l.length, "llm.c trailing token");
        ShardFixtures.write(llmc, l);
        patch(llmc, 8, b -> b.putInt(-3));
        assertRejected(llmc, options(Access.AUTO), llmc, 8, "llm.c negative token count");

        Path npy = shardPath(Format.NPY, writeShard(new Case(Format.NPY, TokenDtype.INT64), "n"));
        byte[] n = bytes(npy);
        ShardFixtures.write(npy, Arrays.copyOf(n, n.length + 1));
        assertRejected(npy, options(Access.AUTO), npy, n.length, "npy trailing byte");
        ShardFixtures.write(npy, n);

        Path docs = dir.resolve("n.docs.npy");
        byte[] d = bytes(docs);
        record Fault(String what, int offset, Consumer<ByteBuffer> change, long expectedOffset) {
        }
        List<Fault> faults = List.of(
                new Fault("offsets not starting at 0", 128, b -> b.putLong(1), 128),
                new Fault("offsets running backwards", 128 + 16, b -> b.putLong(2), 128 + 16),
                new Fault("offsets past the tokens", 128 + 24, b -> b.putLong(TOKENS + 1), 128 + 24),
                new Fault("offsets not ending at the token count", 128 + 32, b -> b.putLong(TOKENS - 1), 128 + 32));
        for (Fault f : faults) {
            ShardFixtures.write(docs, d);
            patch(docs, f.offset(), f.change());
            for (Access access : List.of(Access.MAPPED, Access.POSITIONED)) {
                assertRejected(npy, options(access), docs, f.expectedOffset(), f.what() + ", " + access);
            }
        }
        ShardFixtures.write(docs, npyFile("<i4", "(5,)", littleEndian(TokenDtype.INT32, new int[] {0, 3, 3, 5, 9})));
        assertRejected(npy, options(Access.AUTO), docs, 0, "int32 document offsets");
        ShardFixtures.write(docs, npyFile("<i8", "(0,)", new byte[0]));
        assertRejected(npy, options(Access.AUTO), docs, 0, "no document offsets");
        ShardFixtures.write(docs, d);
        try (TokenShardReader r = TokenShardReader.open(npy)) {
            ShardFixtures.assertReads(r, DOCS, 0);
        }
    }

    /** An .npy file with a hand-written header (version 1, data at 128). */
    private static byte[] npyFile(String descr, String shape, byte[] data) {
        StringBuilder h = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape
                + ", }");
        while (h.length() < 128 - 10 - 1) {
            h.append(' ');
        }
        h.append('\n');
        ByteBuffer b = ByteBuffer.allocate(128 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length());
        b.put(h.toString().getBytes(StandardCharsets.US_ASCII)).put(data);
        return b.array();
    }

    @Test
    void rejectsNpyArraysThatAreNotOneDimensionalLittleEndianIntegers() {
        Path f = dir.resolve("x.npy");
        byte[] six = littleEndian(TokenDtype.UINT16, new int[] {1, 2, 3, 4, 5, 6});
        for (String[] bad : new String[][] {{"<u2", "(2, 3)"}, {">u2", "(6,)"}, {"<f4", "(3,)"}, {"<i2", "(6,)"},
            {"<u2", "()"}, {"<u2", "(x,)"}}) {
            ShardFixtures.write(f, npyFile(bad[0], bad[1], six));
            assertRejected(f, options(Access.AUTO), f, -1, bad[0] + " " + bad[1]);
        }
        ShardFixtures.write(f, npyFile("<u2", "(6,)", six));
        try (TokenShardReader r = TokenShardReader.open(f, options(Access.POSITIONED))) {
            ShardFixtures.assertReads(r, new int[][] {{1, 2, 3, 4, 5, 6}}, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void rejectsHeaderlessFilesThatAreNotWholeTokens(Access access) {
        Path f = dir.resolve("raw.bin");
        ShardFixtures.write(f, new byte[10]);
        assertRejected(f, options(access).withHeaderlessDtype(TokenDtype.INT64), f, 8, "10 bytes as int64");
        assertRejected(f, options(access).withHeaderlessDtype(TokenDtype.INT32), f, 8, "10 bytes as int32");
        try (TokenShardReader r = TokenShardReader.open(f, options(access).withHeaderlessDtype(TokenDtype.UINT16))) {
            assertEquals(5, r.tokenCount());
        }
    }

    @Test
    void rejectsOtherFilesWithAClearMessage() throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello, this is not a token shard at all");
        assertRejected(text, options(Access.AUTO), text, 0, "text file");
        Path tiny = dir.resolve("tiny.bin");
        ShardFixtures.write(tiny, new byte[] {1, 2});
        assertRejected(tiny, options(Access.AUTO), tiny, 2, "two-byte file");
        assertThrows(UncheckedIOException.class, () -> TokenShardReader.open(dir.resolve("absent")));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Ids

    /** Ids a Java int cannot hold (uint32 above 2^31 - 1, negative or wide int32/int64) are refused where read. */
    @ParameterizedTest
    @EnumSource(value = Access.class, names = {"MAPPED", "POSITIONED"})
    void refusesIdsBeyondTheIntRangeWhenRead(Access access) {
        record Bad(TokenDtype dtype, byte[] bytes) {
        }
        ByteBuffer i64 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(1L << 31)
                .putLong(6);
        ByteBuffer i64neg = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(-1)
                .putLong(6);
        for (Bad bad : List.of(new Bad(TokenDtype.UINT32, littleEndian(TokenDtype.INT32, new int[] {5, -1, 6})),
                new Bad(TokenDtype.UINT32, littleEndian(TokenDtype.INT32, new int[] {5, Integer.MIN_VALUE, 6})),
                new Bad(TokenDtype.INT32, littleEndian(TokenDtype.INT32, new int[] {5, -7, 6})),
                new Bad(TokenDtype.INT64, i64.array()), new Bad(TokenDtype.INT64, i64neg.array()))) {
            Path f = dir.resolve("wide.bin");
            ShardFixtures.write(f, bad.bytes());
            long offset = bad.dtype().byteSize();
            try (TokenShardReader r = TokenShardReader.open(f, options(access).withHeaderlessDtype(bad.dtype()))) {
                assertEquals(5, r.token(0));
                assertEquals(6, r.token(2));
                for (Runnable read : List.<Runnable>of(() -> r.token(1), () -> r.copyTokens(0, new int[3], 0, 3),
                        () -> r.document(0), r::maxTokenId)) {
                    ShardFormatException e = assertThrows(ShardFormatException.class, read::run, bad.dtype() + "");
                    assertEquals(offset, e.offsetBytes(), e.getMessage());
                    assertTrue(e.getMessage().contains("remedy"), e.getMessage());
                }
            }
            assertRejected(f, options(access).withHeaderlessDtype(bad.dtype()).withIdLimit(100), f, offset,
                    "id check of " + bad.dtype());
        }
    }

    /** {@code withIdLimit(v)}: a token equal to v is rejected at open, naming its byte offset; v - 1 passes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("writerCases")
    void idLimitRejectsTheFirstIdAtTheLimitNamingItsByteOffset(Case c) {
        int limit = c.dtype().maxTokenId();
        int at = 20_000;
        int[] doc = new int[at + 10];
        for (int i = 0; i < doc.length; i++) {
            doc[i] = i % 1000;
        }
        doc[at - 1] = limit - 1;
        doc[at] = limit;
        doc[at + 5] = limit;
        Path prefix = dir.resolve("ids" + c.format() + c.dtype());
        ShardFixtures.write(c, prefix, new int[][] {{1, 2}, doc});
        Path open = shardPath(c.format(), prefix);
        Path data = TokenShardWriter.filesOf(c.format(), prefix).getFirst();
        long header = c.format() == Format.MEGATRON ? 0 : c.format() == Format.LLMC ? 1024 : 128;
        long offset = header + (long) (2 + at) * c.dtype().byteSize();
        MappingBudget budget = new MappingBudget(8);
        for (Access access : List.of(Access.MAPPED, Access.POSITIONED)) {
            Options o = TokenShardReader.Options.defaults().withAccess(access).withMappings(budget);
            ShardFormatException e = assertRejected(open, o.withIdLimit(limit), data, offset, c + ", " + access);
            assertTrue(e.getMessage().contains("token " + (2 + at) + " is " + limit), e.getMessage());
            assertEquals(0, budget.liveMappings(), "a failed open releases its mappings");
            // limit + 1 where it exists; an int dtype's largest id is Integer.MAX_VALUE, so no check there.
            int above = limit == Integer.MAX_VALUE ? 0 : limit + 1;
            try (TokenShardReader r = TokenShardReader.open(open, o.withIdLimit(above))) {
                assertEquals(limit, r.maxTokenId());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The writer

    @Test
    void writerRefusesADtypeTooNarrowForTheVocabularyBeforeCreatingAnyFile() {
        Path prefix = dir.resolve("out/shard");
        for (Format f : List.of(Format.MEGATRON, Format.LLMC, Format.NPY)) {
            TokmixException e = assertThrows(TokmixException.class,
                    () -> TokenShardWriter.create(f, prefix, TokenDtype.UINT16, 65_537));
            assertTrue(e.getMessage().contains("remedy"), e.getMessage());
            assertFalse(Files.exists(prefix.getParent()), "nothing created for " + f);
        }
        try (TokenShardWriter w = TokenShardWriter.create(Format.NPY, prefix, TokenDtype.UINT16, 65_536)) {
            assertEquals(0, w.tokenCount());
        }
        assertEquals(List.of(), ShardFixtures.fileNames(prefix.getParent()));
    }

    @Test
    void writerRefusesDtypesItsFormatCannotHoldBeforeCreatingAnyFile() {
        Path prefix = dir.resolve("shard");
        record Bad(Format format, TokenDtype dtype) {
        }
        for (Bad bad : List.of(new Bad(Format.MEGATRON, TokenDtype.UINT32), new Bad(Format.LLMC, TokenDtype.INT32),
                new Bad(Format.LLMC, TokenDtype.INT64), new Bad(Format.LLMC, TokenDtype.UINT8),
                new Bad(Format.NPY, TokenDtype.UINT8), new Bad(Format.HEADERLESS, TokenDtype.UINT16))) {
            TokmixException e = assertThrows(TokmixException.class,
                    () -> TokenShardWriter.create(bad.format(), prefix, bad.dtype(), 0), bad.toString());
            assertTrue(e.getMessage().contains(bad.dtype().toString()) || bad.format() == Format.HEADERLESS,
                    e.getMessage());
            assertTrue(e.getMessage().contains("remedy"), e.getMessage());
            assertEquals(List.of(), ShardFixtures.fileNames(dir), bad.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writerCases")
    void writerRefusesIdsBeyondTheDtypeAndKeepsNothingOfThatCall(Case c) {
        Path prefix = dir.resolve("w");
        int tooBig = c.dtype() == TokenDtype.UINT16 ? 65_536 : -1;
        long header = c.format() == Format.MEGATRON ? 0 : c.format() == Format.LLMC ? 1024 : 128;
        try (TokenShardWriter w = TokenShardWriter.create(c.format(), prefix, c.dtype(), 0)) {
            w.writeDocument(new int[] {3, 4}, 0, 2);
            for (int bad : new int[] {tooBig, -1, Integer.MIN_VALUE}) {
                ShardFormatException e = assertThrows(ShardFormatException.class,
                        () -> w.addTokens(new int[] {7, 8, bad, 9}, 0, 4), c + " " + bad);
                assertEquals(header + 4L * c.dtype().byteSize(), e.offsetBytes(), e.getMessage());
                assertTrue(e.getMessage().contains("remedy"), e.getMessage());
                assertEquals(2, w.tokenCount());
            }
            assertThrows(ShardFormatException.class, () -> w.addToken(-5));
            w.writeDocument(new int[] {5}, 0, 1);
            w.commit();
        }
        try (TokenShardReader r = TokenShardReader.open(shardPath(c.format(), prefix),
                options(Access.AUTO).withDelimiter(c.format() == Format.LLMC ? 3 : -1))) {
            assertEquals(3, r.tokenCount());
            assertArrayEquals(new int[] {3, 4, 5}, r.document(0).length == 3 ? r.document(0)
                    : ShardFixtures.concat(new int[][] {r.document(0), r.document(1)}));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writerCases")
    void writerClosedWithoutCommitLeavesNoFileAtAll(Case c) {
        int[] many = new int[400_000];
        Arrays.fill(many, 1);
        try (TokenShardWriter w = TokenShardWriter.create(c.format(), dir.resolve("abandoned"), c.dtype(), 0)) {
            w.writeDocument(many, 0, many.length);
            w.writeDocument(many, 0, 5);
            assertEquals(1, ShardFixtures.fileNames(dir).size(), "one temporary file while writing");
            assertTrue(ShardFixtures.fileNames(dir).getFirst().startsWith("."));
        }
        assertEquals(List.of(), ShardFixtures.fileNames(dir));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writerCases")
    void committedShardLeavesExactlyItsFinalFiles(Case c) {
        Path prefix = dir.resolve("final");
        TokenShardWriter w = TokenShardWriter.create(c.format(), prefix, c.dtype(), 0);
        w.writeDocument(new int[] {1, 2, 3}, 0, 3);
        TokenShardWriter.Committed committed = w.commit();
        List<String> names = committed.files().stream().map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(names, ShardFixtures.fileNames(dir));
        assertEquals(switch (c.format()) {
            case MEGATRON -> List.of("final.bin", "final.idx");
            case LLMC -> List.of("final.bin");
            default -> List.of("final.docs.npy", "final.npy");
        }, names);
        IllegalStateException again = assertThrows(IllegalStateException.class, w::commit);
        assertTrue(again.getMessage().contains("committed"), again.getMessage());
        assertThrows(IllegalStateException.class, () -> w.addToken(1));
        assertThrows(IllegalStateException.class, w::endDocument);
        w.close();
        w.close();
        assertEquals(names, ShardFixtures.fileNames(dir));
    }
}
