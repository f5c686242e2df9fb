package dev.tokmix.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Megatron-LM's indexed dataset ({@code megatron/core/datasets/indexed_dataset.py}): a headerless token file
 * {@code PREFIX.bin} and an index {@code PREFIX.idx}. All integers little-endian; the arrays follow the 34-byte
 * header without padding, so none of them is aligned (read them with unaligned layouts).
 *
 * <pre>
 *  .idx   offset            size   type     field
 *         0                 9      bytes    magic "MMIDIDX\0\0"
 *         9                 8      u64      version = 1
 *         17                1      u8       dtype code (8 uint16, 4 int32, 5 int64, 1 uint8)
 *         18                8      u64      sequence count N
 *         26                8      u64      document-index length M (= documents + 1)
 *         34                4·N    i32[N]   sequence lengths, in tokens
 *         34 + 4N           8·N    i64[N]   sequence pointers, byte offsets into .bin
 *         34 + 12N          8·M    i64[M]   document indices: document d = sequences [di[d], di[d+1]),
 *                                           di[0] = 0, di[M-1] = N
 *        (34 + 12N + 8M     N      i8[N]    sequence modes, multimodal datasets only: read, ignored)
 *
 *  .bin   0                 …      dtype[]  the sequences back to back; sequence i occupies
 *                                           [pointer[i], pointer[i] + length[i]·itemsize)
 * </pre>
 *
 * <p>GPT-style data (what {@code tokmix shard} writes) has one sequence per document. The older fairseq layout
 * (same magic and version, a 26-byte header without the document count, no document indices) is read too; its
 * documents are its sequences. It is told apart by the file-size equation.
 */
public final class MegatronFormat {
    /** The index magic, 9 bytes. */
    static final byte[] MAGIC = "MMIDIDX\0\0".getBytes(StandardCharsets.US_ASCII);
    /** The only version Megatron writes or reads. */
    static final long VERSION = 1;
    /** Offset of the version field. */
    static final int VERSION_OFFSET = 9;
    /** Offset of the dtype byte. */
    static final int DTYPE_OFFSET = 17;
    /** Offset of the sequence count. */
    static final int SEQUENCE_COUNT_OFFSET = 18;
    /** Offset of the document-index length. */
    static final int DOCUMENT_COUNT_OFFSET = 26;
    /** Header size; the lengths array starts here. */
    static final int HEADER_BYTES = 34;
    /** Header size of the fairseq variant (no document count). */
    static final int FAIRSEQ_HEADER_BYTES = 26;

    private MegatronFormat() {
    }

    /**
     * Offset of the sequence-lengths array.
     *
     * @param headerBytes 34, or 26 for the fairseq variant
     * @return the offset
     */
    static long lengthsOffset(int headerBytes) {
        return headerBytes;
    }

    /**
     * Offset of the sequence-pointers array.
     *
     * @param headerBytes 34, or 26 for the fairseq variant
     * @param sequenceCount N
     * @return the offset
     */
    static long pointersOffset(int headerBytes, long sequenceCount) {
        return headerBytes + 4 * sequenceCount;
    }

    /**
     * Offset of the document-indices array.
     *
     * @param sequenceCount N
     * @return the offset
     */
    static long documentIndicesOffset(long sequenceCount) {
        return HEADER_BYTES + 12 * sequenceCount;
    }

    /**
     * The size of an index file.
     *
     * @param sequenceCount N
     * @param documentIndexCount M (documents + 1)
     * @return bytes
     */
    public static long indexBytes(long sequenceCount, long documentIndexCount) {
        return HEADER_BYTES + 12 * sequenceCount + 8 * documentIndexCount;
    }

    /**
     * The 34-byte header.
     *
     * @param dtype token type (must have a Megatron code)
     * @param sequenceCount N
     * @param documentIndexCount M
     * @return a little-endian buffer, positioned at 0
     */
    static ByteBuffer header(TokenDtype dtype, long sequenceCount, long documentIndexCount) {
        if (dtype.megatronCode() == 0) {
            throw new TokmixException("Megatron has no dtype code for " + dtype
                    + "\n  remedy: use uint16 (vocabularies up to 65,536) or int32");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putLong(VERSION).put((byte) dtype.megatronCode()).putLong(sequenceCount)
                .putLong(documentIndexCount);
        return b.flip();
    }
}
