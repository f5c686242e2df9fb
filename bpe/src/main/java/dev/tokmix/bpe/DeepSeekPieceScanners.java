package dev.tokmix.bpe;

import static dev.tokmix.bpe.UnicodeClasses.ASCII_ALPHA;
import static dev.tokmix.bpe.UnicodeClasses.ASCII_PUNCT;
import static dev.tokmix.bpe.UnicodeClasses.LETTER;
import static dev.tokmix.bpe.UnicodeClasses.MARK;
import static dev.tokmix.bpe.UnicodeClasses.NEWLINE;
import static dev.tokmix.bpe.UnicodeClasses.NUMBER;
import static dev.tokmix.bpe.UnicodeClasses.PUNCT;
import static dev.tokmix.bpe.UnicodeClasses.SPACE;
import static dev.tokmix.bpe.UnicodeClasses.SYMBOL;

/**
 * Hand-written scanners for the three {@code Split} patterns of DeepSeek V3's pretokenizer sequence.
 *
 * <p>Unlike the GPT patterns these do not match every code point: the find loop skips what no alternative
 * accepts, one char at a time as {@code java.util.regex} does (a match never starts inside a surrogate pair,
 * because a pair's low half is a lone surrogate that no alternative accepts where the pair was refused).
 */
final class DeepSeekPieceScanners {
    private DeepSeekPieceScanners() {
    }

    /** Scans {@link PieceScanners#DEEPSEEK_DIGITS}, {@code \p{N}{1,3}}: number runs cut in threes. */
    static final class Digits implements PieceScanner {
        @Override
        public void matches(char[] text, int start, int end, IntList out) {
            int i = start;
            while (i < end) {
                char c = text[i];
                if (c < 128 && (c < '0' || c > '9')) {
                    // Most text is ASCII between numbers; skip it without the general class lookup.
                    i++;
                    continue;
                }
                int f = UnicodeClasses.at(text, i, end);
                int next = i + UnicodeClasses.length(f);
                if ((f & NUMBER) == 0) {
                    i = next;
                    continue;
                }
                int e = next;
                for (int n = 1; n < 3 && e < end; n++) {
                    int g = UnicodeClasses.at(text, e, end);
                    if ((g & NUMBER) == 0) {
                        break;
                    }
                    e += UnicodeClasses.length(g);
                }
                out.add(i, e);
                i = e;
            }
        }

        @Override
        public String pattern() {
            return PieceScanners.DEEPSEEK_DIGITS;
        }
    }

    /**
     * Scans {@link PieceScanners#DEEPSEEK_CJK}: runs of chars in U+4E00..U+9FA5, U+3040..U+309F and
     * U+30A0..U+30FF (CJK ideographs, hiragana, katakana; all in the BMP, so plain char comparisons).
     */
    static final class Cjk implements PieceScanner {
        @Override
        public void matches(char[] text, int start, int end, IntList out) {
            int i = start;
            while (i < end) {
                if (!isCjk(text[i])) {
                    i++;
                    continue;
                }
                int e = i + 1;
                while (e < end && isCjk(text[e])) {
                    e++;
                }
                out.add(i, e);
                i = e;
            }
        }

        private static boolean isCjk(char c) {
            return c >= '\u4e00' && c <= '\u9fa5' || c >= '\u3040' && c <= '\u30ff';
        }

        @Override
        public String pattern() {
            return PieceScanners.DEEPSEEK_CJK;
        }
    }

    /**
     * Scans {@link PieceScanners#DEEPSEEK_MAIN}: an ASCII punctuation char glued to an ASCII letter run; letters
     * and marks with an optional prefix that is not CR, LF, a letter, punctuation or a symbol; an optional space
     * and a punctuation/symbol run with trailing CR/LF; then the Llama 3 whitespace alternatives.
     */
    static final class Main implements PieceScanner {
        private static final int LETTER_MARK = LETTER | MARK;
        private static final int PUNCT_SYMBOL = PUNCT | SYMBOL;

        @Override
        public void matches(char[] text, int start, int end, IntList out) {
            int i = start;
            while (i < end) {
                int e = matchEnd(text, i, end);
                if (e < 0) {
                    i++;
                    continue;
                }
                out.add(i, e);
                i = e;
            }
        }

        /** The end of the match starting at {@code i}, or -1 (numbers, controls, format chars, unassigned...). */
        private static int matchEnd(char[] text, int i, int end) {
            char c = text[i];
            int f = UnicodeClasses.at(text, i, end);
            int next = i + UnicodeClasses.length(f);
            if ((f & ASCII_PUNCT) != 0) {
                // [!-/:-@\[-`{-~][A-Za-z]+ : non-ASCII chars never carry ASCII_ALPHA.
                int e = UnicodeClasses.skip(text, next, end, ASCII_ALPHA);
                if (e > next) {
                    return e;
                }
            }
            if ((f & LETTER_MARK) != 0) {
                // With or without a mark as the prefix, the match is the letter/mark run from i.
                return UnicodeClasses.skip(text, next, end, LETTER_MARK);
            }
            int g = next < end ? UnicodeClasses.at(text, next, end) : 0;
            if ((g & LETTER_MARK) != 0 && (f & (NEWLINE | PUNCT_SYMBOL)) == 0) {
                return UnicodeClasses.skip(text, next + UnicodeClasses.length(g), end, LETTER_MARK);
            }
            if ((f & PUNCT_SYMBOL) != 0) {
                return UnicodeClasses.skip(text, UnicodeClasses.skip(text, next, end, PUNCT_SYMBOL), end, NEWLINE);
            }
            if (c == ' ' && (g & PUNCT_SYMBOL) != 0) {
                int e = UnicodeClasses.skip(text, next + UnicodeClasses.length(g), end, PUNCT_SYMBOL);
                return UnicodeClasses.skip(text, e, end, NEWLINE);
            }
            if ((f & SPACE) != 0) {
                return UnicodeClasses.whitespaceWithNewlines(text, i, end, false);
            }
            return -1;
        }

        @Override
        public String pattern() {
            return PieceScanners.DEEPSEEK_MAIN;
        }
    }
}
