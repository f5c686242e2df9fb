package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mixture sampler end to end on small Megatron shards whose tokens say where they come from: token =
 * domain * 10,000,000 + document * 1,000 + offset in document (mod 1,000), so every sample can be traced back.
 */
class MixtureSamplerTest {
    @TempDir
    static Path dir;

    static final int[] DOCS = {400, 250, 60, 1};

    /** Domain d: DOCS[d] documents of 1..300 tokens over two shards; the last document of each ends in EOD 7. */
    @BeforeAll
    static void shards() {
        SplittableRandom r = new SplittableRandom(3);
        for (int d = 0; d < DOCS.length; d++) {
            int doc = 0;
            for (int shard = 0; shard < 2; shard++) {
                try (TokenShardWriter w = TokenShardWriter.create(TokenShardReader.Format.MEGATRON,
                        dir.resolve("d" + d + "_" + shard), TokenDtype.INT32, 0)) {
                    int n = shard == 0 ? DOCS[d] / 2 : DOCS[d] - DOCS[d] / 2;
                    for (int i = 0; i < n; i++, doc++) {
                        int len = d == 3 ? 5000 : 1 + r.nextInt(300);
                        int[] t = new int[len];
                        for (int j = 0; j < len; j++) {
                            t[j] = d * 10_000_000 + doc * 1000 + j % 1000;
                        }
                        w.writeDocument(t, 0, len);
                    }
                    w.commit();
                }
            }
        }
    }

    static String domain(int d, double weight, String extra) {
        return "{\"name\":\"d" + d + "\",\"shards\":[\"d" + d + "_*.idx\"],\"weight\":" + weight + extra + "}";
    }

    static MixtureConfig config(String top, String... domains) {
        String json = "{\"seq_len\":64,\"seed\":11" + top + ",\"domains\":[" + String.join(",", domains) + "]}";
        return MixtureConfig.parse(json, dir, "test.json");
    }

    static MixtureConfig three(String top) {
        return config(top, domain(0, 0.5, ""), domain(1, 0.3, ""), domain(2, 0.2, ""));
    }

    /** (position, domain, domain sample, tokens hash) of the next n samples. */
    static List<long[]> draw(MixtureSampler s, int n) {
        List<long[]> out = new ArrayList<>();
        SampleBuffer b = new SampleBuffer(s.config().seqLen(), true);
        for (int i = 0; i < n && s.next(b); i++) {
            long h = 17;
            for (int t : b.tokens) {
                h = h * 31 + t;
            }
            out.add(new long[] {b.position, b.domain, b.domainSample, h});
        }
        return out;
    }

