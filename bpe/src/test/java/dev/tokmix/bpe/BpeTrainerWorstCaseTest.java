package dev.tokmix.bpe;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inputs that pretokenization cannot split: training on 2 MB must cost about twice 1 MB (n log n at most), and
 * stay well under a second per MB. Best of three runs, so a busy CI machine does not decide.
 */
class BpeTrainerWorstCaseTest {
    private static final int MB = 1 << 20;
    private static final long LIMIT_NANOS_PER_MB = 2_000_000_000L;
    private static final double MAX_GROWTH_FOR_DOUBLE_INPUT = 3.5;

    private static String input(String kind, int bytes) {
        return switch (kind) {
            case "one-letter" -> "a".repeat(bytes);
            case "two-letters" -> "ab".repeat(bytes / 2);
            case "spaces" -> " ".repeat(bytes);
            case "random-letters" -> {
                SplittableRandom r = new SplittableRandom(1);
                StringBuilder sb = new StringBuilder(bytes);
                for (int i = 0; i < bytes; i++) {
                    sb.append((char) ('a' + r.nextInt(26)));
                }
                yield sb.toString();
            }
            case "digits" -> "1234567890".repeat(bytes / 10);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static long trainNanos(String text) {
        PieceSplitter s = PieceSplitter.named("gpt2");
        PretokenCounts c = new PretokenCounts();
        s.split(text, (b, off, len) -> c.add(b, off, len, 1));
        long start = System.nanoTime();
        new BpeTrainer(s, 256 + 1000, 0, List.of()).train(c, null);
        return System.nanoTime() - start;
    }

    @ParameterizedTest
    @ValueSource(strings = {"one-letter", "two-letters", "spaces", "random-letters", "digits"})
    void trainingOnOneUnsplittablePieceStaysNearLinear(String kind) {
        String one = input(kind, MB);
        String two = input(kind, 2 * MB);
        long oneNanos = Long.MAX_VALUE;
        long twoNanos = Long.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            oneNanos = Math.min(oneNanos, trainNanos(one));
            twoNanos = Math.min(twoNanos, trainNanos(two));
        }
        double growth = (double) twoNanos / oneNanos;
        System.out.printf("BpeTrainerWorstCaseTest: %s: 1 MB %.0f ms, 2 MB %.0f ms (x%.2f)%n", kind, oneNanos / 1e6,
                twoNanos / 1e6, growth);
        assertTrue(oneNanos < LIMIT_NANOS_PER_MB, kind + ": over " + LIMIT_NANOS_PER_MB / 1e6 + " ms per MB");
        assertTrue(growth < MAX_GROWTH_FOR_DOUBLE_INPUT, String.format("%s: 2 MB took %.2f times as long as 1 MB"
                + " (limit %.1f)", kind, growth, MAX_GROWTH_FOR_DOUBLE_INPUT));
    }
}
