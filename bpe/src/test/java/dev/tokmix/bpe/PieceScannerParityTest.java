package dev.tokmix.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks every hand-written piece scanner against its oracle, the {@link RegexPieceScanner} fallback running
 * the same pattern through {@code java.util.regex}: a table of hard cases (each also scanned as every
 * sub-region), the class tables and contraction folding over every code point, known piece boundaries, and
 * megabyte inputs under a time limit.
 */
class PieceScannerParityTest {

    /** A pattern tokmix has a hand-written scanner for, with the dialect it is loaded under. */
    record Known(String name, String pattern, RegexDialect dialect) {
        PieceScanner handWritten() {
            return PieceScanners.handWritten(pattern);
        }

        PieceScanner regex() {
            return new RegexPieceScanner(pattern, dialect);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every known pattern; O200K appears under both dialects because tiktoken and HF files both use it. */
    static final List<Known> KNOWN = List.of(
            new Known("R50K", PieceScanners.R50K, RegexDialect.TIKTOKEN),
            new Known("GPT2", PieceScanners.GPT2, RegexDialect.ONIGURUMA),
            new Known("CL100K", PieceScanners.CL100K, RegexDialect.TIKTOKEN),
            new Known("LLAMA3", PieceScanners.LLAMA3, RegexDialect.ONIGURUMA),
            new Known("QWEN2", PieceScanners.QWEN2, RegexDialect.ONIGURUMA),
            new Known("O200K/tiktoken", PieceScanners.O200K, RegexDialect.TIKTOKEN),
            new Known("O200K/hf", PieceScanners.O200K, RegexDialect.ONIGURUMA),
            new Known("DEEPSEEK_DIGITS", PieceScanners.DEEPSEEK_DIGITS, RegexDialect.ONIGURUMA),
            new Known("DEEPSEEK_CJK", PieceScanners.DEEPSEEK_CJK, RegexDialect.ONIGURUMA),
            new Known("DEEPSEEK_MAIN", PieceScanners.DEEPSEEK_MAIN, RegexDialect.ONIGURUMA));

    /** Every White_Space code point, then lookalikes that are not {@code \s}. */
    static final String SPACES = "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
            + "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
    static final String NOT_SPACES = "\u180e\u200b\ufeff\u001c\u001f\u200d\u2060";

    static Stream<Known> known() {
        return KNOWN.stream();
    }

    /** Scans a region and returns the flat {@code (start, end)} pairs. */
    static int[] scan(PieceScanner scanner, char[] text, int start, int end) {
        IntList out = new IntList(16);
        scanner.matches(text, start, end, out);
        return out.toArray();
    }

    /** Renders match pairs as escaped pieces, for failure messages. */
    static String pieces(char[] text, int[] pairs) {
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < pairs.length; k += 2) {
            if (k > 0) {
                b.append(", ");
            }
            b.append('"').append(escape(new String(text, pairs[k], pairs[k + 1] - pairs[k]))).append('"');
        }
        return b.append(']').toString();
    }

