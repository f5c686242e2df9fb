package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.BpeTrainer;
import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.MergeReplay;
import dev.tokmix.bpe.PieceSplitter;
import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.Tokenizer;
import dev.tokmix.bpe.TrainedBpe;
import dev.tokmix.cli.TokmixCommand;
import dev.tokmix.core.TextDocuments;
import dev.tokmix.mixture.MixtureEstimate;
import dev.tokmix.mixture.MixtureInference;
import dev.tokmix.mixture.MixtureInferenceException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixture inference on tokenizers whose training mixture is known: tokmix trains a tokenizer on an exact mix of
 * real categories (even-numbered documents of each file), then infers the mix from the other documents.
 */
class MixtureInferenceTest {
    @TempDir
    Path tmp;

    private static final String[] LANGUAGES = {"en", "fr", "de", "es", "ru"};
    private static final double[] WEIGHTS = {0.35, 0.25, 0.2, 0.12, 0.08};

    /** Writes the even (training) and odd (inference) documents of a file into two files. */
    private Path[] halves(String language) throws IOException {
        String[] docs = Files.readString(TestData.require("text/prose/" + language + ".txt")).split("\n\n");
        StringBuilder train = new StringBuilder();
        StringBuilder infer = new StringBuilder();
        for (int d = 0; d < docs.length; d++) {
            (d % 2 == 0 ? train : infer).append(docs[d]).append("\n\n");
        }
        Path a = tmp.resolve("train-" + language + ".txt");
        Path b = tmp.resolve("infer-" + language + ".txt");
        Files.writeString(a, train);
        Files.writeString(b, infer);
        return new Path[] {a, b};
    }

    @Test
    void recoversTheByteSharesOfAFiveLanguageTrainingMix() throws IOException {
        List<String> args = new ArrayList<>(List.of("train", "--total-bytes", "4000000", "--seed", "1",
                "--vocab-size", "3256", "--pretokenizer", "digits+gpt2", "--split", "paragraph",
                "--output", tmp.resolve("tok.json").toString()));
        List<Path> inferFiles = new ArrayList<>();
        for (int i = 0; i < LANGUAGES.length; i++) {
            Path[] h = halves(LANGUAGES[i]);
            args.add("--mix");
            args.add(LANGUAGES[i] + "=" + h[0] + ":" + WEIGHTS[i]);
            inferFiles.add(h[1]);
        }
        StringWriter err = new StringWriter();
        assertEquals(0, TokmixCommand.execute(args.toArray(new String[0]), new PrintWriter(err, true)), err.toString());
        // The truth is what the mix realised (within half a document of the weights).
        String report = Files.readString(tmp.resolve("tok.json.mix.json"));
        Matcher m = Pattern.compile("\"realised_share\": ([0-9.eE-]+)").matcher(report);
        double[] truth = new double[LANGUAGES.length];
        for (int i = 0; i < truth.length; i++) {
            assertTrue(m.find());
            truth[i] = Double.parseDouble(m.group(1));
        }

        Tokenizer tok = Tokenizer.load(tmp.resolve("tok.json"));
        List<MixtureInference.Category> cats = new ArrayList<>();
        for (int i = 0; i < LANGUAGES.length; i++) {
            cats.add(MixtureInference.count(tok, LANGUAGES[i], List.of(inferFiles.get(i)),
                    TextDocuments.Split.PARAGRAPH, "text", 2));
        }
        MixtureEstimate e = MixtureInference.infer(tok, cats, 1000, 2);
        double mse = 0;
        for (int i = 0; i < truth.length; i++) {
            mse += Math.pow(e.byteWeights()[i] - truth[i], 2) / truth.length;
        }
        double logMse = Math.log10(mse);
        System.out.printf("MixtureInferenceTest: truth %s%n  estimate (bytes) %s%n  log10 MSE %.2f, T = %d, %d LP"
                        + " rounds, %d rows, replay %.2f s, solve %.2f s%n", java.util.Arrays.toString(truth),
                java.util.Arrays.toString(e.byteWeights()), logMse, e.mergesUsed(), e.rounds(), e.constraints(),
                e.replaySeconds(), e.solveSeconds());
        assertTrue(logMse <= -4, "log10 MSE " + logMse + " above -4");
        assertEquals(0, e.missingMerges(), "every merge of a tokenizer trained on these languages occurs in them");
    }

