package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokmix.bpe.BpeTrainer;
import dev.tokmix.bpe.MergeList;
import dev.tokmix.bpe.PieceSplitter;
import dev.tokmix.bpe.PretokenCounts;
import dev.tokmix.bpe.TrainedBpe;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * The trainer on random text: its merges equal the naive reference's, every merge is a most frequent pair when
 * replayed, and {@code min_frequency} only cuts the merge list short.
 */
class TrainerPropertiesTest {

    @Provide
    Arbitrary<String> texts() {
        // Small alphabets give many ties and long runs (overlapping windows); the others cover multi-byte UTF-8.
        Arbitrary<String> small = Arbitraries.strings().withChars("aab b\n1").ofMinLength(1).ofMaxLength(300);
        Arbitrary<String> words = Arbitraries.strings().withChars("abcdeé ").ofMinLength(1).ofMaxLength(400);
        Arbitrary<String> unicode = Arbitraries.strings().withCharRange(' ', '\u04FF').ofMinLength(1).ofMaxLength(200);
        Arbitrary<String> cjk = Arbitraries.strings().withChars("中文字中 12").ofMinLength(1).ofMaxLength(200);
        return Arbitraries.frequencyOf(Tuple.of(3, small), Tuple.of(3, words), Tuple.of(2, unicode), Tuple.of(1, cjk));
    }

    @Provide
    Arbitrary<String> pretokenizers() {
        return Arbitraries.of(PieceSplitter.names());
    }

    private static PretokenCounts count(PieceSplitter s, String text) {
        PretokenCounts c = new PretokenCounts();
        s.split(text, (b, off, len) -> c.add(b, off, len, 1 + (len & 1)));
        return c;
    }

    @Property(tries = 300)
    void mergesEqualTheNaiveTrainersAndAreGreedy(@ForAll("texts") String text,
                                                 @ForAll("pretokenizers") String pretokenizer,
                                                 @ForAll @IntRange(min = 0, max = 2) int specials,
                                                 @ForAll @IntRange(min = 1, max = 80) int newTokens) {
        PieceSplitter s = PieceSplitter.named(pretokenizer);
        PretokenCounts counts = count(s, text);
        // "ab" can be learned from text: a merge spelling it must reuse the special's id in both trainers.
        List<String> sp = specials == 0 ? List.of() : List.of("ab", "</s>").subList(0, specials);
        int vocab = 256 + specials + newTokens;
        TrainedBpe fast = new BpeTrainer(s, vocab, 0, sp).train(counts, null);
        NaiveBpeTrainer naive = new NaiveBpeTrainer(counts, sp).train(vocab, 0);
        MergeList m = fast.merges();
        assertEquals(naive.merges.size(), m.size());
        int[] left = new int[m.size()];
        int[] right = new int[m.size()];
        int[] result = new int[m.size()];
        for (int r = 0; r < m.size(); r++) {
            NaiveBpeTrainer.Merge want = naive.merges.get(r);
            assertEquals(List.of(want.left(), want.right(), want.result()), List.of(m.left(r), m.right(r), m.merged(r)),
                    "merge " + r);
            left[r] = m.left(r);
            right[r] = m.right(r);
            result[r] = m.merged(r);
        }
        assertEquals(-1, NaiveBpeTrainer.firstNonGreedyStep(counts, left, right, result, specials));
    }

    @Property(tries = 100)
    void minFrequencyOnlyCutsTheMergeListShort(@ForAll("texts") String text,
                                               @ForAll @IntRange(min = 2, max = 6) int minFrequency) {
        PieceSplitter s = PieceSplitter.named("gpt2");
        PretokenCounts counts = count(s, text);
        MergeList all = new BpeTrainer(s, 400, 0, List.of()).train(counts, null).merges();
        MergeList cut = new BpeTrainer(s, 400, minFrequency, List.of()).train(counts, null).merges();
        NaiveBpeTrainer naive = new NaiveBpeTrainer(counts, Collections.emptyList()).train(400, minFrequency);
        assertEquals(naive.merges.size(), cut.size());
        for (int r = 0; r < cut.size(); r++) {
            assertEquals(all.left(r), cut.left(r));
            assertEquals(all.right(r), cut.right(r));
            assertEquals(naive.merges.get(r).count() >= minFrequency, true);
        }
    }
}
