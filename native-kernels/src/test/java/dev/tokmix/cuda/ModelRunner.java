package dev.tokmix.cuda;

import dev.tokmix.bpe.TokenBuffer;
import java.util.List;

/** Runs the kernels' twin on loose pieces (one document per piece) and returns each piece's ids. */
final class ModelRunner {
    private ModelRunner() {
    }

    static int[][] merge(MergeBackend backend, List<byte[]> pieces, int shortMaxBytes) {
        PieceCollector c = new PieceCollector();
        c.reset();
        for (byte[] p : pieces) {
            c.deferMerge(p, 0, p.length);
            c.endDocument();
        }
        try (MergeBackend.Lane lane = backend.openLane()) {
            PieceBatch b = c.pack(lane.input(4 * PieceBatchFormat.inputWords(c.pieceCount, c.byteCount)),
                    shortMaxBytes);
            lane.merge(b);
            c.takeResults(lane.output(), b);
        }
        int[][] out = new int[pieces.size()][];
        for (int i = 0; i < out.length; i++) {
            TokenBuffer t = new TokenBuffer();
            c.emit(i, t);
            out[i] = t.toArray();
        }
        return out;
    }
}