    private static PretokenCounts counts(PieceSplitter s, String text) {
        PretokenCounts c = new PretokenCounts();
        s.split(text, (b, off, len) -> c.add(b, off, len, 1));
        return c;
    }

    @Test
    void lazyGenerationReachesTheOptimumOfTheFullLinearProgram() throws Exception {
        // Tiny T, so every row of LP1_T can be written out and solved directly.
        PieceSplitter s = PieceSplitter.named("gpt2");
        // Samples differ from the training text, so the orderings cannot all hold and the optimum is positive.
        String en = Files.readString(TestData.require("text/prose/en.txt"));
        String fr = Files.readString(TestData.require("text/prose/fr.txt"));
        String py = Files.readString(TestData.require("text/code/python.txt"));
        PretokenCounts train = counts(s, en.substring(0, 60_000) + fr.substring(0, 120_000) + py.substring(0, 60_000));
        Tokenizer tok = new BpeTrainer(s, 256 + 60, 0, List.of()).train(train, null).toTokenizer();
        List<MixtureInference.Category> cats = List.of(
                new MixtureInference.Category("en", counts(s, en.substring(100_000, 160_000)), 60_000),
                new MixtureInference.Category("fr", counts(s, fr.substring(200_000, 260_000)), 60_000),
                new MixtureInference.Category("py", counts(s, py.substring(100_000, 160_000)), 60_000));
        for (int t : new int[] {5, 20, 60}) {
            MixtureEstimate lazy = MixtureInference.infer(tok, cats, t, 1);
            double[] f = full(tok, cats, 0, t);
            assertTrue(f[0] > 0, "a positive optimum makes the comparison meaningful");
            assertEquals(f[0], lazy.objective(), 1e-7, "objective at T = " + t);
            System.out.printf("MixtureInferenceTest: T = %d: lazy objective %.6g in %d rounds / %d rows, full %.6g%n",
                    t, lazy.objective(), lazy.rounds(), lazy.constraints(), f[0]);
        }
    }

    private static double[] full(Tokenizer tok, List<MixtureInference.Category> cats, int after, int t)
            throws ReflectiveOperationException {
        java.lang.reflect.Method full = MixtureInference.class.getDeclaredMethod("inferFull", Tokenizer.class,
                List.class, int.class, int.class);
        full.setAccessible(true);
        return (double[]) full.invoke(null, tok, cats, after, t);
    }

    @Test
    void llama3IsFoundToExtendCl100kAndItsSplitsGroupIntoOneStepPerToken() {
        Tokenizer llama = Tokenizer.load(TestData.require("hf/llama3/tokenizer.json"));
        List<Tokenizer> bases = List.of(Tokenizer.load("r50k_base"), Tokenizer.load("cl100k_base"),
                Tokenizer.load("o200k_base"));
        assertEquals(java.util.Optional.of(new MixtureInference.Extension("cl100k_base", 100_000)),
                MixtureInference.detectExtension(llama, bases));
        // cl100k_base is no extension of r50k_base, nor of itself.
        assertTrue(MixtureInference.detectExtension(bases.get(1), bases).isEmpty());
        // One step per new token: as many steps as distinct merge results.
        MergeList m = llama.merges();
        java.util.Set<Integer> results = new java.util.HashSet<>();
        for (int t = 0; t < m.size(); t++) {
            results.add(m.merged(t));
        }
        assertEquals(results.size(), MixtureInference.steps(m).length - 1);
        assertTrue(m.size() > results.size() * 2, "Llama 3's tokenizer.json lists several splits per token");
    }

