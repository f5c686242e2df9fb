package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pathological inputs, where a naive BPE (quadratic merge loop) or a backtracking regex (openai/tiktoken#245)
 * blows up: a megabyte of one letter, of one CJK char, of text without any whitespace, and of spaces — each a
 * single piece or a megabyte-long alternation of pieces. Each must encode in well under a second per megabyte and
 * scale linearly, and give the reference's ids.
 *
 * <p>Timings are the best of {@value #RUNS} runs after a warm-up, so that a noisy two-core CI machine (other jobs,
 * GC, JIT) does not fail the build; the limits are an order of magnitude above what tokmix needs, and far below
 * what a quadratic algorithm needs on these sizes.
 */
class WorstCaseTest {
    static final List<String> TOKENIZERS =
            List.of("o200k_base", "cl100k_base", "r50k_base", "llama3", "qwen3", "deepseek_v3");

    private static final int MB = 1 << 20;
    private static final int RUNS = 3;
    private static final long LIMIT_NANOS_PER_MB = 1_000_000_000L;
    private static final double MAX_GROWTH_FOR_DOUBLE_INPUT = 3.5;

    /** The pathological inputs, each made to a UTF-8 size. */
    enum Input {
        REPEATED_LETTER {
            @Override
            String make(int utf8Bytes) {
                return Texts.repeatToUtf8Bytes("a", utf8Bytes);
            }
        },
        REPEATED_CJK {
            @Override
            String make(int utf8Bytes) {
                return Texts.repeatToUtf8Bytes("中", utf8Bytes);
            }
        },
        NO_WHITESPACE {
            @Override
            String make(int utf8Bytes) {
                // Seeded and size-independent: the 2 MB text starts with the 1 MB one.
                SplittableRandom rnd = new SplittableRandom(0x5EED);
                String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        + "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
                char[] c = new char[utf8Bytes];
                for (int i = 0; i < c.length; i++) {
                    c[i] = alphabet.charAt(rnd.nextInt(alphabet.length()));
                }
                return new String(c);
            }
        },
        SPACES {
            @Override
            String make(int utf8Bytes) {
                return " ".repeat(utf8Bytes);
            }
        };

        abstract String make(int utf8Bytes);
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String t : TOKENIZERS) {
            for (Input in : Input.values()) {
                out.add(Arguments.of(t, in));
            }
        }
        return out;
    }

    private static long timeNanos(Tokenizer t, String text, TokenBuffer buf) {
        buf.clear();
        long start = System.nanoTime();
        t.encode(text, SpecialTokenPolicy.ordinary(), buf);
        return System.nanoTime() - start;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void encodesAMegabyteInUnderASecondAndScalesLinearly(String name, Input input) {
        Tokenizer t = References.tokmix(name);
        String one = input.make(MB);
        String two = input.make(2 * MB);
        TokenBuffer buf = new TokenBuffer(1 << 16);
        timeNanos(t, one, buf); // warm-up: JIT, scratch buffers
        int ids = buf.size();
        // Interleaved, so that a burst of load on the machine hits both sizes alike.
        long oneNanos = Long.MAX_VALUE;
        long twoNanos = Long.MAX_VALUE;
        for (int r = 0; r < RUNS; r++) {
            oneNanos = Math.min(oneNanos, timeNanos(t, one, buf));
            twoNanos = Math.min(twoNanos, timeNanos(t, two, buf));
        }
        String what = String.format("%s on 1 MB %s (%d ids): best of %d %.1f ms; 2 MB %.1f ms", name, input, ids,
                RUNS, oneNanos / 1e6, twoNanos / 1e6);
        System.out.println("WorstCaseTest: " + what);
        assertTrue(oneNanos < LIMIT_NANOS_PER_MB, what + ": over " + LIMIT_NANOS_PER_MB / 1e6 + " ms per MB");
        // A floor of 1 ms keeps timer granularity from failing a microsecond-fast case.
        double growth = (double) twoNanos / Math.max(oneNanos, 1_000_000L);
        assertTrue(growth < MAX_GROWTH_FOR_DOUBLE_INPUT, String.format(
                "%s: doubling the input multiplied the time by %.2f (limit %.1f): not linear", what, growth,
                MAX_GROWTH_FOR_DOUBLE_INPUT));
    }

    /**
     * A megabyte-long input gives the reference's ids (jtokkit for tiktoken files, DJL for {@code tokenizer.json});
     * the input kind rotates over the tokenizers, so every kind is checked against a reference.
     */
    @ParameterizedTest
    @FieldSource("TOKENIZERS")
    void encodesAPathologicalMegabyteLikeTheReference(String name) {
        Tokenizer t = References.tokmix(name);
        boolean tiktoken = TestData.TIKTOKEN_ENCODINGS.contains(name);
        Input input = Input.values()[TOKENIZERS.indexOf(name) % Input.values().length];
        String text = input.make(MB);
        int[] want = tiktoken ? References.jtokkitOrdinary(name, text) : References.djlIds(name, text);
        Parity.assertSameIds(name + " on 1 MB " + input + " vs " + (tiktoken ? "jtokkit" : "DJL"), text, want,
                t.encode(text, SpecialTokenPolicy.ordinary()), t);
    }
}
