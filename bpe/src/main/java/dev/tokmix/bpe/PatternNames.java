package dev.tokmix.bpe;

import java.util.Map;

/** Short names of the known pretokenizer patterns, for {@code tokmix info}. */
final class PatternNames {
    private static final Map<String, String> NAMES = Map.of(
            PieceScanners.R50K, "r50k",
            PieceScanners.GPT2, "gpt2",
            PieceScanners.CL100K, "cl100k",
            PieceScanners.LLAMA3, "llama3",
            PieceScanners.QWEN2, "qwen2",
            PieceScanners.O200K, "o200k",
            PieceScanners.DEEPSEEK_DIGITS, "deepseek-v3-digits",
            PieceScanners.DEEPSEEK_CJK, "deepseek-v3-cjk",
            PieceScanners.DEEPSEEK_MAIN, "deepseek-v3");

    private PatternNames() {
    }

    static String describe(String pattern, PieceScanner scanner) {
        String name = NAMES.getOrDefault(pattern, "/" + TokenizerLoader.abbreviate(pattern) + "/");
        return name + (scanner instanceof RegexPieceScanner ? " via regex fallback" : " hand-written");
    }
}
