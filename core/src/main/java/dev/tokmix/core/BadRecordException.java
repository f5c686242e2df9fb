package dev.tokmix.core;

import java.io.Serial;
import java.nio.file.Path;

/**
 * A corpus record that cannot become a document: malformed JSON, a missing or non-string text field, a lone
 * surrogate escape, or ill-formed UTF-8. Raised by {@link CorpusReader} under
 * {@link CorpusReader.BadRecordPolicy#FAIL}; the message names the file, the 1-based line, the byte offset in the
 * (decompressed) file, what is wrong and the remedy, and the same facts are available as fields.
 */
public final class BadRecordException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Kept as a string: {@link Path} is not serializable. */
    private final String file;
    /** The 1-based line of the offending byte. */
    private final long lineNumber;
    /** The offset of the offending byte in the decompressed file. */
    private final long byteOffset;

    /**
     * Creates the exception; the message is built from the parts.
     *
     * @param file       the corpus file
     * @param lineNumber the 1-based line where the problem lies
     * @param byteOffset the offset of the offending byte in the file (after decompression)
     * @param what       what is wrong
     */
    public BadRecordException(Path file, long lineNumber, long byteOffset, String what) {
        super(file + ": line " + lineNumber + " (byte offset " + byteOffset + "): " + what
                + "\n  remedy: fix the record or pass --on-bad-record skip to skip and count such records");
        this.file = file.toString();
        this.lineNumber = lineNumber;
        this.byteOffset = byteOffset;
    }

    /**
     * The corpus file holding the bad record.
     *
     * @return the file, as given to the reader
     */
    public Path file() {
        return Path.of(file);
    }

    /**
     * The line of the offending byte.
     *
     * @return the 1-based line number
     */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * The offset of the offending byte in the file, counted after decompression for {@code .gz} and {@code .zst}.
     *
     * @return the 0-based byte offset
     */
    public long byteOffset() {
        return byteOffset;
    }
}
