package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tokmix.core.ShardFixtures.Case;
import dev.tokmix.core.TokenShardReader.Access;
import dev.tokmix.core.TokenShardReader.Format;
import dev.tokmix.core.TokenShardReader.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * numpy as the oracle of the byte layouts, in both directions, through Debian's numpy 1.24
 * ({@code data/python/run-python}, fetched by {@code scripts/fetch-data.sh python}).
 *
 * <p>Java → numpy: shards written by {@link TokenShardWriter} are read by a Python script that follows the layouts
 * as Megatron, llm.c and numpy define them (the {@code .idx} header parsed with {@code struct}, its arrays and the
 * tokens memory-mapped at the documented offsets; llm.c's 256 int32 then tokens at 1,024; {@code np.load} with
 * {@code mmap_mode='r'}), and must print exactly the documents Java wrote.
 *
 * <p>numpy → Java: {@code np.save} arrays (format versions 1, 2 and 3), headerless {@code tofile} arrays, and
 * Megatron datasets written like Megatron's {@code _IndexWriter} (several sequences per document, a multimodal
 * modes array) are read by {@link TokenShardReader}, mapped and positioned, as numpy sees them.
 *
 * <p>Both sides print a document as {@code t id id …}, or when longer than 2,000 tokens as
 * {@code h length sum weighted-sum xor} (uint64 arithmetic that wraps, the same in numpy and Java).
 */
class NumpyRoundTripTest {
    private static final int FULL_TOKENS = 2000;

    @TempDir
    Path dir;

    /** The Python with numpy that fetch-data installs; missing, the test fails and says how to get it. */
    private static Path python() {
        String data = System.getProperty("tokmix.data");
        if (data == null || data.isBlank()) {
            fail("system property tokmix.data is not set; run the tests through Maven (surefire sets it to"
                    + " <repo>/data)");
        }
        Path runPython = Path.of(data, "python", "run-python");
        if (!Files.isExecutable(runPython)) {
            fail("the numpy oracle " + runPython + " is missing: run `scripts/fetch-data.sh python` first"
                    + " (`make test` runs scripts/fetch-data.sh before the tests)");
        }
        return runPython;
    }

