package dev.tokmix.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokmix.bpe.BatchEncoder;
import dev.tokmix.bpe.SpecialTokenPolicy;
import dev.tokmix.bpe.TokenBuffer;
import dev.tokmix.bpe.TokenSink;
import dev.tokmix.bpe.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The batch encoder gives, for every thread count and input kind, exactly the sequential encoder's ids. */
class BatchEncoderTest {
    @Test
    void batchEncodingEqualsSequentialEncodingForEveryThreadCountAndInputKind() throws Exception {
        Tokenizer t = Tokenizer.load(TestData.tiktokenFile("o200k_base"));
        StringBuilder all = new StringBuilder();
        for (String f : List.of("prose/en.txt", "prose/zh.txt", "prose/ar.txt", "code/rust.txt")) {
            all.append(Files.readString(TestData.require("text/" + f)), 0, 40_000);
        }
        SplittableRandom r = new SplittableRandom(42);
        List<String> docs = new ArrayList<>();
        for (int p = 0; p < all.length();) {
            int end = Math.min(all.length(), p + 1 + r.nextInt(3000));
            if (end < all.length() && Character.isLowSurrogate(all.charAt(end))) {
                end++;
            }
            docs.add(all.substring(p, end));
            p = end;
        }
        docs.add("");
        int n = docs.size();
        byte[][] utf8 = new byte[n][];
        MemorySegment[] segs = new MemorySegment[n];
        CharSequence[] chars = docs.toArray(new CharSequence[0]);
        int[][] want = new int[n][];
        List<Integer> flat = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            utf8[i] = docs.get(i).getBytes(StandardCharsets.UTF_8);
            segs[i] = MemorySegment.ofArray(utf8[i]);
            want[i] = t.encode(docs.get(i), SpecialTokenPolicy.ordinary());
            for (int id : want[i]) {
                flat.add(id);
            }
        }
        for (int threads = 1; threads <= 4; threads++) {
            try (BatchEncoder b = new BatchEncoder(t, SpecialTokenPolicy.ordinary(), threads)) {
                for (int kind = 0; kind < 3; kind++) {
                    TokenBuffer[] out = new TokenBuffer[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = new TokenBuffer();
                    }
                    long total = switch (kind) {
                        case 0 -> b.encode(utf8, out);
                        case 1 -> b.encode(segs, out);
                        default -> b.encode(chars, out);
                    };
                    assertEquals(flat.size(), total);
                    for (int i = 0; i < n; i++) {
                        assertArrayEquals(want[i], out[i].toArray(), threads + " threads, kind " + kind + ", doc " + i);
                    }
                }
                for (int round = 0; round < 2; round++) {
                    List<Integer> got = new ArrayList<>();
                    TokenSink sink = got::add;
                    assertEquals(flat.size(), b.encodeInOrder(utf8, sink));
                    assertEquals(flat, got, threads + " threads, in order, round " + round);
                }
            }
        }
    }
}
