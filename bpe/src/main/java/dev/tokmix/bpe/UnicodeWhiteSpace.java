package dev.tokmix.bpe;

/**
 * The Unicode {@code White_Space} property (what regex {@code \s} and Rust's {@code char::is_whitespace} mean);
 * {@link Character#isWhitespace} differs (it rejects NBSP and accepts U+001C..U+001F).
 */
final class UnicodeWhiteSpace {
    private UnicodeWhiteSpace() {
    }

    static boolean is(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
        }
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028
                || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }
}
