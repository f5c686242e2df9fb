package dev.tokmix.jmh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A benchmark corpus: about {@value #TARGET_BYTES} bytes of real text from the fetched data, cut at line ends into
 * documents of at least {@value #DOCUMENT_BYTES} bytes. Each source file gives an equal share of the bytes:
 * {@code english} is {@code text/prose/en.txt}; {@code code} is every file under {@code text/code};
 * {@code multilingual} is every file under {@code text/prose} except {@code en.txt}. Files are read in name order
 * and from their start, so the same data always gives the same corpus.
 *
 * @param name      the corpus name
 * @param documents the documents, in order
 * @param lengthBytes total UTF-8 size of the documents; MB/s = ops/s × lengthBytes / 10⁶
 */
record Corpus(String name, List<String> documents, long lengthBytes) {
    /** Total bytes aimed at (1 MB). */
    static final int TARGET_BYTES = 1_000_000;
    /** A document ends at the first line end at or past this many bytes. */
    static final int DOCUMENT_BYTES = 4096;

    /** The corpus names accepted by {@link #load}. */
    static final String[] NAMES = {"english", "code", "multilingual"};

    /**
     * Builds a named corpus.
     *
     * @param data the data folder ({@link #dataDirectory()})
     * @param name {@code english}, {@code code} or {@code multilingual}
     * @return the corpus
     */
    static Corpus load(Path data, String name) {
        Path text = data.resolve("text");
        List<Path> files = switch (name) {
            case "english" -> List.of(text.resolve("prose/en.txt"));
            case "code" -> list(text.resolve("code"), "");
            case "multilingual" -> list(text.resolve("prose"), "en.txt");
            default -> throw new IllegalArgumentException("unknown corpus " + name + "; expected one of "
                    + String.join(", ", NAMES));
        };
        if (files.isEmpty()) {
            throw new IllegalStateException("corpus " + name + ": no text files under " + text
                    + "; run `make data`");
        }
        int share = TARGET_BYTES / files.size();
        List<String> documents = new ArrayList<>();
        long bytes = 0;
        for (Path f : files) {
            bytes += split(read(f), share, documents);
        }
        return new Corpus(name, List.copyOf(documents), bytes);
    }

    /**
     * The data folder, resolved as the tokenizer loader does: {@code -Dtokmix.data}, else {@code $TOKMIX_DATA},
     * else {@code ./data}.
     *
     * @return the folder
     */
    static Path dataDirectory() {
        String p = System.getProperty("tokmix.data");
        if (p == null || p.isBlank()) {
            p = System.getenv("TOKMIX_DATA");
        }
        return Path.of(p == null || p.isBlank() ? "data" : p).toAbsolutePath();
    }

    /**
     * Total characters of the documents.
     *
     * @return the UTF-16 length
     */
    long charCount() {
        return documents.stream().mapToLong(String::length).sum();
    }

    private static List<Path> list(Path dir, String excluded) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals(excluded))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + "; run `make data`", e);
        }
    }

    private static String read(Path f) {
        try {
            // new String(...) rather than Files.readString: ill-formed bytes become U+FFFD instead of failing.
            return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + "; run `make data`", e);
        }
    }

    /**
     * Appends documents cut from the start of {@code s} at line ends (a line longer than a document is cut at
     * {@value #DOCUMENT_BYTES} chars, never inside a surrogate pair), up to about {@code budget} bytes.
     *
     * @return the UTF-8 bytes taken
     */
    private static long split(String s, long budget, List<String> out) {
        long taken = 0;
        int docStart = 0;
        long docBytes = 0;
        int i = 0;
        while (i < s.length() && taken + docBytes < budget) {
            int nl = s.indexOf('\n', i);
            int end = Math.min(nl < 0 ? s.length() : nl + 1, i + DOCUMENT_BYTES);
            if (end < s.length() && Character.isLowSurrogate(s.charAt(end))) {
                end++;
            }
            docBytes += s.substring(i, end).getBytes(StandardCharsets.UTF_8).length;
            i = end;
            if (docBytes >= DOCUMENT_BYTES) {
                out.add(s.substring(docStart, i));
                taken += docBytes;
                docStart = i;
                docBytes = 0;
            }
        }
        if (i > docStart) {
            out.add(s.substring(docStart, i));
            taken += docBytes;
        }
        return taken;
    }
}
