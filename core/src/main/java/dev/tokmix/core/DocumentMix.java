package dev.tokmix.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A training stream with exact byte shares per category, as Hayase et al. (2024, §4.1) build the tokenizer
 * training data of their controlled experiments: category i receives {@code totalBytes * w_i / sum(w)} bytes of
 * whole documents, drawn in a seeded random order; a category smaller than its share is repeated (whole passes
 * over all its documents, then a seeded prefix of one more pass).
 *
 * <p>Shares are met to within half of one document: documents are taken in draw order until the share is
 * reached, and the last one is kept only if that lands closer to the target. The plan is a multiplicity per
 * document, so the stream is read once, in file order, each document standing for its number of draws (BPE
 * training counts pretokens, so order within the stream does not matter).
 *
 * <p>Same categories, files, total and seed → the same plan, on any machine.
 */
public final class DocumentMix {

    /**
     * One category of the mix.
     *
     * @param name   the category's name
     * @param inputs its files and folders
     * @param weight its relative share (≥ 0)
     */
    public record Category(String name, List<Path> inputs, double weight) {
        /**
         * Parses {@code NAME=PATH[,PATH...]:WEIGHT}.
         *
         * @param spec the option value
         * @return the category
         * @throws TokmixException naming the problem if the spec is malformed
         */
        public static Category parse(String spec) {
            int eq = spec.indexOf('=');
            int colon = spec.lastIndexOf(':');
            if (eq <= 0 || colon < eq + 2 || colon == spec.length() - 1) {
                throw new TokmixException("--mix " + spec + ": expected NAME=PATH[,PATH...]:WEIGHT"
                        + "\n  remedy: e.g. --mix en=data/text/prose/en.txt:0.7");
            }
            double w;
            try {
                w = Double.parseDouble(spec.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new TokmixException("--mix " + spec + ": weight \"" + spec.substring(colon + 1)
                        + "\" is not a number\n  remedy: give a non-negative number after the last ':'");
            }
            List<Path> paths = new ArrayList<>();
            for (String p : spec.substring(eq + 1, colon).split(",")) {
                paths.add(Path.of(p));
            }
            return new Category(spec.substring(0, eq), List.copyOf(paths), w);
        }
    }

    /**
     * What the plan realised for one category.
     *
     * @param name               category name
     * @param weight             requested weight
     * @param targetBytes        requested bytes ({@code totalBytes * weight / sum of weights}, rounded so the
     *                           targets sum to the total)
     * @param realisedBytes      bytes of the documents drawn (UTF-8)
     * @param documentDraws      documents drawn, repeats counted
     * @param distinctDocuments  distinct documents drawn
     * @param fullPasses         complete passes over the category (repetition when it is too small)
     * @param availableBytes     bytes of all the category's documents
     * @param availableDocuments the category's documents
     */
    public record Realised(String name, double weight, long targetBytes, long realisedBytes, long documentDraws,
                           long distinctDocuments, long fullPasses, long availableBytes,
                           long availableDocuments) {
    }

    /** Receives each drawn document once, with how many times it was drawn. */
    @FunctionalInterface
    public interface WeightedVisitor {
        /**
         * Accepts a document.
         *
         * @param text     the document
         * @param draws    how many times it was drawn (≥ 1)
         * @param category index of its category
         */
        void accept(String text, int draws, int category);
    }

    private final List<Category> categories;
    private final List<TextDocuments> corpora;
    private final int[][] draws;
    private final List<Realised> realised;
    private final long totalBytes;
    private final long seed;

    private DocumentMix(List<Category> categories, List<TextDocuments> corpora, int[][] draws,
                        List<Realised> realised, long totalBytes, long seed) {
        this.categories = categories;
        this.corpora = corpora;
        this.draws = draws;
        this.realised = realised;
        this.totalBytes = totalBytes;
        this.seed = seed;
    }