    @Test
    void everyDomainStaysWithinOneSampleOfItsTargetAtEveryPrefixAcrossAScheduleChange() {
        MixtureConfig c = three(",\"schedule\":[{\"position\":3000,\"weights\":{\"d0\":0.1,\"d1\":0.1,"
                + "\"d2\":0.8}}]");
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            SampleBuffer b = new SampleBuffer(64, false);
            double worst = 0;
            for (int i = 0; i < 6000; i++) {
                assertTrue(s.next(b));
                for (MixtureSampler.DomainStats st : s.stats()) {
                    worst = Math.max(worst, Math.abs(st.drawn() - st.target() * s.position()));
                }
            }
            assertTrue(worst < 1, "largest deviation " + worst);
            assertEquals(2, s.weightLog().size());
            assertEquals(3000L, s.weightLog().get(1).getKey());
        }
    }

    @Test
    void resumingFromAStateAtAnyPointGivesTheUninterruptedStream() {
        for (String top : List.of("", ",\"blend\":\"stochastic\"",
                ",\"controller\":{\"type\":\"doremi\",\"update_every\":50,\"delay\":7}")) {
            MixtureConfig c = three(top);
            List<long[]> whole;
            try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
                whole = drawObserving(s, 900);
            }
            for (int cut : new int[] {0, 1, 49, 50, 57, 333, 899}) {
                String state;
                List<long[]> first;
                try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
                    first = drawObserving(s, cut);
                    state = s.state();
                }
                try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
                    s.restore(state, "state", false);
                    first.addAll(drawObserving(s, 900 - cut));
                }
                assertEquals(whole.size(), first.size());
                for (int i = 0; i < whole.size(); i++) {
                    assertArrayEquals(whole.get(i), first.get(i), top + " cut " + cut + " sample " + i);
                }
            }
        }
    }

    /** Draws, feeding a deterministic fake loss per sample (so the controller has something to react to). */
    static List<long[]> drawObserving(MixtureSampler s, int n) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<long[]> one = draw(s, 1);
            if (one.isEmpty()) {
                break;
            }
            long[] x = one.get(0);
            out.add(x);
            s.observe((int) x[1], (x[3] & 1023) / 100.0 + x[1], 64);
        }
        return out;
    }

    @Test
    void theUnionOfAllRanksStreamsIsTheSingleRankStream() {
        MixtureConfig c = three(",\"micro_batch\":3");
        List<long[]> one;
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            one = draw(s, 504);
        }
        for (int world : new int[] {1, 2, 3, 8}) {
            long[][] byPosition = new long[504][];
            for (int rank = 0; rank < world; rank++) {
                try (MixtureSampler s = MixtureSampler.open(c, new MixtureSampler.Placement(rank, world, 0, 1))) {
                    for (long[] x : draw(s, 504 / world)) {
                        assertTrue(((x[0] / 3) % world) == rank, "rank " + rank + " got position " + x[0]);
                        byPosition[(int) x[0]] = x;
                    }
                }
            }
            for (int p = 0; p < 504; p++) {
                assertArrayEquals(one.get(p), byPosition[p], "world " + world + " position " + p);
            }
        }
    }

    @Test
    void withinADomainEpochNoDocumentIsLostOrRepeated() {
        MixtureConfig c = config("", domain(0, 1.0, ""));
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            DomainSamples d = s.domains().get(0);
            long per = d.samplesPerEpoch();
            SampleBuffer b = new SampleBuffer(64, true);
            for (int epoch = 0; epoch < 2; epoch++) {
                List<Integer> stream = new ArrayList<>();
                for (long j = 0; j < per; j++) {
                    assertTrue(s.next(b));
                    assertEquals(epoch, b.epoch);
                    for (int i = j == 0 ? 0 : 1; i < b.tokens.length; i++) {
                        stream.add(b.tokens[i]);
                    }
                }
                // Documents appear whole and once each, in one order per epoch; the tail that does not fill a
                // sample is dropped, so at most the last document is cut.
                Set<Integer> seen = new HashSet<>();
                int prevDoc = -1;
                int expectOffset = 0;
                for (int t : stream) {
                    int doc = t % 10_000_000 / 1000;
                    if (doc != prevDoc) {
                        assertTrue(seen.add(doc), "document " + doc + " repeated in epoch " + epoch);
                        assertEquals(0, t % 1000, "document " + doc + " does not start at its beginning");
                        prevDoc = doc;
                        expectOffset = 0;
                    }
                    assertEquals(expectOffset++ % 1000, t % 1000);
                }
                assertTrue(seen.size() >= DOCS[0] - 3, "epoch " + epoch + " covered " + seen.size() + " documents");
            }
        }
    }

    @Test
    void aZeroWeightDomainIsNeverDrawnAndASmallDomainRepeatsOverEpochs() {
        MixtureConfig c = config("", domain(0, 0.0, ""), domain(1, 0.5, ""), domain(2, 0.5, ""));
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            List<long[]> got = draw(s, 3000);
            assertTrue(got.stream().noneMatch(x -> x[1] == 0));
            MixtureSampler.DomainStats small = s.stats().get(2);
            assertTrue(small.epoch() >= 3, "domain d2 (60 documents) should be in a later epoch: " + small);
            assertTrue(small.repeats() > 0);
        }
    }

    @Test
    void aSingleDomainAndTenThousandDomainsWork() {
        try (MixtureSampler s = MixtureSampler.open(config("", domain(1, 1.0, "")),
                MixtureSampler.Placement.single())) {
            assertEquals(100, draw(s, 100).size());
        }
        StringBuilder doms = new StringBuilder();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            list.add("{\"name\":\"x" + i + "\",\"shards\":[\"d" + (i % 3) + "_0.idx\"],\"weight\":" + (1 + i % 7)
                    + "}");
        }
        doms.append(String.join(",", list));
        MixtureConfig big = MixtureConfig.parse("{\"seq_len\":16,\"seed\":1,\"domains\":[" + doms + "]}", dir,
                "big.json");
        try (MixtureSampler s = MixtureSampler.open(big, MixtureSampler.Placement.single())) {
            SampleBuffer b = new SampleBuffer(16, false);
            for (int i = 0; i < 50_000; i++) {
                assertTrue(s.next(b));
            }
            for (MixtureSampler.DomainStats st : s.stats()) {
                assertTrue(Math.abs(st.drawn() - st.target() * s.position()) < 1, st.toString());
            }
        }
    }

    @Test
    void anEmptyDomainIsRefusedAndCapAndStopEndDomains() throws Exception {
        try (TokenShardWriter w = TokenShardWriter.create(TokenShardReader.Format.MEGATRON, dir.resolve("empty"),
                TokenDtype.INT32, 0)) {
            w.commit();
        }
        TokmixException e = assertThrows(TokmixException.class, () -> MixtureSampler.open(config("",
                domain(0, 1, ""), "{\"name\":\"empty\",\"shards\":[\"empty.idx\"]}"), MixtureSampler.Placement.single()));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("remedy"), e.getMessage());
        MixtureConfig cap = config("", domain(0, 0.5, ""), domain(2, 0.5, ",\"exhaustion\":\"cap\",\"max_epochs\":2"));
        try (MixtureSampler s = MixtureSampler.open(cap, MixtureSampler.Placement.single())) {
            List<long[]> got = draw(s, 4000);
            long small = got.stream().filter(x -> x[1] == 1).count();
            assertEquals(s.domains().get(1).samplesBefore(2), small, "capped at two epochs");
            assertEquals(0.0, s.weights()[1]);
        }
        MixtureConfig stop = config("", domain(0, 0.5, ""), domain(2, 0.5, ",\"exhaustion\":\"stop\""));
        try (MixtureSampler s = MixtureSampler.open(stop, MixtureSampler.Placement.single())) {
            List<long[]> got = draw(s, 100_000);
            assertTrue(s.ended());
            assertEquals(s.domains().get(1).samplesPerEpoch(), got.stream().filter(x -> x[1] == 1).count());
        }
    }

    @Test
    void lossMaskIsZeroAtEodAndNoCrossDocumentPackingKeepsDocumentsWhole() {
        MixtureConfig c = config(",\"packing\":\"no_cross_document\",\"pad_id\":9,\"eod_id\":20000000",
                domain(2, 1, ""));
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            SampleBuffer b = new SampleBuffer(64, true);
            for (int i = 0; i < 200; i++) {
                assertTrue(s.next(b));
                for (int seg = 0; seg < b.segmentCount; seg++) {
                    int from = b.cuSeqlens[seg];
                    int to = b.cuSeqlens[seg + 1];
                    if (b.documentIds[seg] < 0) {
                        for (int t = from; t < to; t++) {
                            assertEquals(9, b.tokens[t]);
                            assertEquals(0, b.lossMask[t]);
                        }
                    } else {
                        assertEquals(0, b.positionIds[from], "documents start whole");
                        assertEquals(2 * 10_000_000 + b.documentIds[seg] * 1000, b.tokens[from]);
                    }
                }
                for (int t = 0; t < b.tokens.length; t++) {
                    if (b.tokens[t] == 20_000_000) {
                        assertEquals(0, b.lossMask[t]);
                    }
                }
            }
        }
    }

    @Test
    void aStateFromAnotherConfigurationIsRefusedUnlessMigrating() {
        String state;
        try (MixtureSampler s = MixtureSampler.open(three(""), MixtureSampler.Placement.single())) {
            draw(s, 100);
            state = s.state();
        }
        MixtureConfig changed = config("", domain(0, 0.2, ""), domain(1, 0.8, ""));
        try (MixtureSampler s = MixtureSampler.open(changed, MixtureSampler.Placement.single())) {
            TokmixException e = assertThrows(TokmixException.class, () -> s.restore(state, "ckpt.json", false));
            assertTrue(e.getMessage().contains("--migrate"), e.getMessage());
            s.restore(state, "ckpt.json", true);
            assertEquals(100, s.position());
            long before = s.stats().get(0).drawn();
            List<long[]> more = draw(s, 10);
            assertEquals(100, more.get(0)[0]);
            assertTrue(s.stats().get(0).drawn() >= before);
        }
    }

    @Test
    void temperatureAndUniMaxDeriveWeightsFromDomainSizes() {
        MixtureConfig t = three(",\"weighting\":{\"type\":\"temperature\",\"alpha\":0.5}");
        try (MixtureSampler s = MixtureSampler.open(t, MixtureSampler.Placement.single())) {
            double[] w = s.weights();
            double[] want = new double[3];
            double sum = 0;
            for (int i = 0; i < 3; i++) {
                want[i] = Math.sqrt(s.domains().get(i).tokenCount());
                sum += want[i];
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(want[i] / sum, w[i], 1e-12);
            }
        }
        // A budget of 600 samples and at most one epoch each: the small domain gets all it has, the rest is
        // spread evenly over the others.
        MixtureConfig u = three(",\"weighting\":{\"type\":\"unimax\",\"budget_samples\":600,\"max_epochs\":1}");
        try (MixtureSampler s = MixtureSampler.open(u, MixtureSampler.Placement.single())) {
            double small = s.domains().get(2).samplesPerEpoch();
            assertTrue(small < 200, "fixture: domain d2 has fewer than 200 samples per epoch, not " + small);
            double[] w = s.weights();
            assertEquals(small / 600, w[2], 1e-12);
            assertEquals((600 - small) / 2 / 600, w[0], 1e-12);
            assertEquals(w[0], w[1], 1e-12);
        }
    }

    @Test
    void exp3ReweightsAtTheDeclaredPositionAndResumes() {
        MixtureConfig c = three(",\"controller\":{\"type\":\"exp3\",\"eta\":0.05,\"smoothing\":0.1,"
                + "\"update_every\":100,\"delay\":10}");
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            drawObserving(s, 350);
            List<java.util.Map.Entry<Long, double[]>> log = s.weightLog();
            assertEquals(List.of(0L, 110L, 210L, 310L), log.stream().map(java.util.Map.Entry::getKey).toList());
            // Domain d2 gets the highest fake loss (its index is added), so EXP3 moves weight to it.
            assertTrue(log.get(3).getValue()[2] > log.get(1).getValue()[2], java.util.Arrays.toString(
                    log.get(3).getValue()));
        }
    }

    @Test
    void documentWeightsRepeatOrDropDocumentsPerEpoch() throws Exception {
        // Document d of domain d1 has weight 0 (even d) or 2 (odd d): odd documents twice per epoch, even never.
        int n = DOCS[1];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < n; d++) {
            b.putDouble(d % 2 == 0 ? 0 : 2);
        }
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + n + ",), }";
        StringBuilder h = new StringBuilder(header);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), (byte) (h.length() >> 8)});
        out.write(h.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(b.array());
        Files.write(dir.resolve("w1.npy"), out.toByteArray());
        MixtureConfig c = config("", domain(1, 1, ",\"document_weights\":\"w1.npy\""));
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            DomainSamples d = s.domains().get(0);
            SampleBuffer sb = new SampleBuffer(64, true);
            java.util.Map<Long, Integer> starts = new java.util.HashMap<>();
            for (long j = 0; j < d.samplesInEpoch(0); j++) {
                assertTrue(s.next(sb));
                for (int seg = 0; seg < sb.segmentCount; seg++) {
                    // Token 0 of every sample but the first repeats the previous sample's last token.
                    if (sb.positionIds[sb.cuSeqlens[seg]] == 0 && (sb.cuSeqlens[seg] > 0 || j == 0)) {
                        starts.merge(sb.documentIds[seg], 1, Integer::sum);
                    }
                }
            }
            assertTrue(starts.keySet().stream().allMatch(doc -> doc % 2 == 1), "an even document was drawn");
            assertTrue(starts.values().stream().allMatch(k -> k <= 2));
            assertTrue(starts.values().stream().filter(k -> k == 2).count() > n / 2 - 5, starts.toString());
        }
    }

    @Test
    void workersSplitARanksStreamAndBatchesEqualSingleSamples() {
        MixtureConfig c = three(",\"micro_batch\":2");
        List<long[]> rank;
        try (MixtureSampler s = MixtureSampler.open(c, new MixtureSampler.Placement(1, 2, 0, 1))) {
            rank = draw(s, 120);
        }
        List<long[]> merged = new ArrayList<>();
        for (int worker = 0; worker < 3; worker++) {
            try (MixtureSampler s = MixtureSampler.open(c, new MixtureSampler.Placement(1, 2, worker, 3))) {
                merged.addAll(draw(s, 40));
            }
        }
        merged.sort(java.util.Comparator.comparingLong(x -> x[0]));
        for (int i = 0; i < rank.size(); i++) {
            assertArrayEquals(rank.get(i), merged.get(i), "sample " + i);
        }
        int[] rows = new int[5 * 65];
        List<int[]> singles = new ArrayList<>();
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            SampleBuffer b = new SampleBuffer(64, false);
            for (int i = 0; i < 5; i++) {
                s.next(b);
                singles.add(b.tokens.clone());
            }
        }
        try (MixtureSampler s = MixtureSampler.open(c, MixtureSampler.Placement.single())) {
            assertEquals(5, s.nextBatch(rows, 5));
        }
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(singles.get(i), java.util.Arrays.copyOfRange(rows, i * 65, i * 65 + 65));
        }
    }

    @Test
    void badConfigurationsNameTheKey() {
        TokmixException e = assertThrows(TokmixException.class, () -> config(",\"sede\":1", domain(0, 1, "")));
        assertTrue(e.getMessage().contains("sede") && e.getMessage().contains("remedy"), e.getMessage());
        e = assertThrows(TokmixException.class, () -> config("", domain(0, -1, "")));
        assertTrue(e.getMessage().contains("domains[0].weight"), e.getMessage());
        e = assertThrows(TokmixException.class, () -> config("", "{\"name\":\"x\",\"shards\":[\"nothing_*.idx\"]}"));
        assertTrue(e.getMessage().contains("matches no file"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("nothing_0.idx")));
    }
}
