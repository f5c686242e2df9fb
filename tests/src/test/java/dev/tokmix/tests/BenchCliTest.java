package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokmix bench}: tokmix and both peers on the user's file, with the same token counts. */
class BenchCliTest {
    @Test
    void benchTimesTokmixAndBothPeersOnTheSameDocuments(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("sample.txt");
        String en = Files.readString(TestData.require("text/prose/en.txt"));
        Files.writeString(text, en.substring(0, 40_000) + "\n" + Files.readString(
                TestData.require("text/prose/zh.txt")).substring(0, 5_000));
        ShardPipelineTest.Run r = ShardPipelineTest.tokmix("bench", "-t", "o200k_base", "-i", text.toString(),
                "--seconds", "0.2", "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.contains("\"name\":\"tokmix\",\"threads\":1") && out.contains("\"name\":\"tokmix\",\"threads\":2")
                && out.contains("\"name\":\"jtokkit\"") && out.contains("\"name\":\"hf\""), out);
        assertFalse(out.contains("\"note\""), "a peer was unavailable or disagreed: " + out);
        ShardPipelineTest.Run bad = ShardPipelineTest.tokmix("bench", "-t", "o200k_base", "-i", text.toString(),
                "--peers", "tiktokenx");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("unknown peer"), bad.err());
    }
}
