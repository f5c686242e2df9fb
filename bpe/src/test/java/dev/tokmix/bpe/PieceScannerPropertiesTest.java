package dev.tokmix.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.PieceScannerParityTest.Known;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Property tests: on random text drawn from a weighted alphabet of the chars that decide the alternatives, plus
 * random code points from every plane, each hand-written scanner finds exactly the matches of the regex
 * fallback, on whole arrays and on regions of longer ones. Every try checks every known pattern, so the try
 * count is also the count per pattern; jqwik prints the seed of a failing run and replays it next time.
 */
class PieceScannerPropertiesTest {
    /** Chars that steer the patterns: every kind of space, contraction letters, cases, numbers, marks, scripts. */
    private static final int[] INTERESTING = {
        ' ', ' ', ' ', ' ', '\t', '\n', '\n', '\r', 0x0b, 0x0c, 0x85, 0xa0, 0x1680, 0x2000, 0x2005, 0x200a, 0x2028,
        0x2029, 0x202f, 0x205f, 0x3000, 0x180e, 0x200b, 0xfeff, 0x200d, 0x1c, 0x1f,
        '\'', '\'', '\'', 's', 'S', 0x17f, 't', 'T', 'l', 'L', 'v', 'V', 'e', 'E', 'r', 'R', 'm', 'M', 'd', 'D',
        'a', 'b', 'x', 'Z', 'Q', 0x212a, 0x130, 0x131, 0xdf, 0xe9, 0xc9, 0x1c5, 0x2b0, 0x1d2c, 0x3b2, 0x393,
        '0', '1', '9', 0xb2, 0xbd, 0x216b, 0x660, 0x669, 0x2460, 0x1d7d8, 0x1d400, 0x1d41a, 0x1f600, 0x1f44d,
        0x1f3fd, 0x2764, 0xfe0f, 0x1f1fa, 0x301, 0x308, 0x903, 0x20dd, 0x94d,
        0x4e00, 0x65e5, 0x9fa5, 0x9fa6, 0x3005, 0x3042, 0x309f, 0x30a0, 0x30a2, 0x30ff, 0xac00, 0xff76, 0x627,
        0x644, 0x915, 0x93f, 0x20000,
        '!', '.', ',', '/', '/', '-', '"', '(', ')', '$', '+', '_', '`', '\\', '@', '#', '~', 0xab, 0xbb, 0x2014,
        0x2019, 0x20ac, 0x3002, 0xff0c, 0xe000, 0xf0000, 0x10ffff, 0x378, 0x0, 0x7f};

    /** Multi-char fragments that complete a construct, so the generator hits them often. */
    private static final String[] FRAGMENTS = {
        "'s", "'S", "'\u017f", "'ll", "'LL", "'Ve", "'re", "'d", "'M", "'t", "\r\n", "  ", "   ", " \n ", "\n\n",
        "don't", "DON'T", "Hello", "HTTPS", "camelCase", "123", "1234567", "\u0661\u0662\u0663", " //", "!!",
        "\ud83d\udc4d\ud83c\udffd", "\ud83d\udc68\u200d\ud83d\udc69", "e\u0301", "\u65e5\u672c\u8a9e", " a", "\ta"};

    private static final List<Integer> INTERESTING_LIST = Arrays.stream(INTERESTING).boxed().toList();

    /** Text without lone surrogates, as the scanners receive it: up to {@code maxUnits} chars or fragments. */
    private static Arbitrary<String> text(int maxUnits, boolean loneSurrogates) {
        Arbitrary<String> interesting = Arbitraries.of(INTERESTING_LIST).map(Character::toString);
        Arbitrary<String> fragments = Arbitraries.of(FRAGMENTS);
        Arbitrary<String> bmp = Arbitraries.chars().range('\u0000', '\uffff')
                .filter(c -> loneSurrogates || !Character.isSurrogate(c)).map(String::valueOf);
        Arbitrary<String> anyPlane = Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
                .filter(cp -> loneSurrogates || cp < 0xd800 || cp > 0xdfff).map(Character::toString);
        Arbitrary<String> unit = Arbitraries.frequencyOf(Tuple.of(12, interesting), Tuple.of(3, fragments),
                Tuple.of(3, bmp), Tuple.of(2, anyPlane));
        return unit.list().ofMaxSize(maxUnits).map(units -> String.join("", units));
    }

    @Provide
    Arbitrary<String> shortText() {
        return text(16, false);
    }

    @Provide
    Arbitrary<String> longText() {
        return text(200, false);
    }

