package dev.tokmix.bpe;

/** A mutable {@link CharSequence} view of a char array, so a reused {@code Matcher} can scan it without copying. */
final class CharArraySequence implements CharSequence {
    private char[] chars = new char[0];
    private int offset;
    private int length;

    CharArraySequence() {
    }

    private CharArraySequence(char[] chars, int offset, int length) {
        this.chars = chars;
        this.offset = offset;
        this.length = length;
    }

    void reset(char[] chars, int length) {
        this.chars = chars;
        this.offset = 0;
        this.length = length;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return chars[offset + index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new CharArraySequence(chars, offset + start, end - start);
    }

    @Override
    public String toString() {
        return new String(chars, offset, length);
    }
}