    /**
     * Plans a mix: reads every category once to size its documents, then draws.
     *
     * @param categories the categories (names unique)
     * @param totalBytes bytes of the whole stream (&gt; 0)
     * @param seed       seed of the draws
     * @param split      how plain text files are cut into documents
     * @param jsonField  the text field of JSON Lines files
     * @return the plan
     * @throws TokmixException if the weights do not sum to a positive number, a weight is negative or not
     *                         finite, names repeat, or a category with a positive weight has no text
     */
    public static DocumentMix plan(List<Category> categories, long totalBytes, long seed,
                                   TextDocuments.Split split, String jsonField) {
        if (categories.isEmpty()) {
            throw new TokmixException("the mix has no categories\n  remedy: give at least one --mix NAME=PATH:WEIGHT");
        }
        if (totalBytes <= 0) {
            throw new TokmixException("--total-bytes " + totalBytes + " must be positive");
        }
        double sum = 0;
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Category c : categories) {
            if (!(c.weight() >= 0) || Double.isInfinite(c.weight())) {
                throw new TokmixException("--mix " + c.name() + ": weight " + c.weight() + " must be a finite"
                        + " number >= 0");
            }
            if (!names.add(c.name())) {
                throw new TokmixException("--mix: category " + c.name() + " is given twice\n  remedy: list"
                        + " several paths as NAME=PATH1,PATH2:WEIGHT");
            }
            sum += c.weight();
        }
        if (!(sum > 0)) {
            throw new TokmixException("the mix weights sum to " + sum + "; they must sum to a positive number"
                    + "\n  remedy: give at least one category a positive weight");
        }
        long[] targets = apportion(categories, totalBytes, sum);
        List<TextDocuments> corpora = new ArrayList<>();
        int[][] draws = new int[categories.size()][];
        List<Realised> realised = new ArrayList<>();
        for (int ci = 0; ci < categories.size(); ci++) {
            Category c = categories.get(ci);
            TextDocuments docs = new TextDocuments(c.inputs(), split, jsonField);
            corpora.add(docs);
            long[][] sizes = {new long[1024]};
            int[] n = {0};
            docs.forEach((text, index) -> {
                if (n[0] == sizes[0].length) {
                    sizes[0] = Arrays.copyOf(sizes[0], n[0] * 2);
                }
                sizes[0][n[0]++] = utf8Length(text);
            });
            long[] size = Arrays.copyOf(sizes[0], n[0]);
            long available = 0;
            for (long s : size) {
                available += s;
            }
            if (available == 0 && targets[ci] > 0) {
                throw new TokmixException("--mix " + c.name() + ": the category is empty (" + c.inputs()
                        + " hold no text)\n  remedy: point it at non-empty UTF-8 or JSON Lines files, or give it"
                        + " weight 0");
            }
            draws[ci] = new int[size.length];
            realised.add(draw(c, ci, size, available, targets[ci], seed, draws[ci]));
        }
        return new DocumentMix(List.copyOf(categories), List.copyOf(corpora), draws, List.copyOf(realised),
                totalBytes, seed);
    }

