package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.cli.TokmixCommand;
import dev.tokmix.core.DocumentMix;
import dev.tokmix.core.TextDocuments;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokmix train --mix}: realised byte shares within one document of the target per category, a category
 * too small repeated, the sidecar's numbers, and the same seed giving the same tokenizer file byte for byte.
 */
class TrainMixTest {
    @TempDir
    Path tmp;

    private static final String[][] MIX = {
        {"en", "text/prose/en.txt", "0.45"},
        {"python", "text/code/python.txt", "0.3"},
        {"zh", "text/prose/zh.txt", "0.2"},
        {"am", "text/prose/am.txt", "0.05"},
    };
    private static final long TOTAL = 4_000_000;

    private static synchronized int train(Path out, long seed) {
        java.util.List<String> args = new java.util.ArrayList<>(List.of("train", "--total-bytes", Long.toString(TOTAL),
                "--seed", Long.toString(seed), "--vocab-size", "1200", "--pretokenizer", "digits+gpt2",
                "--split", "paragraph", "--special", "<|endoftext|>", "--output", out.toString()));
        for (String[] c : MIX) {
            args.add("--mix");
            args.add(c[0] + "=" + TestData.require(c[1]) + ":" + c[2]);
        }
        StringWriter err = new StringWriter();
        int status = TokmixCommand.execute(args.toArray(new String[0]), new PrintWriter(err, true));
        assertEquals(0, status, err.toString());
        return status;
    }

    private static long field(String json, String category, String name) {
        Matcher m = Pattern.compile("\"name\": \"" + category + "\".*?\"" + name + "\": (\\d+)").matcher(json);
        assertTrue(m.find(), name + " of " + category + " in " + json);
        return Long.parseLong(m.group(1));
    }

    @Test
    void realisesByteSharesWithinOneDocumentAndRepeatsSmallCategories() throws IOException {
        Path out = tmp.resolve("mix.json");
        train(out, 11);
        String report = Files.readString(tmp.resolve("mix.json.mix.json"));
        long sum = 0;
        for (String[] c : MIX) {
            long target = field(report, c[0], "target_bytes");
            long realised = field(report, c[0], "realised_bytes");
            long[] largest = {0};
            new TextDocuments(List.of(TestData.require(c[1])), TextDocuments.Split.PARAGRAPH, "text")
                    .forEach((text, index) -> largest[0] = Math.max(largest[0], DocumentMix.utf8Length(text)));
            assertEquals(Math.round(TOTAL * Double.parseDouble(c[2])), target, c[0] + " target");
            assertTrue(Math.abs(realised - target) <= largest[0], c[0] + ": realised " + realised + " vs target "
                    + target + ", largest document " + largest[0]);
            sum += realised;
            System.out.printf("TrainMixTest: %-6s target %,9d realised %,9d (largest document %,d bytes)%n", c[0],
                    target, realised, largest[0]);
        }
        assertEquals(sum, Long.parseLong(report.replaceAll("(?s).*?\"realised_bytes\": (\\d+).*", "$1")));
        assertTrue(field(report, "am", "full_passes") >= 10, "am.txt is ~16 KB and must repeat: " + report);
        assertEquals(0, field(report, "python", "full_passes"), "python.txt (3 MB) is larger than its share");
    }

    @Test
    void sameSeedGivesTheSameFileAndAnotherSeedOtherDraws() throws IOException {
        Path a = tmp.resolve("a.json");
        Path b = tmp.resolve("b.json");
        Path c = tmp.resolve("c.json");
        train(a, 3);
        train(b, 3);
        train(c, 4);
        assertEquals(-1L, Files.mismatch(a, b), "same seed, same tokenizer.json");
        assertEquals(-1L, Files.mismatch(tmp.resolve("a.json.mix.json"), tmp.resolve("b.json.mix.json")));
        assertNotEquals(Files.readString(tmp.resolve("a.json.mix.json")).replace("\"seed\": 3", ""),
                Files.readString(tmp.resolve("c.json.mix.json")).replace("\"seed\": 4", ""),
                "another seed draws other documents");
    }
}
