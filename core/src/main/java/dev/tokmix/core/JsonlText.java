package dev.tokmix.core;

import java.nio.file.Path;

/**
 * Pulls one string field out of a JSON Lines record without building a tree: the record must be a JSON object;
 * other fields are skipped (nested values included), the wanted one is decoded (all JSON escapes, surrogate
 * pairs joined).
 */
final class JsonlText {
    private final CharSequence s;
    private final Path file;
    private final long line;
    private int pos;

    private JsonlText(CharSequence s, Path file, long line) {
        this.s = s;
        this.file = file;
        this.line = line;
    }

    static boolean isBlank(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the string value of a top-level field of the JSON object on one line.
     *
     * @throws TokmixException naming file, line and column if the record is malformed, the field is missing,
     *                         or its value is not a string
     */
    static String field(CharSequence record, String field, Path file, long line) {
        return new JsonlText(record, file, line).find(field);
    }

    private TokmixException error(String what) {
        return new TokmixException(file + ": line " + line + ", column " + (pos + 1) + ": " + what
                + "\n  remedy: each line of a JSON Lines file must be one JSON object with a string field");
    }

    private String find(String field) {
        ws();
        expect('{');
        ws();
        if (peek() == '}') {
            throw error("the record has no \"" + field + "\" field");
        }
        String found = null;
        while (true) {
            ws();
            String key = string();
            ws();
            expect(':');
            ws();
            if (key.equals(field)) {
                // A repeated key: the last value wins, as in Python's json and JavaScript's JSON.parse.
                if (peek() != '"') {
                    throw error("field \"" + field + "\" is not a string");
                }
                found = string();
            } else {
                skipValue();
            }
            ws();
            char c = next();
            if (c == '}') {
                break;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}'");
            }
        }
        ws();
        if (pos != s.length()) {
            throw error("unexpected text after the record");
        }
        if (found == null) {
            throw error("the record has no \"" + field + "\" field");
        }
        return found;
    }

    private char peek() {
        if (pos >= s.length()) {
            throw error("the record ends too early");
        }
        return s.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private void ws() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = null;
        int start = pos;
        while (true) {
            char c = next();
            if (c == '"') {
                return out == null ? s.subSequence(start, pos - 1).toString() : out.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in a string");
            }
            if (c == '\\') {
                if (out == null) {
                    out = new StringBuilder().append(s, start, pos - 1);
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("truncated \\u escape");
                        }
                        int v = 0;
                        for (int i = 0; i < 4; i++) {
                            char h = s.charAt(pos + i);
                            int d = h < 0x80 ? Character.digit(h, 16) : -1;
                            if (d < 0) {
                                throw error("bad \\u escape");
                            }
                            v = v * 16 + d;
                        }
                        pos += 4;
                        out.append((char) v);
                    }
                    default -> {
                        pos--;
                        throw error("unknown escape \\" + e);
                    }
                }
            } else if (out != null) {
                out.append(c);
            }
        }
    }

    /** Skips one JSON value, checking its syntax (nesting is limited to keep the stack bounded). */
    private void skipValue() {
        skipValue(0);
    }

    private void skipValue(int depth) {
        if (depth > 512) {
            throw error("values nested more than 512 deep");
        }
        char c = peek();
        switch (c) {
            case '"' -> string();
            case '{' -> {
                pos++;
                ws();
                if (peek() == '}') {
                    pos++;
                    return;
                }
                while (true) {
                    ws();
                    string();
                    ws();
                    expect(':');
                    ws();
                    skipValue(depth + 1);
                    ws();
                    char d = next();
                    if (d == '}') {
                        return;
                    }
                    if (d != ',') {
                        pos--;
                        throw error("expected ',' or '}'");
                    }
                }
            }
            case '[' -> {
                pos++;
                ws();
                if (peek() == ']') {
                    pos++;
                    return;
                }
                while (true) {
                    ws();
                    skipValue(depth + 1);
                    ws();
                    char d = next();
                    if (d == ']') {
                        return;
                    }
                    if (d != ',') {
                        pos--;
                        throw error("expected ',' or ']'");
                    }
                }
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos >= s.length() || s.charAt(pos) != word.charAt(i)) {
                throw error("expected " + word);
            }
            pos++;
        }
    }

    /** JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    private void number() {
        int start = pos;
        if (pos < s.length() && s.charAt(pos) == '-') {
            pos++;
        }
        if (digits() == 0) {
            pos = start;
            throw error("expected a value");
        }
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            if (digits() == 0) {
                throw error("expected digits after '.'");
            }
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            if (digits() == 0) {
                throw error("expected digits in the exponent");
            }
        }
    }

    private int digits() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }
}
