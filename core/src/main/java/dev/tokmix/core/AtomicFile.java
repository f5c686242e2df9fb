package dev.tokmix.core;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that a crash never leaves something that looks complete: the content goes to a temporary
 * name in the same folder ({@code .NAME.tmp-PID-N}), is forced to disk, then renamed over the target in one
 * atomic step; the folder is forced too where the file system allows. On any failure the temporary file is
 * removed and the target is left as it was.
 */
public final class AtomicFile {
    private static final java.util.concurrent.atomic.AtomicLong SEQ = new java.util.concurrent.atomic.AtomicLong();

    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the whole content.
         *
         * @param out the temporary file's stream (buffer it yourself if you write small pieces)
         * @throws IOException on a write failure
         */
        void write(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * Writes {@code target} atomically.
     *
     * @param target the file to create or replace
     * @param body   writes the content
     * @throws UncheckedIOException naming the file if anything fails; the target is then untouched
     */
    public static void write(Path target, Body body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + SEQ.incrementAndGet());
        boolean moved = false;
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                body.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            forceDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e
                    + "\n  remedy: check that the folder exists, is writable and has free space", e);
        } finally {
            // Any failure, errors included (out of memory while writing), removes the temporary file.
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Nothing more can be done; the name starts with '.' and says what it is.
                }
            }
        }
    }

    /** Forces a folder's entries to disk (so the rename survives a power cut); a no-op where unsupported. */
    static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some file systems (and Windows) cannot open or sync a folder; the rename itself is still atomic.
        }
    }
}
