package dev.tokmix.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.core.TokmixException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The trainer's contract on hand-made counts: ids, tie-break, merge order, a merge re-spelling an existing token
 * (a special token), 64-bit counts, minimum frequency, and refusals.
 */
class BpeTrainerTest {
    private static final PieceSplitter GPT2 = PieceSplitter.named("gpt2");

    private static PretokenCounts counts(Object... pieceCountPairs) {
        PretokenCounts c = new PretokenCounts();
        for (int i = 0; i < pieceCountPairs.length; i += 2) {
            byte[] b = ((String) pieceCountPairs[i]).getBytes(StandardCharsets.UTF_8);
            c.add(b, 0, b.length, ((Number) pieceCountPairs[i + 1]).longValue());
        }
        return c;
    }

    private static String text(TrainedBpe t, int id) {
        return new String(t.tokenBytes(id), StandardCharsets.UTF_8);
    }

    @Test
    void idsAreSpecialsThenBytesInByteLevelOrderThenMerges() {
        TrainedBpe t = new BpeTrainer(GPT2, 256 + 2 + 1, 0, List.of("<|a|>", "<|b|>")).train(counts("ab", 3), null);
        assertEquals("<|a|>", text(t, 0));
        assertEquals("<|b|>", text(t, 1));
        assertEquals("!", text(t, 2), "'!' is the first ByteLevel character, as in GPT-2's vocabulary");
        assertArrayEquals(new byte[] {0}, t.tokenBytes(2 + 188), "byte 0 is U+0100, after the 188 printable ones");
        assertEquals("ab", text(t, 258));
        assertEquals(List.of("<|a|>", "<|b|>"), List.copyOf(t.specialTokens().keySet()));
    }

    @Test
    void tiesGoToTheSmallerLeftThenRightId() {
        // "ba" and "ab" both occur twice; 'a' < 'b', so (a, b) wins, then (b, a).
        TrainedBpe t = new BpeTrainer(GPT2, 258, 0, List.of()).train(counts("ab", 2, "ba", 2), null);
        assertEquals("ab", text(t, 256));
        assertEquals("ba", text(t, 257));
    }

    @Test
    void overlappingRunsCountEveryWindowAndMergeLeftToRight() {
        // "aaa" holds (a, a) twice: a tie with (b, c) at 2, won by the smaller ids.
        TrainedBpe t = new BpeTrainer(GPT2, 258, 0, List.of()).train(counts("aaa", 1, "bc", 2), null);
        assertEquals("aa", text(t, 256));
        // After "aaa" -> [aa, a] the pair (aa, a) has count 1 and (b, c) has 2.
        assertEquals("bc", text(t, 257));
    }

    @Test
    void countsAreSixtyFourBit() {
        long big = 3L << 31; // above Integer.MAX_VALUE, where HF's i32 pair counts wrap
        TrainedBpe t = new BpeTrainer(GPT2, 257, 0, List.of()).train(counts("xy", big, "ab", Integer.MAX_VALUE), null);
        assertEquals("xy", text(t, 256));
    }

    @Test
    void minFrequencyStopsEarly() {
        TrainedBpe t = new BpeTrainer(GPT2, 300, 3, List.of()).train(counts("ab", 5, "cd", 2), null);
        assertEquals(1, t.merges().size());
        assertEquals(257, t.vocabularySize());
    }

    @Test
    void trainedTokenizerEncodesItsTrainingWordsWhole() {
        PretokenCounts c = new PretokenCounts();
        GPT2.split("the cat sat on the mat, the cat sat", (b, off, len) -> c.add(b, off, len, 1));
        TrainedBpe t = new BpeTrainer(GPT2, 300, 0, List.of()).train(c, null);
        Tokenizer tok = t.toTokenizer();
        int[] ids = tok.encodeOrdinary(" cat");
        assertEquals(1, ids.length);
        assertEquals(" cat", text(t, ids[0]));
    }

    @Test
    void rejectsImpossibleSettingsAndEmptyCorpora() {
        assertTrue(assertThrows(TokmixException.class, () -> new BpeTrainer(GPT2, 257, 0, List.of("<s>", "</s>")))
                .getMessage().contains("at least 258"));
        assertTrue(assertThrows(TokmixException.class, () -> new BpeTrainer(GPT2, 300, 0, List.of("")))
                .getMessage().contains("empty"));
        assertTrue(assertThrows(TokmixException.class, () -> new BpeTrainer(GPT2, 300, 0, List.of())
                .train(new PretokenCounts(), null)).getMessage().contains("corpus is empty"));
        assertTrue(assertThrows(UnsupportedPatternException.class, () -> PieceSplitter.named("bert"))
                .getMessage().contains("digits+gpt2"));
    }

    @Test
    void aMergeSpellingASpecialTokenReusesItsIdAsHfDoes() {
        // HF keeps specials in the trainer's string -> id map, so merging "a" + "b" yields the special "ab" (id 0)
        // and adds no vocabulary entry; the next merge then builds on id 0.
        TrainedBpe t = new BpeTrainer(GPT2, 258, 0, List.of("ab")).train(counts("ab", 5, "abc", 4, "xy", 1), null);
        MergeList m = t.merges();
        assertEquals(0, m.merged(0), "(a, b) -> the special token's id");
        assertEquals("abc", text(t, m.merged(1)));
        assertEquals(0, m.left(1));
        assertEquals(258, t.vocabularySize());
        // tokenizer.json expresses it (the special is in model.vocab, as HF writes it) ...
        Tokenizer tok = t.toTokenizer();
        assertArrayEquals(new int[] {m.merged(1)}, tok.encodeOrdinary("abc"));
        // ... a rank file cannot, and says so before writing anything.
        assertTrue(assertThrows(TokmixException.class, t::toTiktoken).getMessage().contains("tokenizer.json"));
    }

    @Test
    void rejectsSpecialTokensWithLoneSurrogatesOrOfOneByte() {
        assertThrows(TokmixException.class, () -> new BpeTrainer(GPT2, 300, 0, List.of("<\uD800>")));
        assertTrue(assertThrows(TokmixException.class, () -> new BpeTrainer(GPT2, 300, 0, List.of("a")))
                .getMessage().contains("single byte 0x61"));
    }

    @Test
    void pieceSplitterMatchesTheTokenizersOwnPipeline() {
        PieceSplitter s = PieceSplitter.named("cl100k");
        StringBuilder got = new StringBuilder();
        s.split("Hello  world 12345!!\n", (b, off, len) -> got.append('[')
                .append(new String(b, off, len, StandardCharsets.UTF_8)).append(']'));
        assertEquals("[Hello][ ][ world][ ][123][45][!!\n]", got.toString());
        StringBuilder fromBytes = new StringBuilder();
        byte[] utf8 = "xHello  world 12345!!\ny".getBytes(StandardCharsets.UTF_8);
        s.split(utf8, 1, utf8.length - 2, (b, off, len) -> fromBytes.append('[')
                .append(new String(b, off, len, StandardCharsets.UTF_8)).append(']'));
        assertEquals(got.toString(), fromBytes.toString(), "UTF-8 input splits as String input does");
        assertEquals(PieceScanners.CL100K, s.tiktokenPattern());
    }
}
