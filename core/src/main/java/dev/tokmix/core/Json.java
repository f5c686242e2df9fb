package dev.tokmix.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader for tokenizer files and configurations: objects become {@link LinkedHashMap}, arrays {@link ArrayList},
 * numbers {@link Long} or {@link Double}, {@code null} becomes {@link #NULL}. Errors name the file, line and
 * column. Written here (instead of a dependency) so every syntax error carries a position and a remedy.
 */
public final class Json {
    /** Stands for JSON {@code null}, so map lookups can tell a null value from a missing key. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private final String text;
    private final String source;
    private int pos;

    private Json(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /**
     * Parses a complete JSON document.
     *
     * @param text   the document
     * @param source the file name for error messages
     * @return the value tree
     * @throws JsonSyntaxException on any syntax error, naming line and column
     */
    public static Object parse(String text, String source) {
        Json p = new Json(text, source);
        p.skipWs();
        Object v = p.value();
        p.skipWs();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the end of the JSON document");
        }
        return v;
    }

    /**
     * The string value of one top-level field of a JSON object, without building a tree (JSON Lines records):
     * other fields are skipped, escapes decoded.
     *
     * @param record the JSON object text
     * @param field  the field
     * @param source the file, for messages
     * @param line   the 1-based line, for messages
     * @return the field's string value
     * @throws TokmixException naming source, line and column if the record is malformed, lacks the field, or its
     *                         value is not a string
     */
    public static String stringField(CharSequence record, String field, String source, long line) {
        return JsonlText.field(record, field, java.nio.file.Path.of(source), line);
    }

    /**
     * Writes a value tree back as compact JSON (the inverse of {@link #parse}; numbers keep their parsed type).
     *
     * @param v a value from {@link #parse}
     * @return the JSON text
     */
    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb);
        return sb.toString();
    }

    private static void write(Object v, StringBuilder sb) {
        if (v == NULL || v == null) {
            sb.append("null");
        } else if (v instanceof String str) {
            dev.tokmix.core.JsonStrings.quote(str, sb);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : ",");
                dev.tokmix.core.JsonStrings.quote((String) e.getKey(), sb);
                sb.append(':');
                write(e.getValue(), sb);
                first = false;
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                write(l.get(i), sb);
            }
            sb.append(']');
        } else {
            sb.append(v); // Long, Double, Boolean
        }
    }

    private JsonSyntaxException error(String what) {
        int line = 1;
        int col = 1;
        int limit = Math.min(pos, text.length());
        for (int i = 0; i < limit; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        String tail = pos >= text.length() ? " (the file ends here: is it truncated?)" : "";
        return new JsonSyntaxException(source + ": line " + line + ", column " + col + ": " + what + tail
                + "\n  remedy: the file is not valid JSON; fix it, or fetch an intact copy");
    }

    private void skipWs() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                pos++;
            } else {
                break;
            }
        }
    }

    private Object value() {
        if (pos >= text.length()) {
            throw error("expected a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("expected '" + word + "'");
        }
        pos += word.length();
        return value;
    }

    private Map<String, Object> object() {
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        skipWs();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWs();
            if (pos >= text.length() || text.charAt(pos) != '"') {
                throw error("expected a quoted key");
            }
            String key = string();
            skipWs();
            if (pos >= text.length() || text.charAt(pos) != ':') {
                throw error("expected ':' after key \"" + key + "\"");
            }
            pos++;
            skipWs();
            map.put(key, value());
            skipWs();
            if (pos >= text.length()) {
                throw error("unterminated object");
            }
            char c = text.charAt(pos++);
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' in object");
            }
        }
    }

    private List<Object> array() {
        pos++;
        List<Object> list = new ArrayList<>();
        skipWs();
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWs();
            list.add(value());
            skipWs();
            if (pos >= text.length()) {
                throw error("unterminated array");
            }
            char c = text.charAt(pos++);
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' in array");
            }
        }
    }

    private String string() {
        pos++;
        int start = pos;
        // Fast path: no escapes.
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '"') {
                return text.substring(start, pos++);
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            pos++;
        }
        StringBuilder sb = new StringBuilder(text.substring(start, pos));
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("control character in string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                break;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(text.charAt(pos++), 16);
                        if (d < 0) {
                            pos--;
                            throw error("bad hex digit in \\u escape");
                        }
                        v = (v << 4) | d;
                    }
                    sb.append((char) v);
                }
                default -> {
                    pos--;
                    throw error("bad escape \\" + e);
                }
            }
        }
        throw error("unterminated string");
    }

    private Object number() {
        int start = pos;
        if (text.charAt(pos) == '-') {
            pos++;
        }
        boolean integral = true;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c >= '0' && c <= '9') {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                integral = false;
                pos++;
            } else {
                break;
            }
        }
        String s = text.substring(start, pos);
        try {
            if (integral) {
                return Long.parseLong(s);
            }
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number '" + s + "'");
        }
    }
}
