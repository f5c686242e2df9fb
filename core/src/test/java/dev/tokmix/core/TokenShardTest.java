package dev.tokmix.core;

import static dev.tokmix.core.ShardFixtures.assertReads;
import static dev.tokmix.core.ShardFixtures.concat;
import static dev.tokmix.core.ShardFixtures.contiguousPointers;
import static dev.tokmix.core.ShardFixtures.littleEndian;
import static dev.tokmix.core.ShardFixtures.megatronIndex;
import static dev.tokmix.core.ShardFixtures.options;
import static dev.tokmix.core.ShardFixtures.shardPath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.core.ShardFixtures.Case;
import dev.tokmix.core.TokenShardReader.Access;
import dev.tokmix.core.TokenShardReader.Format;
import dev.tokmix.core.TokenShardReader.Options;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Token shards written by {@link TokenShardWriter} (or laid out by hand from the format tables) read back
 * identically through {@link TokenShardReader}, mapped and positioned: every writer format and dtype, llm.c's
 * delimiter-before documents, headerless delimiter-after documents, Megatron documents of several sequences, and
 * a sparse Megatron shard past 4 GiB. Seeds are fixed per case and printed in every assertion message.
 */
class TokenShardTest {
    private static final Access[] BOTH = {Access.MAPPED, Access.POSITIONED};

    @TempDir
    Path dir;

    static Stream<Case> writerCases() {
        return ShardFixtures.writerCases().stream();
    }

