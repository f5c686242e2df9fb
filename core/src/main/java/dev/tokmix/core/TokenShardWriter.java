package dev.tokmix.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Writes one token shard in Megatron, llm.c or numpy layout, crash-safe: every file is written under a
 * temporary name ({@code .NAME.tmp-PID-N}) in the output folder, forced to disk and renamed only by
 * {@link #commit()}, the file that makes the shard readable last (Megatron's {@code .idx}, the {@code .npy}
 * tokens). A writer closed without a commit, or a crash, leaves no file under a final name.
 *
 * <p>Output names from a prefix {@code P}: Megatron {@code P.bin} + {@code P.idx} (one sequence per document);
 * llm.c {@code P.bin}; numpy {@code P.npy} (tokens) + {@code P.docs.npy} (int64 document offsets, documents + 1).
 * The writer adds no delimiter tokens itself: callers decide (see {@code tokmix shard --append-eod}).
 *
 * <p>Not thread-safe: one writer per thread. Ids are checked against the dtype as they are written.
 */
public final class TokenShardWriter implements AutoCloseable {
    private static final AtomicLong SEQ = new AtomicLong();
    private static final int BUFFER_BYTES = 1 << 20;

    /** The files of a committed shard. */
    public record Committed(List<Path> files, List<Long> sizes, List<String> crc32c, long tokens, long documents) {
    }

    private final TokenShardReader.Format format;
    private final TokenDtype dtype;
    private final Path dataFile;
    private final Path indexFile;
    private final Path dataTemp;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private final long headerBytes;
    private final int maxId;
    private int[] lengths = new int[1024];
    private int documentCount;
    private long tokenCount;
    private long currentLength;
    private boolean finished;

