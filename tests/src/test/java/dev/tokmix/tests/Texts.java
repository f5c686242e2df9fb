package dev.tokmix.tests;

import java.nio.charset.StandardCharsets;

/** Small string utilities shared by the parity tests: the reference replacement policy and readable escapes. */
final class Texts {
    private Texts() {
    }

    /**
     * Replaces every unpaired surrogate by U+FFFD, as tiktoken does for Python strings. Written char by char
     * here, independently of tokmix's own sanitizer, so the test does not check the code against itself.
     *
     * @param s any string
     * @return a well-formed string
     */
    static String replaceLoneSurrogates(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (b != null) {
                    b.append(c).append(s.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (b == null) {
                    b = new StringBuilder(s.length()).append(s, 0, i);
                }
                b.append('\uFFFD');
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * UTF-8 bytes with lone surrogates as U+FFFD (Java's {@code getBytes} would write {@code ?}).
     *
     * @param s any string
     * @return its UTF-8 bytes
     */
    static byte[] utf8(String s) {
        return replaceLoneSurrogates(s).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes UTF-8 with one U+FFFD per maximal subpart of an ill-formed sequence (Unicode 16 section 3.9, "U+FFFD
     * Substitution of Maximal Subparts"; Table 3-7 gives the well-formed sequences): what Python's
     * {@code bytes.decode("utf-8", "replace")}, Rust's {@code String::from_utf8_lossy} and the WHATWG decoder do.
     * Java's decoder agrees except on UTF-8-encoded surrogates ({@code ED A0..BF xx}), which it replaces by one
     * U+FFFD per three bytes instead of one per byte.
     *
     * @param b UTF-8 bytes, possibly ill-formed
     * @return the decoded text
     */
    static String decodeUtf8Lossy(byte[] b) {
        StringBuilder out = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            int b0 = b[i] & 0xFF;
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            } else if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                lo = b0 == 0xE0 ? 0xA0 : 0x80;
                hi = b0 == 0xED ? 0x9F : 0xBF;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                lo = b0 == 0xF0 ? 0x90 : 0x80;
                hi = b0 == 0xF4 ? 0x8F : 0xBF;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                int c = j < b.length ? b[j] & 0xFF : -1;
                if (c < lo || c > hi) {
                    ok = false;
                    break;
                }
                lo = 0x80;
                hi = 0xBF;
                cp = (cp << 6) | (c & 0x3F);
            }
            if (ok) {
                out.appendCodePoint(cp);
            } else {
                out.append('\uFFFD');
            }
            i = j;
        }
        return out.toString();
    }

    /**
     * Whether a string holds a code point for which {@code predicate} is false.
     *
     * @param s         the string
     * @param predicate accepted code points
     * @return true if every code point is accepted
     */
    static boolean allCodePoints(String s, java.util.function.IntPredicate predicate) {
        return s.codePoints().allMatch(predicate);
    }

    /**
     * A printable, bounded rendering of text for failure messages: controls, whitespace other than space, format
     * characters and surrogates as {@code \\uXXXX}.
     *
     * @param s        the text
     * @param maxChars longest rendering before "…"
     * @return the escaped text
     */
    static String escape(CharSequence s, int maxChars) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < maxChars; i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x20 || c == 0x7F || (c != ' ' && Character.isWhitespace(c)) || c == '\u00A0'
                    || c == '\u0085' || type == Character.FORMAT || type == Character.SPACE_SEPARATOR && c != ' '
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.UNASSIGNED || Character.isSurrogate(c) && !validPairAt(s, i)) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        if (b.length() >= maxChars) {
            b.append('…');
        }
        return b.toString();
    }

    private static boolean validPairAt(CharSequence s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /**
     * A JSON string literal, every non-ASCII or control char as {@code \\uXXXX}.
     *
     * @param s the text
     * @return the quoted literal
     */
    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7E) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /**
     * The index of the bracket that closes the JSON array or object opening at {@code open}, skipping strings.
     *
     * @param json a JSON document
     * @param open index of a {@code [} or <code>{</code>
     * @return index of its matching {@code ]} or <code>}</code>
     */
    static int closingBracket(String json, int open) {
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        throw new IllegalArgumentException("unterminated JSON container at " + open);
    }

    /**
     * Replaces the value of the first member named {@code key} (an object, array, string or literal) in a JSON
     * document; the member must exist. Good enough for the {@code tokenizer.json} files here, whose first
     * {@code "normalizer"}, {@code "pre_tokenizer"} and {@code "ignore_merges"} members are the ones meant.
     *
     * @param json      the document
     * @param key       member name
     * @param valueJson the new value, as JSON
     * @return the edited document
     */
    static String replaceJsonMember(String json, String key, String valueJson) {
        int k = json.indexOf("\"" + key + "\"");
        if (k < 0) {
            throw new IllegalArgumentException("no member " + key);
        }
        int v = json.indexOf(':', k) + 1;
        while (Character.isWhitespace(json.charAt(v))) {
            v++;
        }
        int end;
        char c = json.charAt(v);
        if (c == '{' || c == '[') {
            end = closingBracket(json, v) + 1;
        } else if (c == '"') {
            end = v + 1;
            while (json.charAt(end) != '"') {
                end += json.charAt(end) == '\\' ? 2 : 1;
            }
            end++;
        } else {
            end = v;
            while (",}] \n\r\t".indexOf(json.charAt(end)) < 0) {
                end++;
            }
        }
        return json.substring(0, v) + valueJson + json.substring(end);
    }

    /**
     * Repeats a string until its UTF-8 encoding reaches {@code bytes} (whole repetitions only).
     *
     * @param unit  the repeated text
     * @param bytes target UTF-8 size
     * @return the text
     */
    static String repeatToUtf8Bytes(String unit, int bytes) {
        int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
        return unit.repeat(Math.max(1, bytes / unitBytes));
    }
}