    /** Largest-remainder rounding of {@code total * w_i / sum}, so the targets add up to the total exactly. */
    private static long[] apportion(List<Category> categories, long total, double sum) {
        int k = categories.size();
        long[] t = new long[k];
        double[] frac = new double[k];
        long assigned = 0;
        for (int i = 0; i < k; i++) {
            double exact = total * (categories.get(i).weight() / sum);
            t[i] = (long) Math.floor(exact);
            frac[i] = exact - t[i];
            assigned += t[i];
        }
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> frac[a] != frac[b] ? Double.compare(frac[b], frac[a]) : Integer.compare(a, b));
        for (int j = 0; assigned < total && j < k; j++) {
            if (categories.get(order[j]).weight() > 0) {
                t[order[j]]++;
                assigned++;
            }
        }
        return t;
    }

    private static Realised draw(Category c, int ci, long[] size, long available, long target, long seed,
                                 int[] draws) {
        if (target == 0) {
            return new Realised(c.name(), c.weight(), 0, 0, 0, 0, 0, available, size.length);
        }
        long full = target / available;
        if (full > Integer.MAX_VALUE / 2) {
            throw new TokmixException("--mix " + c.name() + ": " + available + " bytes would have to repeat "
                    + full + " times to fill " + target + " bytes\n  remedy: add text to the category or lower"
                    + " --total-bytes");
        }
        long got = full * available;
        long drawn = full * size.length;
        if (full > 0) {
            Arrays.fill(draws, (int) full);
        }
        // The last, partial pass takes documents in a seeded order; the seed mixes in the category's name and
        // pass number so categories draw independently.
        int[] order = permutation(size.length, seed ^ ((long) c.name().hashCode() << 32) ^ (full * 0x9E3779B97F4A7C15L));
        int last = -1;
        for (int j = 0; j < order.length && got < target; j++) {
            int d = order[j];
            if (size[d] == 0) {
                continue;
            }
            draws[d]++;
            got += size[d];
            drawn++;
            last = d;
        }
        // Keep the document that crossed the target only if that lands closer to it.
        if (last >= 0 && got - target > target - (got - size[last])) {
            draws[last]--;
            got -= size[last];
            drawn--;
        }
        long distinct = 0;
        for (int m : draws) {
            if (m > 0) {
                distinct++;
            }
        }
        return new Realised(c.name(), c.weight(), target, got, drawn, distinct, full, available, size.length);
    }

    /** A seeded Fisher–Yates permutation of {@code 0..n-1}. */
    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * The UTF-8 length of a string, counting a lone surrogate as U+FFFD (3 bytes), as the encoder sees it.
     *
     * @param s the text
     * @return its length in UTF-8 bytes
     */
    public static long utf8Length(CharSequence s) {
        long n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * What was drawn per category.
     *
     * @return one entry per category, in order
     */
    public List<Realised> realised() {
        return realised;
    }

    /**
     * The categories.
     *
     * @return the categories, in order
     */
    public List<Category> categories() {
        return categories;
    }

    /**
     * Reads every drawn document once (categories in order, files in order).
     *
     * @param visitor receives each drawn document and its number of draws
     */
    public void forEach(WeightedVisitor visitor) {
        for (int ci = 0; ci < corpora.size(); ci++) {
            int[] d = draws[ci];
            int category = ci;
            corpora.get(ci).forEach((text, index) -> {
                if (index >= d.length) {
                    throw new TokmixException("--mix " + categories.get(category).name() + ": the files changed"
                            + " while training (more documents than when the mix was planned)\n  remedy: do not"
                            + " modify the inputs during a run");
                }
                int m = d[(int) index];
                if (m > 0) {
                    visitor.accept(text, m, category);
                }
            });
        }
    }

    /**
     * The plan as JSON (the sidecar {@code tokmix train --mix} writes): seed, total, and per category the weight,
     * target and realised bytes, document draws, distinct documents, full passes and what was available.
     *
     * @return a JSON object
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\n  \"total_bytes\": ").append(totalBytes).append(",\n  \"seed\": ").append(seed)
                .append(",\n  \"realised_bytes\": ").append(realised.stream().mapToLong(Realised::realisedBytes).sum())
                .append(",\n  \"categories\": [");
        for (int i = 0; i < realised.size(); i++) {
            Realised r = realised.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"name\": ");
            JsonStrings.quote(r.name(), sb);
            sb.append(", \"inputs\": [");
            List<Path> in = categories.get(i).inputs();
            for (int j = 0; j < in.size(); j++) {
                if (j > 0) {
                    sb.append(", ");
                }
                JsonStrings.quote(in.get(j).toString(), sb);
            }
            sb.append("], \"weight\": ").append(r.weight())
                    .append(", \"target_bytes\": ").append(r.targetBytes())
                    .append(", \"realised_bytes\": ").append(r.realisedBytes())
                    .append(", \"realised_share\": ").append(r.realisedBytes() / (double) totalBytes)
                    .append(", \"document_draws\": ").append(r.documentDraws())
                    .append(", \"distinct_documents\": ").append(r.distinctDocuments())
                    .append(", \"full_passes\": ").append(r.fullPasses())
                    .append(", \"available_bytes\": ").append(r.availableBytes())
                    .append(", \"available_documents\": ").append(r.availableDocuments()).append('}');
        }
        return sb.append("\n  ]\n}\n").toString();
    }
}
