package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The sampler's contracts as properties over random mixtures (weights, blend mode, micro-batch, schedule, cut
 * points): every domain within one sample of its target at every prefix, also across weight changes; resume at any
 * point equals the uninterrupted stream; the ranks' streams partition the single-rank stream for W = 1, 2, 3, 8;
 * within a domain epoch every document appears at most once (and all but the dropped tail do appear).
 */
class MixtureSamplerPropertiesTest {
    private static final Path DIR = fixtures();

    /** Three domains of 150, 40 and 7 documents (1–200 tokens), tokens = domain·10^7 + document·1000 + offset. */
    private static Path fixtures() {
        try {
            Path dir = Files.createTempDirectory("tokmix-sampler-props");
            dir.toFile().deleteOnExit();
            SplittableRandom r = new SplittableRandom(9);
            int[] docs = {150, 40, 7};
            for (int d = 0; d < docs.length; d++) {
                try (TokenShardWriter w = TokenShardWriter.create(TokenShardReader.Format.MEGATRON,
                        dir.resolve("p" + d), TokenDtype.INT32, 0)) {
                    for (int i = 0; i < docs[d]; i++) {
                        int len = 1 + r.nextInt(200);
                        int[] t = new int[len];
                        for (int j = 0; j < len; j++) {
                            t[j] = d * 10_000_000 + i * 1000 + j;
                        }
                        w.writeDocument(t, 0, len);
                    }
                    w.commit();
                }
                for (String ext : new String[] {".bin", ".idx"}) {
                    dir.resolve("p" + d + ext).toFile().deleteOnExit();
                }
            }
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static MixtureConfig config(double[] w, boolean stochastic, int micro, long changeAt, double[] w2) {
        StringBuilder sb = new StringBuilder("{\"seq_len\":32,\"seed\":5,\"micro_batch\":").append(micro);
        sb.append(",\"blend\":\"").append(stochastic ? "stochastic" : "deterministic").append('"');
        if (w2 != null) {
            sb.append(",\"schedule\":[{\"position\":").append(changeAt).append(",\"weights\":{");
            for (int d = 0; d < w2.length; d++) {
                sb.append(d == 0 ? "" : ",").append("\"p").append(d).append("\":").append(w2[d]);
            }
            sb.append("}}]");
        }
        sb.append(",\"domains\":[");
        for (int d = 0; d < w.length; d++) {
            sb.append(d == 0 ? "" : ",").append("{\"name\":\"p").append(d).append("\",\"shards\":[\"p").append(d)
                    .append(".idx\"],\"weight\":").append(w[d]).append('}');
        }
        return MixtureConfig.parse(sb.append("]}").toString(), DIR, "props.json");
    }

    static List<long[]> draw(MixtureSampler s, int n) {
        List<long[]> out = new ArrayList<>();
        SampleBuffer b = new SampleBuffer(32, false);
        for (int i = 0; i < n && s.next(b); i++) {
            long h = 1;
            for (int t : b.tokens) {
                h = h * 1_000_003 + t;
            }
            out.add(new long[] {b.position, b.domain, b.domainSample, h});
        }
        return out;
    }

    static double[] positive(double[] w) {
        double[] out = w.clone();
        if (out[0] + out[1] + out[2] == 0) {
            out[0] = 1;
        }
        return out;
    }

    @Property(tries = 40)
    void everyDomainStaysWithinOneSampleOfItsTargetAtEveryPrefix(
            @ForAll @Size(3) List<@DoubleRange(min = 0, max = 10) Double> weights,
            @ForAll @Size(3) List<@DoubleRange(min = 0, max = 10) Double> later,
            @ForAll @IntRange(min = 1, max = 1500) int changeAt) {
        double[] w = positive(weights.stream().mapToDouble(Double::doubleValue).toArray());
        double[] w2 = positive(later.stream().mapToDouble(Double::doubleValue).toArray());
        try (MixtureSampler s = MixtureSampler.open(config(w, false, 1, changeAt, w2),
                MixtureSampler.Placement.single())) {
            SampleBuffer b = new SampleBuffer(32, false);
            for (int i = 0; i < 2000; i++) {
                assertTrue(s.next(b));
                for (MixtureSampler.DomainStats st : s.stats()) {
                    double dev = Math.abs(st.drawn() - st.target() * s.position());
                    assertTrue(dev < 1, "position " + s.position() + ": " + st + " deviates by " + dev);
                }
            }
        }
    }

    @Property(tries = 30)
    void resumingAtARandomPointEqualsTheUninterruptedStream(
            @ForAll @Size(3) List<@DoubleRange(min = 0.01, max = 5) Double> weights,
            @ForAll boolean stochastic, @ForAll @IntRange(min = 0, max = 600) int cut,
            @ForAll @IntRange(min = 1, max = 600) int changeAt) {
        double[] w = weights.stream().mapToDouble(Double::doubleValue).toArray();
        MixtureConfig c = config(w, stochastic, 1, changeAt, new double[] {w[2], w[0], w[1]});
        List<long[]> whole;
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            whole = draw(s, 600);
        }
        List<long[]> resumed;
        String state;
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            resumed = draw(s, cut);
            state = s.state();
        }
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            s.restore(state, "state", false);
            resumed.addAll(draw(s, 600 - cut));
        }
        assertEquals(whole.size(), resumed.size());
        for (int i = 0; i < whole.size(); i++) {
            assertArrayEquals(whole.get(i), resumed.get(i), "sample " + i);
        }
    }

    @Property(tries = 15)
    void theRanksStreamsPartitionTheSingleRankStream(
            @ForAll @Size(3) List<@DoubleRange(min = 0.01, max = 5) Double> weights,
            @ForAll boolean stochastic, @ForAll @IntRange(min = 1, max = 5) int micro) {
        double[] w = weights.stream().mapToDouble(Double::doubleValue).toArray();
        MixtureConfig c = config(w, stochastic, micro, 0, null);
        int n = 24 * micro * 10;
        List<long[]> one;
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            one = draw(s, n);
        }
        for (int world : new int[] {1, 2, 3, 8}) {
            long[][] got = new long[n][];
            for (int rank = 0; rank < world; rank++) {
                try (MixtureSampler s = MixtureSampler.open(c, new MixtureSampler.Placement(rank, world, 0, 1))) {
                    for (long[] x : draw(s, n / world)) {
                        assertEquals(null, got[(int) x[0]], "position " + x[0] + " given twice");
                        got[(int) x[0]] = x;
                    }
                }
            }
            for (int p = 0; p < n; p++) {
                assertArrayEquals(one.get(p), got[p], "world " + world + ", position " + p);
            }
        }
    }

    @Property(tries = 20)
    void withinADomainEpochNoDocumentIsLostOrRepeated(@ForAll @IntRange(min = 0, max = 2) int domain,
                                                      @ForAll @IntRange(min = 0, max = 3) int epoch) {
        double[] w = new double[3];
        w[domain] = 1;
        try (MixtureSampler s = MixtureSampler.open(config(w, false, 1, 0, null),
                MixtureSampler.Placement.single())) {
            DomainSamples d = s.domains().get(domain);
            SampleBuffer b = new SampleBuffer(32, false);
            Set<Integer> seen = new HashSet<>();
            int prev = -1;
            for (long j = 0; j < d.samplesBefore(epoch + 1); j++) {
                assertTrue(s.next(b));
                if (b.epoch != epoch) {
                    continue;
                }
                for (int i = j == d.samplesBefore(epoch) ? 0 : 1; i < b.tokens.length; i++) {
                    int doc = b.tokens[i] % 10_000_000 / 1000;
                    if (doc != prev) {
                        assertTrue(seen.add(doc), "document " + doc + " twice in epoch " + epoch);
                        assertEquals(0, b.tokens[i] % 1000, "document " + doc + " starts mid-way");
                        prev = doc;
                    }
                }
            }
            // Only the tail of the epoch that does not fill a window (fewer than seq_len tokens) may be missing.
            long missing = 0;
            try (TokenShardReader r = TokenShardReader.open(DIR.resolve("p" + domain + ".idx"))) {
                for (int doc = 0; doc < r.documentCount(); doc++) {
                    if (!seen.contains(doc)) {
                        missing += r.documentLength(doc);
                    }
                }
            }
            assertTrue(missing < 32, missing + " tokens of unseen documents in epoch " + epoch);
        }
    }
}