    @Test
    void lazyGenerationMatchesTheFullLpAfterAnInheritedPrefixWithSeveralSplitsPerStep() throws Exception {
        Tokenizer llama = Tokenizer.load(TestData.require("hf/llama3/tokenizer.json"));
        PieceSplitter s = llama.pieceSplitter();
        List<MixtureInference.Category> cats = new ArrayList<>();
        for (String lang : new String[] {"ru", "hi", "ko"}) {
            String text = Files.readString(TestData.require("text/prose/" + lang + ".txt")).substring(0, 30_000);
            cats.add(new MixtureInference.Category(lang, counts(s, text), text.length()));
        }
        int[] steps = MixtureInference.steps(llama.merges());
        int multi = 0;
        for (int g = 100_000; g < 100_040; g++) {
            multi += steps[g + 1] - steps[g] > 1 ? 1 : 0;
        }
        assertTrue(multi > 0, "the checked steps include tokens listed with several splits");
        for (int t : new int[] {25, 60}) {
            MixtureEstimate lazy = MixtureInference.infer(llama, cats, new MixtureInference.Options(t, 100_000, 0, 0,
                    1, null));
            double[] f = full(llama, cats, 100_000, t);
            assertEquals(f[0], lazy.objective(), 1e-7, "objective at T = " + t + " after 100,000");
            System.out.printf("MixtureInferenceTest: Llama 3 after 100,000, T = %d: lazy %.6g (%d rounds), full %.6g,"
                    + " %d missing%n", t, lazy.objective(), lazy.rounds(), f[0], lazy.missingMerges());
        }
    }

    @Test
    void replayFromAPrefixReportsTheCountsAFullReplayReachesThere() throws IOException {
        Tokenizer tok = Tokenizer.load("cl100k_base");
        PretokenCounts c = counts(tok.pieceSplitter(),
                Files.readString(TestData.require("text/code/go.txt")).substring(0, 200_000));
        int k = 700;
        int steps = 1_000;
        java.util.Map<Long, Long> full = new java.util.HashMap<>();
        long[] fullMerged = MergeReplay.replay(tok, c, steps, new MergeReplay.Listener() {
            int done;

            @Override
            public void changed(int l, int r, long d) {
                if (done < k) {
                    full.merge(((long) l << 32) | r, d, Long::sum);
                }
            }

            @Override
            public void stepDone(int step, long merged) {
                done = step + 1;
            }
        });
        full.values().removeIf(v -> v == 0);
        java.util.Map<Long, Long> initial = new java.util.HashMap<>();
        long[] fromK = MergeReplay.replay(tok, c, k, steps, new MergeReplay.Listener() {
            boolean started = true;

            @Override
            public void changed(int l, int r, long d) {
                if (started) {
                    initial.merge(((long) l << 32) | r, d, Long::sum);
                }
            }

            @Override
            public void initialCountsDone() {
                started = false;
            }
        });
        assertEquals(full, initial, "counts before merge " + k);
        assertTrue(java.util.Arrays.equals(fullMerged, fromK), "merged counts of every step");
    }

