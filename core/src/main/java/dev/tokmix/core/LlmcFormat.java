package dev.tokmix.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * llm.c's token shard ({@code dev/data/data_common.py}, {@code llmc/dataloader.h}): a 1,024-byte header of 256
 * little-endian int32 followed by the tokens.
 *
 * <pre>
 *  offset  size    type       field
 *  0       4       i32        magic: 20240520 (GPT-2 tokens) or 20240801 (Llama 3 tokens)
 *  4       4       i32        version: 1 = uint16 tokens, 7 = uint32 tokens
 *  8       4       i32        token count n (below 2^31)
 *  12      1012    i32[253]   reserved, zero
 *  1024    n·2|n·4 u16|u32[n] tokens
 * </pre>
 *
 * <p>There is no document index: llm.c puts the end-of-text token <em>before</em> every document, and readers
 * find documents by scanning for it. tokmix writes magic 20240520 with uint16 tokens and 20240801 with uint32
 * tokens, as llm.c's own writers do.
 */
public final class LlmcFormat {
    /** Magic of uint16 (GPT-2) shards. */
    static final int MAGIC_GPT2 = 20240520;
    /** Magic of uint32 (Llama 3) shards. */
    static final int MAGIC_LLAMA3 = 20240801;
    /** Version of uint16 shards. */
    static final int VERSION_UINT16 = 1;
    /** Version of uint32 shards. */
    static final int VERSION_UINT32 = 7;
    /** Offset of the version. */
    static final int VERSION_OFFSET = 4;
    /** Offset of the token count. */
    static final int TOKEN_COUNT_OFFSET = 8;
    /** Header size; tokens start here. */
    static final int HEADER_BYTES = 1024;
    /** The most tokens one shard can say it holds. */
    static final long MAX_TOKENS = Integer.MAX_VALUE;

    private LlmcFormat() {
    }

    /**
     * Offset of token {@code i}.
     *
     * @param dtype the token type
     * @param i the token index
     * @return the byte offset
     */
    static long tokenOffset(TokenDtype dtype, long i) {
        return HEADER_BYTES + (i << dtype.shift());
    }

    /**
     * The header.
     *
     * @param dtype {@link TokenDtype#UINT16} or {@link TokenDtype#UINT32}
     * @param tokenCount n
     * @return a little-endian 1,024-byte buffer, positioned at 0
     */
    static ByteBuffer header(TokenDtype dtype, long tokenCount) {
        if (tokenCount > MAX_TOKENS) {
            throw new TokmixException("an llm.c shard holds at most " + MAX_TOKENS + " tokens, not " + tokenCount
                    + "\n  remedy: pass --max-shard-tokens (llm.c's own shards hold 100,000,000)");
        }
        boolean u16 = switch (dtype) {
            case UINT16 -> true;
            case UINT32 -> false;
            default -> throw new TokmixException("llm.c shards hold uint16 or uint32 tokens, not " + dtype
                    + "\n  remedy: use --dtype uint16 or uint32");
        };
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, u16 ? MAGIC_GPT2 : MAGIC_LLAMA3).putInt(VERSION_OFFSET, u16 ? VERSION_UINT16 : VERSION_UINT32)
                .putInt(TOKEN_COUNT_OFFSET, (int) tokenCount);
        return b;
    }

    /**
     * The end-of-text id llm.c uses with a magic: 50256 ({@code <|endoftext|>} of GPT-2) or 128000
     * ({@code <|begin_of_text|>} of Llama 3).
     *
     * @param magic the header magic
     * @return the id
     */
    static int defaultDelimiter(int magic) {
        return magic == MAGIC_LLAMA3 ? 128000 : 50256;
    }
}
