package dev.tokmix.bpe;

/**
 * Chooses the scanner for a pretokenizer pattern: a hand-written scanner when the pattern string is exactly
 * one tokmix knows, the {@link RegexPieceScanner} fallback otherwise.
 */
final class PieceScanners {
    /** tiktoken {@code r50k_base} / {@code p50k_base} (tiktoken &ge; 0.8, possessive form). */
    static final String R50K = "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s";
    /** The GPT-2 pattern built into HF's {@code ByteLevel} pretokenizer ({@code use_regex: true}). */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** tiktoken {@code cl100k_base} (tiktoken &ge; 0.8, possessive form). */
    static final String CL100K = "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+"
            + "|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";
    /** The original cl100k pattern, as used verbatim by Llama 3 and the GPT-3.5 {@code tokenizer.json}. */
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen 2 / 2.5 / 3: the Llama 3 pattern with single digits. */
    static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** tiktoken {@code o200k_base}, also the GPT-4o {@code tokenizer.json}. */
    static final String O200K = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** DeepSeek V3, first Split: digit runs in threes. */
    static final String DEEPSEEK_DIGITS = "\\p{N}{1,3}";
    /** DeepSeek V3, second Split: runs of CJK ideographs and kana. */
    static final String DEEPSEEK_CJK = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";
    /** DeepSeek V3, third Split: the main word/punctuation/whitespace pattern. */
    static final String DEEPSEEK_MAIN = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
            + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

    private PieceScanners() {
    }

    /**
     * Returns the scanner for a pattern.
     *
     * @param pattern the pattern exactly as written in the tokenizer file
     * @param dialect the engine it was written for (decides the fallback's translation)
     * @return a hand-written scanner for a known pattern, else a regex fallback
     * @throws UnsupportedPatternException if the fallback cannot express the pattern exactly
     */
    static PieceScanner forPattern(String pattern, RegexDialect dialect) {
        PieceScanner handWritten = handWritten(pattern);
        return handWritten != null ? handWritten : new RegexPieceScanner(pattern, dialect);
    }

    /**
     * Returns the hand-written scanner for a known pattern, or {@code null}.
     *
     * @param pattern the pattern exactly as written
     * @return the scanner or {@code null}
     */
    static PieceScanner handWritten(String pattern) {
        // Exact string match only: a pattern that differs by one char may differ in matches.
        return switch (pattern) {
            case R50K, GPT2 -> new Gpt2PieceScanner(pattern);
            case CL100K -> new Cl100kPieceScanner(pattern, 3, true);
            case LLAMA3 -> new Cl100kPieceScanner(pattern, 3, false);
            case QWEN2 -> new Cl100kPieceScanner(pattern, 1, false);
            case O200K -> new O200kPieceScanner(pattern);
            case DEEPSEEK_DIGITS -> new DeepSeekPieceScanners.Digits();
            case DEEPSEEK_CJK -> new DeepSeekPieceScanners.Cjk();
            case DEEPSEEK_MAIN -> new DeepSeekPieceScanners.Main();
            case null, default -> null;
        };
    }
}
