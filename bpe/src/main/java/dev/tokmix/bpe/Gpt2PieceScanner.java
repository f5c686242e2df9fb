package dev.tokmix.bpe;

import static dev.tokmix.bpe.UnicodeClasses.LETTER;
import static dev.tokmix.bpe.UnicodeClasses.NUMBER;
import static dev.tokmix.bpe.UnicodeClasses.SPACE;
import static dev.tokmix.bpe.UnicodeClasses.SPACE_LETTER_NUMBER;

/**
 * A hand-written scanner for the GPT-2 pattern family: tiktoken's possessive r50k/p50k
 * {@link PieceScanners#R50K} and HF's {@code ByteLevel} {@link PieceScanners#GPT2}.
 *
 * <p>The two patterns have the same matches: their contraction alternations list the same case-sensitive
 * strings, {@code ++} changes nothing where no later element could take characters back, and
 * {@code \s++$|\s+(?!\S)|\s} agrees with {@code \s+(?!\S)|\s+} (a run that reaches the end is taken whole by
 * both; otherwise both give back the run's last char, and a one-char run is matched alone). So one class serves
 * both, keeping the source string it was made for.
 */
final class Gpt2PieceScanner implements PieceScanner {
    private final String pattern;

    /**
     * Creates the scanner.
     *
     * @param pattern {@link PieceScanners#R50K} or {@link PieceScanners#GPT2}
     */
    Gpt2PieceScanner(String pattern) {
        this.pattern = pattern;
    }

    @Override
    public void matches(char[] text, int start, int end, IntList out) {
        int i = start;
        while (i < end) {
            int e = matchEnd(text, i, end);
            out.add(i, e);
            i = e;
        }
    }

    /** The end of the match starting at {@code i}; every code point starts one, so it always exists. */
    private static int matchEnd(char[] text, int i, int end) {
        char c = text[i];
        int f = UnicodeClasses.at(text, i, end);
        int next = i + UnicodeClasses.length(f);
        if ((f & LETTER) != 0) {
            return UnicodeClasses.skip(text, next, end, LETTER);
        }
        if ((f & NUMBER) != 0) {
            return UnicodeClasses.skip(text, next, end, NUMBER);
        }
        if ((f & SPACE) == 0) {
            if (c == '\'') {
                int e = UnicodeClasses.contraction(text, next, end);
                if (e >= 0) {
                    return e;
                }
            }
            return UnicodeClasses.skipNot(text, next, end, SPACE_LETTER_NUMBER);
        }
        if (c == ' ' && next < end) {
            // " ?" joins the space to a letter, number or punctuation run right after it.
            int e = afterSpace(text, next, end);
            if (e >= 0) {
                return e;
            }
        }
        return UnicodeClasses.whitespaceTail(i, UnicodeClasses.skipSpace(text, next, end), end);
    }

    /** The run after a leading space: {@code \p{L}+}, {@code \p{N}+} or {@code [^\s\p{L}\p{N}]+}, else -1. */
    private static int afterSpace(char[] text, int i, int end) {
        int f = UnicodeClasses.at(text, i, end);
        int next = i + UnicodeClasses.length(f);
        if ((f & LETTER) != 0) {
            return UnicodeClasses.skip(text, next, end, LETTER);
        }
        if ((f & NUMBER) != 0) {
            return UnicodeClasses.skip(text, next, end, NUMBER);
        }
        if ((f & SPACE) == 0) {
            return UnicodeClasses.skipNot(text, next, end, SPACE_LETTER_NUMBER);
        }
        return -1;
    }

    @Override
    public String pattern() {
        return pattern;
    }
}
