package dev.tokmix.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word-at-a-time scans against their scalar twins, and UTF-8 validation against the JDK's strict decoder. */
class Utf8SwarTest {
    /** Around the 8-byte word: 0, 1, lane - 1, lane, lane + 1, odd primes, and large. */
    private static final int[] SIZES = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 61, 127, 1021, 65_537};
    /** Boundary bytes: around '\n', '"', '\\', the control range, ASCII's end, lead and continuation limits. */
    private static final byte[] BOUNDARY = {0x00, 0x09, 0x0a, 0x0b, 0x0d, 0x1f, 0x20, 0x22, 0x5c, 0x7f,
        (byte) 0x80, (byte) 0x8f, (byte) 0x90, (byte) 0x9f, (byte) 0xa0, (byte) 0xbf, (byte) 0xc0, (byte) 0xc1,
        (byte) 0xc2, (byte) 0xdf, (byte) 0xe0, (byte) 0xed, (byte) 0xef, (byte) 0xf0, (byte) 0xf4, (byte) 0xf5,
        (byte) 0xff, 'a'};

    @Test
    void lineFeedSearchMatchesScalarTwin() {
        long seed = System.nanoTime();
        System.out.println("Utf8SwarTest.lineFeedSearchMatchesScalarTwin seed " + seed);
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int size : SIZES) {
                for (int trial = 0; trial < 20; trial++) {
                    MemorySegment s = arena.allocate(size + 3).asSlice(trial % 4, size);
                    for (int i = 0; i < size; i++) {
                        // Sparse line feeds so that long runs without one occur too.
                        byte b = BOUNDARY[rnd.nextInt(BOUNDARY.length)];
                        s.set(ValueLayout.JAVA_BYTE, i, b == '\n' && rnd.nextInt(4) != 0 ? (byte) 'x' : b);
                    }
                    for (int from = 0; from <= Math.min(size, 10); from++) {
                        assertEquals(Utf8Swar.indexOfLineFeedScalar(s, from, size),
                                Utf8Swar.indexOfLineFeed(s, from, size), "size " + size + " from " + from);
                    }
                    assertEquals(Utf8Swar.indexOfLineFeedScalar(s, 0, size / 2),
                            Utf8Swar.indexOfLineFeed(s, 0, size / 2));
                }
            }
        }
    }

    @Test
    void utf8ValidationMatchesScalarTwinAndJdkDecoder() {
        long seed = System.nanoTime();
        System.out.println("Utf8SwarTest.utf8ValidationMatchesScalarTwinAndJdkDecoder seed " + seed);
        Random rnd = new Random(seed);
        String[] valid = {"a", "é", "€", "😀", "\u07ff", "\u0800", "\uffff", "\ud7ff", "\ue000", "\udbff\udfff"};
        for (int size : SIZES) {
            for (int trial = 0; trial < 40; trial++) {
                // Mostly valid text with the odd boundary byte, so errors fall at every position in a word.
                java.io.ByteArrayOutputStream bo = new java.io.ByteArrayOutputStream();
                while (bo.size() < size) {
                    bo.writeBytes((rnd.nextInt(3) == 0 ? valid[rnd.nextInt(valid.length)] : "x")
                            .getBytes(StandardCharsets.UTF_8));
                }
                // Cutting at size may split the last character: a truncated sequence at the end is a case too.
                byte[] b = java.util.Arrays.copyOf(bo.toByteArray(), size);
                if (size > 0 && rnd.nextBoolean()) {
                    b[rnd.nextInt(size)] = BOUNDARY[rnd.nextInt(BOUNDARY.length)];
                }
                MemorySegment s = MemorySegment.ofArray(b);
                long swar = Utf8Swar.firstInvalidUtf8(s, 0, size);
                assertEquals(Utf8Swar.firstInvalidUtf8Scalar(s, 0, size), swar, "size " + size);
                assertEquals(jdkValid(b), swar < 0, "size " + size + " bytes " + java.util.HexFormat.of()
                        .formatHex(b, 0, Math.min(size, 64)));
            }
        }
    }

    @Test
    void rejectsEachIllFormedSequenceAtItsFirstByte() {
        byte[][] bad = {{(byte) 0xc0, (byte) 0xaf}, {(byte) 0xe0, (byte) 0x80, (byte) 0xaf},
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xf0, (byte) 0x8f, (byte) 0xbf, (byte) 0xbf}, {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82},
            {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xc3, 'a'}};
        for (byte[] seq : bad) {
            for (int prefix = 0; prefix < 12; prefix++) {
                byte[] b = new byte[prefix + seq.length];
                java.util.Arrays.fill(b, 0, prefix, (byte) 'a');
                System.arraycopy(seq, 0, b, prefix, seq.length);
                assertEquals(prefix, Utf8Swar.firstInvalidUtf8(MemorySegment.ofArray(b), 0, b.length));
            }
        }
    }

    @Test
    void wordSequenceCheckMatchesByteSequenceCheck() {
        int[] tails = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
        MemorySegment s = MemorySegment.ofArray(new byte[8]);
        for (int b0 = 0x80; b0 <= 0xff; b0++) {
            for (int b1 = 0; b1 <= 0xff; b1++) {
                for (int b2 : tails) {
                    for (int b3 : tails) {
                        long x = b0 | b1 << 8 | b2 << 16 | (long) b3 << 24 | 0x4141414100000000L;
                        s.set(Utf8Swar.WORD, 0, x);
                        assertEquals(Utf8Swar.sequenceLength(s, 0, 8), Utf8Swar.sequenceLength(x),
                                Long.toHexString(x));
                    }
                }
            }
        }
    }

    private static boolean jdkValid(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
