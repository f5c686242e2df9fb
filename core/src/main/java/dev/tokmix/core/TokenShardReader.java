package dev.tokmix.core;

import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads a token shard: Megatron {@code .bin/.idx}, llm.c {@code .bin}, numpy {@code .npy} (with tokmix's
 * {@code .docs.npy} document offsets when present) or a headerless array of a declared dtype.
 *
 * <p>Files are memory-mapped into 64-bit segments (files far beyond 2 GiB), or read with positioned reads when
 * {@link Access#POSITIONED} is asked for or the {@link MappingBudget} is spent; both give the same results.
 * Everything the header promises is checked at open: magic, version, dtype, the file-size equations, pointers
 * that follow each other and stay inside the data file, a document index that ends at the sequence count, and
 * (when asked) that every id is below the vocabulary size. A failure is a {@link ShardFormatException} naming the
 * file, the byte offset and a remedy; a failed open releases what it acquired.
 *
 * <p>Tokens are addressed by their position in the token file (0 .. {@link #tokenCount()}); document {@code d}
 * is the range [{@link #documentStart(long) documentStart(d)}, {@link #documentEnd(long) documentEnd(d)}). Where
 * a format has no document index, documents come from a delimiter token: llm.c puts it <em>before</em> each
 * document (so each document starts with it), headerless and plain {@code .npy} arrays (nanoGPT, dolma) put it
 * <em>after</em> (each ends with it); without a delimiter such a file is one document.
 *
 * <p>Thread-safe for reads. {@link #close()} is idempotent; any use after it throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (TokenShardReader r = TokenShardReader.open(Path.of("corpus.idx"))) {   // or .bin, .npy
 *     int[] buf = new int[8192];
 *     for (long d = 0; d < r.documentCount(); d++) {
 *         if (r.documentLength(d) <= buf.length) {
 *             int n = r.readDocument(d, buf);   // reused buffer: no allocation per document
 *         }
 *     }
 * }
 * }</pre>
 */
public final class TokenShardReader implements AutoCloseable {

    /** The on-disk layouts this reader understands. */
    public enum Format {
        /** Megatron-LM indexed dataset ({@link MegatronFormat}). */
        MEGATRON,
        /** llm.c token shard ({@link LlmcFormat}). */
        LLMC,
        /** numpy {@code .npy} 1-D array ({@link NpyFormat}). */
        NPY,
        /** A bare token array whose dtype the caller states (nanoGPT {@code train.bin}, dolma). */
        HEADERLESS;

        /**
         * Parses {@code megatron}, {@code llmc} or {@code npy}.
         *
         * @param s the name
         * @return the format
         * @throws TokmixException for anything else
         */
        public static Format parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "megatron" -> MEGATRON;
                case "llmc", "llm.c" -> LLMC;
                case "npy", "numpy" -> NPY;
                case "headerless", "raw" -> HEADERLESS;
                default -> throw new TokmixException("unknown shard format \"" + s
                        + "\"\n  remedy: use megatron, llmc or npy");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How file bytes are reached. */
    public enum Access {
        /** Map when the budget allows, else positioned reads. */
        AUTO,
        /** Always map (fails if the budget is spent). */
        MAPPED,
        /** Always positioned reads. */
        POSITIONED
    }

    /**
     * Open options.
     *
     * @param access         how bytes are reached
     * @param mappings       the budget of live mappings
     * @param headerlessDtype when not null, the file is read as a headerless array of this type
     * @param delimiterId    the document delimiter of formats without an index (llm.c: before each document;
     *                       headerless/npy: after); -1 for the format's default (llm.c: from its magic; others:
     *                       none, the file is one document)
     * @param idLimit        when &gt; 0, every id must be below it (checked by a full scan at open)
     */
    public record Options(Access access, MappingBudget mappings, TokenDtype headerlessDtype, int delimiterId,
                          int idLimit) {
        /** Validates. */
        public Options {
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(mappings, "mappings");
        }

        /**
         * AUTO access, the shared budget, no headerless dtype, default delimiter, no vocabulary check.
         *
         * @return the defaults
         */
        public static Options defaults() {
            return new Options(Access.AUTO, MappingBudget.shared(), null, -1, 0);
        }

        /**
         * With another access mode.
         *
         * @param a the mode
         * @return new options
         */
        public Options withAccess(Access a) {
            return new Options(a, mappings, headerlessDtype, delimiterId, idLimit);
        }

        /**
         * With another mapping budget.
         *
         * @param b the budget
         * @return new options
         */
        public Options withMappings(MappingBudget b) {
            return new Options(access, b, headerlessDtype, delimiterId, idLimit);
        }

        /**
         * Reads the file as a headerless array.
         *
         * @param d its dtype
         * @return new options
         */
        public Options withHeaderlessDtype(TokenDtype d) {
            return new Options(access, mappings, d, delimiterId, idLimit);
        }

        /**
         * With a document delimiter.
         *
         * @param id the token id
         * @return new options
         */
        public Options withDelimiter(int id) {
            return new Options(access, mappings, headerlessDtype, id, idLimit);
        }

        /**
         * Checks every id against a vocabulary size at open.
         *
         * @param limit one more than the largest allowed id
         * @return new options
         */
        public Options withIdLimit(int limit) {
            return new Options(access, mappings, headerlessDtype, delimiterId, limit);
        }
    }

    private static final int CHUNK_TOKENS = 1 << 14;
    // Over a byte[] (not a long[]): positioned reads fill it through its ByteBuffer view, which only native and
    // byte[]-backed segments have.
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> MemorySegment.ofArray(new byte[CHUNK_TOKENS * Long.BYTES]));

    private final Format format;
    private final Path dataFile;
    private final Path indexFile;
    private final ShardBytes data;
    private final MemorySegment dataSegment;
    private final TokenDtype dtype;
    private final int shift;
    private final long dataOffset;
    private final long tokenCount;
    private final Arena indexArena;
    private final ShardBytes indexBytes;
    private final MemorySegment index;
    // Megatron: sequence count and array offsets; npy docs: the offsets array.
    private final long sequenceCount;
    private final long pointersOffset;
    private final long documentIndicesOffset;
    private final long documentIndexCount;
    private final boolean fairseq;
    private final int delimiterId;
    private volatile long[] boundaries;
    private volatile boolean closed;

    private TokenShardReader(Builder b) {
        this.format = b.format;
        this.dataFile = b.dataFile;
        this.indexFile = b.indexFile;
        this.data = b.data;
        this.dataSegment = b.data.segment();
        this.dtype = b.dtype;
        this.shift = b.dtype.shift();
        this.dataOffset = b.dataOffset;
        this.tokenCount = b.tokenCount;
        this.indexArena = b.indexArena;
        this.indexBytes = b.indexBytes;
        this.index = b.index;
        this.sequenceCount = b.sequenceCount;
        this.pointersOffset = b.pointersOffset;
        this.documentIndicesOffset = b.documentIndicesOffset;
        this.documentIndexCount = b.documentIndexCount;
        this.fairseq = b.fairseq;
        this.delimiterId = b.delimiterId;
    }

    /** What {@code open} has acquired so far, released together if the open fails. */
    private static final class Builder implements AutoCloseable {
        Format format;
        Path dataFile;
        Path indexFile;
        ShardBytes data;
        TokenDtype dtype;
        long dataOffset;
        long tokenCount;
        Arena indexArena;
        ShardBytes indexBytes;
        MemorySegment index;
        long sequenceCount;
        long pointersOffset;
        long documentIndicesOffset;
        long documentIndexCount;
        boolean fairseq;
        int delimiterId = -1;
        boolean done;

        @Override
        public void close() {
            if (done) {
                return;
            }
            if (data != null) {
                data.close();
            }
            if (indexBytes != null) {
                indexBytes.close();
            }
            if (indexArena != null) {
                indexArena.close();
            }
        }
    }

    /**
     * Opens a shard with default options; the format comes from the path: {@code X.idx}, {@code X.bin} beside an
     * {@code X.idx}, or a prefix {@code X} with {@code X.idx} → Megatron; {@code .npy} → numpy; another
     * {@code .bin} whose first int32 is an llm.c magic → llm.c.
     *
     * @param path the shard
     * @return the reader
     * @throws ShardFormatException if the file is malformed or its format cannot be told
     * @throws UncheckedIOException if it cannot be read
     */
    public static TokenShardReader open(Path path) {
        return open(path, Options.defaults());
    }

    /**
     * Opens a shard.
     *
     * @param path the shard (see {@link #open(Path)})
     * @param options how to open it
     * @return the reader
     * @throws ShardFormatException if the file is malformed or its format cannot be told
     * @throws UncheckedIOException if it cannot be read
     */
    public static TokenShardReader open(Path path, Options options) {
        Builder b = new Builder();
        try (b) {
            if (options.headerlessDtype() != null) {
                openHeaderless(b, path, options);
            } else {
                String name = path.getFileName().toString();
                String lower = name.toLowerCase(Locale.ROOT);
                Path parent = path.toAbsolutePath().getParent();
                if (lower.endsWith(".idx")) {
                    openMegatron(b, path, parent.resolve(name.substring(0, name.length() - 4) + ".bin"), options);
                } else if (lower.endsWith(".npy")) {
                    openNpy(b, path, options);
                } else if (lower.endsWith(".bin")
                        && Files.exists(parent.resolve(name.substring(0, name.length() - 4) + ".idx"))) {
                    openMegatron(b, parent.resolve(name.substring(0, name.length() - 4) + ".idx"), path, options);
                } else if (!Files.exists(path) && Files.exists(parent.resolve(name + ".idx"))) {
                    openMegatron(b, parent.resolve(name + ".idx"), parent.resolve(name + ".bin"), options);
                } else if (Files.isRegularFile(path)) {
                    openLlmc(b, path, options);
                } else {
                    throw new UncheckedIOException(new java.nio.file.NoSuchFileException(path + " does not exist"
                            + " (nor " + path + ".idx)\n  remedy: check the path"));
                }
            }
            if (options.idLimit() > 0) {
                checkIds(b, options.idLimit());
            }
            b.done = true;
            return new TokenShardReader(b);
        }
    }

    private static ShardBytes openBytes(Path file, Options options) {
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new java.nio.file.NoSuchFileException(file + " does not exist"
                    + "\n  remedy: check the path (a Megatron dataset needs both PREFIX.bin and PREFIX.idx)"));
        }
        if (options.access() != Access.POSITIONED && options.mappings().tryAcquire()) {
            return MappedShardBytes.map(file, options.mappings());
        }
        if (options.access() == Access.MAPPED) {
            throw new TokmixException("cannot map " + file + ": all " + options.mappings().maxLiveMappings()
                    + " mappings of the budget are in use\n  remedy: close other readers, raise the budget, or"
                    + " use Access.AUTO to fall back to positioned reads");
        }
        return PositionedShardBytes.open(file);
    }

    /** Index bytes as one segment: the mapping, or a native copy owned by the reader when reads are positioned. */
    private static MemorySegment indexSegment(Builder b, ShardBytes bytes) {
        if (bytes.segment() != null) {
            return bytes.segment();
        }
        b.indexArena = Arena.ofShared();
        MemorySegment seg = b.indexArena.allocate(Math.max(1, bytes.size()), 8);
        bytes.copy(0, seg, 0, bytes.size());
        return seg.asSlice(0, bytes.size());
    }

    private static void openMegatron(Builder b, Path idx, Path bin, Options options) {
        b.format = Format.MEGATRON;
        b.indexFile = idx;
        b.dataFile = bin;
        b.indexBytes = openBytes(idx, options);
        MemorySegment s = indexSegment(b, b.indexBytes);
        b.index = s;
        long size = s.byteSize();
        String remake = "the file is damaged or truncated: write the dataset again (tokmix shard)";
        if (size < MegatronFormat.FAIRSEQ_HEADER_BYTES) {
            throw new ShardFormatException(idx, size, "the index is " + size
                    + " bytes, shorter than its 34-byte header", remake);
        }
        for (int i = 0; i < MegatronFormat.MAGIC.length; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != MegatronFormat.MAGIC[i]) {
                throw new ShardFormatException(idx, i, "wrong magic: not a Megatron index (expected"
                        + " \"MMIDIDX\\0\\0\")", "check the path; for a headerless token file pass --dtype");
            }
        }
        long version = s.get(TokenDtype.I64, MegatronFormat.VERSION_OFFSET);
        if (version != MegatronFormat.VERSION) {
            throw new ShardFormatException(idx, MegatronFormat.VERSION_OFFSET, "index version " + version
                    + " (Megatron writes and reads only version 1)", remake);
        }
        int code = s.get(ValueLayout.JAVA_BYTE, MegatronFormat.DTYPE_OFFSET) & 0xFF;
        TokenDtype dt = TokenDtype.ofMegatronCode(code);
        if (dt == null) {
            throw new ShardFormatException(idx, MegatronFormat.DTYPE_OFFSET, "dtype code " + code
                    + " is not a token type (8 uint16, 4 int32, 5 int64, 1 uint8)", remake);
        }
        b.dtype = dt;
        long n = s.get(TokenDtype.I64, MegatronFormat.SEQUENCE_COUNT_OFFSET);
        if (n < 0 || n > size / 12) {
            throw new ShardFormatException(idx, MegatronFormat.SEQUENCE_COUNT_OFFSET, "sequence count " + n
                    + " cannot fit in a " + size + "-byte index", remake);
        }
        long m = size >= MegatronFormat.HEADER_BYTES ? s.get(TokenDtype.I64, MegatronFormat.DOCUMENT_COUNT_OFFSET)
                : -1;
        int header;
        if (m >= 1 && m <= size / 8 && (size == MegatronFormat.indexBytes(n, m)
                || size == MegatronFormat.indexBytes(n, m) + n)) {
            header = MegatronFormat.HEADER_BYTES;
        } else if (size == MegatronFormat.FAIRSEQ_HEADER_BYTES + 12 * n) {
            header = MegatronFormat.FAIRSEQ_HEADER_BYTES;
            b.fairseq = true;
        } else if (m < 1 || m > size / 8) {
            throw new ShardFormatException(idx, MegatronFormat.DOCUMENT_COUNT_OFFSET, "document-index length "
                    + m + " is impossible for a " + size + "-byte index with " + n + " sequences", remake);
        } else {
            long want = MegatronFormat.indexBytes(n, m);
            throw new ShardFormatException(idx, Math.min(want, size), "the header promises " + n + " sequences and "
                    + m + " document indices (" + want + " bytes), but the index is " + size + " bytes",
                    want > size ? remake : "the index has trailing bytes: " + remake);
        }
        b.sequenceCount = n;
        b.pointersOffset = MegatronFormat.pointersOffset(header, n);
        b.documentIndicesOffset = b.fairseq ? -1 : MegatronFormat.documentIndicesOffset(n);
        b.documentIndexCount = b.fairseq ? n + 1 : m;
        b.data = openBytes(bin, options);
        long binSize = b.data.size();
        int isz = dt.byteSize();
        // Pointers must follow each other from byte 0 (as every Megatron writer lays them out), so a document
        // is one contiguous token range and the token count is the data size over the item size.
        long expected = 0;
        long lengthsOffset = MegatronFormat.lengthsOffset(header);
        for (long i = 0; i < n; i++) {
            int len = s.get(TokenDtype.I32, lengthsOffset + 4 * i);
            if (len < 0) {
                throw new ShardFormatException(idx, lengthsOffset + 4 * i, "sequence " + i + " has length "
                        + len, remake);
            }
            long ptr = s.get(TokenDtype.I64, b.pointersOffset + 8 * i);
            if (ptr != expected) {
                throw new ShardFormatException(idx, b.pointersOffset + 8 * i, "sequence " + i + " starts at byte "
                        + ptr + " of the data file, expected " + expected
                        + " (sequences must follow each other)", remake);
            }
            expected += (long) len * isz;
        }
        if (expected > binSize) {
            throw new ShardFormatException(bin, binSize, "the index " + idx.getFileName()
                    + " points past the data file: its sequences end at byte " + expected + ", the file has "
                    + binSize, "the .bin is truncated or belongs to another index: write the dataset again");
        }
        if (expected < binSize) {
            throw new ShardFormatException(bin, expected, "the data file has " + binSize + " bytes but its index "
                    + idx.getFileName() + " covers " + expected,
                    "the .bin belongs to another index, or the index is stale: write the dataset again");
        }
        if (!b.fairseq) {
            long prev = 0;
            for (long j = 0; j < m; j++) {
                long off = b.documentIndicesOffset + 8 * j;
                long v = s.get(TokenDtype.I64, off);
                if ((j == 0 && v != 0) || v < prev || v > n) {
                    throw new ShardFormatException(idx, off, "document index " + j + " is " + v
                            + (j == 0 ? " (must be 0)" : " (must lie in [" + prev + ", " + n + "])"), remake);
                }
                prev = v;
            }
            if (prev != n) {
                throw new ShardFormatException(idx, b.documentIndicesOffset + 8 * (m - 1), "the document index"
                        + " ends at sequence " + prev + ", not at the sequence count " + n, remake);
            }
        }
        b.dataOffset = 0;
        b.tokenCount = expected / isz;
    }

    private static void openLlmc(Builder b, Path file, Options options) {
        b.format = Format.LLMC;
        b.dataFile = file;
        b.data = openBytes(file, options);
        long size = b.data.size();
        String remake = "the file is damaged or truncated: write it again";
        if (size < 4) {
            throw new ShardFormatException(file, size, "the file is " + size + " bytes: not an llm.c shard (no"
                    + " magic) and no " + file.getFileName() + ".idx beside it",
                    "check the path; a headerless token file needs --dtype");
        }
        int magic = b.data.getInt(0);
        if (magic != LlmcFormat.MAGIC_GPT2 && magic != LlmcFormat.MAGIC_LLAMA3) {
            throw new ShardFormatException(file, 0, "unknown format: first int32 " + magic + " is no llm.c magic"
                    + " (20240520, 20240801), and there is no Megatron index beside it",
                    "check the path; a headerless token file needs --dtype, a Megatron dataset its .idx");
        }
        if (size < LlmcFormat.HEADER_BYTES) {
            throw new ShardFormatException(file, size, "the file is " + size
                    + " bytes, shorter than the 1,024-byte llm.c header", remake);
        }
        int version = b.data.getInt(LlmcFormat.VERSION_OFFSET);
        TokenDtype dt = switch (version) {
            case LlmcFormat.VERSION_UINT16 -> TokenDtype.UINT16;
            case LlmcFormat.VERSION_UINT32 -> TokenDtype.UINT32;
            default -> throw new ShardFormatException(file, LlmcFormat.VERSION_OFFSET, "llm.c version " + version
                    + " (1 = uint16 tokens, 7 = uint32 tokens)", remake);
        };
        int n = b.data.getInt(LlmcFormat.TOKEN_COUNT_OFFSET);
        long want = LlmcFormat.tokenOffset(dt, n & 0xFFFF_FFFFL);
        if (n < 0 || want != size) {
            throw new ShardFormatException(file, n < 0 ? LlmcFormat.TOKEN_COUNT_OFFSET : Math.min(want, size),
                    "the header says " + n + " " + dt + " tokens (" + want + " bytes in all), but the file is "
                            + size + " bytes", want > size ? remake : "the file has trailing bytes: " + remake);
        }
        b.dtype = dt;
        b.dataOffset = LlmcFormat.HEADER_BYTES;
        b.tokenCount = n;
        b.delimiterId = options.delimiterId() >= 0 ? options.delimiterId() : LlmcFormat.defaultDelimiter(magic);
    }

    private static void openNpy(Builder b, Path file, Options options) {
        b.format = Format.NPY;
        b.dataFile = file;
        b.data = openBytes(file, options);
        NpyFormat.Header h = NpyFormat.parse(file, b.data, b.data.size());
        b.dtype = h.dtype();
        b.dataOffset = h.dataOffset();
        b.tokenCount = h.length();
        b.delimiterId = options.delimiterId();
        String name = file.getFileName().toString();
        Path docs = file.toAbsolutePath().getParent()
                .resolve(name.substring(0, name.length() - 4) + ".docs.npy");
        if (!name.toLowerCase(Locale.ROOT).endsWith(".docs.npy") && Files.isRegularFile(docs)
                && options.delimiterId() < 0) {
            b.indexFile = docs;
            b.indexBytes = openBytes(docs, options);
            NpyFormat.Header dh = NpyFormat.parse(docs, b.indexBytes, b.indexBytes.size());
            if (dh.dtype() != TokenDtype.INT64 || dh.length() < 1) {
                throw new ShardFormatException(docs, 0, "document offsets must be a non-empty int64 array, not "
                        + dh.length() + " x " + dh.dtype(), "write the shard again (tokmix shard)");
            }
            MemorySegment s = indexSegment(b, b.indexBytes);
            b.index = s;
            b.pointersOffset = dh.dataOffset();
            b.documentIndexCount = dh.length();
            long prev = 0;
            for (long j = 0; j < dh.length(); j++) {
                long off = dh.dataOffset() + 8 * j;
                long v = s.get(TokenDtype.I64, off);
                if ((j == 0 && v != 0) || v < prev || v > h.length()) {
                    throw new ShardFormatException(docs, off, "document offset " + j + " is " + v + (j == 0
                            ? " (must be 0)" : " (must lie in [" + prev + ", " + h.length() + "])"),
                            "the offsets belong to another array or are damaged: write the shard again");
                }
                prev = v;
            }
            if (prev != h.length()) {
                throw new ShardFormatException(docs, dh.dataOffset() + 8 * (dh.length() - 1), "the document"
                        + " offsets end at token " + prev + ", but " + file.getFileName() + " holds " + h.length(),
                        "the offsets belong to another array or are damaged: write the shard again");
            }
        }
    }

    private static void openHeaderless(Builder b, Path file, Options options) {
        b.format = Format.HEADERLESS;
        b.dataFile = file;
        b.data = openBytes(file, options);
        TokenDtype dt = options.headerlessDtype();
        long size = b.data.size();
        if (size % dt.byteSize() != 0) {
            throw new ShardFormatException(file, size - size % dt.byteSize(), "the file is " + size
                    + " bytes, not a whole number of " + dt + " tokens", "check --dtype; or the file is truncated");
        }
        b.dtype = dt;
        b.dataOffset = 0;
        b.tokenCount = size >> dt.shift();
        b.delimiterId = options.delimiterId();
    }

    private static void checkIds(Builder b, int idLimit) {
        int[] buf = new int[CHUNK_TOKENS];
        for (long t = 0; t < b.tokenCount; t += CHUNK_TOKENS) {
            int n = (int) Math.min(CHUNK_TOKENS, b.tokenCount - t);
            long first = -1;
            if (b.data.segment() != null) {
                long base = b.dataOffset + (t << b.dtype.shift());
                for (int i = 0; i < n; i++) {
                    long v = b.dtype.read(b.data.segment(), base + ((long) i << b.dtype.shift()));
                    if (v < 0 || v >= idLimit) {
                        first = t + i;
                        break;
                    }
                }
            } else {
                readWide(b.data, b.dtype, b.dataOffset, t, buf, 0, n, true);
                for (int i = 0; i < n; i++) {
                    if (buf[i] < 0 || buf[i] >= idLimit) {
                        first = t + i;
                        break;
                    }
                }
            }
            if (first >= 0) {
                long off = b.dataOffset + (first << b.dtype.shift());
                MemorySegment one = MemorySegment.ofArray(new long[1]);
                b.data.copy(off, one, 0, b.dtype.byteSize());
                long v = b.dtype.read(one, 0);
                throw new ShardFormatException(b.dataFile, off, "token " + first + " is " + v
                        + ", outside the vocabulary [0, " + idLimit + ")",
                        "read the shard with the tokenizer that wrote it (see its manifest)");
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(dataFile + ": reader already closed");
        }
    }

    /**
     * The format.
     *
     * @return the format
     */
    public Format format() {
        return format;
    }

    /**
     * The token file.
     *
     * @return its path
     */
    public Path dataFile() {
        return dataFile;
    }

    /**
     * The index file (Megatron {@code .idx}, tokmix's {@code .docs.npy}).
     *
     * @return its path, or {@code null}
     */
    public Path indexFile() {
        return indexFile;
    }

    /**
     * The token type on disk.
     *
     * @return the dtype
     */
    public TokenDtype dtype() {
        return dtype;
    }

    /**
     * Byte offset of token 0 in the token file (the header size).
     *
     * @return bytes
     */
    public long dataOffsetBytes() {
        return dataOffset;
    }

    /**
     * Whether the token file is memory-mapped (rather than read with positioned reads).
     *
     * @return true if mapped
     */
    public boolean mapped() {
        return dataSegment != null;
    }

    /**
     * Tokens in the file.
     *
     * @return the count
     */
    public long tokenCount() {
        return tokenCount;
    }

    /**
     * Megatron sequences (for other formats: documents).
     *
     * @return the count
     */
    public long sequenceCount() {
        return format == Format.MEGATRON ? sequenceCount : documentCount();
    }

    /**
     * The document delimiter used to find documents, for formats without an index.
     *
     * @return the id, or -1
     */
    public int delimiterId() {
        return delimiterId;
    }

    /**
     * Documents in the file.
     *
     * @return the count
     */
    public long documentCount() {
        ensureOpen();
        if (index != null) {
            return documentIndexCount - 1;
        }
        return boundaries().length - 1;
    }

    /**
     * First token of document {@code d}.
     *
     * @param d the document, in [0, documentCount())
     * @return a token index
     */
    public long documentStart(long d) {
        ensureOpen();
        if (format == Format.MEGATRON) {
            long seq = fairseq ? d : megatronDocumentIndex(d);
            return seq == sequenceCount ? tokenCount : index.get(TokenDtype.I64, pointersOffset + 8 * seq) >> shift;
        }
        if (index != null) {
            Objects.checkIndex(d, documentIndexCount);
            return index.get(TokenDtype.I64, pointersOffset + 8 * d);
        }
        long[] bnd = boundaries();
        return bnd[(int) Objects.checkIndex(d, bnd.length)];
    }

    /**
     * One past the last token of document {@code d}.
     *
     * @param d the document, in [0, documentCount())
     * @return a token index
     */
    public long documentEnd(long d) {
        Objects.checkIndex(d, documentCount());
        return documentStart(d + 1);
    }

    /**
     * Tokens in document {@code d}.
     *
     * @param d the document
     * @return the length
     */
    public long documentLength(long d) {
        return documentEnd(d) - documentStart(d);
    }

    private long megatronDocumentIndex(long d) {
        Objects.checkIndex(d, documentIndexCount);
        return index.get(TokenDtype.I64, documentIndicesOffset + 8 * d);
    }

    /** Document starts found by scanning for the delimiter (or one document), computed once. */
    private long[] boundaries() {
        long[] b = boundaries;
        if (b == null) {
            synchronized (this) {
                b = boundaries;
                if (b == null) {
                    b = scanBoundaries();
                    boundaries = b;
                }
            }
        }
        return b;
    }

    private long[] scanBoundaries() {
        if (delimiterId < 0) {
            return tokenCount == 0 ? new long[] {0} : new long[] {0, tokenCount};
        }
        long[] out = new long[16];
        int n = 0;
        out[n++] = 0;
        boolean before = format == Format.LLMC;
        int[] buf = new int[CHUNK_TOKENS];
        for (long t = 0; t < tokenCount; t += CHUNK_TOKENS) {
            int len = (int) Math.min(CHUNK_TOKENS, tokenCount - t);
            copyTokens(t, buf, 0, len);
            for (int i = 0; i < len; i++) {
                if (buf[i] == delimiterId) {
                    long at = before ? t + i : t + i + 1;
                    if (at != out[n - 1]) {
                        if (n == out.length) {
                            out = Arrays.copyOf(out, n * 2);
                        }
                        out[n++] = at;
                    }
                }
            }
        }
        if (out[n - 1] != tokenCount) {
            if (n == out.length) {
                out = Arrays.copyOf(out, n + 1);
            }
            out[n++] = tokenCount;
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * One token.
     *
     * @param tokenIndex its position
     * @return the id
     */
    public int token(long tokenIndex) {
        ensureOpen();
        Objects.checkIndex(tokenIndex, tokenCount);
        if (dataSegment != null) {
            return toId(dtype.read(dataSegment, dataOffset + (tokenIndex << shift)), tokenIndex);
        }
        int[] one = new int[1];
        copyTokens(tokenIndex, one, 0, 1);
        return one[0];
    }

    private int toId(long v, long tokenIndex) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new ShardFormatException(dataFile, dataOffset + (tokenIndex << shift), "token " + tokenIndex
                    + " is " + v + ", not a valid id", "the file is damaged, or its dtype is not what it says");
        }
        return (int) v;
    }

    /**
     * Copies tokens into an int array, widening them (uint16 → int, for instance).
     *
     * @param tokenIndex first token
     * @param dst        destination
     * @param dstIndex   where in {@code dst}
     * @param count      how many
     * @throws IndexOutOfBoundsException if the range is outside the file or {@code dst}
     */
    public void copyTokens(long tokenIndex, int[] dst, int dstIndex, int count) {
        ensureOpen();
        Objects.checkFromIndexSize(tokenIndex, count, tokenCount);
        Objects.checkFromIndexSize(dstIndex, count, dst.length);
        if (dataSegment == null) {
            readWide(data, dtype, dataOffset, tokenIndex, dst, dstIndex, count, false);
            return;
        }
        long off = dataOffset + (tokenIndex << shift);
        MemorySegment seg = dataSegment;
        switch (dtype) {
            case UINT16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstIndex + i] = seg.get(TokenDtype.U16, off + 2L * i) & 0xFFFF;
                }
            }
            case INT32 -> {
                MemorySegment.copy(seg, TokenDtype.I32, off, dst, dstIndex, count);
                checkInts(dst, dstIndex, count, tokenIndex);
            }
            case UINT32 -> {
                MemorySegment.copy(seg, TokenDtype.I32, off, dst, dstIndex, count);
                checkInts(dst, dstIndex, count, tokenIndex);
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    dst[dstIndex + i] = toId(dtype.read(seg, off + ((long) i << shift)), tokenIndex + i);
                }
            }
        }
    }

    private void checkInts(int[] dst, int dstIndex, int count, long tokenIndex) {
        int or = 0;
        for (int i = 0; i < count; i++) {
            or |= dst[dstIndex + i];
        }
        if (or < 0) {
            for (int i = 0; i < count; i++) {
                if (dst[dstIndex + i] < 0) {
                    toId(dtype == TokenDtype.UINT32 ? dst[dstIndex + i] & 0xFFFF_FFFFL : dst[dstIndex + i],
                            tokenIndex + i);
                }
            }
        }
    }

    /** Positioned path: chunks through a per-thread scratch buffer, then widens. */
    private static void readWide(ShardBytes data, TokenDtype dtype, long dataOffset, long tokenIndex, int[] dst,
                                 int dstIndex, int count, boolean raw) {
        MemorySegment scratch = SCRATCH.get();
        int per = (int) (scratch.byteSize() >> dtype.shift());
        int done = 0;
        while (done < count) {
            int n = Math.min(per, count - done);
            data.copy(dataOffset + ((tokenIndex + done) << dtype.shift()), scratch, 0, (long) n << dtype.shift());
            for (int i = 0; i < n; i++) {
                long v = dtype.read(scratch, (long) i << dtype.shift());
                if (!raw && (v < 0 || v > Integer.MAX_VALUE)) {
                    throw new ShardFormatException(data.file(), dataOffset + ((tokenIndex + done + i)
                            << dtype.shift()), "token " + (tokenIndex + done + i) + " is " + v + ", not a valid id",
                            "the file is damaged, or its dtype is not what it says");
                }
                dst[dstIndex + done + i] = (int) Math.max(-1, Math.min(v, Integer.MAX_VALUE));
            }
            done += n;
        }
    }

    /**
     * Copies tokens as they are on disk (the shard's dtype, little-endian) into a segment: the fastest way to
     * stream a shard, a plain memory copy from the mapping.
     *
     * @param tokenIndex    first token
     * @param count         how many
     * @param dst           destination
     * @param dstOffsetBytes where in {@code dst}
     */
    public void copyRawTokens(long tokenIndex, long count, MemorySegment dst, long dstOffsetBytes) {
        ensureOpen();
        Objects.checkFromIndexSize(tokenIndex, count, tokenCount);
        data.copy(dataOffset + (tokenIndex << shift), dst, dstOffsetBytes, count << shift);
    }

    /**
     * Reads document {@code d} into {@code dst}.
     *
     * @param d   the document
     * @param dst at least {@link #documentLength(long)} long
     * @return the number of tokens written
     */
    public int readDocument(long d, int[] dst) {
        long start = documentStart(d);
        long len = documentEnd(d) - start;
        if (len > dst.length) {
            throw new IndexOutOfBoundsException("document " + d + " has " + len + " tokens; the buffer holds "
                    + dst.length);
        }
        copyTokens(start, dst, 0, (int) len);
        return (int) len;
    }

    /**
     * Document {@code d} as a new array.
     *
     * @param d the document
     * @return its tokens
     */
    public int[] document(long d) {
        long len = documentLength(d);
        if (len > Integer.MAX_VALUE - 8) {
            throw new TokmixException("document " + d + " of " + dataFile + " has " + len
                    + " tokens, too many for one Java array\n  remedy: read it in ranges with copyTokens");
        }
        int[] out = new int[(int) len];
        readDocument(d, out);
        return out;
    }

    /**
     * The largest id in the file (a full scan).
     *
     * @return the id, or -1 for an empty file
     */
    public int maxTokenId() {
        // The loop below checks only when there is a token to copy; an empty shard must fail after close too.
        ensureOpen();
        int max = -1;
        int[] buf = new int[CHUNK_TOKENS];
        for (long t = 0; t < tokenCount; t += CHUNK_TOKENS) {
            int n = (int) Math.min(CHUNK_TOKENS, tokenCount - t);
            copyTokens(t, buf, 0, n);
            for (int i = 0; i < n; i++) {
                max = Math.max(max, buf[i]);
            }
        }
        return max;
    }

    /**
     * Unmaps and closes the files. Idempotent; any later use throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        data.close();
        if (indexBytes != null) {
            indexBytes.close();
        }
        if (indexArena != null) {
            indexArena.close();
        }
    }

    @Override
    public String toString() {
        return format + " shard " + dataFile + " (" + dtype + ", " + tokenCount + " tokens)";
    }
}
