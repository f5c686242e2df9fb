package dev.tokmix.core;

import java.io.Serial;
import java.nio.file.Path;

/**
 * A token shard (or its index) that is not what its format says: wrong magic or version, an unknown dtype, a
 * size that does not match the header, pointers that run backwards or past the data file, ids beyond the
 * vocabulary. The message names the file, the byte offset of the problem and a remedy.
 */
public final class ShardFormatException extends TokmixException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offsetBytes;

    /**
     * Creates the exception.
     *
     * @param file        the file at fault
     * @param offsetBytes the byte offset of the problem (-1 if it concerns the whole file)
     * @param what        what is wrong
     * @param remedy      what the user can do
     */
    public ShardFormatException(Path file, long offsetBytes, String what, String remedy) {
        super(file + (offsetBytes >= 0 ? ": at byte offset " + offsetBytes : "") + ": " + what
                + "\n  remedy: " + remedy);
        this.file = file;
        this.offsetBytes = offsetBytes;
    }

    /**
     * The file at fault.
     *
     * @return the path
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset of the problem.
     *
     * @return the offset, or -1 if it concerns the whole file
     */
    public long offsetBytes() {
        return offsetBytes;
    }
}
