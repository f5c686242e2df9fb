package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.tokmix.cli.TokmixCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The "tried as a new user would" checks, through the CLI's own entry point. */
class NewUserCliTest {

    private static synchronized String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int status = TokmixCommand.execute(args, new PrintWriter(err, true));
            assertEquals(0, status, () -> "tokmix " + String.join(" ", args) + " failed: " + err);
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void encodingTheReadmeWithO200kGivesJtokkitsIds() throws Exception {
        Path readme = TestData.directory().getParent().resolve("README.md");
        String ours = run("encode", "--tokenizer", "o200k_base", "--input", readme.toString());
        IntArrayList ref = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE)
                .encodeOrdinary(Files.readString(readme));
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < ref.size(); i++) {
            expected.append(i == 0 ? "" : " ").append(ref.get(i));
        }
        assertTrue(ref.size() > 1000, "README too short to be a meaningful check");
        assertEquals(expected.append('\n').toString(), ours);
    }

    @Test
    void infoOnLlama3ReportsItsMergeLinesAndBaseVocabulary() {
        String json = run("info", "--tokenizer", TestData.hfTokenizerFile("llama3").toString(), "--json");
        assertTrue(json.contains("\"merges\":280147"), json);
        assertTrue(json.contains("\"vocabulary_size\":128000"), json);
    }
}
