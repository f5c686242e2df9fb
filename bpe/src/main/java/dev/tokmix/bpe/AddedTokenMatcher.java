package dev.tokmix.bpe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds added/special tokens in text, leftmost-longest among the tokens a call accepts (HF's Aho–Corasick
 * {@code LeftmostLongest} over the accepted set; identical to tiktoken's alternation for its specials, none of
 * which is a prefix of another). A char trie with sorted child arrays: no allocation per lookup.
 */
final class AddedTokenMatcher {
    private final AddedToken[] tokens;
    private final int[] matchLength;
    private final char[][] childChars;
    private final int[][] childNodes;
    private final int[] terminal;
    private final boolean[] firstAscii = new boolean[128];
    private final boolean anyNonAsciiFirst;

    /**
     * Builds the matcher.
     *
     * @param list      the tokens
     * @param matchText per token, the text to look for: its content, or for an HF {@code normalized: true}
     *                  token its content passed through the normaliser (HF matches those on normalised text)
     */
    AddedTokenMatcher(List<AddedToken> list, List<String> matchText) {
        this.tokens = list.toArray(new AddedToken[0]);
        this.matchLength = new int[tokens.length];
        List<char[]> cc = new ArrayList<>();
        List<int[]> cn = new ArrayList<>();
        List<Integer> term = new ArrayList<>();
        cc.add(new char[0]);
        cn.add(new int[0]);
        term.add(-1);
        boolean nonAscii = false;
        for (int t = 0; t < tokens.length; t++) {
            String c = matchText.get(t);
            matchLength[t] = c.length();
            if (c.isEmpty()) {
                continue;
            }
            char f = c.charAt(0);
            if (f < 128) {
                firstAscii[f] = true;
            } else {
                nonAscii = true;
            }
            int node = 0;
            for (int i = 0; i < c.length(); i++) {
                char ch = c.charAt(i);
                char[] keys = cc.get(node);
                int k = Arrays.binarySearch(keys, ch);
                if (k >= 0) {
                    node = cn.get(node)[k];
                } else {
                    int ins = -k - 1;
                    int created = cc.size();
                    cc.add(new char[0]);
                    cn.add(new int[0]);
                    term.add(-1);
                    char[] nk = new char[keys.length + 1];
                    int[] nn = new int[keys.length + 1];
                    int[] old = cn.get(node);
                    System.arraycopy(keys, 0, nk, 0, ins);
                    System.arraycopy(old, 0, nn, 0, ins);
                    nk[ins] = ch;
                    nn[ins] = created;
                    System.arraycopy(keys, ins, nk, ins + 1, keys.length - ins);
                    System.arraycopy(old, ins, nn, ins + 1, keys.length - ins);
                    cc.set(node, nk);
                    cn.set(node, nn);
                    node = created;
                }
            }
            // A later duplicate content keeps the first entry.
            if (term.get(node) < 0) {
                term.set(node, t);
            }
        }
        anyNonAsciiFirst = nonAscii;
        childChars = cc.toArray(new char[0][]);
        childNodes = cn.toArray(new int[0][]);
        terminal = term.stream().mapToInt(Integer::intValue).toArray();
    }

    boolean isEmpty() {
        return tokens.length == 0;
    }

    AddedToken token(int index) {
        return tokens[index];
    }

    /** Length in chars of the text a match of token {@code index} covers. */
    int matchLength(int index) {
        return matchLength[index];
    }

    /** Which tokens a search accepts. */
    enum Mode {
        /** Tokens to split out: accepted specials and non-special tokens, of one normalisation pass. */
        MATCH,
        /** Special tokens the policy disallows (any pass). */
        DISALLOWED
    }

    private boolean accepts(AddedToken t, Mode mode, SpecialTokenPolicy policy, boolean normalizedPass) {
        if (mode == Mode.DISALLOWED) {
            return t.special() && policy.disallows(t.content());
        }
        return t.normalized() == normalizedPass && (!t.special() || policy.allows(t.content()));
    }

    /**
     * Finds the leftmost-longest accepted token in {@code text[from, end)}.
     *
     * @return {@code start << 32 | tokenIndex}, or -1; the match ends at {@code start + matchLength(tokenIndex)}
     */
    long find(char[] text, int from, int end, SpecialTokenPolicy policy, Mode mode, boolean normalizedPass) {
        boolean[] fa = firstAscii;
        boolean na = anyNonAsciiFirst;
        for (int i = from; i < end; i++) {
            char c = text[i];
            if (c < 128 ? !fa[c] : !na) {
                continue;
            }
            int node = 0;
            int best = -1;
            for (int j = i; j < end; j++) {
                char[] keys = childChars[node];
                if (keys.length == 0) {
                    break;
                }
                int k = Arrays.binarySearch(keys, text[j]);
                if (k < 0) {
                    break;
                }
                node = childNodes[node][k];
                int t = terminal[node];
                if (t >= 0 && accepts(tokens[t], mode, policy, normalizedPass)) {
                    best = t;
                }
            }
            if (best >= 0) {
                return ((long) i << 32) | best;
            }
        }
        return -1L;
    }
}
