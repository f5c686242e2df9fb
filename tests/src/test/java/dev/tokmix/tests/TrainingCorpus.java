package dev.tokmix.tests;

import dev.tokmix.core.DocumentMix;
import dev.tokmix.core.TextDocuments;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Documents of the fetched text (blank-line separated) split into a training part and a held-back part: in each
 * file, even-numbered documents train and odd-numbered ones are held back, each part capped by a per-file quota
 * (water filling over files, so every language and programming language is in both parts).
 */
final class TrainingCorpus {
    final List<String> train = new ArrayList<>();
    final List<String> heldBack = new ArrayList<>();
    long trainBytes;
    long heldBackBytes;

    private TrainingCorpus() {
    }

    /**
     * Builds the split.
     *
     * @param files          text files
     * @param trainBudget    bytes of training documents over all files
     * @param heldBackBudget bytes of held-back documents over all files
     * @return the split
     */
    static TrainingCorpus of(List<Path> files, long trainBudget, long heldBackBudget) {
        long[] sizes = new long[files.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = files.get(i).toFile().length() / 2;
        }
        long[] trainQuota = ParityCorpus.quotas(sizes, trainBudget);
        long[] heldQuota = ParityCorpus.quotas(sizes, heldBackBudget);
        TrainingCorpus c = new TrainingCorpus();
        for (int i = 0; i < files.size(); i++) {
            long[] got = {0, 0};
            int fi = i;
            new TextDocuments(List.of(files.get(i)), TextDocuments.Split.PARAGRAPH, "text").forEach((text, index) -> {
                long b = DocumentMix.utf8Length(text);
                int part = (int) (index & 1);
                long quota = part == 0 ? trainQuota[fi] : heldQuota[fi];
                if (got[part] + b <= quota) {
                    (part == 0 ? c.train : c.heldBack).add(text);
                    got[part] += b;
                }
            });
            c.trainBytes += got[0];
            c.heldBackBytes += got[1];
        }
        return c;
    }

    /** Every fetched text file (code, then prose), in path order. */
    static List<Path> allTextFiles() {
        return TextDocuments.expand(List.of(TestData.directory().resolve("text/code"),
                TestData.directory().resolve("text/prose")));
    }
}
