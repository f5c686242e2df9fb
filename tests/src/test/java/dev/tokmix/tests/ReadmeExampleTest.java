package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokmix.bpe.BatchEncoder;
import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.MixtureConfig;
import dev.tokmix.core.MixtureSampler;
import dev.tokmix.core.SampleBuffer;
import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.core.TokenShardWriter;
import dev.tokmix.cuda.CudaBatchEncoder;
import dev.tokmix.cuda.CudaEncoderProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Holds the README's library example: the same lines, and the ids its comments promise. */
class ReadmeExampleTest {
    @Test
    void readmeLibraryExampleGivesTheIdsItShows() {
        Tokenizer o200k = Tokenizer.load("o200k_base");
        int[] ids = o200k.encodeOrdinary("hello world");
        byte[] utf8 = o200k.decode(ids);
        long n = o200k.countTokens("hello world", SpecialTokenPolicy.ordinary());

        TokenBuffer sink = new TokenBuffer();
        o200k.encode("<|endoftext|>", SpecialTokenPolicy.all(), sink);
        MergeList merges = o200k.merges();

        assertArrayEquals(new int[] {24912, 2375}, ids);
        assertEquals("hello world", new String(utf8, StandardCharsets.UTF_8));
        assertEquals(2, n);
        assertArrayEquals(new int[] {199999}, sink.toArray());
        assertEquals(199_742, merges.size());
    }

    @Test
    void readmeCudaExampleGivesTheIdsItShowsOnEitherDevice() {
        Tokenizer o200k = Tokenizer.load("o200k_base");
        CudaEncoderProvider cuda = CudaEncoderProvider.get();   // probes the driver once, logs one line
        byte[][] docs = {"hello world".getBytes(StandardCharsets.UTF_8), "naïve café".getBytes(StandardCharsets.UTF_8)};
        TokenBuffer[] out = {new TokenBuffer(), new TokenBuffer()};
        if (cuda.available()) {
            try (CudaBatchEncoder batch = cuda.open(o200k, SpecialTokenPolicy.ordinary())) {
                batch.encode(docs, out);                        // out[0]: [24912, 2375], as on the CPU
            }
        } else {
            try (BatchEncoder batch = new BatchEncoder(o200k, SpecialTokenPolicy.ordinary(), 4)) {
                batch.encode(docs, out);
            }
        }

        assertArrayEquals(new int[] {24912, 2375}, out[0].toArray());
        assertArrayEquals(o200k.encodeOrdinary("naïve café"), out[1].toArray());
    }

    @Test
    void readmeShardExampleWritesAndReadsTheIdsItShows(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        int[] doc;
        short second;
        try (TokenShardWriter w = TokenShardWriter.create(TokenShardReader.Format.MEGATRON, out.resolve("corpus"),
                TokenDtype.UINT16, 50257)) {
            w.writeDocument(new int[] {15496, 995, 50256}, 0, 3);
            w.commit();
        }
        try (TokenShardReader r = TokenShardReader.open(out.resolve("corpus.idx"))) {
            doc = r.document(0);
            MemorySegment raw = Arena.ofAuto().allocate(2 * r.tokenCount());
            r.copyRawTokens(0, r.tokenCount(), raw, 0);
            second = raw.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2);
        }
        int[] hello = Tokenizer.load("r50k_base").encodeOrdinary("Hello world");
        assertArrayEquals(new int[] {hello[0], hello[1], 50256}, doc);
        assertArrayEquals(new int[] {15496, 995}, hello);
        assertEquals(995, second);
    }

    @Test
    void readmeSamplerExampleRunsAndResumes(@TempDir Path tmp) throws Exception {
        for (String name : new String[] {"web", "code"}) {
            try (TokenShardWriter w = TokenShardWriter.create(TokenShardReader.Format.MEGATRON, tmp.resolve(name),
                    TokenDtype.UINT16, 50257)) {
                for (int d = 0; d < 50; d++) {
                    int[] doc = new int[100 + d];
                    java.util.Arrays.fill(doc, name.length() * 100 + d);
                    w.writeDocument(doc, 0, doc.length);
                }
                w.commit();
            }
        }
        java.nio.file.Files.writeString(tmp.resolve("mix.json"), "{\"seq_len\": 64, \"seed\": 1, \"domains\": ["
                + "{\"name\": \"web\", \"shards\": [\"web.idx\"], \"weight\": 0.7},"
                + "{\"name\": \"code\", \"shards\": [\"code\"], \"weight\": 0.3}]}");
        int samples = 0;
        String checkpoint;
        MixtureConfig config = MixtureConfig.load(tmp.resolve("mix.json"));
        try (MixtureSampler sampler = MixtureSampler.open(config, MixtureSampler.Placement.single())) {
            SampleBuffer sample = new SampleBuffer(config.seqLen(), true);
            while (samples < 100 && sampler.next(sample)) {
                assertEquals(65, sample.tokens.length);
                samples++;
            }
            checkpoint = sampler.state();
            assertEquals(70, sampler.stats().get(0).drawn());
        }
        try (MixtureSampler resumed = MixtureSampler.open(config, MixtureSampler.Placement.single())) {
            resumed.restore(checkpoint, "checkpoint", false);
            assertEquals(100, resumed.position());
        }
    }
}
