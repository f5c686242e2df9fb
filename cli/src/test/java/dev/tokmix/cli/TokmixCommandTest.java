package dev.tokmix.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user drives it: exit codes, output formats, help for every command. */
class TokmixCommandTest {
    @TempDir
    static Path dir;
    static Path tokenizer;

    record Result(int status, String out, String err) {
    }

    @BeforeAll
    static void writeTinyTokenizer() throws Exception {
        StringBuilder sb = new StringBuilder();
        int rank = 0;
        for (int b = 0; b < 256; b++) {
            sb.append(Base64.getEncoder().encodeToString(new byte[] {(byte) b})).append(' ').append(rank++).append('\n');
        }
        for (String t : new String[] {"he", "ll", "llo", "hello", " w", "or", " wor", " world"}) {
            sb.append(Base64.getEncoder().encodeToString(t.getBytes(StandardCharsets.UTF_8))).append(' ')
                    .append(rank++).append('\n');
        }
        tokenizer = dir.resolve("tiny.tiktoken");
        Files.writeString(tokenizer, sb.toString());
    }

    static synchronized Result run(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int status = TokmixCommand.execute(args, new PrintWriter(err, true));
            System.out.flush();
            return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
    }

    @Test
    void encodePrintsSpaceSeparatedIdsAndDecodeRestoresBytes() {
        Result r = run("hello world", "encode", "-t", tokenizer.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("259 263\n", r.out());
        Result d = run(r.out(), "decode", "-t", tokenizer.toString());
        assertEquals(0, d.status(), d.err());
        assertEquals("hello world", d.out());
    }

    @Test
    void encodeLinesAndJson() {
        Result r = run("hello\r\n world\n\nhe\n", "encode", "-t", tokenizer.toString(), "--lines", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals("[259]\n[263]\n[]\n[256]\n", r.out());
        Result c = run("hello\n world\n", "encode", "-t", tokenizer.toString(), "--lines", "--count");
        assertEquals("1\n1\n", c.out());
    }

    @Test
    void infoReportsVocabularyAndMergesAsJson() {
        Result r = run("", "info", "-t", tokenizer.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"vocabulary_size\":264"), r.out());
        assertTrue(r.out().contains("\"format\":\"tiktoken\""), r.out());
    }

    @Test
    void badIdsAndMissingFilesExitWithOneAndAMessage() {
        Result bad = run("259 99999", "decode", "-t", tokenizer.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("99999") && bad.err().contains("position 1"), bad.err());
        Result junk = run("259 abc", "decode", "-t", tokenizer.toString());
        assertEquals(1, junk.status());
        assertTrue(junk.err().contains("not a token id"), junk.err());
        Result missing = run("", "encode", "-t", dir.resolve("nope.json").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("nope.json"), missing.err());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, run("", "encode").status());
        assertEquals(2, run("", "frobnicate").status());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"encode", "decode", "info", "demo"}) {
            Result r = run("", cmd, "--help");
            assertEquals(0, r.status(), cmd);
            assertTrue(r.out().contains("Usage: tokmix " + cmd), r.out());
        }
    }
}