    @Test
    void bootstrapIsReproducibleAndItsBlocksSumToTheSample() throws IOException {
        PieceSplitter s = PieceSplitter.named("gpt2");
        String en = Files.readString(TestData.require("text/prose/en.txt"));
        String de = Files.readString(TestData.require("text/prose/de.txt"));
        Tokenizer tok = new BpeTrainer(s, 256 + 300, 0, List.of()).train(counts(s, en.substring(0, 150_000)
                + de.substring(0, 50_000)), null).toTokenizer();
        Path a = tmp.resolve("en.txt");
        Path b = tmp.resolve("de.txt");
        Files.writeString(a, en.substring(300_000, 500_000));
        Files.writeString(b, de.substring(300_000, 500_000));
        List<MixtureInference.Category> cats = List.of(
                MixtureInference.count(tok, "en", List.of(a), TextDocuments.Split.LINE, "text", 2, 16),
                MixtureInference.count(tok, "de", List.of(b), TextDocuments.Split.LINE, "text", 2, 16));
        for (MixtureInference.Category c : cats) {
            assertEquals(16, c.chunks().size());
            assertEquals(c.counts().totalCount(), c.chunks().stream().mapToLong(PretokenCounts::totalCount).sum());
            assertEquals(c.textBytes(), java.util.Arrays.stream(c.chunkBytes()).sum());
        }
        MixtureInference.Options o = new MixtureInference.Options(200, 0, 12, 7, 2, null);
        MixtureEstimate x = MixtureInference.infer(tok, cats, o);
        MixtureEstimate y = MixtureInference.infer(tok, cats, o);
        assertTrue(java.util.Arrays.equals(x.byteLow(), y.byteLow()) && java.util.Arrays.equals(x.byteHigh(),
                y.byteHigh()), "same seed, same intervals");
        for (int i = 0; i < 2; i++) {
            assertTrue(x.byteLow()[i] <= x.byteHigh()[i]);
            assertTrue(x.byteLow()[i] - 0.05 <= x.byteWeights()[i] && x.byteWeights()[i] <= x.byteHigh()[i] + 0.05,
                    "the estimate lies at or near its interval");
        }
        assertEquals(12, x.replicates());
        System.out.printf("MixtureInferenceTest: bootstrap en %.3f [%.3f, %.3f], de %.3f [%.3f, %.3f], %.1f s%n",
                x.byteWeights()[0], x.byteLow()[0], x.byteHigh()[0], x.byteWeights()[1], x.byteLow()[1],
                x.byteHigh()[1], x.bootstrapSeconds());
    }

    @Test
    void replayOfATrainedTokenizerSeesTheCountsTheTrainerChoseBy() throws IOException {
        PieceSplitter s = PieceSplitter.named("digits+gpt2");
        PretokenCounts c = counts(s, Files.readString(TestData.require("text/prose/de.txt")).substring(0, 150_000));
        TrainedBpe bpe = new BpeTrainer(s, 256 + 500, 0, List.of()).train(c, null);
        NaiveBpeTrainer naive = new NaiveBpeTrainer(c, List.of()).train(256 + 500, 0);
        long[] seen = MergeReplay.replay(bpe.toTokenizer(), c, bpe.merges().size(), null);
        MergeList m = bpe.merges();
        assertEquals(naive.merges.size(), m.size());
        for (int t = 0; t < m.size(); t++) {
            assertEquals(naive.merges.get(t).count(), seen[t], "count of merge " + t + " when replayed");
        }
    }

    @Test
    void refusesTooLargeTTooFewCategoriesAndEmptySamples() {
        PieceSplitter s = PieceSplitter.named("gpt2");
        PretokenCounts c = counts(s, "some text to count, some more text");
        Tokenizer tok = new BpeTrainer(s, 256 + 5, 0, List.of()).train(c, null).toTokenizer();
        MixtureInference.Category a = new MixtureInference.Category("a", c, 40);
        assertTrue(assertThrows(MixtureInferenceException.class, () -> MixtureInference.infer(tok, List.of(a, a),
                99, 1)).getMessage().contains("has 5"));
        assertTrue(assertThrows(MixtureInferenceException.class, () -> MixtureInference.infer(tok, List.of(a), 3, 1))
                .getMessage().contains("at least 2 categories"));
        MixtureInference.Category empty = new MixtureInference.Category("empty", new PretokenCounts(), 0);
        assertTrue(assertThrows(MixtureInferenceException.class, () -> MixtureInference.infer(tok,
                List.of(a, empty), 3, 1)).getMessage().contains("category empty has no text"));
    }
}
