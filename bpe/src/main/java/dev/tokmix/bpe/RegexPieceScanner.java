package dev.tokmix.bpe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The general fallback pretokenizer: any pattern the hand-written scanners do not recognise runs through
 * {@code java.util.regex} with Unicode semantics ({@code UNICODE_CHARACTER_CLASS}, which also turns on Unicode
 * case folding, so {@code (?i)'s} matches {@code 'ſ} as in Rust and Oniguruma).
 *
 * <p>The source pattern is translated from its dialect first (see {@link #translate}); constructs whose meaning
 * differs and that cannot be expressed exactly are refused with {@link UnsupportedPatternException}, never
 * approximated. Matching uses one {@link Matcher} per thread, over the caller's char array, with opaque and
 * anchoring region bounds so lookarounds and anchors see only the region, as in HF's per-piece {@code Split}.
 */
final class RegexPieceScanner implements PieceScanner {
    private final String source;
    private final Pattern pattern;
    private final ThreadLocal<State> state;

    private static final class State {
        final CharArraySequence chars = new CharArraySequence();
        final Matcher matcher;

        State(Pattern pattern) {
            matcher = pattern.matcher(chars);
        }
    }

    RegexPieceScanner(String source, RegexDialect dialect) {
        this.source = source;
        String translated = translate(source, dialect);
        try {
            this.pattern = Pattern.compile(translated, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new UnsupportedPatternException(source, e.getIndex(),
                    "java.util.regex rejects the translated pattern: " + e.getDescription());
        }
        Pattern p = this.pattern;
        this.state = ThreadLocal.withInitial(() -> new State(p));
    }

    @Override
    public void matches(char[] text, int start, int end, IntList out) {
        State s = state.get();
        s.chars.reset(text, end);
        Matcher m = s.matcher;
        m.reset(s.chars);
        m.region(start, end);
        while (m.find()) {
            int ms = m.start();
            int me = m.end();
            if (me > ms) {
                out.add(ms, me);
            }
        }
    }

    @Override
    public String pattern() {
        return source;
    }

    /**
     * Rewrites a pattern of the given dialect into an equivalent {@code java.util.regex} pattern.
     *
     * @param source  the pattern as written in the tokenizer file
     * @param dialect the engine it was written for
     * @return the Java pattern
     * @throws UnsupportedPatternException for a construct Java cannot express with the same meaning
     */
    static String translate(String source, RegexDialect dialect) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        int classDepth = 0;
        int n = source.length();
        for (int i = 0; i < n; i++) {
            char c = source.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n) {
                    throw new UnsupportedPatternException(source, i, "the pattern ends with a lone backslash");
                }
                char e = source.charAt(i + 1);
                switch (e) {
                    case 'p', 'P' -> {
                        i = translateProperty(source, i, out);
                        continue;
                    }
                    case 'h' -> {
                        if (dialect == RegexDialect.ONIGURUMA) {
                            // Oniguruma's \h is a hex digit; Java's is horizontal whitespace.
                            out.append(classDepth > 0 ? "0-9a-fA-F" : "[0-9a-fA-F]");
                        } else {
                            throw new UnsupportedPatternException(source, i, "\\h is not a Rust regex escape");
                        }
                        i++;
                        continue;
                    }
                    case 'H' -> {
                        if (classDepth > 0 || dialect != RegexDialect.ONIGURUMA) {
                            throw new UnsupportedPatternException(source, i,
                                    "\\H has no exact Java equivalent here");
                        }
                        out.append("[^0-9a-fA-F]");
                        i++;
                        continue;
                    }
                    case 'Z' -> {
                        if (classDepth > 0) {
                            throw new UnsupportedPatternException(source, i, "\\Z inside a character class");
                        }
                        // Oniguruma: end of text or before a final LF only (Java's \Z accepts any terminator).
                        out.append("(?=\\n?\\z)");
                        i++;
                        continue;
                    }
                    case 'K', 'G', 'y', 'Y', 'O', 'X', 'R', 'g', 'k' -> throw new UnsupportedPatternException(
                            source, i, "the escape \\" + e + " is not supported by the regex fallback");
                    default -> {
                        out.append(c).append(e);
                        i++;
                        continue;
                    }
                }
            }
            if (classDepth > 0) {
                if (c == '[') {
                    if (i + 1 < n && source.charAt(i + 1) == ':') {
                        throw new UnsupportedPatternException(source, i,
                                "POSIX bracket classes such as [:punct:] differ between Oniguruma and Java");
                    }
                    classDepth++;
                } else if (c == ']') {
                    classDepth--;
                }
                out.append(c);
                continue;
            }
            switch (c) {
                case '[' -> {
                    classDepth = 1;
                    out.append(c);
                    // A ']' right after '[' or '[^' is a literal in Rust and Oniguruma; Java needs it escaped.
                    int j = i + 1;
                    if (j < n && source.charAt(j) == '^') {
                        out.append('^');
                        j++;
                    }
                    if (j < n && source.charAt(j) == ']') {
                        out.append("\\]");
                        j++;
                    }
                    i = j - 1;
                }
                case '$' -> out.append(dialect == RegexDialect.ONIGURUMA ? "(?=\\n|\\z)" : "\\z");
                case '.' -> out.append("[^\\n]");
                case '(' -> {
                    if (source.startsWith("(?~", i) || source.startsWith("(?(", i)) {
                        throw new UnsupportedPatternException(source, i,
                                "absent operators and conditionals are not supported by the regex fallback");
                    }
                    out.append(c);
                }
                default -> out.append(c);
            }
        }
        if (classDepth != 0) {
            throw new UnsupportedPatternException(source, n, "unterminated character class");
        }
        return out.toString();
    }

    /** Copies {@code \p{X}} / {@code \P{X}} / {@code \pL}, mapping Oniguruma's {@code \p{^X}} and script names. */
    private static int translateProperty(String source, int i, StringBuilder out) {
        char kind = source.charAt(i + 1);
        int j = i + 2;
        if (j >= source.length()) {
            throw new UnsupportedPatternException(source, i, "\\" + kind + " without a property name");
        }
        String name;
        int next;
        if (source.charAt(j) == '{') {
            int close = source.indexOf('}', j);
            if (close < 0) {
                throw new UnsupportedPatternException(source, i, "unterminated \\" + kind + "{...}");
            }
            name = source.substring(j + 1, close);
            next = close;
        } else {
            name = String.valueOf(source.charAt(j));
            next = j;
        }
        boolean negate = false;
        if (name.startsWith("^")) {
            negate = true;
            name = name.substring(1);
        }
        if (negate) {
            kind = kind == 'p' ? 'P' : 'p';
        }
        String javaName = name;
        if (!isGeneralCategory(name) && !name.startsWith("Is") && !name.startsWith("In") && !name.contains("=")) {
            // Scripts and binary properties need the "Is" prefix in Java (\p{IsHan}, \p{IsAlphabetic}).
            javaName = "Is" + name;
        }
        out.append('\\').append(kind).append('{').append(javaName).append('}');
        return next;
    }

    private static boolean isGeneralCategory(String name) {
        return name.length() <= 2 && !name.isEmpty() && Character.isUpperCase(name.charAt(0));
    }
}
