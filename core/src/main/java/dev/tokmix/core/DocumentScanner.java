package dev.tokmix.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;

/**
 * One pass of {@link CorpusReader#forEach}: cuts files into documents and hands them to the visitor. Holds the
 * state of the pass (counters, the reused buffers), so a {@link CorpusReader} stays immutable and can be read by
 * several passes at once.
 *
 * <p>All files are seen through one window: {@link #seg} holds bytes {@code [0, limit)}, which are the bytes
 * {@code [base, base + limit)} of the (decompressed) file. A plain file is mapped whole ({@code base = 0}, and
 * {@link #refill} has nothing to add); a compressed file streams through a growable heap buffer, where
 * {@link #refill} moves the bytes still needed to the front (shifting every index by {@link #shift}) and reads
 * more. The splitting code is thus the same for both, and on the mapped path a document is a slice of the file.
 *
 * <p>Performance notes (end to end through {@link CorpusReader#forEach} with an empty visitor, decompressed bytes
 * per second of thread CPU, same machine as in {@link Utf8Swar}): mapped plain text, LINE split, 4.0 GB/s on ASCII,
 * 650 MB/s on text with a non-ASCII letter every ~9 bytes, 480 MB/s on Russian; mapped JSON Lines (~1.3 kB
 * records, a {@code \n} escape every ~60 bytes) 1.15 GB/s on ASCII, 300 MB/s on the mixed scripts (510 MB/s when
 * the text has no escapes and is handed out zero-copy), 240 MB/s on Russian. Streamed: gzip 290 MB/s (text) and
 * 160 MB/s (JSON Lines), zstd (aircompressor) 290 and 165 MB/s, mixed scripts. Lines are found with the word scan
 * first and then checked or parsed; the second pass reads bytes the first left in cache. A shared arena instead
 * of a confined one made no measurable difference.
 */
final class DocumentScanner {
    /** How often, in on-disk bytes, progress is reported. */
    static final long PROGRESS_STEP_BYTES = 4L << 20;
    /** A streamed read asks for at least this much; below it, the window is compacted or grown first. */
    private static final int MIN_READ_BYTES = 1 << 16;
    private static final int STREAM_BUFFER_BYTES = 1 << 20;

    private final TextDocuments.Split split;
    private final CorpusReader.BadRecordPolicy policy;
    private final CorpusReader.DocumentVisitor visitor;
    private final LongConsumer bytesRead;
    private final JsonlFieldScanner json;
    private GrowableBytes streamBuffer;

    private long documentCount;
    private long emptyCount;
    private long badCount;
    private long fileCount;
    private long inputBytes;
    private long diskBytesBefore;
    private long lastProgress;

    // The current file and its window.
    private Path file;
    private MemorySegment seg;
    private long limit;
    private long base;
    private long shift;
    private InputStream stream;
    private CountingInputStream rawStream;

    DocumentScanner(CorpusReader.Options options, CorpusReader.DocumentVisitor visitor, LongConsumer bytesRead) {
        this.split = options.split();
        this.policy = options.onBadRecord();
        this.visitor = visitor;
        this.bytesRead = bytesRead;
        this.json = new JsonlFieldScanner(options.jsonField());
    }

    CorpusReader.Stats run(List<Path> files) {
        for (Path f : files) {
            readFile(f);
        }
        return new CorpusReader.Stats(documentCount, emptyCount, badCount, fileCount, inputBytes);
    }

    /** {@code .gz} or {@code .zst} after the kind, or nothing. */
    enum Compression { NONE, GZIP, ZSTD }