    private TokenShardWriter(TokenShardReader.Format format, Path prefix, TokenDtype dtype) {
        this.format = format;
        this.dtype = dtype;
        this.maxId = dtype.maxTokenId();
        Path abs = prefix.toAbsolutePath();
        String base = abs.getFileName().toString();
        Path dir = abs.getParent();
        switch (format) {
            case MEGATRON -> {
                if (dtype.megatronCode() == 0) {
                    throw new TokmixException("Megatron has no dtype code for " + dtype
                            + "\n  remedy: use uint16 (vocabularies up to 65,536) or int32");
                }
                dataFile = dir.resolve(base + ".bin");
                indexFile = dir.resolve(base + ".idx");
                headerBytes = 0;
            }
            case LLMC -> {
                LlmcFormat.header(dtype, 0);
                dataFile = dir.resolve(base + ".bin");
                indexFile = null;
                headerBytes = LlmcFormat.HEADER_BYTES;
            }
            case NPY -> {
                if (dtype == TokenDtype.UINT8) {
                    throw new TokmixException("tokmix writes uint16, int32, uint32 or int64 tokens, not uint8"
                            + "\n  remedy: use --dtype uint16");
                }
                dataFile = dir.resolve(base + ".npy");
                indexFile = dir.resolve(base + ".docs.npy");
                headerBytes = NpyFormat.WRITTEN_HEADER_BYTES;
            }
            default -> throw new TokmixException("tokmix does not write " + format + " shards"
                    + "\n  remedy: use megatron, llmc or npy");
        }
        dataTemp = temp(dataFile);
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dataTemp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dataTemp + ": " + e
                    + "\n  remedy: check that the folder is writable and has free space", e);
        }
        buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        // Room for the header, written by commit() once the counts are known.
        buffer.position((int) headerBytes);
    }

    /**
     * Starts a shard.
     *
     * @param format  megatron, llmc or npy
     * @param prefix  output path without extension
     * @param dtype   token type on disk
     * @param idLimit one more than the largest id the caller will write (checked against the dtype now, so a too
     *                narrow dtype fails before anything is written); 0 to skip
     * @return the writer
     * @throws TokmixException if the dtype cannot hold the ids or the format cannot hold the dtype
     */
    public static TokenShardWriter create(TokenShardReader.Format format, Path prefix, TokenDtype dtype,
                                          int idLimit) {
        if (idLimit > 0 && (long) idLimit - 1 > dtype.maxTokenId()) {
            throw new TokmixException("dtype " + dtype + " is too narrow for " + idLimit + " token ids (largest "
                    + dtype.maxTokenId() + ")\n  remedy: use --dtype int32 (or uint32 for llm.c)");
        }
        return new TokenShardWriter(format, prefix, dtype);
    }

    /**
     * The files a commit will create.
     *
     * @param format the format
     * @param prefix the output prefix
     * @return token file first, then the index file if the format has one
     */
    public static List<Path> filesOf(TokenShardReader.Format format, Path prefix) {
        Path abs = prefix.toAbsolutePath();
        Path dir = abs.getParent();
        String base = abs.getFileName().toString();
        return switch (format) {
            case MEGATRON -> List.of(dir.resolve(base + ".bin"), dir.resolve(base + ".idx"));
            case LLMC -> List.of(dir.resolve(base + ".bin"));
            case NPY -> List.of(dir.resolve(base + ".npy"), dir.resolve(base + ".docs.npy"));
            default -> throw new IllegalArgumentException(format.toString());
        };
    }

    private static Path temp(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + SEQ.incrementAndGet());
    }

    /**
     * Appends tokens to the current document.
     *
     * @param ids    token ids
     * @param offset first index in {@code ids}
     * @param length how many
     * @throws ShardFormatException if an id does not fit the dtype (nothing of this call is kept then)
     */
    public void addTokens(int[] ids, int offset, int length) {
        checkOpen();
        java.util.Objects.checkFromIndexSize(offset, length, ids.length);
        int or = 0;
        int max = 0;
        for (int i = 0; i < length; i++) {
            int id = ids[offset + i];
            or |= id;
            max = Math.max(max, id);
        }
        if (or < 0 || max > maxId) {
            for (int i = 0; i < length; i++) {
                int id = ids[offset + i];
                if (id < 0 || id > maxId) {
                    throw new ShardFormatException(dataFile, headerBytes + ((tokenCount + i) << dtype.shift()),
                            "token id " + id + " does not fit " + dtype, "use --dtype int32 (or uint32 for llm.c)");
                }
            }
        }
        int done = 0;
        while (done < length) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int n = Math.min(length - done, buffer.remaining() >> dtype.shift());
            int p = buffer.position();
            switch (dtype) {
                case UINT16 -> {
                    for (int i = 0; i < n; i++) {
                        buffer.putShort(p + 2 * i, (short) ids[offset + done + i]);
                    }
                }
                case INT32, UINT32 -> {
                    for (int i = 0; i < n; i++) {
                        buffer.putInt(p + 4 * i, ids[offset + done + i]);
                    }
                }
                case INT64 -> {
                    for (int i = 0; i < n; i++) {
                        buffer.putLong(p + 8 * i, ids[offset + done + i]);
                    }
                }
                default -> throw new IllegalStateException(dtype.toString());
            }
            buffer.position(p + (n << dtype.shift()));
            done += n;
        }
        tokenCount += length;
        currentLength += length;
    }

    /**
     * Appends one token to the current document.
     *
     * @param id the token id
     */
    public void addToken(int id) {
        addTokens(new int[] {id}, 0, 1);
    }

    /** Ends the current document (an empty one too: it becomes a zero-length sequence). */
    public void endDocument() {
        checkOpen();
        if (currentLength > Integer.MAX_VALUE) {
            throw new TokmixException("document " + documentCount + " of " + dataFile + " has " + currentLength
                    + " tokens; Megatron sequence lengths are int32\n  remedy: split the document");
        }
        if (documentCount == lengths.length) {
            lengths = Arrays.copyOf(lengths, lengths.length * 2);
        }
        lengths[documentCount++] = (int) currentLength;
        currentLength = 0;
    }

    /**
     * Writes a whole document.
     *
     * @param ids    token ids
     * @param offset first index
     * @param length how many
     */
    public void writeDocument(int[] ids, int offset, int length) {
        addTokens(ids, offset, length);
        endDocument();
    }

    /**
     * Tokens written so far.
     *
     * @return the count
     */
    public long tokenCount() {
        return tokenCount;
    }

    /**
     * Documents ended so far.
     *
     * @return the count
     */
    public long documentCount() {
        return documentCount;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException(dataFile + ": writer already committed or closed");
        }
    }

    private void flush() {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataTemp + ": " + e
                    + "\n  remedy: check free space and the file system", e);
        }
        buffer.clear();
    }

    /**
     * Finishes the shard: writes the header and index, forces everything to disk, renames the files to their
     * final names (the index last) and computes their CRC-32C checksums.
     *
     * @return the files and their checksums
     * @throws UncheckedIOException if anything fails; then no file is left under a final name
     */
    public Committed commit() {
        checkOpen();
        if (currentLength > 0) {
            endDocument();
        }
        finished = true;
        Path indexTemp = null;
        boolean renamed = false;
        try {
            flush();
            switch (format) {
                case LLMC -> channel.write(LlmcFormat.header(dtype, tokenCount), 0);
                case NPY -> channel.write(NpyFormat.header(dtype.npyDescr(), tokenCount), 0);
                default -> {
                }
            }
            channel.force(true);
            channel.close();
            if (indexFile != null) {
                indexTemp = temp(indexFile);
                writeIndex(indexTemp);
            }
            List<Path> files = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            List<String> sums = new ArrayList<>();
            files.add(dataFile);
            sizes.add(Files.size(dataTemp));
            sums.add(crc32c(dataTemp));
            if (indexFile != null) {
                files.add(indexFile);
                sizes.add(Files.size(indexTemp));
                sums.add(crc32c(indexTemp));
            }
            // The file that makes the shard readable goes last: Megatron's .idx, the .npy tokens.
            if (format == TokenShardReader.Format.NPY) {
                move(indexTemp, indexFile);
                move(dataTemp, dataFile);
            } else {
                move(dataTemp, dataFile);
                if (indexTemp != null) {
                    move(indexTemp, indexFile);
                }
            }
            renamed = true;
            AtomicFile.forceDirectory(dataFile.getParent());
            return new Committed(List.copyOf(files), List.copyOf(sizes), List.copyOf(sums), tokenCount,
                    documentCount);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + dataFile + ": " + e
                    + "\n  remedy: check free space and the file system", e);
        } finally {
            if (!renamed) {
                closeQuietly();
                deleteQuietly(dataTemp);
                if (indexTemp != null) {
                    deleteQuietly(indexTemp);
                }
            }
        }
    }

    private void writeIndex(Path tmp) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            int n = documentCount;
            if (format == TokenShardReader.Format.MEGATRON) {
                b.put(MegatronFormat.header(dtype, n, n + 1L));
                for (int i = 0; i < n; i++) {
                    b = room(ch, b, 4);
                    b.putInt(lengths[i]);
                }
                long ptr = 0;
                for (int i = 0; i < n; i++) {
                    b = room(ch, b, 8);
                    b.putLong(ptr);
                    ptr += (long) lengths[i] << dtype.shift();
                }
                for (long i = 0; i <= n; i++) {
                    b = room(ch, b, 8);
                    b.putLong(i);
                }
            } else {
                b.put(NpyFormat.header(TokenDtype.INT64.npyDescr(), n + 1L));
                long off = 0;
                b.putLong(0);
                for (int i = 0; i < n; i++) {
                    b = room(ch, b, 8);
                    off += lengths[i];
                    b.putLong(off);
                }
            }
            b.flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    private static ByteBuffer room(FileChannel ch, ByteBuffer b, int need) throws IOException {
        if (b.remaining() < need) {
            b.flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            b.clear();
        }
        return b;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * CRC-32C of a whole file, as lowercase hex (8 digits): what manifests record per file.
     *
     * @param file the file
     * @return the checksum
     * @throws UncheckedIOException if it cannot be read
     */
    public static String crc32c(Path file) {
        CRC32C crc = new CRC32C();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            for (long off = 0; off < size; off += 1L << 30) {
                long len = Math.min(1L << 30, size - off);
                MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, off, len, arena);
                crc.update(seg.asByteBuffer());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
        return String.format("%08x", crc.getValue());
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Being abandoned anyway.
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // The name starts with '.' and says what it is.
        }
    }

    /** Abandons an uncommitted shard: its temporary files are deleted. Idempotent. */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        finished = true;
        closeQuietly();
        deleteQuietly(dataTemp);
    }
}
