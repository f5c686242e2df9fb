package dev.tokmix.bpe;

import java.util.List;

/**
 * Splits a text segment into the pieces BPE runs on: a sequence of split steps, each re-splitting every piece
 * the previous step produced (HF {@code Sequence} semantics; a lone tiktoken pattern is one step that keeps
 * matches and drops gaps, like tiktoken's {@code find_iter}).
 */
final class PreTokenizer {

    /** HF {@code SplitDelimiterBehavior}. */
    enum Behavior {
        ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS
    }

    /**
     * One split step.
     *
     * @param scanner  finds the pattern's matches
     * @param behavior what happens to matches and gaps
     * @param invert   swap the roles of matches and gaps (HF {@code invert})
     * @param label    description for {@code tokmix info}
     */
    record Step(PieceScanner scanner, Behavior behavior, boolean invert, String label) {
    }

    private final Step[] steps;
    private final String description;

    PreTokenizer(List<Step> steps) {
        this.steps = steps.toArray(new Step[0]);
        StringBuilder sb = new StringBuilder();
        for (Step s : steps) {
            if (!sb.isEmpty()) {
                sb.append(" -> ");
            }
            sb.append(s.label());
        }
        this.description = sb.isEmpty() ? "none" : sb.toString();
    }

    String describe() {
        return description;
    }

    /**
     * Splits {@code text[start, end)} and writes {@code (pieceStart, pieceEnd)} pairs to {@code s.pieces}.
     */
    void split(char[] text, int start, int end, EncodeScratch s) {
        if (steps.length == 1) {
            splitOneStep(steps[0], text, start, end, s);
            return;
        }
        IntList cur = s.pieces;
        cur.clear();
        cur.add(start, end);
        IntList next = s.piecesNext;
        IntList m = s.matches;
        for (Step step : steps) {
            next.clear();
            for (int p = 0; p < cur.size; p += 2) {
                int ps = cur.data[p];
                int pe = cur.data[p + 1];
                m.clear();
                step.scanner.matches(text, ps, pe, m);
                apply(step, ps, pe, m, next);
            }
            IntList t = cur;
            cur = next;
            next = t;
        }
        if (cur != s.pieces) {
            s.pieces.swapContents(cur);
        }
    }

    /**
     * One split step, scanned once. Its matches are the pieces outright for tiktoken's keep-matches step, and for
     * an HF {@code Isolated} split whenever they tile the segment without gaps (true for every known full-coverage
     * pattern); then they move into {@code s.pieces} without a pass over the list. Otherwise HF's rules apply.
     */
    private static void splitOneStep(Step step, char[] text, int start, int end, EncodeScratch s) {
        IntList m = s.matches;
        m.clear();
        step.scanner.matches(text, start, end, m);
        boolean keepMatches = step.behavior == Behavior.REMOVED && step.invert;
        boolean isolated = step.behavior == Behavior.ISOLATED && !step.invert;
        if (keepMatches || (isolated && tiles(m, start, end))) {
            s.pieces.swapContents(m);
            return;
        }
        s.pieces.clear();
        apply(step, start, end, m, s.pieces);
    }

    private static boolean tiles(IntList m, int start, int end) {
        int[] d = m.data;
        int pos = start;
        for (int i = 0; i < m.size; i += 2) {
            if (d[i] != pos) {
                return false;
            }
            pos = d[i + 1];
        }
        return pos == end;
    }

    /**
     * Turns the matches of one piece into output pieces by HF's rules (tokenizers {@code normalizer.rs}
     * {@code split}): spans alternate gap/match; invert swaps them; empty spans are dropped.
     */
    private static void apply(Step step, int start, int end, IntList m, IntList out) {
        Behavior b = step.behavior;
        boolean invert = step.invert;
        int lastStart = -1;
        int lastEnd = -1;
        boolean previousMatch = false;
        boolean haveLast = false;
        int pos = start;
        int n = m.size;
        // Walk spans: for each match, the gap before it, then the match; finally the trailing gap.
        for (int i = 0; i <= n; i += 2) {
            for (int phase = 0; phase < 2; phase++) {
                int ss;
                int se;
                boolean isMatch;
                if (phase == 0) {
                    ss = pos;
                    se = i < n ? m.data[i] : end;
                    isMatch = false;
                } else {
                    if (i >= n) {
                        break;
                    }
                    ss = m.data[i];
                    se = m.data[i + 1];
                    pos = se;
                    isMatch = true;
                }
                if (se <= ss) {
                    continue;
                }
                if (invert) {
                    isMatch = !isMatch;
                }
                switch (b) {
                    case ISOLATED -> out.add(ss, se);
                    case REMOVED -> {
                        if (!isMatch) {
                            out.add(ss, se);
                        }
                    }
                    case MERGED_WITH_PREVIOUS -> {
                        if (isMatch && !previousMatch && haveLast) {
                            out.data[out.size - 1] = se;
                        } else {
                            out.add(ss, se);
                            haveLast = true;
                        }
                        previousMatch = isMatch;
                    }
                    case MERGED_WITH_NEXT -> {
                        // A match is glued to the span after it, unless that span is a match too.
                        if (lastStart >= 0) {
                            if (isMatch) {
                                out.add(lastStart, lastEnd);
                                lastStart = ss;
                                lastEnd = se;
                            } else {
                                out.add(lastStart, se);
                                lastStart = -1;
                            }
                        } else if (isMatch) {
                            lastStart = ss;
                            lastEnd = se;
                        } else {
                            out.add(ss, se);
                        }
                    }
                    case CONTIGUOUS -> {
                        // HF merges any two neighbouring spans of the same kind; after invert that includes
                        // neighbouring (former) matches, which are then both "gaps".
                        if (isMatch == previousMatch && haveLast) {
                            out.data[out.size - 1] = se;
                        } else {
                            out.add(ss, se);
                            haveLast = true;
                        }
                        previousMatch = isMatch;
                    }
                }
            }
        }
        if (b == Behavior.MERGED_WITH_NEXT && lastStart >= 0) {
            out.add(lastStart, lastEnd);
        }
    }
}
