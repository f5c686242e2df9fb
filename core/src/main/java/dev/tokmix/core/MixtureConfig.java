package dev.tokmix.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A mixture's configuration: its domains (token shards and weights) and how samples are drawn. Usually read from
 * JSON ({@link #load(Path)}; the README documents every key):
 *
 * <pre>{@code
 * {"seq_len": 4096, "seed": 1234, "blend": "deterministic", "packing": "concat", "eod_id": 50256,
 *  "micro_batch": 4,
 *  "weighting": {"type": "static"},             // or temperature (alpha), unimax (budget_samples, max_epochs)
 *  "schedule": [{"position": 1000000, "weights": {"web": 0.5, "code": 0.5}}],
 *  "controller": {"type": "doremi", "eta": 1.0, "smoothing": 0.001, "update_every": 1000, "delay": 100},
 *  "domains": [
 *    {"name": "web", "shards": ["shards/web_*.idx"], "weight": 0.7},
 *    {"name": "code", "shards": ["shards/code"], "weight": 0.3, "exhaustion": "cap", "max_epochs": 2,
 *     "document_weights": "shards/code.weights.npy"}]}
 * }</pre>
 *
 * Paths are relative to the configuration file's folder.
 *
 * @param seqLen     tokens per sample minus one (samples hold {@code seqLen + 1} tokens)
 * @param seed       the seed of every permutation and random choice
 * @param blend      deterministic (exact proportions) or stochastic (i.i.d. draws)
 * @param packing    concatenate documents, or never cross a document
 * @param eodId      the EOD id masked out of the loss, or -1
 * @param padId      padding id for no-cross-document packing
 * @param microBatch samples per micro-batch (how global positions are dealt to ranks)
 * @param weighting  how domain weights are derived
 * @param schedule   weight changes at given positions (empty: none)
 * @param controller online reweighting, or null
 * @param domains    the domains
 * @param sha256     hash of the canonical configuration (what a checkpoint is tied to)
 */
public record MixtureConfig(int seqLen, long seed, Blend blend, DomainSamples.Packing packing, int eodId,
                            int padId, int microBatch, Weighting weighting, List<ScheduleStep> schedule,
                            Controller controller, List<Domain> domains, String sha256) {

    /** How domains are chosen per position. */
    public enum Blend {
        /** Earliest-eligible-deadline-first: every domain within one sample of its target at every prefix. */
        DETERMINISTIC,
        /** Independent draws (alias method) from counter-based random numbers. */
        STOCHASTIC
    }

    /** What happens when a domain runs out of data. */
    public enum Exhaustion {
        /** Start a new epoch (a new permutation). */
        EPOCH,
        /** After {@code max_epochs} epochs the domain's weight becomes 0 and the others are renormalised. */
        CAP,
        /** The stream ends when the domain finishes its first epoch. */
        STOP
    }

    /**
     * One domain.
     *
     * @param name            unique name
     * @param shards          its shard files (Megatron {@code .idx}, llm.c {@code .bin}, {@code .npy})
     * @param weight          its static weight (any scale; normalised with the others)
     * @param exhaustion      what happens at the end of its data
     * @param maxEpochs       the cap for {@link Exhaustion#CAP}
     * @param documentWeights float64 {@code .npy} of per-document weights, or null
     */
    public record Domain(String name, List<Path> shards, double weight, Exhaustion exhaustion, int maxEpochs,
                         Path documentWeights) {
    }

    /**
     * How domain weights are derived from the configuration.
     *
     * @param type          static, temperature or unimax
     * @param alpha         temperature: weights proportional to tokens^alpha (1 = by size, 0 = uniform)
     * @param budgetSamples unimax: the training budget in samples
     * @param maxEpochs     unimax: at most this many epochs of any domain
     */
    public record Weighting(String type, double alpha, long budgetSamples, double maxEpochs) {
    }

    /**
     * New weights from a position on.
     *
     * @param position the first global position they apply to
     * @param weights  per domain name
     */
    public record ScheduleStep(long position, Map<String, Double> weights) {
    }

    /**
     * An online controller.
     *
     * @param type          doremi or exp3
     * @param eta           step size
     * @param smoothing     doremi: mixing with uniform; exp3: exploration gamma
     * @param updateEvery   decide every this many positions
     * @param delay         a decision at position p takes effect at p + delay (all ranks agree on it)
     * @param referenceLoss doremi: per-domain reference losses (excess loss = loss − reference), may be empty
     */
    public record Controller(String type, double eta, double smoothing, long updateEvery, long delay,
                             Map<String, Double> referenceLoss) {
    }

    /**
     * Reads a configuration file.
     *
     * @param file the JSON file
     * @return the configuration
     * @throws TokmixException naming the file and key on anything malformed
     */
    public static MixtureConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e + "\n  remedy: check the path", e);
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, base, file.toString());
    }

    /**
     * Parses a configuration.
     *
     * @param json   the JSON text
     * @param base   the folder relative paths start from
     * @param source the name used in messages
     * @return the configuration
     * @throws TokmixException naming the source and key on anything malformed
     */
    public static MixtureConfig parse(String json, Path base, String source) {
        Object root = Json.parse(json, source);
        if (!(root instanceof Map<?, ?> m)) {
            throw bad(source, "(top level)", "must be a JSON object");
        }
        Reader r = new Reader(source, m);
        r.known("seq_len", "seed", "blend", "packing", "eod_id", "pad_id", "micro_batch", "weighting", "schedule",
                "controller", "domains");
        int seqLen = (int) r.integer("seq_len", -1, 1, Integer.MAX_VALUE - 1);
        long seed = r.integer("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
        Blend blend = switch (r.string("blend", "deterministic")) {
            case "deterministic" -> Blend.DETERMINISTIC;
            case "stochastic" -> Blend.STOCHASTIC;
            default -> throw bad(source, "blend", "must be deterministic or stochastic");
        };
        DomainSamples.Packing packing = DomainSamples.Packing.parse(r.string("packing", "concat"));
        int eod = (int) r.integer("eod_id", -1, -1, Integer.MAX_VALUE);
        int pad = (int) r.integer("pad_id", 0, 0, Integer.MAX_VALUE);
        int micro = (int) r.integer("micro_batch", 1, 1, Integer.MAX_VALUE);
        Weighting weighting = new Weighting("static", 1, 0, 0);
        if (m.get("weighting") instanceof Map<?, ?> w) {
            Reader wr = new Reader(source, w, "weighting.");
            wr.known("type", "alpha", "budget_samples", "max_epochs");
            String type = wr.string("type", "static");
            weighting = switch (type) {
                case "static" -> new Weighting(type, 1, 0, 0);
                case "temperature" -> new Weighting(type, wr.number("alpha", Double.NaN, 0, 100), 0, 0);
                case "unimax" -> new Weighting(type, 1, wr.integer("budget_samples", -1, 1, Long.MAX_VALUE),
                        wr.number("max_epochs", Double.NaN, 1e-9, 1e12));
                default -> throw bad(source, "weighting.type", "must be static, temperature or unimax");
            };
        } else if (m.containsKey("weighting")) {
            throw bad(source, "weighting", "must be an object");
        }
        List<Domain> domains = new ArrayList<>();
        if (!(m.get("domains") instanceof List<?> list) || list.isEmpty()) {
            throw bad(source, "domains", "must be a non-empty list of domains");
        }
        Map<String, Boolean> names = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> d)) {
                throw bad(source, "domains[" + i + "]", "must be an object");
            }
            Reader dr = new Reader(source, d, "domains[" + i + "].");
            dr.known("name", "shards", "weight", "exhaustion", "max_epochs", "document_weights");
            String name = dr.string("name", null);
            if (names.put(name, true) != null) {
                throw bad(source, "domains[" + i + "].name", "\"" + name + "\" is used twice");
            }
            if (!(d.get("shards") instanceof List<?> sl) || sl.isEmpty()) {
                throw bad(source, "domains[" + i + "].shards", "must be a non-empty list of paths or globs");
            }
            List<Path> shards = new ArrayList<>();
            for (Object o : sl) {
                if (!(o instanceof String s)) {
                    throw bad(source, "domains[" + i + "].shards", "must hold strings");
                }
                shards.addAll(expandShards(base, s, source, "domains[" + i + "].shards"));
            }
            double weight = dr.number("weight", 1.0, 0, Double.MAX_VALUE);
            Exhaustion ex = switch (dr.string("exhaustion", "epoch")) {
                case "epoch" -> Exhaustion.EPOCH;
                case "cap" -> Exhaustion.CAP;
                case "stop" -> Exhaustion.STOP;
                default -> throw bad(source, "domains[" + i + "].exhaustion", "must be epoch, cap or stop");
            };
            int maxEpochs = (int) dr.integer("max_epochs", ex == Exhaustion.CAP ? -1 : 1, 1, Integer.MAX_VALUE);
            String dw = d.get("document_weights") instanceof String s ? s : null;
            domains.add(new Domain(name, List.copyOf(shards), weight, ex, maxEpochs,
                    dw == null ? null : base.resolve(dw)));
        }
        List<ScheduleStep> schedule = new ArrayList<>();
        if (m.get("schedule") instanceof List<?> sched) {
            long last = -1;
            for (int i = 0; i < sched.size(); i++) {
                if (!(sched.get(i) instanceof Map<?, ?> st)) {
                    throw bad(source, "schedule[" + i + "]", "must be an object");
                }
                Reader sr = new Reader(source, st, "schedule[" + i + "].");
                sr.known("position", "weights");
                long pos = sr.integer("position", -1, 0, Long.MAX_VALUE);
                if (pos <= last) {
                    throw bad(source, "schedule[" + i + "].position", "positions must increase");
                }
                last = pos;
                schedule.add(new ScheduleStep(pos, sr.weights("weights", names.keySet())));
            }
        } else if (m.containsKey("schedule")) {
            throw bad(source, "schedule", "must be a list");
        }
        Controller controller = null;
        if (m.get("controller") instanceof Map<?, ?> c) {
            Reader cr = new Reader(source, c, "controller.");
            cr.known("type", "eta", "smoothing", "update_every", "delay", "reference_loss");
            String type = cr.string("type", null);
            if (!type.equals("doremi") && !type.equals("exp3")) {
                throw bad(source, "controller.type", "must be doremi or exp3");
            }
            Map<String, Double> ref = c.containsKey("reference_loss") ? cr.weights("reference_loss",
                    names.keySet()) : Map.of();
            controller = new Controller(type, cr.number("eta", 1.0, 0, 1e9),
                    cr.number("smoothing", type.equals("exp3") ? 0.1 : 1e-3, 0, 1),
                    cr.integer("update_every", 1000, 1, Long.MAX_VALUE), cr.integer("delay", 0, 0, Long.MAX_VALUE),
                    ref);
        } else if (m.containsKey("controller")) {
            throw bad(source, "controller", "must be an object");
        }
        String canonical = Json.write(root);
        return new MixtureConfig(seqLen, seed, blend, packing, eod, pad, micro, weighting, List.copyOf(schedule),
                controller, List.copyOf(domains), sha256(canonical));
    }

    /** Shard files of one entry: a file, a Megatron prefix, a folder or a glob (relative to {@code base}). */
    static List<Path> expandShards(Path base, String entry, String source, String key) {
        Path p = base.resolve(entry);
        if (Files.isRegularFile(p)) {
            return List.of(p);
        }
        if (Files.isRegularFile(Path.of(p + ".idx"))) {
            return List.of(Path.of(p + ".idx"));
        }
        List<Path> files;
        if (Files.isDirectory(p)) {
            try (Stream<Path> s = Files.list(p)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + p + ": " + e, e);
            }
        } else if (CorpusReader.isGlob(entry)) {
            try {
                files = CorpusReader.expand(List.of(p.toString()));
            } catch (TokmixException e) {
                throw bad(source, key, "\"" + entry + "\" matches no file");
            }
        } else {
            throw bad(source, key, "\"" + entry + "\" (" + p + ") is no file, Megatron prefix, folder or glob");
        }
        List<Path> shards = new ArrayList<>();
        for (Path f : files) {
            String n = f.getFileName().toString();
            String lower = n.toLowerCase(Locale.ROOT);
            if (n.startsWith(".") || lower.endsWith(".docs.npy") || lower.endsWith(".json")) {
                continue;
            }
            if (lower.endsWith(".bin") && Files.exists(f.resolveSibling(n.substring(0, n.length() - 4) + ".idx"))) {
                continue;
            }
            if (lower.endsWith(".idx") || lower.endsWith(".npy") || lower.endsWith(".bin")) {
                shards.add(f);
            }
        }
        if (shards.isEmpty()) {
            throw bad(source, key, "\"" + entry + "\" holds no shard (.idx, .bin, .npy)");
        }
        return shards;
    }

    static TokmixException bad(String source, String key, String what) {
        return new TokmixException(source + ": " + key + " " + what
                + "\n  remedy: fix the mixture configuration (the README's \"Mixture sampler\" lists every key)");
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Typed access to one JSON object, with messages naming the key. */
    private record Reader(String source, Map<?, ?> m, String prefix) {
        Reader(String source, Map<?, ?> m) {
            this(source, m, "");
        }

        void known(String... keys) {
            List<String> ok = List.of(keys);
            for (Object k : m.keySet()) {
                if (!ok.contains(k)) {
                    throw bad(source, prefix + k, "is not a known key (known: " + String.join(", ", keys) + ")");
                }
            }
        }

        String string(String key, String dflt) {
            Object v = m.get(key);
            if (v == null) {
                if (dflt == null) {
                    throw bad(source, prefix + key, "is required");
                }
                return dflt;
            }
            if (!(v instanceof String s)) {
                throw bad(source, prefix + key, "must be a string");
            }
            return s;
        }

        long integer(String key, long dflt, long min, long max) {
            Object v = m.get(key);
            if (v == null) {
                if (dflt < min) {
                    throw bad(source, prefix + key, "is required");
                }
                return dflt;
            }
            if (!(v instanceof Long l) || l < min || l > max) {
                throw bad(source, prefix + key, "must be an integer in [" + min + ", " + max + "], not " + v);
            }
            return l;
        }

        double number(String key, double dflt, double min, double max) {
            Object v = m.get(key);
            if (v == null) {
                if (Double.isNaN(dflt)) {
                    throw bad(source, prefix + key, "is required");
                }
                return dflt;
            }
            if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
                throw bad(source, prefix + key, "must be a number in [" + min + ", " + max + "], not " + v);
            }
            return n.doubleValue();
        }

        Map<String, Double> weights(String key, java.util.Set<String> domains) {
            if (!(m.get(key) instanceof Map<?, ?> w)) {
                throw bad(source, prefix + key, "must be an object of domain name → number");
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : w.entrySet()) {
                if (!domains.contains(e.getKey())) {
                    throw bad(source, prefix + key + "." + e.getKey(), "names no domain");
                }
                if (!(e.getValue() instanceof Number n) || !(n.doubleValue() >= 0)) {
                    throw bad(source, prefix + key + "." + e.getKey(), "must be a number >= 0");
                }
                out.put((String) e.getKey(), n.doubleValue());
            }
            return out;
        }
    }
}
