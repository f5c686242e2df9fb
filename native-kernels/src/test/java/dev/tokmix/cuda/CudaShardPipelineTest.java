package dev.tokmix.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokmix.bpe.ShardPipeline;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.CorpusReader;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.core.TokenShardReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokmix shard} with the CUDA encoder (its twin here) writes the CPU pipeline's shards byte for byte. */
class CudaShardPipelineTest {
    @TempDir
    Path dir;

    @Test
    void shardsAreIdenticalWithTheCudaEncoderAsTheEncodeStep() throws IOException {
        Tokenizer t = TestCorpus.tokenizer("o200k_base");
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (byte[] d : KernelModelParityTest.proseAndCode(3_000, 8_000)) {
            sb.append(new String(d, java.nio.charset.StandardCharsets.UTF_8).replace('\n', ' ')).append('\n');
        }
        sb.append('\n').append("a".repeat(70_000)).append('\n');
        Files.writeString(corpus, sb);
        for (TokenShardReader.Format format : new TokenShardReader.Format[] {TokenShardReader.Format.MEGATRON,
                TokenShardReader.Format.LLMC}) {
            ShardPipeline.Options o = new ShardPipeline.Options(format, null, true, -1,
                    SpecialTokenPolicy.ordinary(), 2, 0, true, null);
            Path cpu = dir.resolve("cpu-" + format);
            Path cuda = dir.resolve("cuda-" + format);
            new ShardPipeline(t, null, o).run(reader(corpus), cpu);
            ShardPipeline.Result r;
            try (CudaBatchEncoder enc = CudaBatchEncoder.withKernelModel(t, SpecialTokenPolicy.ordinary(),
                    new CudaBatchEncoder.Options(1, 8 << 20, 0, 2), PieceBatchFormat.LONG_THREADS, false,
                    PieceBatchFormat.SHORT_MAX_BYTES)) {
                r = new ShardPipeline(t, null, o, enc).run(reader(corpus), cuda);
                System.out.printf("[shard] %s: %d documents, %d tokens; deferred %d pieces%n", format,
                        r.documents(), r.tokens(), enc.counters()[2]);
            }
            List<Path> files = r.shards().get(0).files();
            for (Path f : files) {
                Path twin = cpu.resolveSibling(f.getFileName().toString().replace("cuda-", "cpu-"));
                assertArrayEquals(Files.readAllBytes(twin), Files.readAllBytes(f), f.getFileName().toString());
            }
            assertEquals(new String(Files.readAllBytes(ShardPipeline.manifestFile(cpu))).replace("cpu-", "X"),
                    new String(Files.readAllBytes(ShardPipeline.manifestFile(cuda))).replace("cuda-", "X"),
                    "manifests differ beyond names");
        }
    }

    static CorpusReader reader(Path corpus) {
        return new CorpusReader(List.of(corpus.toString()), new CorpusReader.Options(TextDocuments.Split.LINE,
                "text", CorpusReader.BadRecordPolicy.FAIL));
    }
}
