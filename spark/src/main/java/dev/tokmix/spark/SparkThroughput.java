package dev.tokmix.spark;

import dev.tokmix.bpe.ShardPipeline;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.core.CorpusReader;
import dev.tokmix.core.TokenShardReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * {@code TokmixSparkJob compare}: the same JSON Lines file sharded by {@code tokmix shard} (ShardPipeline, N
 * threads) and by Spark in {@code local[N]}, alternately, after one warm-up run of each; prints each run and the
 * ratio of the best times. Spark's session start-up is not timed (a cluster job pays it once).
 */
final class SparkThroughput {
    private SparkThroughput() {
    }

    static void compare(String input, String spec, Path out, int threads, int runs) {
        long bytes;
        try {
            bytes = Files.size(Path.of(input));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("tokmix compare")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                // Partitions of 8 MB: several per core, so a slow partition does not leave a core idle.
                .config("spark.sql.files.maxPartitionBytes", String.valueOf(8 << 20)).getOrCreate();
        try {
            Tokenizer t = TokmixSpark.tokenizer(spec);
            double bestLocal = Double.MAX_VALUE;
            double bestSpark = Double.MAX_VALUE;
            for (int run = 0; run <= runs; run++) {
                clear(out);
                long t0 = System.nanoTime();
                ShardPipeline.Result r = new ShardPipeline(t, null, new ShardPipeline.Options(
                        TokenShardReader.Format.MEGATRON, null, true, -1, SpecialTokenPolicy.ordinary(), threads, 0,
                        true, null)).run(new CorpusReader(List.of(input), CorpusReader.Options.defaults()),
                        out.resolve("local"));
                double local = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                TokmixSpark.ShardResult s = TokmixSpark.writeShards(TokmixSpark.jsonlDocuments(spark, input, "text",
                        false), spec, out.resolve("spark"), TokenShardReader.Format.MEGATRON, null, true);
                double sp = (System.nanoTime() - t1) / 1e9;
                if (r.tokens() != s.tokens()) {
                    throw new IllegalStateException("token counts differ: " + r.tokens() + " vs " + s.tokens());
                }
                System.out.printf("%s run %d: tokmix shard %.2f s (%.1f MB/s), spark local[%d] %.2f s (%.1f MB/s),"
                        + " %d partitions, %,d tokens%n", run == 0 ? "warm-up" : "measured", run, local,
                        bytes / 1e6 / local, threads, sp, bytes / 1e6 / sp, s.parts().size(), s.tokens());
                if (run > 0) {
                    bestLocal = Math.min(bestLocal, local);
                    bestSpark = Math.min(bestSpark, sp);
                }
            }
            System.out.printf("best: tokmix shard %.1f MB/s, spark local[%d] %.1f MB/s: spark/tokmix = %.2f%n",
                    bytes / 1e6 / bestLocal, threads, bytes / 1e6 / bestSpark, bestLocal / bestSpark);
        } finally {
            spark.stop();
            clear(out);
        }
    }

    private static void clear(Path out) {
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> s = Files.walk(out)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
