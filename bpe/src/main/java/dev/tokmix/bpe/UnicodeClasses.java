package dev.tokmix.bpe;

/**
 * Bit-flag classes of code points for the hand-written piece scanners, with exactly the meaning
 * {@code java.util.regex} gives the same classes under {@code UNICODE_CHARACTER_CLASS} (JDK 25 = Unicode 16).
 *
 * <p>ASCII is one load from a 128-entry table; other code points go through {@link Character#getType(int)},
 * the table {@code java.util.regex} itself consults for {@code \p{..}} categories. {@code \s} is Unicode
 * White_Space: U+0009..U+000D, U+0085 and the categories Zs, Zl, Zp (not {@link Character#isWhitespace}, which
 * drops U+00A0 and adds U+001C..U+001F). Every White_Space char, CR, LF and ASCII char is a single UTF-16 unit,
 * which the scanners rely on when they step back over a whitespace char.
 *
 * <p>{@link #at} returns the flags of the code point at an index together with {@link #PAIR} when it is a
 * surrogate pair, so one call yields both class and length without allocating. A lone surrogate is its own
 * code point of category Cs (no flags), as in {@code java.util.regex}.
 */
final class UnicodeClasses {
    /** {@code \p{L}}. */
    static final int LETTER = 1;
    /** {@code \p{N}} (Nd, Nl, No). */
    static final int NUMBER = 1 << 1;
    /** {@code \s}: Unicode White_Space. */
    static final int SPACE = 1 << 2;
    /** {@code [\r\n]}. */
    static final int NEWLINE = 1 << 3;
    /** {@code \p{M}} (Mn, Mc, Me). */
    static final int MARK = 1 << 4;
    /** {@code \p{Lu}} or {@code \p{Lt}}: o200k's upper-only letters. */
    static final int UPPER = 1 << 5;
    /** {@code \p{Ll}}: o200k's lower-only letters. */
    static final int LOWER = 1 << 6;
    /** {@code \p{Lm}} or {@code \p{Lo}}: letters in both of o200k's case classes. */
    static final int CASELESS = 1 << 7;
    /** {@code \p{P}}. */
    static final int PUNCT = 1 << 8;
    /** {@code \p{S}}. */
    static final int SYMBOL = 1 << 9;
    /** DeepSeek's {@code [!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]}: the 32 ASCII punctuation and symbol chars. */
    static final int ASCII_PUNCT = 1 << 10;
    /** {@code [A-Za-z]}. */
    static final int ASCII_ALPHA = 1 << 11;
    /** Not a class: set by {@link #at} when the code point is a surrogate pair (two chars). */
    static final int PAIR = 1 << 15;

    /** o200k's {@code [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]}. */
    static final int UPPERISH = UPPER | CASELESS | MARK;
    /** o200k's {@code [\p{Ll}\p{Lm}\p{Lo}\p{M}]}. */
    static final int LOWERISH = LOWER | CASELESS | MARK;
    /** The intersection of o200k's two case classes. */
    static final int BOTH_CASES = CASELESS | MARK;
    /** The complement of {@code [^\s\p{L}\p{N}]}, the "punctuation" run of the GPT patterns. */
    static final int SPACE_LETTER_NUMBER = SPACE | LETTER | NUMBER;

    private static final int[] ASCII = new int[128];
    private static final int[] BY_TYPE = new int[32];

