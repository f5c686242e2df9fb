package dev.tokmix.bpe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * UTF-8 conversions with the reference tokenizers' replacement policy: lone surrogates in strings and
 * ill-formed byte sequences become U+FFFD (as tiktoken does for strings, and as Python's
 * {@code decode(errors="replace")} does, one U+FFFD per maximal ill-formed subpart). Java's own
 * {@code getBytes(UTF_8)} writes {@code ?} instead, which would change token ids.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /** Copies a char sequence into {@code dst}, replacing lone surrogates by U+FFFD. */
    static void copySanitized(CharSequence src, char[] dst) {
        int n = src.length();
        if (src instanceof String str) {
            str.getChars(0, n, dst, 0);
        } else {
            for (int i = 0; i < n; i++) {
                dst[i] = src.charAt(i);
            }
        }
        for (int i = 0; i < n; i++) {
            char c = dst[i];
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(dst[i + 1])) {
                    i++;
                } else {
                    dst[i] = REPLACEMENT;
                }
            }
        }
    }

    /** Upper bound of chars needed to decode {@code byteLength} bytes. */
    static int maxChars(long byteLength) {
        if (byteLength > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("input of " + byteLength
                    + " bytes is too large for one call; split it into documents below 2 GiB");
        }
        return (int) byteLength;
    }

    /**
     * Decodes UTF-8 into {@code dst}; returns the number of chars written.
     */
    static int decode(byte[] src, int off, int len, char[] dst) {
        int o = 0;
        int i = off;
        int end = off + len;
        while (i < end) {
            int b0 = src[i];
            if (b0 >= 0) {
                dst[o++] = (char) b0;
                i++;
                continue;
            }
            long r = decodeMulti(b0 & 0xFF, i, end, dst, o, src, null);
            i = (int) (r >>> 32);
            o = (int) r;
        }
        return o;
    }

    /** Decodes UTF-8 from a memory segment into {@code dst}; returns the number of chars written. */
    static int decode(MemorySegment src, char[] dst) {
        long n = src.byteSize();
        int o = 0;
        int i = 0;
        int end = (int) n;
        while (i < end) {
            int b0 = src.get(ValueLayout.JAVA_BYTE, i);
            if (b0 >= 0) {
                dst[o++] = (char) b0;
                i++;
                continue;
            }
            long r = decodeMulti(b0 & 0xFF, i, end, dst, o, null, src);
            i = (int) (r >>> 32);
            o = (int) r;
        }
        return o;
    }

    private static int byteAt(byte[] a, MemorySegment m, int i) {
        return (a != null ? a[i] : m.get(ValueLayout.JAVA_BYTE, i)) & 0xFF;
    }

    /** Decodes one multi-byte sequence; returns {@code nextInputIndex << 32 | nextOutputIndex}. */
    private static long decodeMulti(int b0, int i, int end, char[] dst, int o, byte[] a, MemorySegment m) {
        int need;
        int cp;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
            cp = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            cp = b0 & 0x0F;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            cp = b0 & 0x07;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            dst[o] = REPLACEMENT;
            return ((long) (i + 1) << 32) | (o + 1);
        }
        int j = i + 1;
        for (int k = 0; k < need; k++, j++) {
            if (j >= end) {
                dst[o] = REPLACEMENT;
                return ((long) (j) << 32) | (o + 1);
            }
            int b = byteAt(a, m, j);
            if (b < lo || b > hi) {
                // Maximal subpart: the bytes consumed so far form one replacement; b starts afresh.
                dst[o] = REPLACEMENT;
                return ((long) (j) << 32) | (o + 1);
            }
            lo = 0x80;
            hi = 0xBF;
            cp = (cp << 6) | (b & 0x3F);
        }
        if (cp >= 0x10000) {
            dst[o] = Character.highSurrogate(cp);
            dst[o + 1] = Character.lowSurrogate(cp);
            return ((long) j << 32) | (o + 2);
        } else {
            dst[o] = (char) cp;
            return ((long) j << 32) | (o + 1);
        }
    }

    /**
     * Encodes {@code src[start, end)} (already sanitized) as UTF-8 into {@code dst}; returns the byte count.
     * {@code dst} must hold {@code 3 * (end - start)} bytes.
     */
    static int encode(char[] src, int start, int end, byte[] dst) {
        int o = 0;
        for (int i = start; i < end; i++) {
            char c = src[i];
            if (c < 0x80) {
                dst[o++] = (byte) c;
            } else if (c < 0x800) {
                dst[o++] = (byte) (0xC0 | (c >> 6));
                dst[o++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(src[i + 1])) {
                int cp = Character.toCodePoint(c, src[++i]);
                dst[o++] = (byte) (0xF0 | (cp >> 18));
                dst[o++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                dst[o++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                dst[o++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) {
                    c = REPLACEMENT;
                }
                dst[o++] = (byte) (0xE0 | (c >> 12));
                dst[o++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                dst[o++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return o;
    }
}