    private List<String> runPython(String script, String... args) throws IOException, InterruptedException {
        Path file = dir.resolve("oracle.py");
        Files.writeString(file, script);
        Path err = dir.resolve("oracle.err");
        List<String> command = new ArrayList<>(List.of(python().toString(), file.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the Python oracle did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            fail("the Python oracle failed (exit " + p.exitValue() + "):\n" + Files.readString(err));
        }
        return out.lines().toList();
    }

    /** One document as both sides print it. */
    static String describe(int[] doc) {
        if (doc.length <= FULL_TOKENS) {
            StringBuilder sb = new StringBuilder("t");
            for (int t : doc) {
                sb.append(' ').append(t);
            }
            return sb.toString();
        }
        long sum = 0;
        long weighted = 0;
        long xor = 0;
        for (int i = 0; i < doc.length; i++) {
            long t = doc[i];
            sum += t;
            weighted += (i + 1L) * t;
            xor ^= t * 0x9E3779B97F4A7C15L + i;
        }
        return "h " + doc.length + " " + Long.toUnsignedString(sum) + " " + Long.toUnsignedString(weighted) + " "
                + Long.toUnsignedString(xor);
    }

    private static final String DIGEST = """
            import os, struct, sys
            import numpy as np

            FULL_TOKENS = 2000
            K = np.uint64(0x9E3779B97F4A7C15)

            def describe(doc):
                doc = np.asarray(doc)
                if len(doc) <= FULL_TOKENS:
                    return " ".join(["t"] + [str(x) for x in doc.tolist()])
                t = doc.astype(np.uint64)
                i = np.arange(len(t), dtype=np.uint64)
                return "h %d %d %d %d" % (len(t), int(t.sum(dtype=np.uint64)),
                                          int(((i + np.uint64(1)) * t).sum(dtype=np.uint64)),
                                          int(np.bitwise_xor.reduce(t * K + i)))
            """;

    /**
     * Reads each shard named on the command line by its documented layout and prints
     * {@code shard NAME DTYPE DOCUMENTS} then one line per document.
     */
    private static final String READ_SCRIPT = DIGEST + """

            # Megatron's DType codes (megatron/core/datasets/indexed_dataset.py) that hold token ids.
            MEGATRON_DTYPES = {1: np.uint8, 4: np.int32, 5: np.int64, 8: np.uint16}

            def megatron(prefix):
                idx_path, bin_path = prefix + ".idx", prefix + ".bin"
                with open(idx_path, "rb") as f:
                    header = f.read(34)
                assert header[0:9] == b"MMIDIDX" + bytes(2), header[0:9]
                (version,) = struct.unpack("<Q", header[9:17])
                assert version == 1, version
                (code,) = struct.unpack("<B", header[17:18])
                (n, m) = struct.unpack("<QQ", header[18:34])
                dtype = np.dtype(MEGATRON_DTYPES[code])
                assert os.path.getsize(idx_path) == 34 + 12 * n + 8 * m
                lengths = np.memmap(idx_path, dtype=np.int32, mode="r", offset=34, shape=(n,))
                pointers = np.memmap(idx_path, dtype=np.int64, mode="r", offset=34 + 4 * n, shape=(n,))
                document_indices = np.memmap(idx_path, dtype=np.int64, mode="r", offset=34 + 12 * n, shape=(m,))
                assert document_indices[0] == 0 and document_indices[-1] == n
                docs = []
                for d in range(m - 1):
                    parts = []
                    for s in range(int(document_indices[d]), int(document_indices[d + 1])):
                        if lengths[s] > 0:
                            parts.append(np.memmap(bin_path, dtype=dtype, mode="r", offset=int(pointers[s]),
                                                   shape=(int(lengths[s]),)))
                    docs.append(np.concatenate(parts) if parts else np.zeros(0, dtype))
                return dtype, docs

            def llmc(path):
                # dev/data/data_common.py: 256 int32 of header, then the tokens.
                header = np.fromfile(path, dtype="<i4", count=256)
                magic, version, n = int(header[0]), int(header[1]), int(header[2])
                assert magic in (20240520, 20240801), magic
                dtype = np.dtype({1: np.uint16, 7: np.uint32}[version])
                assert os.path.getsize(path) == 1024 + n * dtype.itemsize
                tokens = np.memmap(path, dtype=dtype, mode="r", offset=1024, shape=(n,))
                # The end-of-text token comes before every document.
                eot = 50256 if magic == 20240520 else 128000
                bounds = sorted(set([0, n] + np.flatnonzero(tokens == eot).tolist()))
                return dtype, [tokens[a:b] for a, b in zip(bounds, bounds[1:])]

            def npy(path):
                tokens = np.load(path, mmap_mode="r")
                offsets = np.load(path[:-len(".npy")] + ".docs.npy", mmap_mode="r")
                assert tokens.ndim == 1 and offsets.ndim == 1 and offsets.dtype == np.int64
                assert offsets[0] == 0 and offsets[-1] == len(tokens)
                return tokens.dtype, [tokens[offsets[d]:offsets[d + 1]] for d in range(len(offsets) - 1)]

            for arg in sys.argv[1:]:
                kind, path = arg.split("=", 1)
                dtype, docs = {"megatron": megatron, "llmc": llmc, "npy": npy}[kind](path)
                print("shard", os.path.basename(path), dtype.str, len(docs))
                for doc in docs:
                    print(describe(doc))
            """;

    @Test
    void javaWrittenShardsReadByNumpyFollowingTheDocumentedLayouts() throws Exception {
        List<String> args = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (Case c : ShardFixtures.writerCases()) {
            long seed = 0x0A_C1E0L + c.format().ordinal() * 16L + c.dtype().ordinal();
            Random rnd = new Random(seed);
            int delimiter = c.llmcDelimiter();
            int[][] docs = new int[25 + rnd.nextInt(10)][];
            for (int d = 0; d < docs.length; d++) {
                // Empty documents (not in llm.c, where each starts with the delimiter), one long document.
                int len = d == 3 ? 70_000 : d % 5 == 1 ? 0 : 1 + rnd.nextInt(200);
                int[] doc = new int[len];
                for (int i = 0; i < len; i++) {
                    doc[i] = ShardFixtures.randomId(rnd, c.dtype(), delimiter);
                }
                docs[d] = delimiter >= 0 ? ShardFixtures.prepend(delimiter, doc) : doc;
            }
            docs[docs.length - 1] = new int[] {delimiter >= 0 ? delimiter : 0, 0, c.dtype().maxTokenId(), 1};
            String name = "j-" + c.format() + "-" + c.dtype();
            Path prefix = dir.resolve(name);
            ShardFixtures.write(c, prefix, docs);
            String opened = switch (c.format()) {
                case MEGATRON -> "megatron=" + prefix;
                case LLMC -> "llmc=" + prefix + ".bin";
                default -> "npy=" + prefix + ".npy";
            };
            args.add(opened);
            expected.add("shard " + Path.of(opened.substring(opened.indexOf('=') + 1)).getFileName() + " "
                    + c.dtype().npyDescr() + " " + docs.length);
            for (int[] doc : docs) {
                expected.add(describe(doc));
            }
        }
        List<String> actual = runPython(READ_SCRIPT, args.toArray(String[]::new));
        assertLinesEqual(expected, actual);
    }

    private static void assertLinesEqual(List<String> expected, List<String> actual) {
        String shard = "";
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (expected.get(i).startsWith("shard ")) {
                shard = expected.get(i);
            }
            assertEquals(expected.get(i), actual.get(i), "line " + i + " (in " + shard + ")");
        }
        assertEquals(expected.size(), actual.size(), "lines");
    }