    static Compression compression(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".gz") ? Compression.GZIP : n.endsWith(".zst") ? Compression.ZSTD : Compression.NONE;
    }

    static boolean isJsonl(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gz")) {
            n = n.substring(0, n.length() - 3);
        } else if (n.endsWith(".zst")) {
            n = n.substring(0, n.length() - 4);
        }
        return n.endsWith(".jsonl") || n.endsWith(".ndjson");
    }

    private void readFile(Path f) {
        file = f;
        base = 0;
        boolean jsonl = isJsonl(f);
        Compression c = compression(f);
        long diskSize;
        try {
            if (c == Compression.NONE) {
                // One arena per file: closing it unmaps the file as soon as we are done with it.
                try (Arena arena = Arena.ofConfined()) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                        diskSize = ch.size();
                        seg = diskSize == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0,
                                diskSize, arena);
                    }
                    limit = diskSize;
                    stream = null;
                    scan(jsonl);
                    inputBytes += limit;
                } finally {
                    seg = null;
                }
            } else {
                try (CountingInputStream raw = new CountingInputStream(Files.newInputStream(f));
                     InputStream in = c == Compression.GZIP ? new GZIPInputStream(raw, 1 << 16)
                             : new io.airlift.compress.zstd.ZstdInputStream(raw)) {
                    if (streamBuffer == null) {
                        streamBuffer = new GrowableBytes(STREAM_BUFFER_BYTES);
                    }
                    rawStream = raw;
                    stream = in;
                    seg = streamBuffer.segment();
                    limit = 0;
                    scan(jsonl);
                    inputBytes += base + limit;
                    // The file's size, not the bytes the decompressor consumed: the last progress report must add
                    // up to CorpusReader.fileBytes() even if a decompressor stops before trailing padding.
                    diskSize = Files.size(f);
                } catch (io.airlift.compress.MalformedInputException e) {
                    throw new TokmixException(f + ": not a valid zstd stream (after " + (base + limit)
                            + " decompressed bytes): " + e.getMessage()
                            + "\n  remedy: check the file (zstd -t), re-download or re-compress it", e);
                } finally {
                    stream = null;
                    rawStream = null;
                    seg = null;
                }
            }
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("input " + f + " does not exist\n  remedy: check the path", e);
        } catch (AccessDeniedException e) {
            throw new UncheckedIOException("cannot read " + f + ": permission denied\n  remedy: make the file"
                    + " readable (chmod) or leave it out", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f + " (after " + (base + limit)
                    + " decompressed bytes): " + e + "\n  remedy: check the file (a .gz must be a complete gzip"
                    + " stream, a .zst a complete zstd stream)", e);
        }
        fileCount++;
        diskBytesBefore += diskSize;
        lastProgress = diskBytesBefore;
        if (bytesRead != null) {
            bytesRead.accept(diskBytesBefore);
        }
    }

    private void scan(boolean jsonl) throws IOException {
        if (!jsonl && split == TextDocuments.Split.FILE) {
            while (refill(0)) {
                // A compressed file is one document: all of it must be in the window.
            }
            document(0, limit, 1);
            return;
        }
        long lineStart = 0;
        long scanFrom = 0;
        long lineNumber = 0;
        long paragraphStart = -1;
        long paragraphEnd = 0;
        long paragraphLine = 0;
        while (true) {
            long nl = Utf8Swar.indexOfLineFeed(seg, scanFrom, limit);
            boolean terminated = nl >= 0;
            if (!terminated) {
                long oldLimit = limit;
                boolean more = refill(paragraphStart >= 0 ? paragraphStart : lineStart);
                lineStart -= shift;
                paragraphStart -= paragraphStart >= 0 ? shift : 0;
                paragraphEnd -= shift;
                if (more) {
                    scanFrom = oldLimit - shift;
                    continue;
                }
                if (lineStart == limit) {
                    break;
                }
                nl = limit;
            }
            lineNumber++;
            if (jsonl) {
                if (!JsonlFieldScanner.isBlank(seg, lineStart, nl)) {
                    if (json.parse(seg, lineStart, nl)) {
                        emit(json.valueSegment(), json.valueOffset(), json.valueLength());
                    } else {
                        badRecord(lineNumber, base + json.errorIndex(), json.errorMessage());
                    }
                }
            } else {
                // Only \n ends a line; \r\n ends with it. A lone \r (also one just before the end) is text.
                long contentEnd = terminated && nl > lineStart && seg.get(ValueLayout.JAVA_BYTE, nl - 1) == '\r'
                        ? nl - 1 : nl;
                if (split == TextDocuments.Split.LINE) {
                    document(lineStart, contentEnd, lineNumber);
                } else if (contentEnd > lineStart) {
                    if (paragraphStart < 0) {
                        paragraphStart = lineStart;
                        paragraphLine = lineNumber;
                    }
                    paragraphEnd = contentEnd;
                } else if (paragraphStart >= 0) {
                    // A blank line ends the paragraph; the line ending before it belongs to no document.
                    document(paragraphStart, paragraphEnd, paragraphLine);
                    paragraphStart = -1;
                }
            }
            if (!terminated) {
                break;
            }
            lineStart = nl + 1;
            scanFrom = lineStart;
            if (stream == null && bytesRead != null
                    && diskBytesBefore + lineStart - lastProgress >= PROGRESS_STEP_BYTES) {
                lastProgress = diskBytesBefore + lineStart;
                bytesRead.accept(lastProgress);
            }
        }
        if (paragraphStart >= 0) {
            document(paragraphStart, paragraphEnd, paragraphLine);
        }
    }

    /** A document of plain text in {@code [from, to)} of the window, whose first line is {@code line}. */
    private void document(long from, long to, long line) {
        long bad = Utf8Swar.firstInvalidUtf8(seg, from, to);
        if (bad >= 0) {
            badRecord(line + Utf8Swar.countLineFeeds(seg, from, bad), base + bad, "not valid UTF-8 (bytes "
                    + hex(bad, Math.min(to, bad + 4)) + ")");
            return;
        }
        emit(seg, from, to - from);
    }

    private void emit(MemorySegment s, long offset, long length) {
        if (length == 0) {
            emptyCount++;
        } else {
            visitor.accept(s.asSlice(offset, length), documentCount++);
        }
    }

    private void badRecord(long line, long offset, String what) {
        if (policy == CorpusReader.BadRecordPolicy.FAIL) {
            throw new BadRecordException(file, line, offset, what);
        }
        badCount++;
    }

    private String hex(long from, long to) {
        StringBuilder sb = new StringBuilder();
        for (long i = from; i < to; i++) {
            sb.append(i > from ? " " : "").append(String.format("%02x", seg.get(ValueLayout.JAVA_BYTE, i) & 0xFF));
        }
        return sb.toString();
    }

    /**
     * Reads more of a streamed file into the window, keeping the bytes from {@code keep} on; afterwards every
     * window index has moved down by {@link #shift} (callers adjust theirs even when this returns false).
     *
     * @return false at the end of the file (always for a mapped file)
     */
    private boolean refill(long keep) throws IOException {
        shift = 0;
        if (stream == null) {
            return false;
        }
        byte[] a = streamBuffer.array();
        int lim = (int) limit;
        if (a.length - lim < MIN_READ_BYTES) {
            // Compact only when short of room: a copy per read would cost as much as the scan.
            if (keep > 0) {
                System.arraycopy(a, (int) keep, a, 0, lim - (int) keep);
                shift = keep;
                base += keep;
                lim -= (int) keep;
                limit = lim;
            }
            if (a.length - lim < MIN_READ_BYTES) {
                if (!streamBuffer.ensure(2L * a.length)) {
                    throw new TokmixException(file + ": a document (or line) starting at byte offset " + base
                            + " of the decompressed file is larger than 2 GiB\n  remedy: decompress the file (plain"
                            + " files are memory-mapped and have no such limit) or use --split line/paragraph");
                }
                a = streamBuffer.array();
                seg = streamBuffer.segment();
            }
        }
        int n = stream.read(a, lim, a.length - lim);
        if (n < 0) {
            return false;
        }
        limit = lim + n;
        long disk = diskBytesBefore + rawStream.count;
        if (bytesRead != null && disk - lastProgress >= PROGRESS_STEP_BYTES) {
            lastProgress = disk;
            bytesRead.accept(disk);
        }
        return true;
    }

    /** Counts the compressed bytes consumed, for progress in on-disk bytes. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = in.skip(n);
            count += k;
            return k;
        }
    }
}
