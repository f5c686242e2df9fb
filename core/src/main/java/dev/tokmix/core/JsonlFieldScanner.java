package dev.tokmix.core;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Pulls one top-level string field out of a JSON Lines record held as UTF-8 bytes, without building a tree and
 * without allocating: the byte twin of {@link JsonlText}. The record must be one JSON object; the other fields
 * are skipped (nested values included, syntax checked); the wanted string is checked to be UTF-8 and its escapes
 * decoded. A string without escapes is handed back as a slice of the input; one with escapes is decoded into a
 * buffer reused from record to record (escapes only shrink, so the raw length bounds the decoded one).
 *
 * <p>Errors do not throw: {@link #parse} returns false and leaves {@link #errorIndex()} and
 * {@link #errorMessage()}, so that skipping bad records costs no stack trace.
 *
 * <p>Performance notes: the string scans are single flat loops that take the byte that stopped a word out of the
 * word already loaded. The first version broke out of an inner word loop at every escape and re-entered it; with a
 * {@code \n} escape every ~60 bytes that re-entry cost more than the scan (800 MB/s against 1.15 GB/s now, on
 * ASCII records). Decoded bytes are stored through a {@code byte[]} view var handle, which needs no memory-session
 * check per store, unlike a heap segment.
 *
 * <p>Only the wanted field is checked for UTF-8 and lone surrogate escapes; other strings are checked for JSON
 * syntax only (they are not documents). A repeated key: the last value wins, as in Python's {@code json} and
 * JavaScript's {@code JSON.parse}.
 */
final class JsonlFieldScanner {
    private static final int MAX_DEPTH = 512;
    /** Stores to the decode buffer: a plain array store needs no memory-session check, unlike a heap segment's. */
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5c5c5c5c5c5c5c5cL;
    private static final long SPACES = 0x2020202020202020L;

    private final byte[] field;
    private final String missingField;
    private final String notAString;
    private final GrowableBytes text = new GrowableBytes();
    private final GrowableBytes key = new GrowableBytes();

    private MemorySegment seg;
    private long end;
    private boolean escaped;
    private int escapeBytes;
    private boolean found;
    private MemorySegment valueSegment;
    private long valueOffset;
    private long valueLength;
    private long errorIndex;
    private String errorMessage;

    /** @param field the name of the wanted top-level field */
    JsonlFieldScanner(String field) {
        this.field = field.getBytes(StandardCharsets.UTF_8);
        this.missingField = "the record has no \"" + field + "\" field";
        this.notAString = "field \"" + field + "\" is not a string";
    }

    /**
     * Parses the record in {@code [start, end)} (one line, without its line feed; a {@code \r} counts as white
     * space).
     *
     * @return true if the record is well-formed and its field a valid string: then {@link #valueSegment()},
     *         {@link #valueOffset()} and {@link #valueLength()} locate the decoded text
     */
    boolean parse(MemorySegment s, long start, long limit) {
        this.seg = s;
        this.end = limit;
        this.found = false;
        long p = ws(start);
        if (p >= end || byteAt(p) != '{') {
            return reject(p, "expected '{' (each line must be one JSON object)");
        }
        p = ws(p + 1);
        if (p < end && byteAt(p) == '}') {
            p++;
        } else {
            while (true) {
                if (p >= end || byteAt(p) != '"') {
                    return reject(p, "expected a field name in double quotes");
                }
                long keyStart = p + 1;
                p = skipString(keyStart);
                if (p < 0) {
                    return false;
                }
                boolean wanted = keyEquals(keyStart, p - 1);
                p = ws(p);
                if (p >= end || byteAt(p) != ':') {
                    return reject(p, "expected ':'");
                }
                p = ws(p + 1);
                if (wanted) {
                    if (p >= end || byteAt(p) != '"') {
                        return reject(p, notAString);
                    }
                    p = textString(p + 1);
                    found = true;
                } else {
                    p = skipValue(p, 0);
                }
                if (p < 0) {
                    return false;
                }
                p = ws(p);
                if (p >= end) {
                    return reject(p, "the record ends too early");
                }
                byte c = byteAt(p);
                if (c == '}') {
                    p++;
                    break;
                }
                if (c != ',') {
                    return reject(p, "expected ',' or '}'");
                }
                p = ws(p + 1);
            }
        }
        p = ws(p);
        if (p != end) {
            return reject(p, "unexpected text after the record");
        }
        return found || reject(start, missingField);
    }

    /** The segment holding the text after a successful {@link #parse}: the input, or the decode buffer. */
    MemorySegment valueSegment() {
        return valueSegment;
    }

    /** Where the text starts in {@link #valueSegment()}. */
    long valueOffset() {
        return valueOffset;
    }

    /** The text's length in bytes. */
    long valueLength() {
        return valueLength;
    }

    /** After a failed {@link #parse}: the index in the input where the problem lies. */
    long errorIndex() {
        return errorIndex;
    }

    /** After a failed {@link #parse}: what is wrong. */
    String errorMessage() {
        return errorMessage;
    }

    /** True if the line holds only JSON white space (such lines are no records). */
    static boolean isBlank(MemorySegment s, long start, long limit) {
        for (long i = start; i < limit; i++) {
            byte b = s.get(ValueLayout.JAVA_BYTE, i);
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private boolean reject(long at, String what) {
        fail(at, what);
        return false;
    }

    /** Records an error; returns -1 so that scanning methods can {@code return fail(...)}. */
    private long fail(long at, String what) {
        errorIndex = at;
        errorMessage = what;
        return -1;
    }

    private byte byteAt(long i) {
        return seg.get(ValueLayout.JAVA_BYTE, i);
    }

    private long ws(long p) {
        while (p < end) {
            byte b = byteAt(p);
            if (b != ' ' && b != '\t' && b != '\r') {
                return p;
            }
            p++;
        }
        return p;
    }

    /** Flags quotes, backslashes and control characters (see {@link Utf8Swar} for why the lowest flag is exact). */
    private static long syntaxBytes(long x) {
        long q = x ^ QUOTES;
        long b = x ^ BACKSLASHES;
        return ((q - Utf8Swar.ONES) & ~q | (b - Utf8Swar.ONES) & ~b | (x - SPACES) & ~x) & Utf8Swar.HIGHS;
    }

    /**
     * Scans the wanted string from just after its opening quote, leaving its location in the value fields.
     *
     * @return the index after the closing quote, or -1 on error
     */
    private long textString(long p) {
        // Locals, not fields, in the hot loops: C2 then hoists the segment checks out of them. One flat loop, as
        // in decode().
        MemorySegment s = seg;
        long lim = end;
        long start = p;
        long wordsEnd = lim - 7;
        while (true) {
            // Zero-copy phase: quotes, backslashes, control and non-ASCII bytes stop the word.
            long x = p < wordsEnd ? s.get(Utf8Swar.WORD, p) : tailWord(s, p, lim);
            long stop = syntaxBytes(x) | (x & Utf8Swar.HIGHS);
            if (stop == 0) {
                p += 8;
                continue;
            }
            int k = Long.numberOfTrailingZeros(stop) >>> 3;
            p += k;
            if (p >= lim) {
                return fail(start - 1, "unterminated string");
            }
            int b = (int) (x >>> (k << 3)) & 0xFF;
            if (b == '"') {
                valueSegment = s;
                valueOffset = start;
                valueLength = p - start;
                return p + 1;
            }
            if (b == '\\') {
                break;
            }
            if (b < 0x20) {
                return fail(p, "control character in a string (JSON needs it escaped)");
            }
            long y = p < wordsEnd ? s.get(Utf8Swar.WORD, p) : tailWord(s, p, lim);
            int n = Utf8Swar.sequenceLength(y);
            if (n < 0) {
                return fail(p, "not valid UTF-8");
            }
            p += n;
        }
        // Escapes ahead: decode from here into the buffer. The word loop stores 8 bytes past what it keeps.
        if (!text.ensure(lim - start + 8)) {
            return fail(start - 1, "the string is too long to decode (over 2 GiB)");
        }
        MemorySegment.copy(s, start, text.segment(), 0, p - start);
        long q = decode(p, text, p - start, true);
        if (q >= 0) {
            valueSegment = text.segment();
            valueOffset = 0;
            valueLength = text.length();
        }
        return q;
    }

    /**
     * Decodes a string from an escape at {@code p} to its closing quote into {@code out}, which already holds
     * {@code o} bytes and has room for the rest of the line plus 8.
     *
     * @param strict reject lone surrogate escapes and invalid UTF-8 (the wanted field); keys are decoded leniently
     * @return the index after the closing quote, or -1 on error
     */
    private long decode(long p, GrowableBytes out, long o, boolean strict) {
        // One flat loop, a word per turn, the special byte taken from the word already loaded: escapes come
        // every few dozen bytes in real corpora, and leaving and re-entering an inner word loop at each one cost
        // more than the scan itself.
        MemorySegment s = seg;
        long lim = end;
        byte[] dst = out.array();
        long wordsEnd = lim - 7;
        long highs = strict ? Utf8Swar.HIGHS : 0;
        while (true) {
            // Near the end, a word padded with zeros: a zero stops the scan like any control byte.
            long x = p < wordsEnd ? s.get(Utf8Swar.WORD, p) : tailWord(s, p, lim);
            LONG_LE.set(dst, (int) o, x);
            long stop = syntaxBytes(x) | (x & highs);
            if (stop == 0) {
                p += 8;
                o += 8;
                continue;
            }
            int k = Long.numberOfTrailingZeros(stop) >>> 3;
            p += k;
            o += k;
            if (p >= lim) {
                return fail(p, "unterminated string");
            }
            int b = (int) (x >>> (k << 3)) & 0xFF;
            if (b == '"') {
                out.length(o);
                return p + 1;
            }
            if (b == '\\') {
                if (p + 1 >= lim) {
                    return fail(p, "unterminated string");
                }
                byte e = s.get(ValueLayout.JAVA_BYTE, p + 1);
                byte c;
                switch (e) {
                    case '"', '\\', '/' -> c = e;
                    case 'b' -> c = '\b';
                    case 'f' -> c = '\f';
                    case 'n' -> c = '\n';
                    case 'r' -> c = '\r';
                    case 't' -> c = '\t';
                    case 'u' -> {
                        p = unicodeEscape(p, dst, o, strict);
                        if (p < 0) {
                            return -1;
                        }
                        o += escapeBytes;
                        continue;
                    }
                    default -> {
                        return fail(p, "unknown escape \\" + (char) (e & 0xFF));
                    }
                }
                dst[(int) o++] = c;
                p += 2;
            } else if (b < 0x20) {
                return fail(p, "control character in a string (JSON needs it escaped)");
            } else {
                // Non-ASCII (strict only): one load checks the sequence and, stored whole, copies it.
                long y = p < wordsEnd ? s.get(Utf8Swar.WORD, p) : tailWord(s, p, lim);
                int n = Utf8Swar.sequenceLength(y);
                if (n < 0 || p + n > lim) {
                    return fail(p, "not valid UTF-8");
                }
                LONG_LE.set(dst, (int) o, y);
                p += n;
                o += n;
            }
        }
    }

    /** The up to 7 bytes from {@code p} to {@code lim}, little-endian, padded with zeros. */
    private static long tailWord(MemorySegment s, long p, long lim) {
        long x = 0;
        for (long i = Math.min(lim, p + 8) - 1; i >= p; i--) {
            x = x << 8 | (s.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
        }
        return x;
    }

    /**
     * Decodes {@code \}{@code uXXXX} at {@code p} (with its low half if it is a high surrogate) into UTF-8.
     *
     * @return the index after the escape (and {@link #escapeBytes} set), or -1 on error
     */
    private long unicodeEscape(long p, byte[] dst, long o, boolean strict) {
        int v = hex4(p + 2);
        if (v < 0) {
            return fail(p, "bad \\u escape (needs four hex digits)");
        }
        long next = p + 6;
        int cp = v;
        if (v >= 0xD800 && v <= 0xDBFF && next + 6 <= end && byteAt(next) == '\\' && byteAt(next + 1) == 'u') {
            int w = hex4(next + 2);
            if (w >= 0xDC00 && w <= 0xDFFF) {
                cp = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
                next += 6;
            }
        }
        if (strict && cp >= 0xD800 && cp <= 0xDFFF) {
            return fail(p, "lone surrogate escape \\u" + Integer.toHexString(v).toUpperCase(java.util.Locale.ROOT)
                    + " (not encodable as UTF-8)");
        }
        // Keys keep a lone surrogate as its 3-byte form, which no UTF-8 field name can equal.
        int n;
        if (cp < 0x80) {
            dst[(int) o] = (byte) cp;
            n = 1;
        } else if (cp < 0x800) {
            dst[(int) o] = (byte) (0xC0 | cp >>> 6);
            dst[(int) o + 1] = (byte) (0x80 | cp & 0x3F);
            n = 2;
        } else if (cp < 0x10000) {
            dst[(int) o] = (byte) (0xE0 | cp >>> 12);
            dst[(int) o + 1] = (byte) (0x80 | (cp >>> 6) & 0x3F);
            dst[(int) o + 2] = (byte) (0x80 | cp & 0x3F);
            n = 3;
        } else {
            dst[(int) o] = (byte) (0xF0 | cp >>> 18);
            dst[(int) o + 1] = (byte) (0x80 | (cp >>> 12) & 0x3F);
            dst[(int) o + 2] = (byte) (0x80 | (cp >>> 6) & 0x3F);
            dst[(int) o + 3] = (byte) (0x80 | cp & 0x3F);
            n = 4;
        }
        escapeBytes = n;
        return next;
    }

    /** Four hex digits at {@code p}, or -1. */
    private int hex4(long p) {
        if (p + 4 > end) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int h = byteAt(p + i);
            int d;
            if (h >= '0' && h <= '9') {
                d = h - '0';
            } else if (h >= 'a' && h <= 'f') {
                d = h - 'a' + 10;
            } else if (h >= 'A' && h <= 'F') {
                d = h - 'A' + 10;
            } else {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    /**
     * Skips a string from just after its opening quote, checking escapes and control characters; sets
     * {@link #escaped}.
     *
     * @return the index after the closing quote, or -1 on error
     */
    private long skipString(long p) {
        MemorySegment s = seg;
        long lim = end;
        long start = p;
        long wordsEnd = lim - 7;
        escaped = false;
        while (true) {
            long x = p < wordsEnd ? s.get(Utf8Swar.WORD, p) : tailWord(s, p, lim);
            long stop = syntaxBytes(x);
            if (stop == 0) {
                p += 8;
                continue;
            }
            p += Long.numberOfTrailingZeros(stop) >>> 3;
            if (p >= lim) {
                return fail(start - 1, "unterminated string");
            }
            byte b = s.get(ValueLayout.JAVA_BYTE, p);
            if (b == '"') {
                return p + 1;
            }
            if (b != '\\') {
                return fail(p, "control character in a string (JSON needs it escaped)");
            }
            escaped = true;
            if (p + 1 >= lim) {
                return fail(p, "unterminated string");
            }
            byte e = s.get(ValueLayout.JAVA_BYTE, p + 1);
            if (e == 'u') {
                if (hex4(p + 2) < 0) {
                    return fail(p, "bad \\u escape (needs four hex digits)");
                }
                p += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r'
                    || e == 't') {
                p += 2;
            } else {
                return fail(p, "unknown escape \\" + (char) (e & 0xFF));
            }
        }
    }

    /** True if the key in {@code [from, to)} (raw, between its quotes) equals the wanted field name. */
    private boolean keyEquals(long from, long to) {
        if (!escaped) {
            if (to - from != field.length) {
                return false;
            }
            for (int i = 0; i < field.length; i++) {
                if (byteAt(from + i) != field[i]) {
                    return false;
                }
            }
            return true;
        }
        // Rare: an escaped key ("te\u0078t") is decoded before comparing. It was checked by skipString already.
        if (!key.ensure(to - from + 8)) {
            return false;
        }
        long esc = from;
        while (byteAt(esc) != '\\') {
            esc++;
        }
        MemorySegment.copy(seg, from, key.segment(), 0, esc - from);
        long saveEnd = end;
        end = to + 1;
        decode(esc, key, esc - from, false);
        end = saveEnd;
        if (key.length() != field.length) {
            return false;
        }
        for (int i = 0; i < field.length; i++) {
            if (key.segment().get(ValueLayout.JAVA_BYTE, i) != field[i]) {
                return false;
            }
        }
        return true;
    }

    private long skipValue(long p, int depth) {
        if (depth > MAX_DEPTH) {
            return fail(p, "values nested more than " + MAX_DEPTH + " deep");
        }
        if (p >= end) {
            return fail(p, "the record ends too early");
        }
        switch (byteAt(p)) {
            case '"' -> {
                return skipString(p + 1);
            }
            case '{' -> {
                p = ws(p + 1);
                if (p < end && byteAt(p) == '}') {
                    return p + 1;
                }
                while (true) {
                    if (p >= end || byteAt(p) != '"') {
                        return fail(p, "expected a field name in double quotes");
                    }
                    p = skipString(p + 1);
                    if (p < 0) {
                        return -1;
                    }
                    p = ws(p);
                    if (p >= end || byteAt(p) != ':') {
                        return fail(p, "expected ':'");
                    }
                    p = skipValue(ws(p + 1), depth + 1);
                    if (p < 0) {
                        return -1;
                    }
                    p = ws(p);
                    if (p >= end) {
                        return fail(p, "the record ends too early");
                    }
                    byte d = byteAt(p);
                    if (d == '}') {
                        return p + 1;
                    }
                    if (d != ',') {
                        return fail(p, "expected ',' or '}'");
                    }
                    p = ws(p + 1);
                }
            }
            case '[' -> {
                p = ws(p + 1);
                if (p < end && byteAt(p) == ']') {
                    return p + 1;
                }
                while (true) {
                    p = skipValue(p, depth + 1);
                    if (p < 0) {
                        return -1;
                    }
                    p = ws(p);
                    if (p >= end) {
                        return fail(p, "the record ends too early");
                    }
                    byte d = byteAt(p);
                    if (d == ']') {
                        return p + 1;
                    }
                    if (d != ',') {
                        return fail(p, "expected ',' or ']'");
                    }
                    p = ws(p + 1);
                }
            }
            case 't' -> {
                return literal(p, "true");
            }
            case 'f' -> {
                return literal(p, "false");
            }
            case 'n' -> {
                return literal(p, "null");
            }
            default -> {
                return number(p);
            }
        }
    }

    private long literal(long p, String word) {
        for (int i = 0; i < word.length(); i++) {
            if (p + i >= end || byteAt(p + i) != word.charAt(i)) {
                return fail(p, "expected " + word);
            }
        }
        return p + word.length();
    }

    /** JSON number: -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)? (leading zeros accepted, as {@link JsonlText}). */
    private long number(long p) {
        long start = p;
        if (p < end && byteAt(p) == '-') {
            p++;
        }
        long q = digits(p);
        if (q == p) {
            return fail(start, "expected a value");
        }
        p = q;
        if (p < end && byteAt(p) == '.') {
            q = digits(p + 1);
            if (q == p + 1) {
                return fail(q, "expected digits after '.'");
            }
            p = q;
        }
        if (p < end && (byteAt(p) == 'e' || byteAt(p) == 'E')) {
            p++;
            if (p < end && (byteAt(p) == '+' || byteAt(p) == '-')) {
                p++;
            }
            q = digits(p);
            if (q == p) {
                return fail(p, "expected digits in the exponent");
            }
            p = q;
        }
        return p;
    }

    private long digits(long p) {
        while (p < end && byteAt(p) >= '0' && byteAt(p) <= '9') {
            p++;
        }
        return p;
    }
}
