package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.core.CorpusReader.BadRecordPolicy;
import dev.tokmix.core.CorpusReader.Options;
import dev.tokmix.core.CorpusReader.Stats;
import dev.tokmix.core.TextDocuments.Split;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte-level corpus reader: splits, JSON Lines, compression, globs and folders, UTF-8 checks, bad-record
 * policies, and parity with {@link TextDocuments}.
 */
class CorpusReaderTest {
    @TempDir
    Path dir;

    /** The documents of one pass, decoded (they are valid UTF-8, so decoding loses nothing), and its stats. */
    record Read(List<String> docs, Stats stats) {
    }

    private static Read read(Options options, Path... inputs) {
        List<String> in = new ArrayList<>();
        for (Path p : inputs) {
            in.add(p.toString());
        }
        return read(options, in);
    }

    private static Read read(Options options, List<String> inputs) {
        List<String> docs = new ArrayList<>();
        Stats stats = new CorpusReader(inputs, options).forEach((utf8, index) -> {
            assertEquals(docs.size(), index);
            assertTrue(utf8.byteSize() > 0);
            docs.add(new String(utf8.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
        }, null);
        assertEquals(docs.size(), stats.documents());
        return new Read(docs, stats);
    }

    private static Options opts(Split split) {
        return new Options(split, "text", BadRecordPolicy.FAIL);
    }

    private static Options skip(Split split) {
        return new Options(split, "text", BadRecordPolicy.SKIP);
    }

    private Path write(String name, String content) throws IOException {
        return write(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        return p;
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bo)) {
            o.write(b);
        }
        return bo.toByteArray();
    }

    private static byte[] zstd(byte[] b) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (OutputStream o = new ZstdOutputStream(bo)) {
            o.write(b);
        }
        return bo.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void lineSplitDropsTerminatorsKeepsLoneCarriageReturnsAndCountsEmptyLines() throws IOException {
        Path f = write("a.txt", "one\r\ntwo\n\n\nthree\rfour\n\nfive");
        Read r = read(opts(Split.LINE), f);
        assertEquals(List.of("one", "two", "three\rfour", "five"), r.docs());
        assertEquals(new Stats(4, 3, 0, 1, 27), r.stats());
        // A final line ending adds no empty line; a lone \r at the very end is text, as in encode --lines.
        assertEquals(r.docs(), read(opts(Split.LINE), write("b.txt", "one\r\ntwo\n\n\nthree\rfour\n\nfive\n"))
                .docs());
        assertEquals(r.docs(), read(opts(Split.LINE), write("c.txt", "one\r\ntwo\n\n\nthree\rfour\n\nfive\r\n"))
                .docs());
        assertEquals(List.of("a", "b\r"), read(opts(Split.LINE), write("d.txt", "a\r\nb\r")).docs());
        assertEquals(List.of("\r", "\r\r"), read(opts(Split.LINE), write("e.txt", "\r\n\r\r\n\r\r")).docs());
        Read blank = read(opts(Split.LINE), write("f.txt", "\n\r\n\n"));
        assertEquals(List.of(), blank.docs());
        assertEquals(3, blank.stats().emptyDocuments());
    }

    @Test
    void paragraphSplitSeparatesOnBlankLinesAndDropsTheEndingBeforeThem() throws IOException {
        String text = "one\r\ntwo\n\n\nthree\rfour\n\nfive";
        assertEquals(List.of("one\r\ntwo", "three\rfour", "five"), read(opts(Split.PARAGRAPH),
                write("a.txt", text)).docs());
        for (String tail : new String[] {"\n", "\r\n", "\n\n", "\r\n\r\n\n"}) {
            assertEquals(List.of("one\r\ntwo", "three\rfour", "five"), read(opts(Split.PARAGRAPH),
                    write("b.txt", "\n\r\n" + text + tail)).docs(), tail);
        }
        // Spaces make a line non-blank (as TextDocuments); a lone \r at the end is text.
        Read r = read(opts(Split.PARAGRAPH), write("c.txt", "a\n \nb\n\nc\n\r"));
        assertEquals(List.of("a\n \nb", "c\n\r"), r.docs());
        assertEquals(0, r.stats().emptyDocuments());
    }

    @Test
    void fileSplitTakesWholeFilesAndCountsEmptyOnes() throws IOException {
        String text = "one\r\ntwo\n\n\nthree\rfour\n\nfive\n";
        Path a = write("a.txt", text);
        Path empty = write("empty.txt", "");
        Path b = write("b.txt", "no newline");
        Read r = read(opts(Split.FILE), a, empty, b);
        assertEquals(List.of(text, "no newline"), r.docs());
        assertEquals(new Stats(2, 1, 0, 3, text.length() + 10), r.stats());
        assertEquals(r, read(Options.defaults(), a, empty, b));
    }

    @Test
    void matchesTextDocumentsOnParagraphAndFileSplits() throws IOException {
        Random rnd = new Random(7);
        String[] pieces = {"a", "é", "😀", " ", "\n", "\n", "\r\n", "\r", "\t", "word "};
        Path folder = Files.createDirectories(dir.resolve("corpus"));
        for (int f = 0; f < 12; f++) {
            StringBuilder sb = new StringBuilder();
            for (int i = rnd.nextInt(300); i > 0; i--) {
                sb.append(pieces[rnd.nextInt(pieces.length)]);
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            Files.write(folder.resolve("f" + f + (f % 3 == 0 ? ".txt.gz" : ".txt")), f % 3 == 0 ? gzip(b) : b);
        }
        for (Split split : new Split[] {Split.PARAGRAPH, Split.FILE}) {
            List<String> expected = new ArrayList<>();
            new TextDocuments(List.of(folder), split, "text").forEach((t, i) -> expected.add(t));
            assertEquals(expected, read(opts(split), folder).docs(), split.toString());
        }
    }

    @Test
    void readsJsonLinesWithEscapesUnicodeNestingAndBlankLines() throws IOException {
        Path f = write("a.jsonl", "{\"id\": 1, \"meta\": {\"x\": [1, \"}\", {\"text\": 5}, true, null, -1.5e3]},"
                + " \"text\": \"caf\\u00e9 \\\"q\\\"\\n\\ud83d\\ude00 \\/\\\\\\b\\f\\r\\t\"}\n"
                + "\n   \t\r\n"
                + "{\"text\":\"raw é 😀 ∑ text\"}\r\n"
                + "{\"te\\u0078t\": \"escaped key\", \"texts\": 1}\n"
                + "{\"text\": \"\"}\n"
                + "{\"text\": \"first\", \"text\": \"last\"}\n"
                + "{\"\\ud800\": 1, \"text\": \"lone surrogate in another key is fine\"}\n"
                + "  {  \"text\"  :  \"spaced\"  }  ");
        Read r = read(opts(Split.LINE), f);
        assertEquals(List.of("café \"q\"\n😀 /\\\b\f\r\t", "raw é 😀 ∑ text", "escaped key", "last",
                "lone surrogate in another key is fine", "spaced"), r.docs());
        assertEquals(1, r.stats().emptyDocuments());
        // JSON Lines ignore the split.
        assertEquals(r, read(opts(Split.FILE), f));
        // Field names are exact; another field can be chosen.
        Path g = write("b.ndjson", "{\"content\": \"c\", \"text\": \"t\"}\n");
        assertEquals(List.of("c"), read(new Options(Split.LINE, "content", BadRecordPolicy.FAIL), g).docs());
    }

    @Test
    void classExampleReadsAsDocumented() throws IOException {
        write("corpus/a.jsonl", "{\"text\": \"a\\nb\"}\n\n{\"text\": \"\"}\n");
        write("corpus/b.txt", "one\r\ntwo\n");
        Read r = read(opts(Split.LINE), List.of(dir + "/corpus/*.jsonl", dir + "/corpus/b.txt"));
        assertEquals(List.of("a\nb", "one", "two"), r.docs());
        assertEquals(new Stats(3, 1, 0, 2, 40), r.stats());
    }

    @Test
    void escapeFreeJsonStringsAreSlicesOfTheMappedFile() throws IOException {
        Path f = write("a.jsonl", "{\"text\": \"plain é\"}\n{\"text\": \"esc\\n\"}\n");
        List<Boolean> mapped = new ArrayList<>();
        new CorpusReader(List.of(f.toString()), opts(Split.LINE)).forEach((utf8, i) -> mapped.add(utf8.isNative()),
                null);
        assertEquals(List.of(true, false), mapped);
    }

    @Test
    void badJsonRecordsFailNamingFileLineAndOffsetOrAreSkipped() throws IOException {
        String good = "{\"text\": \"ok\"}\n";
        String[] bad = {
            "{\"txt\": \"no field\"}", "{\"text\": 5}", "{\"text\": null}", "{\"text\": {\"a\": 1}}",
            "{\"text\": [\"x\"]}", "{\"a\": [1, }], \"text\": \"x\"}", "{\"a\": tru, \"text\": \"x\"}",
            "{\"text\": \"\\u00e\u0669\"}", "{\"a\": 1.}", "{\"text\": \"x\"} trailing", "[\"text\"]",
            "{\"text\": \"x\"", "{\"text\": \"x}", "{\"text\": \"a\\qb\"}", "{\"text\": \"tab\there\"}",
            "{\"text\": \"\\ud83d\"}", "{\"text\": \"\\ude00\\ud83d\"}", "{\"text\": \"\\ud83d\\u0041\"}",
            "{\"text\" \"x\"}", "{\"text\": \"x\",}", "{,}", "{\"a\": 01e}", "\"text\"", "{\"a\": \"\\u12\"}",
            "{\"a\": {\"b\": 1 \"c\": 2}, \"text\": \"x\"}",
        };
        for (String record : bad) {
            Path f = write("bad.jsonl", good + good + record + "\n" + good);
            BadRecordException e = assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), f), record);
            assertTrue(e.getMessage().startsWith(f + ": line 3 (byte offset "), e.getMessage());
            assertTrue(e.getMessage().contains("remedy: fix the record or pass --on-bad-record skip"));
            assertEquals(3, e.lineNumber());
            assertEquals(f, e.file());
            assertTrue(e.byteOffset() >= 2L * good.length() && e.byteOffset() <= 2L * good.length()
                    + record.length(), record + " -> " + e.byteOffset());
            Read r = read(skip(Split.LINE), f);
            assertEquals(List.of("ok", "ok", "ok"), r.docs(), record);
            assertEquals(1, r.stats().badRecords());
        }
        Path f = write("bad.jsonl", good + "{\"text\": 5}\n");
        BadRecordException e = assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), f));
        assertEquals(f + ": line 2 (byte offset 24): field \"text\" is not a string"
                + "\n  remedy: fix the record or pass --on-bad-record skip to skip and count such records",
                e.getMessage());
        Path g = write("bad2.jsonl", good + "{\"a\": 1}\n");
        assertTrue(assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), g)).getMessage()
                .contains("line 2 (byte offset 15): the record has no \"text\" field"));
        Path h = write("bad3.jsonl", good + "{\"text\": \"\\ud83dx\"}\n");
        assertTrue(assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), h)).getMessage()
                .contains("line 2 (byte offset 25): lone surrogate escape \\uD83D"));
    }

    @Test
    void invalidUtf8InJsonTextIsABadRecordAtTheOffendingByte() throws IOException {
        byte[] good = "{\"text\": \"ok\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = concat("{\"text\": \"ab".getBytes(StandardCharsets.UTF_8), concat(
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, "\\n\"}\n".getBytes(StandardCharsets.UTF_8)));
        // Invalid UTF-8 after an escape is found in the decoding phase.
        byte[] bad2 = concat("{\"text\": \"\\nab".getBytes(StandardCharsets.UTF_8),
                concat(new byte[] {(byte) 0xc0, (byte) 0xaf}, "\"}\n".getBytes(StandardCharsets.UTF_8)));
        Path f = write("u.jsonl", concat(concat(good, bad), concat(bad2, good)));
        BadRecordException e = assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), f));
        assertEquals(2, e.lineNumber());
        assertEquals(good.length + 12, e.byteOffset());
        Read r = read(skip(Split.LINE), f);
        assertEquals(List.of("ok", "ok"), r.docs());
        assertEquals(2, r.stats().badRecords());
        // Other fields are not documents: their bytes are only parsed.
        Path g = write("v.jsonl", concat("{\"meta\": \"".getBytes(StandardCharsets.UTF_8),
                concat(new byte[] {(byte) 0xff}, "\", \"text\": \"t\"}".getBytes(StandardCharsets.UTF_8))));
        assertEquals(List.of("t"), read(opts(Split.LINE), g).docs());
    }

    @Test
    void invalidUtf8FailsNamingFileLineAndOffsetOrIsSkipped() throws IOException {
        byte[][] bad = {{(byte) 0xc0, (byte) 0xaf}, {(byte) 0xe0, (byte) 0x80, (byte) 0xaf},
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
        for (byte[] seq : bad) {
            byte[] content = concat("one\ntwo\nthr".getBytes(StandardCharsets.UTF_8),
                    concat(seq, "ee\n\nfour\n".getBytes(StandardCharsets.UTF_8)));
            Path f = write("bad.txt", content);
            BadRecordException e = assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), f));
            assertTrue(e.getMessage().startsWith(f + ": line 3 (byte offset 11): not valid UTF-8 (bytes "),
                    e.getMessage());
            Read r = read(skip(Split.LINE), f);
            assertEquals(List.of("one", "two", "four"), r.docs());
            assertEquals(new Stats(3, 1, 1, 1, content.length), r.stats());
            // A paragraph or a file is one record; the error still names the line of the offending byte.
            assertEquals(3, assertThrows(BadRecordException.class, () -> read(opts(Split.PARAGRAPH), f))
                    .lineNumber());
            assertEquals(List.of("four"), read(skip(Split.PARAGRAPH), f).docs());
            BadRecordException whole = assertThrows(BadRecordException.class, () -> read(opts(Split.FILE), f));
            assertEquals(List.of(3L, 11L), List.of(whole.lineNumber(), whole.byteOffset()));
            Read files = read(skip(Split.FILE), f);
            assertEquals(new Stats(0, 0, 1, 1, content.length), files.stats());
        }
        // A sequence cut off by the end of the file.
        Path cut = write("cut.txt", concat("ok\n€".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xe2,
            (byte) 0x82}));
        BadRecordException e = assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), cut));
        assertEquals(List.of(2L, 6L), List.of(e.lineNumber(), e.byteOffset()));
        assertTrue(e.getMessage().contains("not valid UTF-8 (bytes e2 82)"), e.getMessage());
        // ... or by the end of a line, which ends the document.
        Path cutLine = write("cut2.txt", concat(new byte[] {'a', (byte) 0xc3},
                "\nb\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("b"), read(skip(Split.LINE), cutLine).docs());
    }

    @Test
    void gzipAndZstdGiveTheSameDocumentsAsThePlainFile() throws IOException {
        Random rnd = new Random(11);
        StringBuilder text = new StringBuilder();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            String doc = "doc " + i + " é😀 ".repeat(rnd.nextInt(40)) + (i % 7 == 0 ? "\r" : "");
            text.append(doc).append(i % 5 == 0 ? "\n\n" : i % 3 == 0 ? "\r\n" : "\n");
            jsonl.append("{\"text\": ").append(JsonStrings.quote(doc)).append(", \"n\": ").append(i).append("}\n");
        }
        // One line longer than the stream buffer, so that it must grow.
        text.append("x".repeat(3 << 20)).append("\nlast");
        byte[] t = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] j = jsonl.toString().getBytes(StandardCharsets.UTF_8);
        Path plain = write("t.txt", t);
        Path json = write("j.jsonl", j);
        // A gzip file of two members and a zstd file of two frames, cut in the middle of a line.
        int half = t.length / 2 + 3;
        Path gz = write("t.txt.gz", concat(gzip(java.util.Arrays.copyOf(t, half)),
                gzip(java.util.Arrays.copyOfRange(t, half, t.length))));
        Path zst = write("t.txt.zst", concat(zstd(java.util.Arrays.copyOf(t, half)),
                zstd(java.util.Arrays.copyOfRange(t, half, t.length))));
        for (Split split : Split.values()) {
            Read expected = read(opts(split), plain);
            assertTrue(expected.docs().size() > (split == Split.FILE ? 0 : 500));
            assertEquals(expected, read(opts(split), gz), split + " gz");
            assertEquals(expected, read(opts(split), zst), split + " zst");
        }
        Read expected = read(opts(Split.LINE), json);
        assertEquals(3000, expected.docs().size() + expected.stats().emptyDocuments());
        assertEquals(expected, read(opts(Split.LINE), write("j.jsonl.gz", gzip(j))));
        assertEquals(expected, read(opts(Split.LINE), write("j.ndjson.zst", zstd(j))));
    }

    @Test
    void badRecordOffsetsInCompressedFilesCountDecompressedBytes() throws IOException {
        byte[] content = concat("x".repeat(2 << 20).getBytes(StandardCharsets.UTF_8),
                concat("\nab".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, '\n'}));
        Path plain = write("b.txt", content);
        BadRecordException e = assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), plain));
        assertEquals(List.of(2L, (2L << 20) + 3), List.of(e.lineNumber(), e.byteOffset()));
        for (Path p : new Path[] {write("b.txt.gz", gzip(content)), write("b.txt.zst", zstd(content))}) {
            BadRecordException c = assertThrows(BadRecordException.class, () -> read(opts(Split.LINE), p));
            assertEquals(List.of(2L, (2L << 20) + 3), List.of(c.lineNumber(), c.byteOffset()), p.toString());
        }
        Path corrupt = write("c.txt.gz", java.util.Arrays.copyOf(gzip(content), 100));
        Exception ex = assertThrows(RuntimeException.class, () -> read(opts(Split.LINE), corrupt));
        assertTrue(ex.getMessage().contains("c.txt.gz") && ex.getMessage().contains("remedy"), ex.getMessage());
    }

    @Test
    void expandsFoldersAndGlobsInInputOrderSortedWithin() throws IOException {
        write("data/b/2.txt", "b2");
        write("data/b/1.jsonl", "{\"text\": \"b1\"}");
        write("data/a.txt", "a");
        write("data/c/deep/x.txt", "x");
        write("data/.hidden/h.txt", "hidden");
        write("data/b/.h.txt", "hidden");
        write("other/z.txt", "z");
        Path data = dir.resolve("data");
        CorpusReader folder = new CorpusReader(List.of(data.toString(), dir.resolve("other/z.txt").toString()),
                opts(Split.FILE));
        assertEquals(List.of(data.resolve("a.txt"), data.resolve("b/1.jsonl"), data.resolve("b/2.txt"),
                data.resolve("c/deep/x.txt"), dir.resolve("other/z.txt")), folder.files());
        assertEquals(List.of("a", "b1", "b2", "x", "z"), read(opts(Split.FILE), List.of(data.toString(),
                dir.resolve("other/z.txt").toString())).docs());
        assertEquals(List.of(data.resolve("b/2.txt"), data.resolve("a.txt")), new CorpusReader(List.of(
                data + "/*/*.txt", data + "/*.txt"), opts(Split.FILE)).files());
        assertEquals(List.of(data.resolve("a.txt"), data.resolve("b/2.txt"), data.resolve("c/deep/x.txt")),
                new CorpusReader(List.of(data + "/**.txt"), opts(Split.FILE)).files());
        assertEquals(List.of(data.resolve("b/2.txt"), data.resolve("c/deep/x.txt")),
                new CorpusReader(List.of(data + "/**/*.txt"), opts(Split.FILE)).files());
        assertEquals(List.of(data.resolve("a.txt"), data.resolve("b/1.jsonl")),
                new CorpusReader(List.of(data + "/{a.txt,b/?.json[l]}"), opts(Split.FILE)).files());
        CorpusReader all = new CorpusReader(List.of(dir + "/*/[ab]*/**"), opts(Split.FILE));
        assertEquals(List.of(data.resolve("b/1.jsonl"), data.resolve("b/2.txt")), all.files());
        assertEquals(Files.size(data.resolve("b/1.jsonl")) + 2, all.fileBytes());
        for (String none : new String[] {data + "/*.md", dir + "/missing/*.txt", data + "/**/h.txt"}) {
            TokmixException e = assertThrows(TokmixException.class, () -> new CorpusReader(List.of(none),
                    opts(Split.FILE)));
            assertTrue(e.getMessage().contains("input glob \"" + none + "\" matches no file")
                    && e.getMessage().contains("remedy"), e.getMessage());
        }
        // A file whose name looks like a glob is read as it is.
        Path literal = write("data2/[1].txt", "literal");
        assertEquals(List.of(literal), new CorpusReader(List.of(literal.toString()), opts(Split.FILE)).files());
        assertTrue(assertThrows(TokmixException.class, () -> new CorpusReader(List.of(dir + "/none.txt"),
                opts(Split.FILE))).getMessage().contains("does not exist"));
        Files.createDirectories(dir.resolve("empty"));
        assertTrue(assertThrows(TokmixException.class, () -> new CorpusReader(List.of(dir + "/empty"),
                opts(Split.FILE))).getMessage().contains("holds no files"));
    }

    @Test
    void reportsProgressInOnDiskBytesEndingWithTheTotal() throws IOException {
        byte[] big = ("line of text\n".repeat(1 << 20)).getBytes(StandardCharsets.UTF_8);
        Path a = write("a.txt", big);
        Path b = write("b.txt.gz", gzip(big));
        CorpusReader r = new CorpusReader(List.of(a.toString(), b.toString()), opts(Split.LINE));
        List<Long> calls = new ArrayList<>();
        Stats s = r.forEach((utf8, i) -> { }, calls::add);
        assertTrue(calls.size() >= 4, calls.toString());
        for (int i = 1; i < calls.size(); i++) {
            assertTrue(calls.get(i) >= calls.get(i - 1), calls.toString());
        }
        assertTrue(calls.contains((long) big.length), calls.toString());
        assertEquals(r.fileBytes(), calls.getLast());
        assertEquals(2L * big.length, s.inputBytes());
        assertEquals(2L << 20, s.documents());
    }

    @Test
    void parsesPolicies() {
        assertEquals(BadRecordPolicy.SKIP, BadRecordPolicy.parse("Skip"));
        assertEquals(BadRecordPolicy.FAIL, BadRecordPolicy.parse("fail"));
        assertTrue(assertThrows(TokmixException.class, () -> BadRecordPolicy.parse("ignore")).getMessage()
                .contains("remedy: use fail or skip"));
        assertEquals(new Options(Split.FILE, "text", BadRecordPolicy.FAIL), Options.defaults());
    }

    @Test
    void readsFilesBeyondTwoGibibytes() throws IOException {
        // A sparse file: 2 GiB + a little of NUL bytes (valid UTF-8) costs no disk. One pass only: the first touch
        // of 2 GiB of mapped pages is what costs (about 1 s on a laptop, 6 s on a small VM), not the scan.
        long size = (1L << 31) + 64;
        Path f = dir.resolve("huge.txt");
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'\n', 'o', 'k', '\n', (byte) 0xff, '\n', 'e', 'n', 'd'}),
                    size - 9);
        }
        List<Long> sizes = new ArrayList<>();
        List<String> small = new ArrayList<>();
        BadRecordException e = assertThrows(BadRecordException.class, () -> new CorpusReader(List.of(f.toString()),
                opts(Split.LINE)).forEach((utf8, i) -> {
                    sizes.add(utf8.byteSize());
                    if (utf8.byteSize() < 10) {
                        small.add(new String(utf8.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                    }
                }, null));
        assertEquals(List.of(size - 9, 2L), sizes);
        assertEquals(List.of("ok"), small);
        assertEquals(List.of(3L, size - 5), List.of(e.lineNumber(), e.byteOffset()));
        assertTrue(e.getMessage().contains("line 3 (byte offset " + (size - 5) + ")"), e.getMessage());
    }

    // ---- properties ----

    @Provide
    Arbitrary<String> lineText() {
        return Arbitraries.of("a", "b", "\n", "\r", "\r\n", "é", "😀", " ", "\t", "\n\n").list().ofMaxSize(60)
                .map(l -> String.join("", l));
    }

    @Property(tries = 300)
    void lineSplitEqualsSplittingOnLineFeeds(@ForAll("lineText") String text) throws IOException {
        List<String> expected = new ArrayList<>();
        String[] parts = text.split("\n", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            // The last piece has no line ending, so a \r there is a lone one and stays.
            if (i < parts.length - 1 && p.endsWith("\r")) {
                p = p.substring(0, p.length() - 1);
            }
            if (!p.isEmpty()) {
                expected.add(p);
            }
        }
        Path f = Files.createTempFile("corpus", ".txt");
        try {
            Files.writeString(f, text);
            assertEquals(expected, read(opts(Split.LINE), f).docs());
        } finally {
            Files.delete(f);
        }
    }

    @Provide
    Arbitrary<String> jsonText() {
        Arbitrary<Integer> special = Arbitraries.of(0x22, 0x5c, 0x2f, 0x0a, 0x0d, 0x09, 0x08, 0x0c, 0x00, 0x1f, 0x7f,
                0x61, 0x20, 0xe9, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff);
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 0x10ffff).filter(c -> c < 0xd800 || c > 0xdfff);
        Arbitrary<Integer> ascii = Arbitraries.integers().between(0x20, 0x7e);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, special), net.jqwik.api.Tuple.of(2, any),
                net.jqwik.api.Tuple.of(5, ascii)).list().ofMaxSize(40)
                .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
    }

    @Provide
    Arbitrary<List<String>> jsonTexts() {
        return jsonText().list().ofMaxSize(20);
    }

    @Property(tries = 200)
    void jsonLinesDecodeToTheOriginalBytes(@ForAll("jsonTexts") List<String> texts, @ForAll long style)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        Random rnd = new Random(style);
        for (int i = 0; i < texts.size(); i++) {
            String quoted = TestJson.quote(texts.get(i), rnd);
            sb.append(rnd.nextBoolean() ? "{\"text\": " + quoted + ", \"i\": [" + i + ", {\"s\": \"}\"}]}"
                    : "{\"i\":" + i + ",\"text\":" + quoted + "}").append(rnd.nextBoolean() ? "\n" : "\r\n");
        }
        Path f = Files.createTempFile("corpus", ".jsonl");
        try {
            Files.writeString(f, sb);
            List<byte[]> got = new ArrayList<>();
            Stats s = new CorpusReader(List.of(f.toString()), opts(Split.LINE)).forEach(
                    (utf8, i) -> got.add(utf8.toArray(ValueLayout.JAVA_BYTE)), null);
            List<String> nonEmpty = texts.stream().filter(t -> !t.isEmpty()).toList();
            assertEquals(nonEmpty.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                assertTrue(java.util.Arrays.equals(nonEmpty.get(i).getBytes(StandardCharsets.UTF_8), got.get(i)),
                        nonEmpty.get(i));
            }
            assertEquals(texts.size() - nonEmpty.size(), s.emptyDocuments());
            assertFalse(s.badRecords() > 0);
        } finally {
            Files.delete(f);
        }
    }

    /** A small JSON string encoder that escapes at random: raw or \\u for any character, pairs for astral ones. */
    static final class TestJson {
        static String quote(String s, Random rnd) {
            StringBuilder out = new StringBuilder("\"");
            s.codePoints().forEach(cp -> {
                switch (cp) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append(rnd.nextBoolean() ? "\\n" : "\\u000a");
                    case '/' -> out.append(rnd.nextBoolean() ? "\\/" : "/");
                    default -> {
                        if (cp < 0x20 || rnd.nextInt(4) == 0) {
                            for (char c : Character.toChars(cp)) {
                                out.append(String.format(rnd.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
                            }
                        } else {
                            out.appendCodePoint(cp);
                        }
                    }
                }
            });
            return out.append('"').toString();
        }
    }

    @Test
    void segmentsAreValidOnlyDuringTheCall() throws IOException {
        Path f = write("a.txt", "one\ntwo\n");
        List<MemorySegment> kept = new ArrayList<>();
        new CorpusReader(List.of(f.toString()), opts(Split.LINE)).forEach((utf8, i) -> kept.add(utf8), null);
        // The file's arena is closed once it is read: a kept view fails loudly instead of reading freed memory.
        assertThrows(IllegalStateException.class, () -> kept.getFirst().get(ValueLayout.JAVA_BYTE, 0));
    }
}
