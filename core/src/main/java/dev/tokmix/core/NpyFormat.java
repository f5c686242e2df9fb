package dev.tokmix.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} file ({@code numpy/lib/format.py}), one-dimensional arrays only.
 *
 * <pre>
 *  offset      size   type     field
 *  0           6      bytes    magic "\x93NUMPY"
 *  6           1      u8       major version (1, 2 or 3)
 *  7           1      u8       minor version (0)
 *  8           2|4    u16|u32  header length H (u16 in version 1, u32 in 2 and 3)
 *  10|12       H      ASCII    a Python dict literal, e.g. {'descr': '&lt;u2', 'fortran_order': False,
 *                              'shape': (123,), }, padded with spaces, ending in '\n';
 *                              the data start (10 + H, or 12 + H) is a multiple of 64
 *  10+H|12+H   n·k    dtype[n] the array
 * </pre>
 *
 * <p>tokmix writes version 1 with a fixed 128-byte preamble, so the token count can be filled in after the tokens
 * are written; numpy reads the spaces before the newline as padding. Documents go to a second, sibling file
 * {@code PREFIX.docs.npy}: int64 token offsets of each document's start plus the total ({@code documents + 1}
 * entries), so {@code tokens[docs[d]:docs[d+1]]} is document d.
 */
public final class NpyFormat {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Data offset of files tokmix writes. */
    static final int WRITTEN_HEADER_BYTES = 128;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyFormat() {
    }

    /** What the header of a 1-D array says. */
    record Header(TokenDtype dtype, long length, long dataOffset) {
    }