    /**
     * Writes, with numpy only, arrays and datasets into the folder given on the command line, and prints for each
     * {@code shard KIND FILE DTYPE DELIMITER DOCUMENTS} and its documents as numpy holds them.
     */
    private static final String WRITE_SCRIPT = DIGEST + """

            out = sys.argv[1]
            rng = np.random.default_rng(20240520)

            def ids(n, dtype, high):
                a = rng.integers(0, high, size=n, endpoint=True, dtype=np.int64)
                k = min(3, n)
                a[:k] = [0, high, high - 1][:k]
                return a.astype(dtype)

            def report(kind, name, dtype, delimiter, docs):
                print("shard", kind, name, np.dtype(dtype).str, delimiter, len(docs))
                for doc in docs:
                    print(describe(doc))

            # np.save, format versions 1, 2 and 3: one document each (no .docs.npy beside them).
            for name, dtype, high, version in [("u2.npy", np.uint16, 65535, None), ("i4.npy", np.int32, 2**31 - 1, None),
                                               ("i8.npy", np.int64, 2**31 - 1, None), ("u4.npy", np.uint32, 2**31 - 1, None),
                                               ("u1.npy", np.uint8, 255, None), ("v2.npy", np.int32, 100000, (2, 0)),
                                               ("v3.npy", np.uint16, 65535, (3, 0))]:
                a = ids(5000 if dtype != np.uint8 else 300, dtype, high)
                path = os.path.join(out, name)
                if version is None:
                    np.save(path, a)
                else:
                    with open(path, "wb") as f:
                        np.lib.format.write_array(f, a, version=version)
                report("npy", name, dtype, -1, [np.load(path, mmap_mode="r")])

            # Arrays Java must refuse: two dimensions, big-endian, floats.
            np.save(os.path.join(out, "matrix.npy"), ids(12, np.uint16, 9).reshape(3, 4))
            np.save(os.path.join(out, "big-endian.npy"), ids(12, ">u2", 9))
            np.save(os.path.join(out, "floats.npy"), np.arange(6, dtype=np.float32))

            # Headerless token files (nanoGPT's train.bin, dolma): the delimiter after each document.
            for name, dtype, high, delimiter in [("train.bin", np.uint16, 65535, 50256),
                                                 ("dolma.bin", np.int32, 2**31 - 1, 0)]:
                docs = []
                for d in range(40):
                    body = ids(int(rng.integers(0, 300)) if d != 7 else 3000, dtype, high)
                    body[body == delimiter] = delimiter + 1
                    docs.append(np.concatenate([body, np.array([delimiter], dtype=dtype)]))
                np.concatenate(docs).tofile(os.path.join(out, name))
                report("raw", name, dtype, delimiter, docs)

            # Megatron datasets, byte for byte as _IndexWriter writes them (megatron/core/datasets/indexed_dataset.py).
            CODES = {np.uint8: 1, np.int32: 4, np.int64: 5, np.uint16: 8}

            def write_megatron(prefix, dtype, sequences, document_indices, modes=None):
                itemsize = np.dtype(dtype).itemsize
                with open(os.path.join(out, prefix + ".bin"), "wb") as f:
                    for s in sequences:
                        f.write(np.array(s, dtype=dtype).tobytes(order="C"))
                lengths = [len(s) for s in sequences]
                pointers, at = [], 0
                for length in lengths:
                    pointers.append(at)
                    at += length * itemsize
                with open(os.path.join(out, prefix + ".idx"), "wb") as f:
                    f.write(b"MMIDIDX" + bytes(2))
                    f.write(struct.pack("<Q", 1))
                    f.write(struct.pack("<B", CODES[dtype]))
                    f.write(struct.pack("<Q", len(lengths)))
                    f.write(struct.pack("<Q", len(document_indices)))
                    f.write(np.array(lengths, dtype=np.int32).tobytes(order="C"))
                    f.write(np.array(pointers, dtype=np.int64).tobytes(order="C"))
                    f.write(np.array(document_indices, dtype=np.int64).tobytes(order="C"))
                    if modes is not None:
                        f.write(np.array(modes, dtype=np.int8).tobytes(order="C"))
                docs = []
                for d in range(len(document_indices) - 1):
                    seqs = sequences[document_indices[d]:document_indices[d + 1]]
                    docs.append(np.concatenate([np.array(s, dtype=dtype) for s in seqs]) if seqs
                                else np.zeros(0, dtype))
                report("megatron", prefix + ".idx", dtype, -1, docs)

            for prefix, dtype, high, per_document, multimodal in [("gpt", np.uint16, 65535, 1, False),
                                                                  ("bert", np.int32, 2**31 - 1, 4, False),
                                                                  ("wide", np.int64, 2**31 - 1, 3, True),
                                                                  ("bytes", np.uint8, 255, 2, False)]:
                sequences, document_indices = [], [0]
                for d in range(30):
                    count = 1 if per_document == 1 else int(rng.integers(0, per_document + 1))
                    for s in range(count):
                        n = 3000 if (d, s) == (5, 0) else int(rng.integers(0, 60))
                        sequences.append(ids(n, dtype, high))
                    document_indices.append(len(sequences))
                modes = rng.integers(0, 2, size=len(sequences)) if multimodal else None
                write_megatron(prefix, dtype, sequences, document_indices, modes)
            """;

