package dev.tokmix.mixture;

import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.core.AtomicFile;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A category's unique-pretoken table on disk ({@code .tkpc}), so counting can happen elsewhere (on Spark, by
 * {@code dev.tokmix.spark}) and the replay and LP on one machine: {@code tokmix infer --category NAME=FILE.tkpc}.
 *
 * <pre>
 *  offset  type              field
 *  0       8 bytes           magic "TKPCTAB1"
 *  8       u16 + UTF-8       the tokenizer pipeline that split the text (PieceSplitter description)
 *  ...     i32               blocks B (document d was counted into block d mod B; 1 = no bootstrap)
 *  per block:
 *          i64               text bytes of the block's documents
 *          i32               entries E
 *          E x (i32 length, bytes, i64 count)   the pieces and their counts
 * </pre>
 * Big-endian (Java's DataOutput). Tables are mergeable: the same block of two tables adds up.
 */
public final class PretokenTables {
    private static final byte[] MAGIC = "TKPCTAB1".getBytes(StandardCharsets.US_ASCII);

    private PretokenTables() {
    }

    /**
     * Writes a category's blocks atomically.
     *
     * @param file       the target
     * @param pipeline   the splitter description (checked when read against the tokenizer's)
     * @param blocks     the per-block tables
     * @param blockBytes text bytes per block
     */
    public static void write(Path file, String pipeline, List<PretokenCounts> blocks, long[] blockBytes) {
        AtomicFile.write(file, out -> {
            DataOutputStream d = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
            writeTo(d, pipeline, blocks, blockBytes);
            d.flush();
        });
    }

    /**
     * The serialised form of one table (for shuffles): {@code i32 E, E x (i32 length, bytes, i64 count)}.
     *
     * @param counts the table
     * @return bytes
     */
    public static byte[] toBytes(PretokenCounts counts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(b)) {
            writeTable(d, counts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /**
     * Adds a table serialised by {@link #toBytes} into {@code into}.
     *
     * @param bytes the serialised table
     * @param into  the table to add to
     */
    public static void addBytes(byte[] bytes, PretokenCounts into) {
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(bytes))) {
            readTable(d, into, "a serialised table");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeTo(DataOutputStream d, String pipeline, List<PretokenCounts> blocks, long[] blockBytes)
            throws IOException {
        d.write(MAGIC);
        d.writeUTF(pipeline);
        d.writeInt(blocks.size());
        for (int b = 0; b < blocks.size(); b++) {
            d.writeLong(blockBytes[b]);
            writeTable(d, blocks.get(b));
        }
    }

    private static void writeTable(DataOutputStream d, PretokenCounts counts) throws IOException {
        d.writeInt(counts.size());
        IOException[] failed = {null};
        counts.forEach((utf8, offset, length, count) -> {
            try {
                d.writeInt(length);
                d.write(utf8, offset, length);
                d.writeLong(count);
            } catch (IOException e) {
                failed[0] = e;
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
    }

    private static void readTable(DataInputStream d, PretokenCounts into, String source) throws IOException {
        int n = d.readInt();
        if (n < 0) {
            throw new MixtureInferenceException(source + ": negative entry count " + n
                    + "\n  remedy: the table is corrupt; count the category again");
        }
        byte[] buf = new byte[256];
        for (int i = 0; i < n; i++) {
            int len = d.readInt();
            if (len < 0 || len > 1 << 30) {
                throw new MixtureInferenceException(source + ": entry " + i + " has length " + len
                        + "\n  remedy: the table is corrupt; count the category again");
            }
            if (len > buf.length) {
                buf = new byte[Math.max(len, buf.length * 2)];
            }
            d.readFully(buf, 0, len);
            into.add(buf, 0, len, d.readLong());
        }
    }

    /**
     * Reads a table file as a category (blocks kept for the bootstrap).
     *
     * @param name             the category's name
     * @param file             the {@code .tkpc} file
     * @param expectedPipeline the tokenizer's splitter description: the table must have been split the same way
     * @return the category
     * @throws MixtureInferenceException if the file is not a table, is truncated, or was split differently
     */
    public static MixtureInference.Category read(String name, Path file, String expectedPipeline) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DataInputStream d = new DataInputStream(in)) {
            byte[] magic = new byte[MAGIC.length];
            d.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new MixtureInferenceException(file + ": not a tokmix pretoken table (no TKPCTAB1 magic)"
                        + "\n  remedy: pass a .tkpc file written by tokmix-spark's count job, or a text folder");
            }
            String pipeline = d.readUTF();
            if (!pipeline.equals(expectedPipeline)) {
                throw new MixtureInferenceException(file + ": counted with the pipeline \"" + pipeline
                        + "\", but the tokenizer splits with \"" + expectedPipeline + "\"\n  remedy: count the"
                        + " category again with this tokenizer");
            }
            int blocks = d.readInt();
            if (blocks < 1 || blocks > 1 << 16) {
                throw new MixtureInferenceException(file + ": " + blocks + " blocks\n  remedy: the table is corrupt;"
                        + " count the category again");
            }
            List<PretokenCounts> kept = new ArrayList<>();
            long[] bytes = new long[blocks];
            PretokenCounts all = new PretokenCounts();
            long total = 0;
            for (int b = 0; b < blocks; b++) {
                long blockBytes = d.readLong();
                PretokenCounts t = new PretokenCounts();
                readTable(d, t, file.toString());
                total += blockBytes;
                if (t.size() > 0) {
                    bytes[kept.size()] = blockBytes;
                    kept.add(t);
                    all.addAll(t);
                }
            }
            if (all.size() == 0) {
                throw new MixtureInferenceException("category " + name + " (" + file + ") has no text"
                        + "\n  remedy: count a non-empty sample");
            }
            return new MixtureInference.Category(name, all, total, List.copyOf(kept),
                    Arrays.copyOf(bytes, kept.size()));
        } catch (EOFException e) {
            throw new MixtureInferenceException(file + ": the table ends early (truncated)\n  remedy: count the"
                    + " category again", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
    }

    /**
     * Whether a path names a table file.
     *
     * @param p the path
     * @return true for {@code *.tkpc}
     */
    public static boolean isTable(Path p) {
        return p.getFileName().toString().endsWith(".tkpc");
    }
}
