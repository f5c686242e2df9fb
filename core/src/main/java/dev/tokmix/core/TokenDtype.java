package dev.tokmix.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The element type of a token array on disk. All multi-byte types are little-endian, as every shard format
 * tokmix reads or writes stores them (Megatron, llm.c and numpy files written on x86-64 and aarch64).
 *
 * <p>Token ids are Java {@code int}s, so the widest id any type holds here is {@code 2^31 - 1}; {@link #maxTokenId()}
 * is the smaller of that and what the type itself can hold.
 */
public enum TokenDtype {
    /** Unsigned 8-bit (Megatron code 1); read only, for small test vocabularies. */
    UINT8(1, 1, "|u1"),
    /** Unsigned 16-bit (Megatron code 8; llm.c version 1; numpy {@code <u2}): vocabularies up to 65,536. */
    UINT16(2, 8, "<u2"),
    /** Signed 32-bit (Megatron code 4; numpy {@code <i4}). */
    INT32(4, 4, "<i4"),
    /** Unsigned 32-bit (llm.c version 7; numpy {@code <u4}); no Megatron code. */
    UINT32(4, 0, "<u4"),
    /** Signed 64-bit (Megatron code 5; numpy {@code <i8}). */
    INT64(8, 5, "<i8");

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int byteSize;
    private final int megatronCode;
    private final String npyDescr;

    TokenDtype(int byteSize, int megatronCode, String npyDescr) {
        this.byteSize = byteSize;
        this.megatronCode = megatronCode;
        this.npyDescr = npyDescr;
    }

    /**
     * Bytes per token.
     *
     * @return 1, 2, 4 or 8
     */
    public int byteSize() {
        return byteSize;
    }

    /** log2 of {@link #byteSize()}, for shift-based address math. */
    int shift() {
        return Integer.numberOfTrailingZeros(byteSize);
    }

    /**
     * The dtype code in a Megatron {@code .idx} header.
     *
     * @return the code, or 0 if Megatron has none for this type
     */
    public int megatronCode() {
        return megatronCode;
    }

    /**
     * The numpy type string ({@code descr}) of this type.
     *
     * @return e.g. {@code <u2}
     */
    public String npyDescr() {
        return npyDescr;
    }

    /**
     * The largest token id this type can store as a Java {@code int}.
     *
     * @return 255, 65,535 or 2,147,483,647
     */
    public int maxTokenId() {
        return switch (this) {
            case UINT8 -> 0xFF;
            case UINT16 -> 0xFFFF;
            default -> Integer.MAX_VALUE;
        };
    }

    /**
     * The narrowest type Megatron and numpy readers accept for ids below {@code idLimit}: {@link #UINT16} up to
     * 65,536 ids (as Megatron's {@code GPTDatasetConfig} chooses), {@link #INT32} above.
     *
     * @param idLimit one more than the largest token id
     * @return the type
     */
    public static TokenDtype forIdLimit(int idLimit) {
        return idLimit <= 0x10000 ? UINT16 : INT32;
    }

    /**
     * The type of a Megatron dtype code.
     *
     * @param code the header byte
     * @return the type, or {@code null} for codes that do not hold token ids (int8, int16, floats) or are unknown
     */
    public static TokenDtype ofMegatronCode(int code) {
        return switch (code) {
            case 1 -> UINT8;
            case 4 -> INT32;
            case 5 -> INT64;
            case 8 -> UINT16;
            default -> null;
        };
    }

    /**
     * The type of a numpy {@code descr} string ({@code <u2}, {@code <i4}, {@code <u4}, {@code <i8}, {@code |u1};
     * {@code =} and no byte-order mark are read as little-endian).
     *
     * @param descr the descr
     * @return the type, or {@code null} if tokmix does not read it as tokens
     */
    public static TokenDtype ofNpyDescr(String descr) {
        String d = descr;
        if (d.startsWith("<") || d.startsWith("=") || d.startsWith("|")) {
            d = d.substring(1);
        }
        return switch (d) {
            case "u1" -> UINT8;
            case "u2" -> UINT16;
            case "i4" -> INT32;
            case "u4" -> UINT32;
            case "i8" -> INT64;
            default -> null;
        };
    }

    /**
     * Parses a user-facing name: {@code uint8}, {@code uint16}, {@code int32}, {@code uint32}, {@code int64}.
     *
     * @param name the name
     * @return the type
     * @throws TokmixException for anything else
     */
    public static TokenDtype parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "uint8", "u1" -> UINT8;
            case "uint16", "u2" -> UINT16;
            case "int32", "i4" -> INT32;
            case "uint32", "u4" -> UINT32;
            case "int64", "i8" -> INT64;
            default -> throw new TokmixException("unknown token dtype \"" + name
                    + "\"\n  remedy: use uint16, int32, uint32 or int64 (uint8 for reading)");
        };
    }

    /**
     * Reads one token.
     *
     * @param seg        the token bytes
     * @param byteOffset where the token starts
     * @return the id as a long (an int64 or uint32 value may exceed the int range: callers check)
     */
    long read(MemorySegment seg, long byteOffset) {
        return switch (this) {
            case UINT8 -> seg.get(ValueLayout.JAVA_BYTE, byteOffset) & 0xFFL;
            case UINT16 -> seg.get(U16, byteOffset) & 0xFFFFL;
            case INT32 -> seg.get(I32, byteOffset);
            case UINT32 -> seg.get(I32, byteOffset) & 0xFFFF_FFFFL;
            case INT64 -> seg.get(I64, byteOffset);
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