    @Test
    void numpyWrittenArraysAndMegatronDatasetsReadByJava() throws Exception {
        List<String> lines = runPython(WRITE_SCRIPT, dir.toString());
        int shards = 0;
        boolean multiSequence = false;
        for (int i = 0; i < lines.size(); ) {
            String[] h = lines.get(i).split(" ");
            assertEquals("shard", h[0], "line " + i + ": " + lines.get(i));
            String kind = h[1];
            Path file = dir.resolve(h[2]);
            TokenDtype dtype = TokenDtype.ofNpyDescr(h[3]);
            int delimiter = Integer.parseInt(h[4]);
            int documents = Integer.parseInt(h[5]);
            List<String> expected = lines.subList(i + 1, i + 1 + documents);
            i += 1 + documents;
            shards++;
            for (Access access : List.of(Access.MAPPED, Access.POSITIONED)) {
                Options o = ShardFixtures.options(access);
                if (kind.equals("raw")) {
                    o = o.withHeaderlessDtype(dtype).withDelimiter(delimiter);
                }
                try (TokenShardReader r = TokenShardReader.open(file, o)) {
                    String what = r + ", " + access;
                    assertEquals(switch (kind) {
                        case "npy" -> Format.NPY;
                        case "raw" -> Format.HEADERLESS;
                        default -> Format.MEGATRON;
                    }, r.format(), what);
                    assertEquals(dtype, r.dtype(), what);
                    assertEquals(documents, r.documentCount(), what);
                    long at = 0;
                    for (int d = 0; d < documents; d++) {
                        assertEquals(at, r.documentStart(d), what + ", document " + d);
                        assertEquals(expected.get(d), describe(r.document(d)), what + ", document " + d);
                        at = r.documentEnd(d);
                    }
                    assertEquals(r.tokenCount(), at, what);
                    if (r.format() == Format.MEGATRON && r.sequenceCount() != documents) {
                        multiSequence = true;
                    }
                }
            }
        }
        assertEquals(7 + 2 + 4, shards);
        assertTrue(multiSequence, "a dataset with several sequences per document");
        for (String refused : List.of("matrix.npy", "big-endian.npy", "floats.npy")) {
            Path f = dir.resolve(refused);
            Throwable t = null;
            try (TokenShardReader r = TokenShardReader.open(f, ShardFixtures.options(Access.AUTO))) {
                fail("opened " + r);
            } catch (Throwable e) {
                t = e;
            }
            ShardFormatException e = assertInstanceOf(ShardFormatException.class, t, refused);
            assertTrue(e.getMessage().contains("remedy"), e.getMessage());
        }
    }
}