    private static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return String.format("%08x", crc.getValue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writerCases")
    void writtenShardsReadBackIdenticallyMappedAndPositioned(Case c) throws IOException {
        long seed = 0x5EED_0000L + c.format().ordinal() * 16L + c.dtype().ordinal();
        int[][] docs = ShardFixtures.randomDocuments(new Random(seed), c.dtype(), c.llmcDelimiter());
        Path prefix = dir.resolve("shard");
        TokenShardWriter.Committed committed = ShardFixtures.write(c, prefix, docs);

        assertEquals(TokenShardWriter.filesOf(c.format(), prefix), committed.files());
        for (int i = 0; i < committed.files().size(); i++) {
            Path f = committed.files().get(i);
            assertEquals(Files.size(f), committed.sizes().get(i), f.toString());
            assertEquals(crc32c(f), committed.crc32c().get(i), f.toString());
            assertEquals(crc32c(f), TokenShardWriter.crc32c(f), f.toString());
        }
        assertEquals(concat(docs).length, committed.tokens());
        assertEquals(docs.length, committed.documents());

        long headerBytes = switch (c.format()) {
            case MEGATRON -> 0;
            case LLMC -> 1024;
            default -> 128;
        };
        for (Access access : BOTH) {
            try (TokenShardReader r = TokenShardReader.open(shardPath(c.format(), prefix), options(access))) {
                assertEquals(access == Access.MAPPED, r.mapped(), access.toString());
                assertEquals(c.format(), r.format());
                assertEquals(c.dtype(), r.dtype());
                assertEquals(headerBytes, r.dataOffsetBytes());
                assertEquals(committed.files().getFirst(), r.dataFile());
                assertEquals(c.llmcDelimiter(), r.delimiterId());
                assertEquals(docs.length, r.sequenceCount());
                assertReads(r, docs, seed);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writerCases")
    void shardsWithoutDocumentsHoldNoTokens(Case c) {
        Path prefix = dir.resolve("empty");
        try (TokenShardWriter w = TokenShardWriter.create(c.format(), prefix, c.dtype(), 0)) {
            TokenShardWriter.Committed committed = w.commit();
            assertEquals(0, committed.tokens());
            assertEquals(0, committed.documents());
        }
        for (Access access : BOTH) {
            TokenShardReader r = TokenShardReader.open(shardPath(c.format(), prefix), options(access));
            assertReads(r, new int[0][], 0);
            assertEquals(-1, r.maxTokenId());
            r.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, r::maxTokenId);
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            assertThrows(IllegalStateException.class, r::documentCount);
        }
    }

    @Test
    void writerEndsAnUnfinishedLastDocumentAtCommit() {
        Path prefix = dir.resolve("tail");
        try (TokenShardWriter w = TokenShardWriter.create(Format.MEGATRON, prefix, TokenDtype.UINT16, 65536)) {
            w.writeDocument(new int[] {1, 2}, 0, 2);
            w.addTokens(new int[] {3, 4, 5}, 0, 3);
            assertEquals(5, w.tokenCount());
            assertEquals(1, w.documentCount());
            assertEquals(2, w.commit().documents());
        }
        try (TokenShardReader r = TokenShardReader.open(prefix)) {
            assertReads(r, new int[][] {{1, 2}, {3, 4, 5}}, 0);
        }
    }

    @Test
    void llmcDocumentsStartAtEachDelimiter() {
        int eot = ShardFixtures.LLMC_EOT_UINT16;
        Path prefix = dir.resolve("llmc");
        // Tokens before the first delimiter form a document of their own; two delimiters in a row give a
        // one-token document; the last document runs to the end.
        int[] tokens = {5, 6, eot, 1, eot, eot, 2, 3};
        try (TokenShardWriter w = TokenShardWriter.create(Format.LLMC, prefix, TokenDtype.UINT16, 0)) {
            w.addTokens(tokens, 0, tokens.length);
            w.commit();
        }
        int[][] docs = {{5, 6}, {eot, 1}, {eot}, {eot, 2, 3}};
        for (Access access : BOTH) {
            try (TokenShardReader r = TokenShardReader.open(shardPath(Format.LLMC, prefix), options(access))) {
                assertEquals(eot, r.delimiterId());
                assertReads(r, docs, 0);
            }
            // Another delimiter, given explicitly, splits elsewhere.
            try (TokenShardReader r = TokenShardReader.open(shardPath(Format.LLMC, prefix),
                    options(access).withDelimiter(1))) {
                assertReads(r, new int[][] {{5, 6, eot}, {1, eot, eot, 2, 3}}, 0);
            }
        }
    }

    @Test
    void llmcLlama3ShardsUseTheirOwnDelimiter() {
        int bos = ShardFixtures.LLMC_EOT_UINT32;
        Path prefix = dir.resolve("llama");
        int[][] docs = {{bos, 128_256, Integer.MAX_VALUE}, {bos}, {bos, 0, ShardFixtures.LLMC_EOT_UINT16}};
        ShardFixtures.write(new Case(Format.LLMC, TokenDtype.UINT32), prefix, docs);
        try (TokenShardReader r = TokenShardReader.open(shardPath(Format.LLMC, prefix), options(Access.AUTO))) {
            assertEquals(TokenDtype.UINT32, r.dtype());
            assertEquals(bos, r.delimiterId());
            assertReads(r, docs, 0);
        }
    }

    /** Headerless arrays (nanoGPT, dolma) end each document with the delimiter. */
    @ParameterizedTest
    @EnumSource(TokenDtype.class)
    void headerlessArraysSplitAfterTheDelimiter(TokenDtype dtype) {
        long seed = 0xBA5E_0000L + dtype.ordinal();
        int delimiter = dtype == TokenDtype.UINT8 ? 7 : ShardFixtures.LLMC_EOT_UINT16;
        // Documents that start with the delimiter and hold it nowhere else, turned around: content, delimiter.
        int[][] docs = ShardFixtures.randomDocuments(new Random(seed), dtype, delimiter, 40_000);
        for (int d = 0; d < docs.length; d++) {
            int[] doc = Arrays.copyOfRange(docs[d], 1, docs[d].length + 1);
            doc[doc.length - 1] = delimiter;
            docs[d] = doc;
        }
        Path file = dir.resolve("train.bin");
        ShardFixtures.write(file, littleEndian(dtype, concat(docs)));
        for (Access access : BOTH) {
            Options o = options(access).withHeaderlessDtype(dtype);
            try (TokenShardReader r = TokenShardReader.open(file, o.withDelimiter(delimiter))) {
                assertEquals(Format.HEADERLESS, r.format());
                assertEquals(0, r.dataOffsetBytes());
                assertNull(r.indexFile());
                assertReads(r, docs, seed);
            }
            // Without a delimiter the array is one document.
            try (TokenShardReader r = TokenShardReader.open(file, o)) {
                assertEquals(-1, r.delimiterId());
                assertEquals(1, r.documentCount());
                assertArrayEquals(concat(docs), r.document(0));
            }
        }
    }

    @Test
    void headerlessArraysWithTrailingTokensEndWithAnUndelimitedDocument() {
        Path file = dir.resolve("raw.bin");
        int[] tokens = {9, 0, 9, 9, 1, 2};
        ShardFixtures.write(file, littleEndian(TokenDtype.INT32, tokens));
        Options o = options(Access.AUTO).withHeaderlessDtype(TokenDtype.INT32).withDelimiter(9);
        try (TokenShardReader r = TokenShardReader.open(file, o)) {
            assertReads(r, new int[][] {{9}, {0, 9}, {9}, {1, 2}}, 0);
        }
        Path empty = dir.resolve("empty.bin");
        ShardFixtures.write(empty, new byte[0]);
        for (Access access : BOTH) {
            try (TokenShardReader r = TokenShardReader.open(empty, options(access)
                    .withHeaderlessDtype(TokenDtype.UINT16).withDelimiter(9))) {
                assertReads(r, new int[0][], 0);
            }
        }
    }

    @Test
    void npyShardsSplitByADelimiterWhenOneIsGivenInsteadOfTheirDocsFile() {
        Path prefix = dir.resolve("np");
        int[][] docs = {{1, 2, 0}, {3, 0}, {}, {4}};
        ShardFixtures.write(new Case(Format.NPY, TokenDtype.INT32), prefix, docs);
        Path npy = shardPath(Format.NPY, prefix);
        try (TokenShardReader r = TokenShardReader.open(npy, options(Access.AUTO))) {
            assertEquals(dir.resolve("np.docs.npy"), r.indexFile());
            assertReads(r, docs, 0);
        }
        try (TokenShardReader r = TokenShardReader.open(npy, options(Access.AUTO).withDelimiter(0))) {
            assertNull(r.indexFile());
            assertReads(r, new int[][] {{1, 2, 0}, {3, 0}, {4}}, 0);
        }
    }

    @Test
    void megatronShardsOpenFromTheIndexTheDataFileOrThePrefix() {
        Path prefix = dir.resolve("corpus");
        int[][] docs = {{1, 2, 3}, {}, {65535}};
        ShardFixtures.write(new Case(Format.MEGATRON, TokenDtype.UINT16), prefix, docs);
        for (Path p : List.of(dir.resolve("corpus.idx"), dir.resolve("corpus.bin"), prefix)) {
            try (TokenShardReader r = TokenShardReader.open(p)) {
                assertEquals(Format.MEGATRON, r.format(), p.toString());
                assertEquals(dir.resolve("corpus.bin"), r.dataFile());
                assertEquals(dir.resolve("corpus.idx"), r.indexFile());
                assertReads(r, docs, 0);
            }
        }
    }

    /**
     * BERT-style Megatron data: a document is several sequences ({@code document_indices} is not 0..N), and
     * documentStart/End cover all of them; documents and sequences may be empty.
     */
    @Test
    void megatronDocumentsCoverAllTheirSequences() {
        int[][] sequences = {{1, 2}, {3}, {}, {4, 5, 6}, {7}, {}, {8, 9}};
        long[] documentIndices = {0, 3, 3, 4, 6, 7};
        int[][] docs = {{1, 2, 3}, {}, {4, 5, 6}, {7}, {8, 9}};
        int[] lengths = Arrays.stream(sequences).mapToInt(s -> s.length).toArray();
        for (TokenDtype dtype : List.of(TokenDtype.UINT8, TokenDtype.UINT16, TokenDtype.INT32, TokenDtype.INT64)) {
            Path idx = dir.resolve("bert-" + dtype + ".idx");
            ShardFixtures.write(idx, megatronIndex(dtype.megatronCode(), lengths,
                    contiguousPointers(lengths, dtype.byteSize()), documentIndices));
            ShardFixtures.write(dir.resolve("bert-" + dtype + ".bin"), littleEndian(dtype, concat(sequences)));
            for (Access access : BOTH) {
                try (TokenShardReader r = TokenShardReader.open(idx, options(access))) {
                    assertEquals(sequences.length, r.sequenceCount());
                    assertReads(r, docs, 0);
                }
            }
        }
    }

    /** The fairseq index (26-byte header, no document indices): each sequence is a document. */
    @Test
    void fairseqIndexesReadEachSequenceAsADocument() {
        int[][] sequences = {{10, 11}, {}, {12, 13, 14}};
        int[] lengths = {2, 0, 3};
        long[] pointers = contiguousPointers(lengths, 4);
        ByteBuffer b = ByteBuffer.allocate(26 + 12 * 3).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(ShardFixtures.MEGATRON_MAGIC).putLong(1).put((byte) 4).putLong(3);
        for (int len : lengths) {
            b.putInt(len);
        }
        for (long p : pointers) {
            b.putLong(p);
        }
        ShardFixtures.write(dir.resolve("fs.idx"), b.array());
        ShardFixtures.write(dir.resolve("fs.bin"), littleEndian(TokenDtype.INT32, concat(sequences)));
        for (Access access : BOTH) {
            try (TokenShardReader r = TokenShardReader.open(dir.resolve("fs.idx"), options(access))) {
                assertReads(r, sequences, 0);
            }
        }
    }

    /**
     * A Megatron shard whose {@code .bin} is a sparse file past 4 GiB: a small document, 2^31 - 1 zero tokens
     * (the largest int32 sequence length; never written, a hole in the file), then a small document whose tokens
     * start beyond byte 2^32 and token 2^31. Nothing scans the hole: no id check, no maxTokenId.
     */
    @Test
    void readsMegatronDocumentsBeyondFourGibibytesOfASparseFile() throws IOException {
        int[] first = {1, 2, 3, 4, 65535};
        int middle = Integer.MAX_VALUE;
        int[] last = {65535, 0, 17, 42, 50256, 65534, 9};
        long lastStart = first.length + (long) middle;
        Path bin = dir.resolve("big.bin");
        try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(littleEndian(TokenDtype.UINT16, first)), 0);
            ch.write(ByteBuffer.wrap(littleEndian(TokenDtype.UINT16, last)), lastStart * 2);
        }
        long binBytes = (lastStart + last.length) * 2;
        assertEquals(binBytes, Files.size(bin));
        assertTrue(binBytes > 1L << 32);
        int[] lengths = {first.length, middle, last.length};
        ShardFixtures.write(dir.resolve("big.idx"),
                megatronIndex(8, lengths, contiguousPointers(lengths, 2), new long[] {0, 1, 2, 3}));

        for (Access access : BOTH) {
            try (TokenShardReader r = TokenShardReader.open(dir.resolve("big.idx"), options(access))) {
                assertEquals(access == Access.MAPPED, r.mapped());
                assertEquals(lastStart + last.length, r.tokenCount());
                assertEquals(3, r.documentCount());
                assertArrayEquals(first, r.document(0));
                assertEquals(first.length, r.documentStart(1));
                assertEquals(middle, r.documentLength(1));
                assertEquals(lastStart, r.documentStart(2));
                assertTrue(r.documentStart(2) > 1L << 31);
                assertEquals(r.tokenCount(), r.documentEnd(2));
                assertArrayEquals(last, r.document(2));
                int[] buf = new int[last.length];
                assertEquals(last.length, r.readDocument(2, buf));
                assertArrayEquals(last, buf);
                assertEquals(9, r.token(r.tokenCount() - 1));
                assertEquals(0, r.token(lastStart - 1));
                assertEquals(0, r.token(1L << 31));
                int[] across = new int[6];
                r.copyTokens(lastStart - 3, across, 0, 6);
                assertArrayEquals(new int[] {0, 0, 0, 65535, 0, 17}, across);
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment raw = arena.allocate(2L * last.length + 1);
                    r.copyRawTokens(lastStart, last.length, raw, 1);
                    assertArrayEquals(littleEndian(TokenDtype.UINT16, last),
                            raw.asSlice(1).toArray(ValueLayout.JAVA_BYTE));
                }
                TokmixException tooBig = assertThrows(TokmixException.class, () -> r.document(1));
                assertTrue(tooBig.getMessage().contains("copyTokens"), tooBig.getMessage());
            }
        }
    }
}
