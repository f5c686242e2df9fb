package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The fetched data folder ({@code -Dtokmix.data}, set by surefire to {@code <repo>/data}) and the files the parity
 * tests read from it. A missing file fails the test with a remedy; parity tests never skip, because a skipped
 * parity test looks exactly like a passing one in a CI summary.
 */
final class TestData {
    /** The tiktoken encodings built into tokmix and jtokkit. */
    static final List<String> TIKTOKEN_ENCODINGS = List.of("r50k_base", "p50k_base", "cl100k_base", "o200k_base");

    /** The {@code tokenizer.json} files fetched into {@code data/hf/<name>/}. */
    static final List<String> HF_TOKENIZERS =
            List.of("gpt2", "gpt35turbo", "gpt4o", "llama3", "qwen2_5", "qwen3", "deepseek_v3", "claude");

    private TestData() {
    }

    /**
     * The data folder.
     *
     * @return its absolute path
     */
    static Path directory() {
        String p = System.getProperty("tokmix.data");
        if (p == null || p.isBlank()) {
            fail("system property tokmix.data is not set; run the tests through Maven (surefire sets it to"
                    + " <repo>/data) after `make data`");
        }
        Path dir = Path.of(p).toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            fail("data folder " + dir + " does not exist; run `make data` (scripts/fetch-data.sh) first");
        }
        return dir;
    }

    /**
     * A file under the data folder that must exist.
     *
     * @param relative path relative to the data folder
     * @return the absolute path
     */
    static Path require(String relative) {
        Path file = directory().resolve(relative);
        if (!Files.isRegularFile(file)) {
            fail("missing data file " + file + "; run `make data` (scripts/fetch-data.sh) to fetch it");
        }
        return file;
    }

    /**
     * The rank file of a built-in tiktoken encoding.
     *
     * @param encoding e.g. {@code o200k_base}
     * @return its path
     */
    static Path tiktokenFile(String encoding) {
        return require("tiktoken/" + encoding + ".tiktoken");
    }

    /**
     * A fetched {@code tokenizer.json}.
     *
     * @param name e.g. {@code llama3}
     * @return its path
     */
    static Path hfTokenizerFile(String name) {
        return require("hf/" + name + "/tokenizer.json");
    }
}
