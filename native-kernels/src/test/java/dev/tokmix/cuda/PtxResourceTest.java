package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The committed PTX belongs to the committed .cu, declares ISA 8.0, and the .cu's constants are the Java ones. */
class PtxResourceTest {
    static final Path SOURCE = Path.of("src/main/cuda/bpe_merge.cu");

    static String resource(String name) throws IOException {
        try (InputStream in = CudaDriverBackend.class.getResourceAsStream(name)) {
            assertNotNull(in, "resource dev/tokmix/cuda/" + name + " is missing; run `make ptx`");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void ptxWasBuiltFromTheCommittedSource() throws Exception {
        Properties p = new Properties();
        p.load(new java.io.StringReader(resource("bpe_merge.ptx.properties")));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(SOURCE)));
        assertEquals(sha, p.getProperty("source.sha256"), "the PTX resources are stale: " + SOURCE
                + " changed since they were built; run `make ptx` (needs nvcc) and commit the result");
        assertEquals("8.0", p.getProperty("ptx.isa"));
    }

    @Test
    void ptxDeclaresIsa80ForItsTargetWithBothKernels() throws Exception {
        for (String target : new String[] {"sm_90", "sm_75"}) {
            String ptx = resource("bpe_merge." + target + ".ptx");
            assertTrue(ptx.contains("\n.version 8.0\n"), target + ": PTX ISA must be 8.0 (drivers from CUDA 12.0)");
            assertTrue(ptx.contains("\n.target " + target + "\n"), target);
            assertTrue(ptx.contains("\n.address_size 64\n"), target);
            assertEquals(11, parameters(ptx, "bpe_merge_short"), target + ": bpe_merge_short's parameters");
            assertEquals(13, parameters(ptx, "bpe_merge_long"), target + ": bpe_merge_long's parameters");
        }
        assertEquals("bpe_merge.sm_90.ptx", CudaDriverBackend.ptxResource(90));
        assertEquals("bpe_merge.sm_90.ptx", CudaDriverBackend.ptxResource(100));
        assertEquals("bpe_merge.sm_75.ptx", CudaDriverBackend.ptxResource(80));
    }

    static int parameters(String ptx, String kernel) {
        Matcher m = Pattern.compile("\\.visible \\.entry " + kernel + "\\((.*?)\\)", Pattern.DOTALL).matcher(ptx);
        assertTrue(m.find(), "entry " + kernel + " not found");
        return m.group(1).split(",").length;
    }

    @Test
    void cudaConstantsAreTheFormatsConstants() throws Exception {
        Map<String, String> defines = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define (\\w+) (.+)$").matcher(Files.readString(SOURCE));
        while (m.find()) {
            defines.put(m.group(1), m.group(2).trim());
        }
        assertEquals(PieceBatchFormat.NO_RANK, Integer.decode(defines.get("NO_RANK")));
        assertEquals(PieceBatchFormat.EMPTY_KEY, Long.parseUnsignedLong(defines.get("EMPTY_KEY").replace("0x", "")
                .replace("ULL", ""), 16));
        assertEquals(PieceBatchFormat.HASH_MULTIPLIER, Long.parseUnsignedLong(defines.get("HASH_MULTIPLIER")
                .replace("0x", "").replace("ULL", ""), 16));
        assertEquals(PieceBatchFormat.SHORT_MAX_BYTES, Integer.parseInt(defines.get("SHORT_MAX_BYTES")));
        assertEquals(PieceBatchFormat.MAX_LONG_THREADS, Integer.parseInt(defines.get("MAX_LONG_THREADS")));
        assertEquals(PieceBatchFormat.RECOMPUTE, Integer.parseInt(defines.get("RECOMPUTE").replaceAll("[()]", "")));
        assertEquals(PieceBatchFormat.BAD_BYTE_COUNT,
                Integer.parseInt(defines.get("BAD_BYTE_COUNT").replaceAll("[()]", "")));
        assertEquals(PieceBatchFormat.STALLED_COUNT,
                Integer.parseInt(defines.get("STALLED_COUNT").replaceAll("[()]", "")));
        assertTrue(PieceBatchFormat.LONG_THREADS <= PieceBatchFormat.MAX_LONG_THREADS
                && Integer.bitCount(PieceBatchFormat.LONG_THREADS) == 1);
    }
}
