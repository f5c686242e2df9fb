package dev.tokmix.bpe;

/**
 * GPT-2's byte-to-unicode table, which HF byte-level vocabularies and merges are written in: bytes {@code !..~},
 * {@code ¡..¬}, {@code ®..ÿ} stand for themselves, the other 68 bytes map in order to U+0100.. (space is
 * {@code Ġ}, LF is {@code Ċ}). tokmix maps vocabularies back to raw bytes at load time.
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /**
     * Maps a byte-level string back to bytes.
     *
     * @param s a vocabulary or merge string
     * @return the bytes, or {@code null} if some char is outside the alphabet
     */
    static byte[] toBytes(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }

    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }
}
