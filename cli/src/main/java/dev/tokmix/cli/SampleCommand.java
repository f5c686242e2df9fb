package dev.tokmix.cli;

import dev.tokmix.core.JsonStrings;
import dev.tokmix.core.MixtureConfig;
import dev.tokmix.core.MixtureSampler;
import dev.tokmix.core.NpyFormat;
import dev.tokmix.core.SampleBuffer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tokmix sample}: draw training samples from a mixture configuration. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Draw fixed-length samples from a weighted mixture of token-shard domains (see README,"
                + " \"Mixture sampler\"): deterministic exact proportions or stochastic draws, schedules,"
                + " epoch caps, resumable with --state.",
                "Steps are global batches: each step gives this rank micro_batch samples."})
final class SampleCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "MIX.json", description = "The mixture.")
    Path config;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "Global steps to draw.")
    long steps;

    @Option(names = "--rank", defaultValue = "0", paramLabel = "R", description = "This rank (default 0).")
    int rank;

    @Option(names = "--world", defaultValue = "1", paramLabel = "W", description = "Data-parallel ranks.")
    int world;

    @Option(names = "--state", paramLabel = "FILE",
            description = "Resume from this checkpoint if it exists; write the new one there at the end.")
    Path state;

    @Option(names = "--migrate", description = "Resume a state written under another configuration: domains are"
            + " matched by name and continue from their counters.")
    boolean migrate;

    @Option(names = "--out", paramLabel = "FILE.npy",
            description = "Write the samples as an int32 array (samples x (seq_len + 1)).")
    Path out;

    @Option(names = "--stats", description = "Print per-domain statistics (target vs achieved, epochs).")
    boolean stats;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        MixtureConfig c = MixtureConfig.load(config);
        try (MixtureSampler s = MixtureSampler.open(c, new MixtureSampler.Placement(rank, world, 0, 1))) {
            if (state != null && Files.exists(state)) {
                s.restore(Files.readString(state), state.toString(), migrate);
            }
            long want = Math.multiplyExact(steps, (long) c.microBatch());
            if (out != null && want * (c.seqLen() + 1L) > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("--out holds at most " + (Integer.MAX_VALUE - 8) / (c.seqLen() + 1)
                        + " samples in memory; lower --steps");
            }
            int[] rows = out == null ? null : new int[(int) (want * (c.seqLen() + 1))];
            SampleBuffer b = new SampleBuffer(c.seqLen(), false);
            Progress progress = want >= 100_000 ? new Progress(System.err, "sample", want, "samples") : null;
            long t0 = System.nanoTime();
            long got = 0;
            long first = s.position();
            while (got < want && s.next(b)) {
                if (rows != null) {
                    System.arraycopy(b.tokens, 0, rows, (int) (got * (c.seqLen() + 1)), c.seqLen() + 1);
                }
                got++;
                if (progress != null && (got & 4095) == 0) {
                    progress.advance(4096, 0);
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (out != null) {
                NpyFormat.writeInt32Matrix(out, rows, (int) got, c.seqLen() + 1);
            }
            if (state != null) {
                s.saveState(state);
            }
            print(s, got, first, secs);
        }
        return 0;
    }

    private void print(MixtureSampler s, long got, long first, double secs) {
        PrintStream o = System.out;
        if (json) {
            StringBuilder sb = new StringBuilder("{\"samples\":").append(got);
            sb.append(",\"first_position\":").append(first).append(",\"next_position\":").append(s.position());
            sb.append(",\"ended\":").append(s.ended()).append(",\"seconds\":").append(String.format("%.3f", secs));
            sb.append(",\"domains\":[");
            boolean firstRow = true;
            for (MixtureSampler.DomainStats d : s.stats()) {
                sb.append(firstRow ? "" : ",").append("{\"name\":");
                JsonStrings.quote(d.name(), sb);
                sb.append(",\"drawn\":").append(d.drawn()).append(",\"served\":").append(d.served())
                        .append(",\"tokens_served\":").append(d.tokensServed()).append(",\"target\":")
                        .append(d.target()).append(",\"achieved\":").append(d.achieved()).append(",\"weight\":")
                        .append(d.weight()).append(",\"epoch\":").append(d.epoch()).append(",\"repeats\":")
                        .append(d.repeats()).append('}');
                firstRow = false;
            }
            o.println(sb.append("]}"));
            return;
        }
        o.printf("%,d samples (positions %,d to %,d of the global stream)%s in %.2f s%n", got, first,
                s.position(), s.ended() ? ", stream ended" : "", secs);
        if (stats) {
            o.printf("%-20s %12s %12s %10s %10s %8s %6s %10s%n", "domain", "drawn", "served", "target",
                    "achieved", "weight", "epoch", "repeats");
            for (MixtureSampler.DomainStats d : s.stats()) {
                o.printf("%-20s %,12d %,12d %9.5f%% %9.5f%% %8.5f %6d %,10d%n", d.name(), d.drawn(), d.served(),
                        100 * d.target(), 100 * d.achieved(), d.weight(), d.epoch(), d.repeats());
            }
        }
        if (out != null) {
            o.printf("samples: %s%n", out);
        }
        if (state != null) {
            o.printf("state: %s%n", state);
        }
    }
}
