package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corpus reading: document splits, JSON Lines, gzip, folders, and errors that name file and line. */
class TextDocumentsTest {
    @TempDir
    Path dir;

    private List<String> read(Path p, TextDocuments.Split split) {
        List<String> docs = new ArrayList<>();
        new TextDocuments(List.of(p), split, "text").forEach((t, i) -> docs.add(t));
        return docs;
    }

    @Test
    void splitsByLineParagraphOrFile() throws IOException {
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "one\r\ntwo\n\n\nthree\rfour\n\nfive");
        // Only \n ends a line, as in HF's train_from_files; a lone \r is text.
        assertEquals(List.of("one\r\n", "two\n", "\n", "\n", "three\rfour\n", "\n", "five"),
                read(f, TextDocuments.Split.LINE));
        assertEquals(List.of("one\r\ntwo", "three\rfour", "five"), read(f, TextDocuments.Split.PARAGRAPH));
        assertEquals(List.of("one\r\ntwo\n\n\nthree\rfour\n\nfive"), read(f, TextDocuments.Split.FILE));
    }

    @Test
    void readsJsonLinesAndGzipAndFoldersInPathOrder() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("corpus"));
        Files.writeString(sub.resolve("b.jsonl"), "{\"id\": 1, \"meta\": {\"x\": [1, \"}\"]}, \"text\": \"caf\\u00e9 \\\"q\\\""
                + "\\n\\ud83d\\ude00\"}\n\n{\"text\": \"second\", \"other\": null}\n");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(sub.resolve("a.txt.gz")))) {
            out.write("zipped line\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(sub.resolve(".hidden.txt"), "never read\n");
        Files.writeString(Files.createDirectories(sub.resolve("deeper/.git")).resolve("HEAD"), "never read\n");
        List<String> docs = read(sub, TextDocuments.Split.LINE);
        assertEquals(List.of("zipped line\n", "café \"q\"\n\uD83D\uDE00", "second"), docs);
    }

    @Test
    void errorsNameTheFileAndLine() throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"ok\"}\n{\"txt\": \"no field\"}\n");
        TokmixException e = assertThrows(TokmixException.class, () -> read(bad, TextDocuments.Split.LINE));
        assertTrue(e.getMessage().contains("bad.jsonl: line 2") && e.getMessage().contains("no \"text\" field"),
                e.getMessage());
        Path num = dir.resolve("num.jsonl");
        Files.writeString(num, "{\"text\": 5}\n");
        assertTrue(assertThrows(TokmixException.class, () -> read(num, TextDocuments.Split.LINE)).getMessage()
                .contains("is not a string"));
        for (String record : new String[] {"{\"a\": [1, }], \"text\": \"x\"}", "{\"a\": tru, \"text\": \"x\"}",
            "{\"text\": \"\\u00e\u0669\"}", "{\"a\": 1.}", "{\"text\": \"x\"} trailing"}) {
            Path f = dir.resolve("bad2.jsonl");
            Files.writeString(f, record + "\n");
            assertTrue(assertThrows(TokmixException.class, () -> read(f, TextDocuments.Split.LINE)).getMessage()
                    .contains("bad2.jsonl: line 1, column"), record);
        }
        Path dup = dir.resolve("dup.jsonl");
        Files.writeString(dup, "{\"text\": \"first\", \"n\": -1.5e3, \"text\": \"last\"}\n");
        assertEquals(List.of("last"), read(dup, TextDocuments.Split.LINE));
        Path latin = dir.resolve("latin.txt");
        Files.write(latin, new byte[] {'a', '\n', 'b', '\n', 'c', (byte) 0xE9, 'd', '\n'});
        assertTrue(assertThrows(TokmixException.class, () -> read(latin, TextDocuments.Split.LINE)).getMessage()
                .contains("latin.txt: line 3 (byte offset 5): not valid UTF-8"));
        assertTrue(assertThrows(TokmixException.class, () -> read(dir.resolve("none"), TextDocuments.Split.LINE))
                .getMessage().contains("does not exist"));
    }

    @Test
    void atomicWriteLeavesNothingBehindOnAnyFailure() throws IOException {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "old");
        assertThrows(IllegalStateException.class, () -> AtomicFile.write(target, out -> {
            out.write(1);
            throw new IllegalStateException("boom");
        }));
        assertEquals("old", Files.readString(target));
        try (var s = Files.list(dir)) {
            assertEquals(List.of("out.bin"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertThrows(StackOverflowError.class, () -> AtomicFile.write(target, out -> {
            throw new StackOverflowError("an Error, not an exception");
        }));
        Path blocker = dir.resolve("a-file");
        Files.writeString(blocker, "x");
        java.io.UncheckedIOException io = assertThrows(java.io.UncheckedIOException.class,
                () -> AtomicFile.write(blocker.resolve("child.bin"), out -> out.write(1)));
        assertTrue(io.getMessage().contains("child.bin") && io.getMessage().contains("remedy"), io.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(List.of("a-file", "out.bin"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        AtomicFile.write(target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
        assertEquals("new", Files.readString(target));
    }

    @Test
    void mixTargetsAddUpAndSharesLandWithinHalfADocument() throws IOException {
        Path a = dir.resolve("a.txt");
        Path b = dir.resolve("b.txt");
        Files.writeString(a, "aaaa\n".repeat(100));
        Files.writeString(b, "bbbbbbbbb\n".repeat(3));
        DocumentMix m = DocumentMix.plan(List.of(new DocumentMix.Category("a", List.of(a), 1),
                new DocumentMix.Category("b", List.of(b), 2)), 1001, 9, TextDocuments.Split.LINE, "text");
        DocumentMix.Realised ra = m.realised().get(0);
        DocumentMix.Realised rb = m.realised().get(1);
        assertEquals(1001, ra.targetBytes() + rb.targetBytes());
        assertTrue(Math.abs(ra.realisedBytes() - ra.targetBytes()) <= 5 / 2 + 1, ra.toString());
        assertTrue(Math.abs(rb.realisedBytes() - rb.targetBytes()) <= 10 / 2 + 1, rb.toString());
        assertEquals(22, rb.fullPasses(), "b holds 30 bytes and must repeat to fill 667");
        long[] drawn = new long[2];
        m.forEach((text, draws, category) -> drawn[category] += (long) draws * text.length());
        assertEquals(ra.realisedBytes(), drawn[0]);
        assertEquals(rb.realisedBytes(), drawn[1]);
    }
}