    /** Escapes everything outside printable ASCII as {@code \}{@code uXXXX}. */
    static String escape(CharSequence s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    /**
     * Compares the hand-written scanner with the regex on a region and returns a description of the first
     * difference, or {@code null} when they agree.
     */
    static String difference(Known known, PieceScanner handWritten, PieceScanner regex, char[] text, int start,
            int end) {
        int[] expected = scan(regex, text, start, end);
        int[] actual = scan(handWritten, text, start, end);
        if (Arrays.equals(expected, actual)) {
            return null;
        }
        return known + " on \"" + escape(new String(text)) + "\" [" + start + ", " + end + "): regex "
                + pieces(text, expected) + ", hand-written " + pieces(text, actual);
    }

    /** The hard cases of the brief and of bpe-anchors.md section 5, built once. */
    static List<String> hardCases() {
        List<String> cases = new ArrayList<>();
        String[] followers = {"", "a", "Ab", "1", "123", "!", "!!\n", "'s", "\n", "\r\n", " a", "\u00e9", "e\u0301",
            "\u0301", "\ud83d\ude00", "\ud835\udc00", "\u65e5", "\u0661", "/"};
        String[] leaders = {"", "x", "!", "1", "\n"};
        for (char space : (SPACES + NOT_SPACES).toCharArray()) {
            for (int run = 1; run <= 3; run++) {
                String spaces = String.valueOf(space).repeat(run);
                for (String follower : followers) {
                    for (String leader : leaders) {
                        cases.add(leader + spaces + follower);
                    }
                    cases.add(" " + spaces + follower);
                    cases.add(spaces + " " + follower);
                    cases.add(spaces + "\n " + follower);
                }
            }
        }
        cases.addAll(List.of(
                // CR/LF mixes and trailing whitespace (bpe-anchors.md 5.2)
                "\r\n", "a\r\nb", " \r\n ", "\n\n\n", "\r\r\n\n", "  \n  ", "  \n  a", "\n \n x", "a  \n", "\t\n\t",
                "x\u2028\ny", "a \n\n b", "a\n\n\n", "  \r\n\r\n  \t", "\n\u00a0a", "\u00a0\na", " \n!", "\r \r \r",
                // contractions (5.5)
                "'s", "'S", "'\u017f", "'LL", "'Ll", "'lL", "'Ve", "'rE", "'M", "'D", "'t", "'T", "don't", "DON'T",
                "we'll", "WE'LL", "they're", "I've", "I'M", "he'd", "'", "''", "'x", "' s", "'l", "'ll'", "'sup",
                "rock'n'roll", "o'\u017f", "K'\u212a", "'\u212a", "'st", "x'S!", "'s's", " 's", " 'S", "\u0301's",
                "\u65e5\u672c's", "'\u0130", "'\u0131", "don't\n", "DON'TS", "l'll", "''ll", "x''s", "'ve'",
                "we\u2019ll", "it's.", "it'S'", "A'LL", "\u00e9'd", "\ud835\udc00'S", "'s\u0301", "'d\u00e9",
                // case classes (5.6)
                "camelCaseWord", "HTTPServer", "XMLHttpRequest", "iPhone", "ALLCAPS WORDS", "\u01c5ungla",
                "\u01c5\u01c4\u01c6", "\u02b0ello", "HELLO's", "Hello'S", "McDONALD's", "aB", "Ab", "AB", "ABc",
                "\u65e5\u672cA", "\u65e5\u672cAb", "A\u65e5B", "\u02b0A", "A\u02b0", "A\u0301b", "\u0301A", "\u0301Ab",
                "\u0301AB", "!\u0301AB", "!\u0301ab", "\u1d2cA", "\u00dfSS", "\u0391\u03b2\u0393",
                // numbers (5.4)
                "1", "12", "123", "1234", "12345", "123456", "1234567", " 1234567", "a1234567b", "\u00b2\u00bd\u216b",
                "\u0661\u0662\u0663\u0664\u0665\u0666\u0667", "\ud835\udfd8\ud835\udfd9\ud835\udfda\ud835\udfdb",
                "12\u00b23\u00bd", "3.14159", "1,000,000", "x\u00b2", "\u2460\u2461", "\u0969\u096a",
                // emoji
                "\ud83d\udc4d\ud83c\udffd", "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66",
                "\u2764\ufe0f", "\ud83c\uddfa\ud83c\uddf8", "a\ud83d\ude00b", " \ud83d\ude00", "\ud83d\ude00\ud83d\ude00 x",
                "\ud83d\udc4d\ud83c\udffdabc", "\ud83d\ude00\n", " \ud83d\ude00\n/",
                // combining marks
                "e\u0301", "\u0301", "\u0301abc", "a\u0301\u0302b", " \u0301", "!\u0301", "!!\u0301", "A\u0308B",
                "ABC\u0301DEF", "\u20dd", "1\u0301", "\u0301\u0302\u0303", "\n\u0301", "\u0301 ", "'\u0301s",
                // scripts
                "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8", "\u4e2d\u6587\uff0c\u6807\u70b9\u3002",
                "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", "\uff76\uff80\uff76\uff85", "\u6f22\u5b57123",
                "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
                "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e", "\u0915\u094d\u0937\u093f",
                "\u9fa5\u9fa6\u4e00\u3040\u309f\u30a0\u30ff\u3100", "\u3005\u3006",
                // invisible and separator chars
                "a\u00a0b", "a\u0085b", "a\u180eb", "a\u200bb", "a\ufeffb", "a\u2028b", "\u00a0\u00a0x", "\u200d",
                // outside the BMP
                "\ud835\udc00\ud835\udc01\ud835\udc02\ud835\udc1a\ud835\udc1b", "\ud835\udfd8\ud835\udfd9",
                "\ud83d\ude00", "\ud835\udc00bc", "a\ud835\udc1a", "\ud840\udc00\ud840\udc01", "\udb40\udc01",
                "\udb80\udc00abc", "\uDBFF\uDFFF",
                // punctuation runs, newlines and slashes
                "!!!\n", "...\r\n", "?!/\n/", "--/", ");\n}\n", " //\n", "a/b", "http://x.y/z", "\"quoted\"\n",
                "!\n/", "!/\n/\r", " !\n\n/", "\u00ab\u00bb", "\u00abx", "!x", "!\u00e9", "$100", "#tag", "@user",
                "\u2014dash", "\u20ac5", " \u20ac", "_a", "`x`", "\\n", "[a]", "x.y", "a.B", "a-b-c", ". . .",
                // lone surrogates: never produced by the decoder, but must not crash or diverge
                "\ud800", "\udc00", "a\ud800b", "\udc00\ud800", "\ud800 x", " \ud800", "'\ud800", "\udc00's"));
        return cases;
    }

    @Test
    void handWrittenExistsForExactlyTheKnownPatterns() {
        for (Known known : KNOWN) {
            PieceScanner scanner = known.handWritten();
            assertNotNull(scanner, known.name());
            assertEquals(known.pattern(), scanner.pattern(), known.name());
            assertNull(PieceScanners.handWritten(known.pattern() + "|x"), known.name());
            assertNull(PieceScanners.handWritten(" " + known.pattern()), known.name());
        }
        assertNull(PieceScanners.handWritten(""));
        assertNull(PieceScanners.handWritten("\\s+"));
        assertTrue(PieceScanners.forPattern("\\p{L}+", RegexDialect.ONIGURUMA) instanceof RegexPieceScanner);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("known")
    void handWrittenMatchesRegexOnHardCasesAndEveryRegionOfThem(Known known) {
        PieceScanner handWritten = known.handWritten();
        PieceScanner regex = known.regex();
        List<String> failures = new ArrayList<>();
        int regions = 0;
        for (String hardCase : hardCases()) {
            char[] text = hardCase.toCharArray();
            for (int start = 0; start <= text.length; start++) {
                for (int end = start; end <= text.length; end++) {
                    regions++;
                    String difference = difference(known, handWritten, regex, text, start, end);
                    if (difference != null && failures.size() < 20) {
                        failures.add(difference);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " differences (of " + regions + " regions), first:\n"
                + String.join("\n", failures));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("known")
    void handWrittenMatchesRegexWithEveryBmpCharInContext(Known known) {
        PieceScanner handWritten = known.handWritten();
        PieceScanner regex = known.regex();
        // Each template puts the char where it decides an alternative: after a space, as a word prefix, inside
        // and after a word, inside whitespace, after an apostrophe, next to numbers and punctuation.
        String[] templates = {"#", " #a", "#Ab", "a#", "A#b", "'#", "  #", "#\n", "1#2", "!#", "#x'S"};
        List<String> failures = new ArrayList<>();
        for (int c = 0; c <= 0xFFFF; c++) {
            for (String template : templates) {
                char[] text = template.replace('#', (char) c).toCharArray();
                String difference = difference(known, handWritten, regex, text, 0, text.length);
                if (difference != null && failures.size() < 20) {
                    failures.add(difference);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void classFlagsAgreeWithJavaRegexForEveryCodePoint() {
        String deepSeekMain = PieceScanners.DEEPSEEK_MAIN;
        Map<String, Integer> classes = new LinkedHashMap<>();
        classes.put("\\s", UnicodeClasses.SPACE);
        classes.put("\\p{L}", UnicodeClasses.LETTER);
        classes.put("\\p{N}", UnicodeClasses.NUMBER);
        classes.put("\\p{M}", UnicodeClasses.MARK);
        classes.put("[\\r\\n]", UnicodeClasses.NEWLINE);
        classes.put("[\\p{Lu}\\p{Lt}]", UnicodeClasses.UPPER);
        classes.put("\\p{Ll}", UnicodeClasses.LOWER);
        classes.put("[\\p{Lm}\\p{Lo}]", UnicodeClasses.CASELESS);
        classes.put("[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", UnicodeClasses.UPPERISH);
        classes.put("[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", UnicodeClasses.LOWERISH);
        classes.put("\\p{P}", UnicodeClasses.PUNCT);
        classes.put("\\p{S}", UnicodeClasses.SYMBOL);
        classes.put(deepSeekMain.substring(0, deepSeekMain.indexOf("[A-Za-z]")), UnicodeClasses.ASCII_PUNCT);
        classes.put("[A-Za-z]", UnicodeClasses.ASCII_ALPHA);
        CharArraySequence chars = new CharArraySequence();
        char[] buffer = new char[2];
        for (Map.Entry<String, Integer> entry : classes.entrySet()) {
            Matcher matcher = Pattern.compile(entry.getKey(), Pattern.UNICODE_CHARACTER_CLASS).matcher(chars);
            int mask = entry.getValue();
            for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
                int length = Character.toChars(cp, buffer, 0);
                chars.reset(buffer, length);
                matcher.reset(chars);
                boolean expected = matcher.matches();
                int flags = UnicodeClasses.at(buffer, 0, length);
                if (expected != ((flags & mask) != 0)) {
                    fail(entry.getKey() + " disagrees at U+" + Integer.toHexString(cp) + ": regex " + expected);
                }
                assertEquals(length, UnicodeClasses.length(flags));
            }
        }
    }

    @Test
    void contractionFoldingAgreesWithJavaRegexForEveryBmpChar() {
        // Both spellings of the case-insensitive contraction: a class (cl100k) and slices (Llama 3, o200k).
        Pattern[] patterns = {
            Pattern.compile("'(?i:[sdmt]|ll|ve|re)", Pattern.UNICODE_CHARACTER_CLASS),
            Pattern.compile("(?i:'s|'t|'re|'ve|'m|'ll|'d)", Pattern.UNICODE_CHARACTER_CLASS)};
        Pattern caseSensitive = Pattern.compile("'(?:[sdmt]|ll|ve|re)", Pattern.UNICODE_CHARACTER_CLASS);
        String[] templates = {"'#", "'#l", "'#e", "'l#", "'r#", "'v#", "'#x"};
        for (int c = 0; c <= 0xFFFF; c++) {
            for (String template : templates) {
                String text = template.replace('#', (char) c);
                char[] chars = text.toCharArray();
                int ignoreCase = UnicodeClasses.contractionIgnoreCase(chars, 1, chars.length);
                int exact = UnicodeClasses.contraction(chars, 1, chars.length);
                for (Pattern pattern : patterns) {
                    Matcher m = pattern.matcher(text);
                    assertEquals(m.lookingAt() ? m.end() : -1, ignoreCase, pattern + " on " + escape(text));
                }
                Matcher m = caseSensitive.matcher(text);
                assertEquals(m.lookingAt() ? m.end() : -1, exact, caseSensitive + " on " + escape(text));
            }
        }
    }

    @Test
    void knownPieceBoundariesHold() {
        // Hand-checked against the semantics in bpe-anchors.md section 5; each also agrees with the regex.
        assertPieces(PieceScanners.CL100K, "  \n  ", "  \n  ");
        assertPieces(PieceScanners.LLAMA3, "  \n  ", "  \n", "  ");
        assertPieces(PieceScanners.CL100K, "  \n  a", "  \n", " ", " a");
        assertPieces(PieceScanners.CL100K, "I'M \u017f'\u017f", "I", "'M", " \u017f", "'\u017f");
        assertPieces(PieceScanners.R50K, "I'M don't", "I", "'", "M", " don", "'t");
        assertPieces(PieceScanners.GPT2, "x   y  ", "x", "  ", " y", "  ");
        assertPieces(PieceScanners.CL100K, "12345 \u00b2\u00bd\u216b7", "123", "45", " ", "\u00b2\u00bd\u216b", "7");
        assertPieces(PieceScanners.QWEN2, "123", "1", "2", "3");
        assertPieces(PieceScanners.R50K, " 12345", " 12345");
        assertPieces(PieceScanners.O200K, "don't camelCase HTTPServer ALLCAPS's", "don't", " camel", "Case",
                " HTTPServer", " ALLCAPS's");
        assertPieces(PieceScanners.O200K, "!\n/x", "!\n/", "x");
        assertPieces(PieceScanners.O200K, "\u0301's", "\u0301's");
        assertPieces(PieceScanners.O200K, "\u65e5\u672cA", "\u65e5\u672c", "A");
        assertPieces(PieceScanners.CL100K, "\tabc\u00a0def", "\tabc", "\u00a0def");
        assertPieces(PieceScanners.DEEPSEEK_MAIN, "'s\u00e9 \u00abx", "'s", "\u00e9", " \u00ab", "x");
        assertPieces(PieceScanners.DEEPSEEK_MAIN, "a1b", "a", "1b");
        assertPieces(PieceScanners.DEEPSEEK_DIGITS, "a1234b", "123", "4");
        assertPieces(PieceScanners.DEEPSEEK_CJK, "a\u65e5\u672cb\u30a2", "\u65e5\u672c", "\u30a2");
    }

    private static void assertPieces(String pattern, String text, String... expected) {
        char[] chars = text.toCharArray();
        RegexDialect dialect = pattern.equals(PieceScanners.R50K) || pattern.equals(PieceScanners.CL100K)
                ? RegexDialect.TIKTOKEN : RegexDialect.ONIGURUMA;
        for (PieceScanner scanner : new PieceScanner[] {PieceScanners.handWritten(pattern),
            new RegexPieceScanner(pattern, dialect)}) {
            int[] pairs = scan(scanner, chars, 0, chars.length);
            String[] actual = new String[pairs.length / 2];
            for (int k = 0; k < actual.length; k++) {
                actual[k] = text.substring(pairs[2 * k], pairs[2 * k + 1]);
            }
            assertArrayEquals(expected, actual, scanner.getClass().getSimpleName() + " on " + escape(text) + ": "
                    + pieces(chars, pairs));
        }
    }

    /** Megabyte inputs: one letter, spaces, digits, and mixed text without whitespace. */
    static Map<String, char[]> megabyteInputs() {
        int n = 1 << 20;
        Map<String, char[]> inputs = new LinkedHashMap<>();
        char[] letters = new char[n];
        Arrays.fill(letters, 'a');
        inputs.put("letters", letters);
        char[] capitals = new char[n];
        Arrays.fill(capitals, 'A');
        inputs.put("capitals", capitals);
        char[] spaces = new char[n];
        Arrays.fill(spaces, ' ');
        inputs.put("spaces", spaces);
        char[] digits = new char[n];
        Arrays.fill(digits, '7');
        inputs.put("digits", digits);
        String alphabet = "abcXYZ019!?.,;'\u00e9\u0301\u65e5\u3042-_/\ud83d\ude00\ud835\udc00\u0661";
        Random random = new Random(42);
        StringBuilder mixed = new StringBuilder(n + 2);
        while (mixed.length() < n) {
            int cp = alphabet.codePointAt(random.nextInt(alphabet.length()));
            if (!Character.isLowSurrogate((char) cp)) {
                mixed.appendCodePoint(cp);
            }
        }
        inputs.put("mixed", mixed.toString().toCharArray());
        return inputs;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("known")
    void handWrittenScansMegabyteInputsQuicklyAndLikeTheRegex(Known known) throws InterruptedException {
        PieceScanner handWritten = known.handWritten();
        PieceScanner regex = known.regex();
        for (Map.Entry<String, char[]> input : megabyteInputs().entrySet()) {
            char[] text = input.getValue();
            long t0 = System.nanoTime();
            int[] actual = scan(handWritten, text, 0, text.length);
            long elapsedNanos = System.nanoTime() - t0;
            assertTrue(elapsedNanos < 2_000_000_000L,
                    known + " took " + elapsedNanos / 1_000_000 + " ms on 1 MB of " + input.getKey());
            // The regex runs on a thread with a small stack: java.util.regex compiles these patterns' repetitions
            // (X+, X*, X++ over one char class) to loops rather than recursion per char, so it must not overflow
            // even there (openai/tiktoken#245 is the backtracking-engine failure this guards against).
            AtomicReference<Object> result = new AtomicReference<>();
            Thread thread = new Thread(null, () -> {
                try {
                    result.set(scan(regex, text, 0, text.length));
                } catch (StackOverflowError e) {
                    result.set(e);
                }
            }, "regex-1mb", 256 * 1024);
            thread.start();
            thread.join();
            if (result.get() instanceof StackOverflowError) {
                fail("java.util.regex overflowed a 256 KiB stack on 1 MB of " + input.getKey() + " for " + known);
            }
            assertArrayEquals((int[]) result.get(), actual, known + " on 1 MB of " + input.getKey());
        }
    }
}
