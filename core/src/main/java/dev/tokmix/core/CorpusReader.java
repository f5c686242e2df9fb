package dev.tokmix.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Reads a text corpus as UTF-8 byte documents, without decoding to {@code String} and, for plain files, without
 * copying: the byte-level twin of {@link TextDocuments}, for {@code tokmix shard} (raw corpus to token shards),
 * which must outrun an encoder doing 50-100 MB/s per core.
 *
 * <h2>Inputs</h2>
 * Each input is a file, a folder, or a glob, in this order of precedence:
 * <ul>
 *   <li>an existing file is read as it is;</li>
 *   <li>a folder is read recursively, files sorted by path, names starting with '.' skipped at any depth below
 *       it ({@code .git/}, {@code .DS_Store}), exactly as {@link TextDocuments#expand};</li>
 *   <li>a string holding {@code *}, {@code ?}, {@code [} or <code>{</code> is a glob: the path is cut at the
 *       first name holding one of them; the part before is the base folder (the working folder if empty), the
 *       rest a {@code java.nio} {@code "glob:"} pattern matched against each regular file's path relative to the
 *       base (with '/' between names). {@code *} stays within one folder, {@code **} crosses folders (so
 *       {@code data/**.jsonl} reaches every depth, while {@code data/**}{@code /*.jsonl} needs at least one
 *       folder between); names starting with '.' below the base are skipped, as for folders. Matches are sorted
 *       by path.</li>
 * </ul>
 * Files are read in the order of the inputs, sorted within each input; a file named twice is read twice. An
 * input that does not exist, an empty folder, or a glob matching no file is a {@link TokmixException} naming it.
 *
 * <h2>File kinds</h2>
 * By name, ignoring case: {@code .jsonl} and {@code .ndjson} are JSON Lines; anything else is plain UTF-8 text.
 * Either may end in {@code .gz} (gzip, concatenated members allowed) or {@code .zst} (zstd, several frames
 * allowed), e.g. {@code part-0.jsonl.zst}. Plain files are memory-mapped read-only (one arena per file, closed
 * when the file is done; sizes beyond 2 GiB work). Compressed files are streamed through one reused, growing
 * buffer, so only the current document (or line) needs to be in memory: with {@link TextDocuments.Split#FILE}
 * that is the whole decompressed file, which must then stay below 2 GiB.
 *
 * <h2>Documents</h2>
 * Only {@code \n} ends a line; {@code \r\n} ends with it, and a lone {@code \r} (one at the very end of a file
 * included) is ordinary text. A file's last line needs no line ending. Plain text is cut by {@link Options#split}:
 * <ul>
 *   <li>{@code FILE}: the whole file is one document, bytes as they are;</li>
 *   <li>{@code LINE}: each line without its {@code \n} or {@code \r\n}, as {@code tokmix encode --lines}
 *       ({@code "a\r\n\nb"} gives {@code "a"}, an empty document, and {@code "b"});</li>
 *   <li>{@code PARAGRAPH}: runs of lines separated by one or more blank lines (lines that are empty but for
 *       their ending); the line ending before a blank line is not part of the document, the ones inside are, as
 *       {@link TextDocuments} ({@code "a\r\nb\n\n\nc\n"} gives {@code "a\r\nb"} and {@code "c"}).</li>
 * </ul>
 * In JSON Lines every line that is not blank (only spaces, tabs and {@code \r}) is a record: one JSON object
 * whose top-level field {@link Options#jsonField} must be a string; its JSON escapes are decoded
 * ({@code \}{@code uXXXX} surrogate pairs joined into one 4-byte UTF-8 character), and the result is the
 * document. Other fields are skipped (nested values included) but must be well-formed JSON; if the field occurs
 * twice, the last one wins. When the string has no escapes the visitor gets a slice of the mapped file itself;
 * otherwise a slice of a decode buffer reused from record to record.
 *
 * <p>A document of zero bytes (an empty line, an empty file, {@code "text": ""}) is not passed to the visitor but
 * counted in {@link Stats#emptyDocuments}; the document index counts only documents passed on, from 0 across all
 * files.
 *
 * <h2>Bad records</h2>
 * Every document is checked to be well-formed UTF-8 (strict: no overlong forms, no surrogates, nothing above
 * U+10FFFF, no sequence cut off at the end of the document); in JSON Lines, the raw bytes of the text field are
 * checked (other fields are not documents and are only parsed). A bad record is a document with ill-formed UTF-8
 * (with {@code FILE} the whole file is one record), or a JSON Lines record that is malformed, lacks the field,
 * holds a non-string there, or escapes a lone surrogate. Under {@link BadRecordPolicy#FAIL} the first one throws
 * a {@link BadRecordException} naming the file, the 1-based line and the byte offset (in the decompressed file) of
 * the offending byte, what is wrong, and the remedy; under {@link BadRecordPolicy#SKIP} it is skipped and counted
 * in {@link Stats#badRecords}.
 *
 * <h2>Example</h2>
 * With {@code corpus/a.jsonl} holding {@code {"text": "a\nb"}}, a blank line and {@code {"text": ""}}, and
 * {@code corpus/b.txt} holding {@code one\r\ntwo\n} (from {@code CorpusReaderTest.classExampleReadsAsDocumented}):
 * <pre>{@code
 * CorpusReader corpus = new CorpusReader(List.of("corpus/*.jsonl", "corpus/b.txt"),
 *         new CorpusReader.Options(TextDocuments.Split.LINE, "text", CorpusReader.BadRecordPolicy.FAIL));
 * CorpusReader.Stats stats = corpus.forEach((utf8, index) -> encoder.encode(utf8), null);
 * // documents "a\nb" (3 bytes, decoded), "one", "two";
 * // stats: Stats[documents=3, emptyDocuments=1, badRecords=0, files=2, inputBytes=40]
 * }</pre>
 *
 * <p>The reader is immutable; each {@link #forEach} is an independent pass with its own buffers, so passes may
 * run at the same time on different threads. The visitor runs on the calling thread.
 */
public final class CorpusReader {

    /** What to do with a record that cannot become a document. */
    public enum BadRecordPolicy {
        /** Throw a {@link BadRecordException} at the first bad record. */
        FAIL,
        /** Skip bad records, counting them in {@link Stats#badRecords}. */
        SKIP;

        /**
         * Parses {@code fail} or {@code skip} (any case).
         *
         * @param s the option value
         * @return the policy
         * @throws TokmixException for anything else
         */
        public static BadRecordPolicy parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "fail" -> FAIL;
                case "skip" -> SKIP;
                default -> throw new TokmixException("unknown bad-record policy \"" + s
                        + "\"\n  remedy: use fail or skip");
            };
        }
    }

    /**
     * How files become documents.
     *
     * @param split       how plain text files are cut into documents
     * @param jsonField   the top-level string field holding the text in JSON Lines records
     * @param onBadRecord what to do with a bad record
     */
    public record Options(TextDocuments.Split split, String jsonField, BadRecordPolicy onBadRecord) {
        /**
         * Checks the options.
         *
         * @throws NullPointerException if any is null
         */
        public Options {
            Objects.requireNonNull(split, "split");
            Objects.requireNonNull(jsonField, "jsonField");
            Objects.requireNonNull(onBadRecord, "onBadRecord");
        }

        /**
         * The defaults: whole files, the {@code text} field, fail on bad records.
         *
         * @return {@code FILE}, {@code "text"}, {@code FAIL}
         */
        public static Options defaults() {
            return new Options(TextDocuments.Split.FILE, "text", BadRecordPolicy.FAIL);
        }
    }

    /** Receives each document, in order. */
    @FunctionalInterface
    public interface DocumentVisitor {
        /**
         * Accepts one non-empty, well-formed UTF-8 document.
         *
         * @param utf8          the document's bytes; valid only during this call (it may be a view of a file
         *                      unmapped afterwards, or of a buffer reused for the next document), so copy what
         *                      must outlive it
         * @param documentIndex the document's ordinal over all files, from 0 (empty and bad records not counted)
         */
        void accept(MemorySegment utf8, long documentIndex);
    }

    /**
     * What a pass read.
     *
     * @param documents      documents passed to the visitor
     * @param emptyDocuments documents of zero bytes (not passed on)
     * @param badRecords     bad records skipped (always 0 under {@link BadRecordPolicy#FAIL})
     * @param files          files read
     * @param inputBytes     bytes of text read, after decompression (the file sizes for plain files)
     */
    public record Stats(long documents, long emptyDocuments, long badRecords, long files, long inputBytes) {
    }

    private final List<Path> files;
    private final Options options;

    /**
     * Creates a reader over files, folders and globs; the file list is fixed here.
     *
     * @param inputs  files, folders and globs (see the class notes)
     * @param options how files become documents
     * @throws TokmixException naming the input if one does not exist, a folder holds no file, or a glob matches
     *                         no file
     * @throws UncheckedIOException naming the folder if it cannot be listed
     */
    public CorpusReader(List<String> inputs, Options options) {
        this.files = expand(inputs);
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * The files this reader reads, in reading order.
     *
     * @return the files (immutable)
     */
    public List<Path> files() {
        return files;
    }

    /**
     * The options this reader was made with.
     *
     * @return the options
     */
    public Options options() {
        return options;
    }

    /**
     * Total size of the files on disk (compressed sizes for compressed files), for progress bars.
     *
     * @return bytes
     * @throws UncheckedIOException naming the file if one can no longer be read
     */
    public long fileBytes() {
        return TextDocuments.totalSize(files);
    }

    /**
     * Reads every document in order, once.
     *
     * @param visitor   receives the documents
     * @param bytesRead if not null, receives now and then (after each file, and about every
     *                  {@value DocumentScanner#PROGRESS_STEP_BYTES} bytes within one) how many on-disk bytes have
     *                  been consumed so far; the last call reports {@link #fileBytes()} if no file changed
     * @return what was read
     * @throws BadRecordException under {@link BadRecordPolicy#FAIL}, at the first bad record
     * @throws TokmixException naming the file if a compressed stream is corrupt, or a streamed document exceeds
     *                         2 GiB
     * @throws UncheckedIOException naming the file if it cannot be read
     */
    public Stats forEach(DocumentVisitor visitor, LongConsumer bytesRead) {
        Objects.requireNonNull(visitor, "visitor");
        return new DocumentScanner(options, visitor, bytesRead).run(files);
    }

    /**
     * Expands inputs into files as the class notes say.
     *
     * @param inputs files, folders and globs
     * @return the files, in reading order
     * @throws TokmixException naming the input if one does not exist, a folder holds no file, or a glob matches
     *                         no file
     */
    static List<Path> expand(List<String> inputs) {
        List<Path> out = new ArrayList<>();
        for (String in : inputs) {
            Path literal = literalPath(in);
            if (literal != null && Files.exists(literal) || !isGlob(in)) {
                out.addAll(TextDocuments.expand(List.of(Path.of(in))));
            } else {
                out.addAll(glob(in));
            }
        }
        return List.copyOf(out);
    }

    static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }

    /** The input as a path, or null where the platform cannot name it (a '*' on Windows). */
    private static Path literalPath(String s) {
        try {
            return Path.of(s);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    private static List<Path> glob(String input) {
        String sep = FileSystems.getDefault().getSeparator();
        String unified = sep.equals("/") ? input : input.replace(sep, "/");
        String[] names = unified.split("/", -1);
        int first = 0;
        while (!isGlob(names[first])) {
            first++;
        }
        String baseText = String.join("/", java.util.Arrays.copyOfRange(names, 0, first));
        if (baseText.isEmpty() && first > 0) {
            baseText = "/";
        }
        String pattern = String.join("/", java.util.Arrays.copyOfRange(names, first, names.length));
        Path base = Path.of(baseText);
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (IllegalArgumentException e) {
            throw new TokmixException("input glob \"" + input + "\" is not a valid pattern: " + e.getMessage()
                    + "\n  remedy: check the brackets and braces ([abc], {a,b}); quote the glob for the shell");
        }
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(base)) {
            // Without ** or braces a pattern cannot match deeper than its own names, so the walk stops there.
            int depth = pattern.contains("**") || pattern.contains("{") ? Integer.MAX_VALUE : names.length - first;
            try (Stream<Path> s = Files.walk(base, depth)) {
                s.filter(Files::isRegularFile).forEach(p -> {
                    Path rel = base.relativize(p);
                    if (!TextDocuments.hidden(rel) && matcher.matches(rel)) {
                        found.add(p);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + base + ": " + e.getMessage(), e);
            }
        }
        if (found.isEmpty()) {
            throw new TokmixException("input glob \"" + input + "\" matches no file (pattern \"" + pattern
                    + "\" under " + (baseText.isEmpty() ? "the working folder" : baseText) + ")"
                    + "\n  remedy: check the path; * stays within a folder, ** crosses folders; quote the glob so"
                    + " the shell passes it unexpanded");
        }
        found.sort(null);
        return found;
    }
}