    @Provide
    Arbitrary<String> textWithLoneSurrogates() {
        return text(24, true);
    }

    /** Checks every known pattern on one region and returns the differences. */
    private static List<String> differences(char[] text, int start, int end) {
        List<String> differences = new ArrayList<>();
        for (Known known : PieceScannerParityTest.KNOWN) {
            String difference = PieceScannerParityTest.difference(known, known.handWritten(), known.regex(), text,
                    start, end);
            if (difference != null) {
                differences.add(difference);
            }
        }
        return differences;
    }

    @Property(tries = 3000)
    void handWrittenMatchesRegexOnRandomUnicode(@ForAll("shortText") String text) {
        List<String> differences = differences(text.toCharArray(), 0, text.length());
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    @Property(tries = 2000)
    void handWrittenMatchesRegexOnLongRandomUnicode(@ForAll("longText") String text) {
        List<String> differences = differences(text.toCharArray(), 0, text.length());
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    @Property(tries = 2000)
    void scanningARegionEqualsScanningACopy(@ForAll("shortText") String text,
            @ForAll @IntRange(min = 0, max = 10_000) int a, @ForAll @IntRange(min = 0, max = 10_000) int b) {
        char[] chars = text.toCharArray();
        // Random bounds, which may split a surrogate pair: the region must then see a lone surrogate at its edge.
        int start = Math.min(a, b) % (chars.length + 1);
        int end = start + Math.abs(a - b) % (chars.length - start + 1);
        char[] copy = Arrays.copyOfRange(chars, start, end);
        for (Known known : PieceScannerParityTest.KNOWN) {
            PieceScanner scanner = known.handWritten();
            int[] inRegion = PieceScannerParityTest.scan(scanner, chars, start, end);
            int[] inCopy = PieceScannerParityTest.scan(scanner, copy, 0, copy.length);
            int[] shifted = IntStream.of(inCopy).map(offset -> offset + start).toArray();
            assertArrayEquals(shifted, inRegion, known + " on \"" + PieceScannerParityTest.escape(text) + "\" ["
                    + start + ", " + end + ")");
        }
        List<String> differences = differences(chars, start, end);
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    @Property(tries = 2000)
    void regionEdgesHideTheSurroundingText(@ForAll("shortText") String before, @ForAll("shortText") String body,
            @ForAll("shortText") String after) {
        // Whatever surrounds the region (letters that could extend a word, spaces that could extend a run), the
        // matches are those of the region alone, as HF's per-piece Split and tiktoken's per-segment scan need.
        char[] chars = (before + body + after).toCharArray();
        int start = before.length();
        int end = start + body.length();
        for (Known known : PieceScannerParityTest.KNOWN) {
            int[] inRegion = PieceScannerParityTest.scan(known.handWritten(), chars, start, end);
            char[] alone = body.toCharArray();
            int[] shifted = IntStream.of(PieceScannerParityTest.scan(known.handWritten(), alone, 0, alone.length))
                    .map(offset -> offset + start).toArray();
            assertArrayEquals(shifted, inRegion, known + " on \"" + PieceScannerParityTest.escape(body) + "\"");
        }
        List<String> differences = differences(chars, start, end);
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    @Property(tries = 2000)
    void handWrittenMatchesRegexEvenWithLoneSurrogates(@ForAll("textWithLoneSurrogates") String text) {
        // The decoder replaces lone surrogates before scanning; this only proves they cannot crash a scanner or
        // make it disagree with the regex, which treats each as a code point of category Cs.
        List<String> differences = differences(text.toCharArray(), 0, text.length());
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }

    @Property(tries = 1000)
    void matchesAreOrderedNonEmptyAndInsideTheRegion(@ForAll("longText") String text) {
        char[] chars = text.toCharArray();
        for (Known known : PieceScannerParityTest.KNOWN) {
            // The GPT, cl100k and o200k patterns match every code point, so their pieces tile the region.
            boolean tiles = !known.name().startsWith("DEEPSEEK");
            int[] pairs = PieceScannerParityTest.scan(known.handWritten(), chars, 0, chars.length);
            int previousEnd = 0;
            for (int k = 0; k < pairs.length; k += 2) {
                assertTrue(pairs[k] >= previousEnd && pairs[k + 1] > pairs[k] && pairs[k + 1] <= chars.length
                        && (!tiles || pairs[k] == previousEnd), known + " on \"" + PieceScannerParityTest.escape(text)
                        + "\"");
                previousEnd = pairs[k + 1];
            }
            assertTrue(!tiles || previousEnd == chars.length, known + " leaves a tail");
        }
    }
}