    /**
     * The 128-byte version-1 preamble of a 1-D array.
     *
     * @param descr numpy type string
     * @param length elements
     * @return the buffer, positioned at 0
     */
    static ByteBuffer header(String descr, long length) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + length + ",), }";
        int headerLen = WRITTEN_HEADER_BYTES - 10;
        StringBuilder s = new StringBuilder(dict);
        while (s.length() < headerLen - 1) {
            s.append(' ');
        }
        s.append('\n');
        ByteBuffer b = ByteBuffer.allocate(WRITTEN_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLen)
                .put(s.toString().getBytes(StandardCharsets.US_ASCII));
        return b.flip();
    }

    /**
     * Parses and checks the header of a 1-D array.
     *
     * @param file the file, for messages
     * @param bytes the file's bytes (at least its header)
     * @param fileSize the file's size
     * @return the header
     * @throws ShardFormatException if the file is not a 1-D little-endian integer array of the stated size
     */
    static Header parse(Path file, ShardBytes bytes, long fileSize) {
        if (fileSize < 10) {
            throw new ShardFormatException(file, fileSize, "the file is " + fileSize
                    + " bytes, shorter than an .npy preamble (10)", "the file is truncated: write it again");
        }
        byte[] pre = bytes.read(0, 12 <= fileSize ? 12 : 10);
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre[i] != MAGIC[i]) {
                throw new ShardFormatException(file, i, "not an .npy file (magic \\x93NUMPY expected)",
                        "check the path; headerless token arrays are read with --dtype");
            }
        }
        int major = pre[6] & 0xFF;
        long headerLen;
        int start;
        if (major == 1) {
            headerLen = ((pre[8] & 0xFF) | (pre[9] & 0xFF) << 8);
            start = 10;
        } else if (major == 2 || major == 3) {
            if (fileSize < 12) {
                throw new ShardFormatException(file, fileSize, "truncated .npy preamble", "write the file again");
            }
            headerLen = ByteBuffer.wrap(pre, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
            start = 12;
        } else {
            throw new ShardFormatException(file, 6, ".npy version " + major + " is not 1, 2 or 3",
                    "write the array with numpy.save");
        }
        // numpy.lib.format reads only versions (1, 0), (2, 0) and (3, 0).
        if (pre[7] != 0) {
            throw new ShardFormatException(file, 7, ".npy version " + major + "." + (pre[7] & 0xFF)
                    + " is not 1.0, 2.0 or 3.0", "write the array with numpy.save");
        }
        long dataOffset = start + headerLen;
        if (dataOffset > fileSize || headerLen > 1 << 20) {
            throw new ShardFormatException(file, start, "the header says it is " + headerLen
                    + " bytes, but the file is " + fileSize + " bytes", "the file is truncated: write it again");
        }
        String dict = new String(bytes.read(start, (int) headerLen), StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(dict);
        Matcher f = FORTRAN.matcher(dict);
        Matcher s = SHAPE.matcher(dict);
        if (!d.find() || !f.find() || !s.find()) {
            throw new ShardFormatException(file, start, "the header " + dict.strip()
                    + " lacks descr, fortran_order or shape", "write the array with numpy.save");
        }
        TokenDtype dtype = TokenDtype.ofNpyDescr(d.group(1));
        if (dtype == null) {
            throw new ShardFormatException(file, start + d.start(1), "dtype '" + d.group(1)
                    + "' does not hold token ids",
                    "save the tokens as <u2, <i4, <u4 or <i8 (little-endian integers)");
        }
        String[] dims = s.group(1).split(",");
        int ndim = 0;
        long length = 1;
        for (String dim : dims) {
            if (!dim.isBlank()) {
                ndim++;
                try {
                    length = Math.multiplyExact(length, Long.parseLong(dim.strip()));
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new ShardFormatException(file, start, "bad shape (" + s.group(1) + ")",
                            "write the array with numpy.save");
                }
            }
        }
        if (ndim != 1) {
            throw new ShardFormatException(file, start, "the array has shape (" + s.group(1)
                    + "), not one dimension", "save a 1-D array: np.save(path, tokens.reshape(-1))");
        }
        long expected = dataOffset + (length << dtype.shift());
        if (expected != fileSize) {
            throw new ShardFormatException(file, Math.min(expected, fileSize), "the header says " + length + " "
                    + dtype + " elements (" + expected + " bytes in all), but the file is " + fileSize + " bytes",
                    expected > fileSize ? "the file is truncated: write it again"
                            : "the file has trailing bytes: write it again");
        }
        return new Header(dtype, length, dataOffset);
    }
    /**
     * Reads a 1-D float64 array ({@code <f8}), e.g. per-document weights.
     *
     * @param file the {@code .npy} file
     * @return the values
     * @throws ShardFormatException if it is not a 1-D little-endian float64 array of the size its header says
     */
    public static double[] readFloat64(Path file) {
        byte[] all;
        try {
            all = java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e + "\n  remedy: check the path", e);
        }
        if (all.length < 10 || !java.util.Arrays.equals(all, 0, 6, MAGIC, 0, 6)) {
            throw new ShardFormatException(file, 0, "not an .npy file", "write the weights with numpy.save");
        }
        int major = all[6] & 0xFF;
        int start = major == 1 ? 10 : 12;
        long headerLen = major == 1 ? ((all[8] & 0xFF) | (all[9] & 0xFF) << 8)
                : ByteBuffer.wrap(all, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
        if (start + headerLen > all.length) {
            throw new ShardFormatException(file, start, "truncated header", "write the weights with numpy.save");
        }
        String dict = new String(all, start, (int) headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(dict);
        Matcher s = SHAPE.matcher(dict);
        Matcher f = FORTRAN.matcher(dict);
        if (!d.find() || !s.find() || !f.find() || !(d.group(1).equals("<f8") || d.group(1).equals("=f8"))) {
            throw new ShardFormatException(file, start, "expected a little-endian float64 array, header " + dict.strip(),
                    "save the weights as np.float64: np.save(path, np.asarray(w, dtype='<f8'))");
        }
        long n;
        try {
            n = Long.parseLong(s.group(1).replace(",", "").strip());
        } catch (NumberFormatException e) {
            throw new ShardFormatException(file, start, "shape (" + s.group(1) + ") is not one dimension",
                    "save a 1-D array");
        }
        long dataStart = start + headerLen;
        if (dataStart + 8 * n != all.length) {
            throw new ShardFormatException(file, Math.min(all.length, dataStart + 8 * n), "the header says " + n
                    + " values, the file holds " + (all.length - dataStart) + " data bytes", "write it again");
        }
        double[] out = new double[(int) n];
        ByteBuffer.wrap(all, (int) dataStart, (int) (8 * n)).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }
    /**
     * Writes a 2-D int32 array ({@code rows x cols}, row-major) as an {@code .npy} file, atomically.
     *
     * @param file the target
     * @param data the values, {@code rows * cols} of them
     * @param rows rows
     * @param cols columns
     */
    public static void writeInt32Matrix(Path file, int[] data, int rows, int cols) {
        String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        StringBuilder h = new StringBuilder(dict);
        while (10 + h.length() + 1 < padded) {
            h.append(' ');
        }
        h.append('\n');
        ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) h.length());
        ByteBuffer body = ByteBuffer.allocate(4 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
        body.asIntBuffer().put(data, 0, rows * cols);
        AtomicFile.write(file, o -> {
            o.write(head.array());
            o.write(h.toString().getBytes(StandardCharsets.US_ASCII));
            o.write(body.array());
        });
    }
}
