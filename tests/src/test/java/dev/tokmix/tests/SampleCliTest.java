package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokmix sample} as a user runs it: shards made by {@code tokmix shard} from real prose and code, a mixture
 * configuration, statistics, and a run cut in two by {@code --state} giving the rows of one uninterrupted run.
 */
class SampleCliTest {
    @TempDir
    Path dir;

    static byte[] rows(Path npy) throws Exception {
        byte[] all = Files.readAllBytes(npy);
        int header = 10 + (ByteBuffer.wrap(all, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF);
        return Arrays.copyOfRange(all, header, all.length);
    }

    @Test
    void sampleGivesExactSharesAndAResumedRunEqualsOneRun() throws Exception {
        Path text = TestData.directory().resolve("text");
        for (String[] d : new String[][] {{"prose", "prose/en.txt"}, {"code", "code/python.txt"}}) {
            ShardPipelineTest.Run r = ShardPipelineTest.tokmix("shard", "-t", "r50k_base", "-i",
                    text.resolve(d[1]).toString(), "--split", "paragraph", "--append-eod", "-o",
                    dir.resolve(d[0]).toString());
            assertEquals(0, r.status(), r.err());
        }
        Path config = dir.resolve("mix.json");
        Files.writeString(config, "{\"seq_len\": 256, \"seed\": 7, \"eod_id\": 50256, \"micro_batch\": 2,"
                + " \"domains\": [{\"name\": \"prose\", \"shards\": [\"prose.idx\"], \"weight\": 0.7},"
                + " {\"name\": \"code\", \"shards\": [\"code\"], \"weight\": 0.3}]}");
        ShardPipelineTest.Run stats = ShardPipelineTest.tokmix("sample", "--config", config.toString(), "--steps",
                "500", "--json");
        assertEquals(0, stats.status(), stats.err());
        assertTrue(stats.out().contains("\"samples\":1000") && stats.out().contains("\"drawn\":700")
                && stats.out().contains("\"drawn\":300"), stats.out());

        Path whole = dir.resolve("whole.npy");
        assertEquals(0, ShardPipelineTest.tokmix("sample", "-c", config.toString(), "--steps", "40", "--out",
                whole.toString()).status());
        Path state = dir.resolve("state.json");
        Path first = dir.resolve("first.npy");
        Path second = dir.resolve("second.npy");
        assertEquals(0, ShardPipelineTest.tokmix("sample", "-c", config.toString(), "--steps", "15", "--state",
                state.toString(), "--out", first.toString()).status());
        ShardPipelineTest.Run resumed = ShardPipelineTest.tokmix("sample", "-c", config.toString(), "--steps", "25",
                "--state", state.toString(), "--out", second.toString(), "--stats");
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(resumed.out().contains("positions 30 to 80"), resumed.out());
        byte[] a = rows(first);
        byte[] b = rows(second);
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        assertArrayEquals(rows(whole), joined);
        assertEquals(80 * 257 * 4, joined.length);

        ShardPipelineTest.Run bad = ShardPipelineTest.tokmix("sample", "-c", config.toString(), "--steps", "1",
                "--rank", "2", "--world", "2");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("remedy"), bad.err());
    }
}
