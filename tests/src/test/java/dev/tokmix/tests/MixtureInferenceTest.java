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
        java.lang.reflect.Method full = MixtureInference.class.getDeclaredMethod("inferFull", Tokenizer.class,
                List.class, int.class);
        full.setAccessible(true);
        for (int t : new int[] {5, 20, 60}) {
            MixtureEstimate lazy = MixtureInference.infer(tok, cats, t, 1);
            double[] f = (double[]) full.invoke(null, tok, cats, t);
            assertTrue(f[0] > 0, "a positive optimum makes the comparison meaningful");
            assertEquals(f[0], lazy.objective(), 1e-7, "objective at T = " + t);
            System.out.printf("MixtureInferenceTest: T = %d: lazy objective %.6g in %d rounds / %d rows, full %.6g%n",
                    t, lazy.objective(), lazy.rounds(), lazy.constraints(), f[0]);
        }
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
