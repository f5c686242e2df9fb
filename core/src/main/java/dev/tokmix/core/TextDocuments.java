package dev.tokmix.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Streams the documents of a text corpus: UTF-8 files, folders of them (recursively, in path order, hidden files
 * skipped) and JSON Lines files ({@code .jsonl}, {@code .ndjson}; one document per line, taken from a string
 * field). Either kind may be gzip-compressed ({@code .gz}). Only one document is in memory at a time.
 *
 * <p>How a plain text file is cut into documents is stated by {@link Split}: the whole file, each line with its
 * line ending (as Hugging Face's {@code train_from_files} feeds its trainer), or blocks separated by blank lines.
 *
 * <p>Ill-formed UTF-8 and malformed JSON raise a {@link TokmixException} that names the file and line.
 */
public final class TextDocuments {

    /** How plain text files are cut into documents. */
    public enum Split {
        /** One document per file. */
        FILE,
        /** One document per line, line ending included (HF {@code train_from_files}; empty lines too). */
        LINE,
        /** Documents separated by one or more blank lines; the blank lines belong to no document. */
        PARAGRAPH;

        /**
         * Parses {@code file}, {@code line} or {@code paragraph} (also {@code blank-line}).
         *
         * @param s the option value
         * @return the split
         * @throws TokmixException for anything else
         */
        public static Split parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "file" -> FILE;
                case "line" -> LINE;
                case "paragraph", "blank-line" -> PARAGRAPH;
                default -> throw new TokmixException("unknown document split \"" + s
                        + "\"\n  remedy: use file, line or paragraph");
            };
        }
    }

    /** Receives each document in order. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * Accepts one document.
         *
         * @param text  the document text
         * @param index the document's ordinal over all files, from 0
         */
        void accept(String text, long index);
    }

    private final List<Path> files;
    private final Split split;
    private final String jsonField;

    /**
     * Creates a corpus over files and folders.
     *
     * @param inputs    files and folders
     * @param split     how plain text files are cut into documents
     * @param jsonField the field holding the text in JSON Lines files (usually {@code text})
     * @throws TokmixException if an input does not exist or a folder holds no files
     */
    public TextDocuments(List<Path> inputs, Split split, String jsonField) {
        this.files = expand(inputs);
        this.split = split;
        this.jsonField = jsonField;
    }

    /**
     * The files this corpus reads, in reading order.
     *
     * @return the files
     */
    public List<Path> files() {
        return files;
    }

    /**
     * Total size of the files on disk (compressed size for {@code .gz}), for progress bars.
     *
     * @return bytes
     */
    public long fileBytes() {
        return totalSize(files);
    }

    /** Sum of the files' sizes on disk; shared with {@link CorpusReader}. */
    static long totalSize(List<Path> files) {
        long n = 0;
        for (Path f : files) {
            try {
                n += Files.size(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return n;
    }

    /**
     * Expands folders into their regular files (recursively, sorted by path, names starting with '.' skipped).
     *
     * @param inputs files and folders
     * @return the files
     * @throws TokmixException if an input does not exist, or a folder holds no file
     */
    public static List<Path> expand(List<Path> inputs) {
        List<Path> out = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.walk(in)) {
                    List<Path> found = s.filter(Files::isRegularFile).filter(p -> !hidden(in.relativize(p)))
                            .sorted().toList();
                    if (found.isEmpty()) {
                        throw new TokmixException("input folder " + in + " holds no files\n  remedy: point at a"
                                + " folder of UTF-8 text or JSON Lines files");
                    }
                    out.addAll(found);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + in + ": " + e.getMessage(), e);
                }
            } else if (Files.isRegularFile(in)) {
                out.add(in);
            } else {
                throw new TokmixException("input " + in + " does not exist (or is not a file or folder)"
                        + "\n  remedy: check the path");
            }
        }
        return List.copyOf(out);
    }

    /**
     * Reads every document in order.
     *
     * @param visitor receives the documents
     * @return the number of documents
     * @throws TokmixException naming file and line on ill-formed UTF-8 or JSON
     * @throws UncheckedIOException naming the file if it cannot be read
     */
    public long forEach(Visitor visitor) {
        long[] index = {0};
        for (Path f : files) {
            readFile(f, visitor, index);
        }
        return index[0];
    }

    /** True if any name on the path starts with '.' ({@code .git/}, {@code .DS_Store}, editor backups). */
    static boolean hidden(Path relative) {
        for (Path name : relative) {
            if (name.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isJsonl(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        }
        return n.endsWith(".jsonl") || n.endsWith(".ndjson");
    }

    private void readFile(Path f, Visitor visitor, long[] index) {
        boolean jsonl = isJsonl(f);
        LineReader lines = null;
        try (InputStream raw = Files.newInputStream(f)) {
            InputStream in = f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")
                    ? new GZIPInputStream(raw, 1 << 16) : raw;
            Reader r = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
            lines = new LineReader(r);
            if (jsonl) {
                StringBuilder line;
                while ((line = lines.next()) != null) {
                    if (!JsonlText.isBlank(line)) {
                        visitor.accept(JsonlText.field(line, jsonField, f, lines.lineNumber()), index[0]++);
                    }
                }
                return;
            }
            switch (split) {
                case FILE -> {
                    StringBuilder all = new StringBuilder();
                    StringBuilder line;
                    while ((line = lines.next()) != null) {
                        all.append(line);
                    }
                    if (!all.isEmpty()) {
                        visitor.accept(all.toString(), index[0]++);
                    }
                }
                case LINE -> {
                    StringBuilder line;
                    while ((line = lines.next()) != null) {
                        visitor.accept(line.toString(), index[0]++);
                    }
                }
                case PARAGRAPH -> {
                    StringBuilder doc = new StringBuilder();
                    StringBuilder line;
                    while ((line = lines.next()) != null) {
                        if (isEmptyLine(line)) {
                            emitParagraph(doc, visitor, index);
                        } else {
                            doc.append(line);
                        }
                    }
                    emitParagraph(doc, visitor, index);
                }
                default -> throw new IllegalStateException(split.toString());
            }
        } catch (CharacterCodingException e) {
            // The reader decodes ahead of the line it returns, so find the exact spot in the bytes.
            long[] at = firstInvalidUtf8(f);
            throw new TokmixException(f + ": line " + at[0] + " (byte offset " + at[1] + "): not valid UTF-8"
                    + "\n  remedy: convert the file to UTF-8 (e.g. iconv) or leave it out");
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("input " + f + " does not exist", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new UncheckedIOException("cannot read " + f + ": permission denied\n  remedy: make the file"
                    + " readable (chmod) or leave it out", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e + "\n  remedy: check the file (a .gz"
                    + " must be a complete gzip stream)", e);
        }
    }

    /**
     * Finds the first ill-formed UTF-8 sequence of a file (after gzip decompression): overlong forms, surrogates
     * and code points above U+10FFFF count as ill-formed, as in Java's strict decoder.
     *
     * @return {1-based line, byte offset}; {-1, -1} if the file is valid
     */
    static long[] firstInvalidUtf8(Path f) {
        try (InputStream raw = Files.newInputStream(f);
             InputStream in = new java.io.BufferedInputStream(
                     f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")
                             ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16)) {
            long offset = 0;
            long line = 1;
            int b;
            while ((b = in.read()) >= 0) {
                long start = offset++;
                if (b < 0x80) {
                    if (b == '\n') {
                        line++;
                    }
                    continue;
                }
                int need;
                int min;
                int cp;
                if (b >= 0xC2 && b <= 0xDF) {
                    need = 1;
                    min = 0x80;
                    cp = b & 0x1F;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    need = 2;
                    min = 0x800;
                    cp = b & 0x0F;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    need = 3;
                    min = 0x10000;
                    cp = b & 0x07;
                } else {
                    return new long[] {line, start};
                }
                for (int i = 0; i < need; i++) {
                    in.mark(1);
                    int c = in.read();
                    if (c < 0 || (c & 0xC0) != 0x80) {
                        return new long[] {line, start};
                    }
                    offset++;
                    cp = (cp << 6) | (c & 0x3F);
                }
                if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    return new long[] {line, start};
                }
            }
            return new long[] {-1, -1};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** A line holding nothing but its line ending ({@code \n} or {@code \r\n}). */
    private static boolean isEmptyLine(StringBuilder line) {
        int n = line.length();
        return (n == 1 && line.charAt(0) == '\n') || (n == 2 && line.charAt(0) == '\r' && line.charAt(1) == '\n');
    }

    private static void emitParagraph(StringBuilder doc, Visitor visitor, long[] index) {
        int n = doc.length();
        // The line ending before the blank line separates; it is not part of the document.
        if (n > 0 && doc.charAt(n - 1) == '\n') {
            n--;
            if (n > 0 && doc.charAt(n - 1) == '\r') {
                n--;
            }
        }
        if (n > 0) {
            visitor.accept(doc.substring(0, n), index[0]++);
        }
        doc.setLength(0);
    }

    /**
     * Lines with their endings, reusing one builder. Only {@code \n} ends a line ({@code \r\n} ends with it), as in
     * Hugging Face's {@code train_from_files}; a lone {@code \r} is ordinary text.
     */
    static final class LineReader {
        private final Reader in;
        private final char[] buf = new char[1 << 16];
        private int pos;
        private int limit;
        private final StringBuilder line = new StringBuilder();
        private long lineNumber;

        LineReader(Reader in) {
            this.in = in;
        }

        /** The 1-based number of the line last returned. */
        long lineNumber() {
            return lineNumber;
        }

        StringBuilder next() throws IOException {
            line.setLength(0);
            while (true) {
                if (pos == limit) {
                    limit = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (limit <= 0) {
                        limit = 0;
                        if (line.isEmpty()) {
                            return null;
                        }
                        lineNumber++;
                        return line;
                    }
                }
                int start = pos;
                while (pos < limit) {
                    if (buf[pos++] == '\n') {
                        line.append(buf, start, pos - start);
                        lineNumber++;
                        return line;
                    }
                }
                line.append(buf, start, pos - start);
            }
        }
    }
}
