package dev.tokmix.tests;

import dev.tokmix.bpe.PretokenCounts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference the trainer is checked against: byte-level BPE done the slow, obvious way. Every step recounts
 * every adjacent pair in every unique piece from scratch, takes the most frequent (ties: smaller left id, then
 * smaller right id), and rewrites each piece left to right. Ids follow HF's layout: specials, the 256 bytes in
 * ByteLevel-character order, then new tokens (a merge re-spelling an existing token reuses its id).
 *
 * <p>Written from the algorithm's definition only; it shares no code with {@code BpeTrainer}.
 */
final class NaiveBpeTrainer {
    /** A merge: (left, right) → result, and the count it had when chosen. */
    record Merge(int left, int right, int result, long count) {
    }

    final List<byte[]> tokens = new ArrayList<>();
    final List<Merge> merges = new ArrayList<>();
    private final int specials;
    private final List<int[]> words = new ArrayList<>();
    private final List<Long> counts = new ArrayList<>();

    NaiveBpeTrainer(PretokenCounts pieces, List<String> specials) {
        this.specials = specials.size();
        for (String s : specials) {
            tokens.add(s.getBytes(StandardCharsets.UTF_8));
        }
        int[] byteId = new int[256];
        List<Integer> bytes = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            bytes.add(b);
        }
        bytes.sort((a, b) -> Character.compare(byteLevelChar(a), byteLevelChar(b)));
        for (int b : bytes) {
            byteId[b] = tokens.size();
            tokens.add(new byte[] {(byte) b});
        }
        pieces.forEach((buf, off, len, count) -> {
            int[] w = new int[len];
            for (int i = 0; i < len; i++) {
                w[i] = byteId[buf[off + i] & 0xFF];
            }
            words.add(w);
            counts.add(count);
        });
    }

    /** GPT-2's bytes_to_unicode: printable Latin-1 maps to itself, the rest to U+0100 onwards in byte order. */
    static char byteLevelChar(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
            return (char) b;
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) {
                n++;
            }
        }
        return (char) (256 + n);
    }

    /**
     * Counts of every adjacent pair (overlapping windows), keyed {@code left << 32 | right}. A small primitive
     * hash map, because this runs once per merge over the whole corpus.
     */
    static final class PairCounts {
        long[] keys = new long[1 << 12];
        long[] values = new long[1 << 12];
        boolean[] used = new boolean[1 << 12];
        int size;

        void add(long key, long c) {
            int mask = keys.length - 1;
            int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
            while (used[i] && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (!used[i]) {
                used[i] = true;
                keys[i] = key;
                if (++size * 2 > keys.length) {
                    values[i] = c;
                    grow();
                    return;
                }
            }
            values[i] += c;
        }

        long get(long key) {
            int mask = keys.length - 1;
            int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
            while (used[i]) {
                if (keys[i] == key) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return 0;
        }

        private void grow() {
            long[] k = keys;
            long[] v = values;
            boolean[] u = used;
            keys = new long[k.length * 2];
            values = new long[k.length * 2];
            used = new boolean[k.length * 2];
            size = 0;
            for (int i = 0; i < k.length; i++) {
                if (u[i]) {
                    add(k[i], v[i]);
                }
            }
        }

        /** The winner: highest count, then smallest (left, right); null when no pair is left. */
        long[] best() {
            long bestKey = -1;
            long bestCount = 0;
            for (int i = 0; i < keys.length; i++) {
                if (used[i]) {
                    long c = values[i];
                    if (c > bestCount || (c == bestCount && c > 0 && keys[i] < bestKey)) {
                        bestCount = c;
                        bestKey = keys[i];
                    }
                }
            }
            return bestCount == 0 ? null : new long[] {bestKey, bestCount};
        }
    }

    static PairCounts pairCounts(List<int[]> words, List<Long> counts) {
        PairCounts pc = new PairCounts();
        for (int w = 0; w < words.size(); w++) {
            int[] s = words.get(w);
            long c = counts.get(w);
            for (int i = 0; i + 1 < s.length; i++) {
                pc.add(((long) s[i] << 32) | s[i + 1], c);
            }
        }
        return pc;
    }

    /** The bytes a string of ByteLevel characters stands for, or null if a char is not one of them. */
    static byte[] byteLevelBytes(String s) {
        byte[] out = new byte[s.length()];
        outer:
        for (int i = 0; i < s.length(); i++) {
            for (int b = 0; b < 256; b++) {
                if (byteLevelChar(b) == s.charAt(i)) {
                    out[i] = (byte) b;
                    continue outer;
                }
            }
            return null;
        }
        return out;
    }

    /** Rewrites every word, replacing (left, right) left to right without overlap. */
    static void mergeAll(List<int[]> words, int left, int right, int result) {
        for (int w = 0; w < words.size(); w++) {
            int[] s = words.get(w);
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; i++) {
                if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                    out[n++] = result;
                    i++;
                } else {
                    out[n++] = s[i];
                }
            }
            words.set(w, n == s.length ? s : Arrays.copyOf(out, n));
        }
    }

    /** Trains until the vocabulary has {@code vocabularySize} ids or no pair reaches {@code minFrequency}. */
    NaiveBpeTrainer train(int vocabularySize, long minFrequency) {
        // Every token's bytes map to its id; a special token by its text read as ByteLevel characters (HF's
        // trainer keys specials and learned tokens in one string map).
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            byte[] b = i < specials ? byteLevelBytes(new String(tokens.get(i), StandardCharsets.UTF_8)) : tokens.get(i);
            if (b != null) {
                ids.putIfAbsent(new String(b, StandardCharsets.ISO_8859_1), i);
            }
        }
        while (tokens.size() < vocabularySize) {
            long[] b = pairCounts(words, counts).best();
            if (b == null || b[1] < minFrequency) {
                break;
            }
            int left = (int) (b[0] >>> 32);
            int right = (int) b[0];
            byte[] l = tokens.get(left);
            byte[] r = tokens.get(right);
            byte[] lr = Arrays.copyOf(l, l.length + r.length);
            System.arraycopy(r, 0, lr, l.length, r.length);
            String key = new String(lr, StandardCharsets.ISO_8859_1);
            Integer id = ids.get(key);
            if (id == null) {
                id = tokens.size();
                tokens.add(lr);
                ids.put(key, id);
            }
            merges.add(new Merge(left, right, id, b[1]));
            mergeAll(words, left, right, id);
        }
        return this;
    }

    /**
     * Replays a merge list over the pieces and returns the first step whose merge was not a most frequent pair
     * (by count alone: ties are allowed), or -1 when every merge was.
     */
    static int firstNonGreedyStep(PretokenCounts pieces, int[] left, int[] right, int[] result, int specials) {
        NaiveBpeTrainer t = new NaiveBpeTrainer(pieces, java.util.Collections.nCopies(specials, "<special>"));
        for (int step = 0; step < left.length; step++) {
            PairCounts pc = pairCounts(t.words, t.counts);
            long[] b = pc.best();
            long mine = pc.get(((long) left[step] << 32) | right[step]);
            if (b == null || mine != b[1]) {
                return step;
            }
            mergeAll(t.words, left[step], right[step], result[step]);
        }
        return -1;
    }
}
