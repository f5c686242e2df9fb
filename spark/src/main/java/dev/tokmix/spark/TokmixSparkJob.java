package dev.tokmix.spark;

import dev.tokmix.core.TokenDtype;
import dev.tokmix.core.TokenShardReader;
import dev.tokmix.core.TokmixException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code spark-submit} entry point:
 *
 * <pre>
 * spark-submit --class dev.tokmix.spark.TokmixSparkJob tokmix-spark.jar shard \
 *     --input 's3a://bucket/corpus/*.jsonl' --text-field text --tokenizer o200k_base \
 *     --output /shared/shards/corpus --format megatron --append-eod [--partitions N] [--parquet]
 * spark-submit --class dev.tokmix.spark.TokmixSparkJob tokmix-spark.jar count \
 *     --input /data/cats/en/ --tokenizer tokenizer.json --output en.tkpc [--blocks 64]
 * </pre>
 *
 * {@code --parquet} reads a Parquet dataset's {@code --text-field} column instead of JSON Lines.
 */
public final class TokmixSparkJob {
    private TokmixSparkJob() {
    }

    /**
     * Runs a job.
     *
     * @param args {@code shard|count} and options
     */
    public static void main(String[] args) {
        if (args.length == 0 || !(args[0].equals("shard") || args[0].equals("count")
                || args[0].equals("compare"))) {
            System.err.println("usage: TokmixSparkJob shard|count|compare --input PATH --tokenizer SPEC"
                    + " --output PATH ...");
            System.exit(2);
        }
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new TokmixException("unexpected argument " + a + "\n  remedy: options are --name value");
            }
            boolean flag = a.equals("--append-eod") || a.equals("--parquet");
            o.put(a.substring(2), flag ? "true" : args[++i]);
        }
        if (args[0].equals("compare")) {
            SparkThroughput.compare(require(o, "input"), require(o, "tokenizer"), Path.of(require(o, "output")),
                    Integer.parseInt(o.getOrDefault("threads", "2")), Integer.parseInt(o.getOrDefault("runs", "3")));
            return;
        }
        SparkSession spark = SparkSession.builder().appName("tokmix " + args[0]).getOrCreate();
        try {
            String field = o.getOrDefault("text-field", "text");
            Dataset<String> docs = o.containsKey("parquet")
                    ? spark.read().parquet(require(o, "input")).select(field).as(org.apache.spark.sql.Encoders.STRING())
                    : TokmixSpark.jsonlDocuments(spark, require(o, "input"), field, args[0].equals("count"));
            if (o.containsKey("partitions")) {
                // Coalesce keeps the order of the input; repartition would shuffle it.
                docs = docs.coalesce(Integer.parseInt(o.get("partitions")));
            }
            if (args[0].equals("shard")) {
                TokmixSpark.ShardResult r = TokmixSpark.writeShards(docs, require(o, "tokenizer"),
                        Path.of(require(o, "output")),
                        TokenShardReader.Format.parse(o.getOrDefault("format", "megatron")),
                        o.containsKey("dtype") ? TokenDtype.parse(o.get("dtype")) : null, o.containsKey("append-eod"));
                System.out.printf("wrote %d shards, %,d documents, %,d tokens; manifest %s%n", r.parts().size(),
                        r.documents(), r.tokens(), r.manifest());
            } else {
                long n = TokmixSpark.countPretokens(docs, require(o, "tokenizer"),
                        Integer.parseInt(o.getOrDefault("blocks", "64")), Path.of(require(o, "output")));
                System.out.printf("counted %,d documents into %s%n", n, o.get("output"));
            }
        } finally {
            spark.stop();
        }
    }

    private static String require(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new TokmixException("--" + key + " is required");
        }
        return v;
    }
}
