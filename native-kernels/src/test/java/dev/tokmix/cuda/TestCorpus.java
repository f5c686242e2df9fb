package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tokmix.bpe.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fetched data for the parity tests ({@code -Dtokmix.data}, set by surefire): tokenizers and documents cut from
 * {@code data/text/prose} (55 languages) and {@code data/text/code} (10 languages). A missing file fails with a
 * remedy: a skipped parity test would look like a passing one.
 */
final class TestCorpus {
    private TestCorpus() {
    }

    static Path data() {
        String p = System.getProperty("tokmix.data");
        if (p == null || p.isBlank()) {
            fail("system property tokmix.data is not set; run the tests through Maven after `make data`");
        }
        Path dir = Path.of(p).toAbsolutePath();
        if (!Files.isDirectory(dir)) {
            fail("data folder " + dir + " does not exist; run `make data` first");
        }
        return dir;
    }

    private static final java.util.Map<String, Tokenizer> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * o200k_base, cl100k_base (built-in names) or llama3 ({@code data/hf/llama3/tokenizer.json}), loaded once per
     * test JVM.
     */
    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, TestCorpus::load);
    }

    private static Tokenizer load(String name) {
        if (name.equals("llama3")) {
            Path f = data().resolve("hf/llama3/tokenizer.json");
            if (!Files.isRegularFile(f)) {
                fail("missing " + f + "; run `make data`");
            }
            return Tokenizer.load(f);
        }
        System.setProperty("tokmix.data", data().toString());
        return Tokenizer.load(name);
    }

    /**
     * Documents of about {@code docBytes} bytes (cut at line ends) taken from the start of every file of a
     * folder under {@code data/text}, at most {@code bytesPerFile} from each.
     */
    static List<byte[]> documents(String folder, int bytesPerFile, int docBytes) {
        Path dir = data().resolve("text").resolve(folder);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + "; run `make data`", e);
        }
        if (files.isEmpty()) {
            fail("no .txt files in " + dir + "; run `make data`");
        }
        List<byte[]> docs = new ArrayList<>();
        for (Path f : files) {
            byte[] all;
            try {
                all = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int limit = Math.min(all.length, bytesPerFile);
            int start = 0;
            while (start < limit) {
                int end = Math.min(limit, start + docBytes);
                while (end < limit && all[end - 1] != '\n') {
                    end++;
                }
                byte[] d = new byte[end - start];
                System.arraycopy(all, start, d, 0, d.length);
                docs.add(d);
                start = end;
            }
        }
        return docs;
    }

    static long bytes(List<byte[]> docs) {
        long n = 0;
        for (byte[] d : docs) {
            n += d.length;
        }
        return n;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