    static {
        BY_TYPE[Character.UPPERCASE_LETTER] = LETTER | UPPER;
        BY_TYPE[Character.TITLECASE_LETTER] = LETTER | UPPER;
        BY_TYPE[Character.LOWERCASE_LETTER] = LETTER | LOWER;
        BY_TYPE[Character.MODIFIER_LETTER] = LETTER | CASELESS;
        BY_TYPE[Character.OTHER_LETTER] = LETTER | CASELESS;
        BY_TYPE[Character.NON_SPACING_MARK] = MARK;
        BY_TYPE[Character.COMBINING_SPACING_MARK] = MARK;
        BY_TYPE[Character.ENCLOSING_MARK] = MARK;
        BY_TYPE[Character.DECIMAL_DIGIT_NUMBER] = NUMBER;
        BY_TYPE[Character.LETTER_NUMBER] = NUMBER;
        BY_TYPE[Character.OTHER_NUMBER] = NUMBER;
        BY_TYPE[Character.SPACE_SEPARATOR] = SPACE;
        BY_TYPE[Character.LINE_SEPARATOR] = SPACE;
        BY_TYPE[Character.PARAGRAPH_SEPARATOR] = SPACE;
        BY_TYPE[Character.CONNECTOR_PUNCTUATION] = PUNCT;
        BY_TYPE[Character.DASH_PUNCTUATION] = PUNCT;
        BY_TYPE[Character.START_PUNCTUATION] = PUNCT;
        BY_TYPE[Character.END_PUNCTUATION] = PUNCT;
        BY_TYPE[Character.INITIAL_QUOTE_PUNCTUATION] = PUNCT;
        BY_TYPE[Character.FINAL_QUOTE_PUNCTUATION] = PUNCT;
        BY_TYPE[Character.OTHER_PUNCTUATION] = PUNCT;
        BY_TYPE[Character.MATH_SYMBOL] = SYMBOL;
        BY_TYPE[Character.CURRENCY_SYMBOL] = SYMBOL;
        BY_TYPE[Character.MODIFIER_SYMBOL] = SYMBOL;
        BY_TYPE[Character.OTHER_SYMBOL] = SYMBOL;
        for (int c = 0; c < 128; c++) {
            int f = BY_TYPE[Character.getType(c)];
            if (c >= 0x09 && c <= 0x0D) {
                f |= SPACE;
            }
            if (c == '\r' || c == '\n') {
                f |= NEWLINE;
            }
            if ((f & (PUNCT | SYMBOL)) != 0) {
                f |= ASCII_PUNCT;
            }
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
                f |= ASCII_ALPHA;
            }
            ASCII[c] = f;
        }
    }

    private UnicodeClasses() {
    }

    /**
     * Returns the class flags of a code point.
     *
     * @param cp a code point (a lone surrogate is allowed)
     * @return its flags, never {@link #PAIR}
     */
    static int of(int cp) {
        return cp < 128 ? ASCII[cp] : ofNonAscii(cp);
    }

    /**
     * Returns the class flags of a non-ASCII code point.
     *
     * @param cp a code point &ge; 128
     * @return its flags
     */
    static int ofNonAscii(int cp) {
        // U+0085 is the only White_Space char whose category (Cc) does not say so.
        return cp == 0x85 ? SPACE : BY_TYPE[Character.getType(cp)];
    }

    /**
     * Returns the flags of the code point starting at {@code i}, with {@link #PAIR} added when it takes two chars.
     *
     * @param text the text
     * @param i    index of the code point, {@code < end}
     * @param end  end of the region: a high surrogate at {@code end - 1} is a lone surrogate here
     * @return the flags, plus {@link #PAIR} for a surrogate pair
     */
    static int at(char[] text, int i, int end) {
        char c = text[i];
        return c < 128 ? ASCII[c] : atNonAscii(text, i, end, c);
    }

    /**
     * {@link #at} for a first char that is not ASCII.
     *
     * @param text the text
     * @param i    index of the code point
     * @param end  end of the region
     * @param c    {@code text[i]}
     * @return the flags, plus {@link #PAIR} for a surrogate pair
     */
    static int atNonAscii(char[] text, int i, int end, char c) {
        if (Character.isHighSurrogate(c) && i + 1 < end) {
            char low = text[i + 1];
            if (Character.isLowSurrogate(low)) {
                return BY_TYPE[Character.getType(Character.toCodePoint(c, low))] | PAIR;
            }
        }
        return ofNonAscii(c);
    }

    /**
     * Returns the number of chars of the code point whose {@link #at} flags are given.
     *
     * @param flags a result of {@link #at}
     * @return 1 or 2
     */
    static int length(int flags) {
        return 1 + (flags >>> 15 & 1);
    }

    /**
     * Advances over code points that have any of the given flags.
     *
     * @param text the text
     * @param i    where to start
     * @param end  end of the region
     * @param mask the flags to accept
     * @return the index of the first code point without any of the flags, or {@code end}
     */
    static int skip(char[] text, int i, int end, int mask) {
        int[] ascii = ASCII;
        while (i < end) {
            char c = text[i];
            if (c < 128) {
                if ((ascii[c] & mask) == 0) {
                    return i;
                }
                i++;
            } else {
                int f = atNonAscii(text, i, end, c);
                if ((f & mask) == 0) {
                    return i;
                }
                i += 1 + (f >>> 15 & 1);
            }
        }
        return i;
    }

    /**
     * Advances over code points that have none of the given flags.
     *
     * @param text the text
     * @param i    where to start
     * @param end  end of the region
     * @param mask the flags to reject
     * @return the index of the first code point with one of the flags, or {@code end}
     */
    static int skipNot(char[] text, int i, int end, int mask) {
        int[] ascii = ASCII;
        while (i < end) {
            char c = text[i];
            if (c < 128) {
                if ((ascii[c] & mask) != 0) {
                    return i;
                }
                i++;
            } else {
                int f = atNonAscii(text, i, end, c);
                if ((f & mask) != 0) {
                    return i;
                }
                i += 1 + (f >>> 15 & 1);
            }
        }
        return i;
    }

    /**
     * Tells whether a char is White_Space ({@code \s}); every White_Space code point is a single char.
     *
     * @param c a char
     * @return whether it is {@code \s}
     */
    static boolean isSpace(char c) {
        return c < 128 ? (ASCII[c] & SPACE) != 0 : c >= 0x85 && (ofNonAscii(c) & SPACE) != 0;
    }

    /**
     * Advances over a run of {@code \s} and applies the whitespace alternatives that end the Llama 3 family of
     * patterns, {@code \s*[\r\n]+|\s+(?!\S)|\s+}, optionally preceded by {@code \s++$}.
     *
     * <p>Backtracking made explicit: {@code \s*[\r\n]+} ends right after the last CR or LF of the run;
     * {@code \s+(?!\S)} takes the whole run at the end of the region and otherwise gives back its last char
     * (which must leave at least one); {@code \s+} is then left with a single char. {@code \s++$} takes the whole
     * run when it reaches the end of the region.
     *
     * @param text       the text
     * @param i          start of the run; {@code text[i]} is {@code \s}
     * @param end        end of the region
     * @param wholeAtEnd whether {@code \s++$} comes first (tiktoken's possessive cl100k)
     * @return the end of the match
     */
    static int whitespaceWithNewlines(char[] text, int i, int end, boolean wholeAtEnd) {
        int lastNewline = -1;
        int j = i;
        while (j < end) {
            char c = text[j];
            if (c == '\n' || c == '\r') {
                lastNewline = j;
            } else if (!isSpace(c)) {
                break;
            }
            j++;
        }
        if (j == end && wholeAtEnd) {
            return end;
        }
        if (lastNewline >= 0) {
            return lastNewline + 1;
        }
        return whitespaceTail(i, j, end);
    }

    /**
     * Applies {@code \s+(?!\S)|\s} (or {@code |\s+}, the same here) to the run {@code [i, j)}.
     *
     * @param i   start of the run
     * @param j   end of the run: {@code end} or the index of a non-space
     * @param end end of the region
     * @return the end of the match
     */
    static int whitespaceTail(int i, int j, int end) {
        if (j == end) {
            return end;
        }
        // Every \s is one char, so giving back one code point is j - 1; a one-char run gives nothing back.
        return j - i >= 2 ? j - 1 : i + 1;
    }

    /**
     * Advances over a run of {@code \s}.
     *
     * @param text the text
     * @param i    where to start
     * @param end  end of the region
     * @return the index of the first non-space, or {@code end}
     */
    static int skipSpace(char[] text, int i, int end) {
        while (i < end && isSpace(text[i])) {
            i++;
        }
        return i;
    }

    /**
     * Tells whether {@code c} matches the lowercase ASCII letter {@code lower} under {@code java.util.regex}'s
     * {@code (?i)} with Unicode case: the two ASCII cases, plus U+017F LATIN SMALL LETTER LONG S for {@code s}.
     *
     * <p>Checked exhaustively against {@code java.util.regex} over every code point for the letters of the
     * contractions (s, t, m, d, l, v, r, e); Rust regex and Oniguruma fold the same way for these letters.
     *
     * @param c     the char in the text
     * @param lower the pattern letter, lowercase ASCII
     * @return whether it matches
     */
    static boolean foldsTo(char c, char lower) {
        return (c | 0x20) == lower || (c == '\u017F' && lower == 's');
    }

    /**
     * Matches the case-insensitive contraction {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)} after an apostrophe.
     *
     * @param text the text
     * @param i    index just after the apostrophe
     * @param end  end of the region
     * @return the end of the contraction, or -1 if none matches
     */
    static int contractionIgnoreCase(char[] text, int i, int end) {
        if (i >= end) {
            return -1;
        }
        char c = text[i];
        if (foldsTo(c, 's') || foldsTo(c, 't') || foldsTo(c, 'm') || foldsTo(c, 'd')) {
            return i + 1;
        }
        if (i + 1 >= end) {
            return -1;
        }
        char d = text[i + 1];
        if (foldsTo(c, 'l') ? foldsTo(d, 'l') : (foldsTo(c, 'r') || foldsTo(c, 'v')) && foldsTo(d, 'e')) {
            return i + 2;
        }
        return -1;
    }

    /**
     * Matches the case-sensitive contraction {@code '(?:[sdmt]|ll|ve|re)} after an apostrophe.
     *
     * @param text the text
     * @param i    index just after the apostrophe
     * @param end  end of the region
     * @return the end of the contraction, or -1 if none matches
     */
    static int contraction(char[] text, int i, int end) {
        if (i >= end) {
            return -1;
        }
        char c = text[i];
        if (c == 's' || c == 't' || c == 'm' || c == 'd') {
            return i + 1;
        }
        if (i + 1 >= end) {
            return -1;
        }
        char d = text[i + 1];
        if (c == 'l' ? d == 'l' : (c == 'r' || c == 'v') && d == 'e') {
            return i + 2;
        }
        return -1;
    }
}
