package dev.tokmix.core;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Draws fixed-length training samples from a mixture of domains ({@link MixtureConfig}); every sample is a pure
 * function of (configuration, seed, global position).
 *
 * <p><b>Blending.</b> Position n goes to the domain a {@link DeterministicBlender} (each domain within one sample
 * of its target at every prefix; at a weight change the targets restart from the counts, so the bound holds
 * across changes too) or a {@link StochasticBlender} (i.i.d., counter-based random numbers)
 * chooses; that domain's next sample comes from its {@link DomainSamples} stream (keyed permutation per epoch,
 * fixed windows). <b>Weights</b> come from the configuration (static, temperature, UniMax), change at the
 * schedule's positions, and follow an online {@link WeightController} whose decisions at position p take effect
 * at p + delay; a domain that reaches its epoch cap drops to weight 0 (the others renormalised), a domain with
 * exhaustion {@code stop} ends the stream at the end of its first epoch. Every weight change is logged.
 *
 * <p><b>Ranks and workers.</b> Global positions are dealt in micro-batches of {@code micro_batch} samples,
 * Megatron's way: micro-batch b goes to rank {@code b mod W}, and within a rank, to data-loader worker
 * {@code (b div W) mod workers}. Every rank runs the (cheap) blend decisions of all positions and fills only its
 * own, so the global order never depends on W or the worker count, and the union of all ranks' streams is the
 * W = 1 stream.
 *
 * <p><b>Checkpoints.</b> {@link #state()} is a few KB of JSON (format version, configuration hash, seed, position,
 * blender counters, weights, weight log, controller state); {@link #restore} continues exactly where the state
 * was taken. Restoring under a changed configuration is refused unless a migration is asked for: then domains are
 * matched by name and each continues from its counter, the new weights applying from the restored position.
 *
 * <p>Hot path: {@link #next(SampleBuffer)} and {@link #nextBatch} allocate nothing per sample (except when an epoch
 * starts: its prefix sums are built once).
 */
public final class MixtureSampler implements AutoCloseable {
    /** Version of {@link #state()}'s JSON. */
    public static final int STATE_VERSION = 1;

    /**
     * Where this sampler's samples go.
     *
     * @param rank    data-parallel rank, in [0, world)
     * @param world   data-parallel world size
     * @param worker  data-loader worker of this rank, in [0, workers)
     * @param workers data-loader workers per rank
     */
    public record Placement(int rank, int world, int worker, int workers) {
        /** Validates. */
        public Placement {
            if (world < 1 || rank < 0 || rank >= world || workers < 1 || worker < 0 || worker >= workers) {
                throw new TokmixException("rank " + rank + " of world " + world + ", worker " + worker + " of "
                        + workers + " is not a valid placement\n  remedy: 0 <= rank < world, 0 <= worker < workers");
            }
        }

        /**
         * One rank, one worker.
         *
         * @return the placement
         */
        public static Placement single() {
            return new Placement(0, 1, 0, 1);
        }
    }

    /**
     * Per-domain statistics.
     *
     * @param name          the domain
     * @param drawn         samples the blend gave the domain, over all ranks
     * @param served        samples this sampler filled from it
     * @param tokensServed  tokens this sampler filled from it ({@code seqLen} per sample: the inputs)
     * @param target        the domain's target share of positions so far (integrated weights)
     * @param achieved      its achieved share
     * @param weight        its current weight
     * @param epoch         the epoch its next sample falls in
     * @param repeats       samples drawn beyond its first epoch
     */
    public record DomainStats(String name, long drawn, long served, long tokensServed, double target,
                              double achieved, double weight, long epoch, long repeats) {
    }

    private final MixtureConfig config;
    private final Placement placement;
    private final List<TokenShardReader> readers;
    private final DomainSamples[] domains;
    private final String[] names;
    private final int k;
    private final long[] limits;
    private final boolean[] stopped;
    private final long[] served;
    private final double[] baseWeights;
    private double[] controlled;
    private final WeightController controller;
    private DeterministicBlender deterministic;
    private StochasticBlender stochastic;
    private long position;
    private int scheduleIndex;
    private boolean ended;
    private final List<long[]> pendingPositions = new ArrayList<>();
    private final List<double[]> pendingWeights = new ArrayList<>();
    private final List<Object[]> weightLog = new ArrayList<>();
    private double[] inForce;
    private final SampleBuffer scratch;
    private final boolean single;
    private long statsEvery;
    private java.util.function.Consumer<List<DomainStats>> statsListener;

    private MixtureSampler(MixtureConfig config, Placement placement, List<TokenShardReader> readers,
                           DomainSamples[] domains) {
        this.config = config;
        this.placement = placement;
        this.readers = readers;
        this.domains = domains;
        this.k = domains.length;
        this.names = new String[k];
        for (int i = 0; i < k; i++) {
            names[i] = config.domains().get(i).name();
        }
        this.limits = new long[k];
        this.stopped = new boolean[k];
        this.served = new long[k];
        for (int i = 0; i < k; i++) {
            // Fails now, naming the domain, if it cannot fill a single sample.
            domains[i].epochOf(0);
        }
        for (int i = 0; i < k; i++) {
            MixtureConfig.Domain d = config.domains().get(i);
            limits[i] = switch (d.exhaustion()) {
                case EPOCH -> Long.MAX_VALUE;
                case CAP -> domains[i].samplesBefore(d.maxEpochs());
                case STOP -> domains[i].samplesBefore(1);
            };
        }
        this.baseWeights = baseWeights(config, domains);
        this.controller = config.controller() == null ? null
                : WeightController.of(config.controller(), List.of(names), baseWeights);
        this.scratch = new SampleBuffer(config.seqLen(), false);
        this.single = placement.world() == 1 && placement.workers() == 1;
        double[] w = effective();
        if (config.blend() == MixtureConfig.Blend.DETERMINISTIC) {
            deterministic = new DeterministicBlender(w);
        } else {
            stochastic = new StochasticBlender(w, config.seed());
        }
        inForce = w;
        weightLog.add(new Object[] {0L, w.clone()});
        applyChanges();
    }

    /**
     * Opens every domain's shards and prepares the sampler.
     *
     * @param config    the configuration
     * @param placement this rank and worker
     * @return the sampler
     * @throws TokmixException if a shard is malformed, a domain is empty, or the weights are all zero
     */
    public static MixtureSampler open(MixtureConfig config, Placement placement) {
        List<TokenShardReader> readers = new ArrayList<>();
        try {
            DomainSamples[] domains = new DomainSamples[config.domains().size()];
            for (int i = 0; i < domains.length; i++) {
                MixtureConfig.Domain d = config.domains().get(i);
                List<TokenShardReader> mine = new ArrayList<>();
                for (Path shard : d.shards()) {
                    TokenShardReader r = TokenShardReader.open(shard);
                    readers.add(r);
                    mine.add(r);
                }
                double[] dw = d.documentWeights() == null ? null : NpyFormat.readFloat64(d.documentWeights());
                domains[i] = new DomainSamples(d.name(), i, mine, config.seqLen(), config.seed(), config.packing(),
                        config.eodId(), config.padId(), dw);
            }
            return new MixtureSampler(config, placement, readers, domains);
        } catch (RuntimeException | Error e) {
            for (TokenShardReader r : readers) {
                r.close();
            }
            throw e;
        }
    }

    /** Static weights after the configured weighting (temperature, UniMax). */
    private static double[] baseWeights(MixtureConfig config, DomainSamples[] domains) {
        int k = domains.length;
        double[] w = new double[k];
        MixtureConfig.Weighting wt = config.weighting();
        switch (wt.type()) {
            case "temperature" -> {
                for (int i = 0; i < k; i++) {
                    w[i] = Math.pow(domains[i].tokenCount(), wt.alpha());
                }
            }
            case "unimax" -> {
                // UniMax (Chung et al. 2023): spread the budget uniformly, but give no domain more than
                // max_epochs of its data; what a small domain cannot take goes to the larger ones.
                Integer[] order = new Integer[k];
                for (int i = 0; i < k; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Long.compare(domains[a].samplesPerEpoch(),
                        domains[b].samplesPerEpoch()));
                double left = wt.budgetSamples();
                for (int j = 0; j < k; j++) {
                    int i = order[j];
                    double share = left / (k - j);
                    w[i] = Math.min(share, wt.maxEpochs() * domains[i].samplesPerEpoch());
                    left -= w[i];
                }
            }
            default -> {
                for (int i = 0; i < k; i++) {
                    w[i] = config.domains().get(i).weight();
                }
            }
        }
        return w;
    }

    /** The weights in force: schedule or base, replaced by the controller's, zero for capped domains. */
    private double[] effective() {
        double[] w = (controlled != null ? controlled : scheduled()).clone();
        double sum = 0;
        for (int i = 0; i < k; i++) {
            if (stopped[i]) {
                w[i] = 0;
            }
            sum += w[i];
        }
        if (!(sum > 0)) {
            return null;
        }
        for (int i = 0; i < k; i++) {
            w[i] /= sum;
        }
        return w;
    }

    private double[] scheduled() {
        if (scheduleIndex == 0) {
            return baseWeights;
        }
        Map<String, Double> m = config.schedule().get(scheduleIndex - 1).weights();
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = m.getOrDefault(names[i], 0.0);
        }
        return w;
    }

    /** Applies the schedule steps and controller decisions due at the current position. */
    private void applyChanges() {
        boolean changed = false;
        List<MixtureConfig.ScheduleStep> sched = config.schedule();
        while (scheduleIndex < sched.size() && sched.get(scheduleIndex).position() <= position) {
            scheduleIndex++;
            controlled = null;
            changed = true;
        }
        for (int i = 0; i < pendingPositions.size(); i++) {
            if (pendingPositions.get(i)[0] <= position) {
                controlled = pendingWeights.get(i);
                pendingPositions.remove(i);
                pendingWeights.remove(i);
                i--;
                changed = true;
            }
        }
        if (changed) {
            setWeights();
        }
    }

    private void setWeights() {
        double[] w = effective();
        if (w == null) {
            ended = true;
            return;
        }
        inForce = w;
        if (deterministic != null) {
            // At a weight change every domain's target restarts from its count (its lag is forgiven), so each
            // domain stays within one sample of its target at every prefix, across changes too. Carrying the lags
            // (DeterministicBlender.setWeights) keeps the long-run integral exact but cannot keep that bound: moving
            // all weight onto domains that are owed samples can leave one of them owed more than one for good.
            DeterministicBlender.State st = deterministic.snapshot();
            deterministic = DeterministicBlender.restore(new DeterministicBlender.State(st.position(), st.counts(),
                    w, st.position(), st.counts(), new double[k]));
        } else {
            stochastic.setWeights(w);
        }
        weightLog.add(new Object[] {position, w.clone()});
    }

    private boolean mine(long p) {
        if (single) {
            return true;
        }
        long mb = p / config.microBatch();
        if (mb % placement.world() != placement.rank()) {
            return false;
        }
        return (mb / placement.world()) % placement.workers() == placement.worker();
    }

    /**
     * Fills the next sample of this rank and worker.
     *
     * @param out the buffer (its seqLen must be the configuration's)
     * @return false when the stream has ended (a {@code stop} domain finished its epoch, or every domain is capped)
     */
    public boolean next(SampleBuffer out) {
        while (!ended) {
            long p = position;
            int d = deterministic != null ? deterministic.next() : stochastic.next();
            long s = (deterministic != null ? deterministic.count(d) : stochastic.count(d)) - 1;
            position++;
            boolean last = s + 1 >= limits[d];
            boolean own = mine(p);
            if (own) {
                domains[d].fill(s, out);
                out.domain = d;
                out.position = p;
                served[d]++;
            }
            if (last) {
                MixtureConfig.Exhaustion ex = config.domains().get(d).exhaustion();
                if (ex == MixtureConfig.Exhaustion.STOP) {
                    ended = true;
                } else {
                    stopped[d] = true;
                    setWeights();
                }
            }
            if (controller != null && position % config.controller().updateEvery() == 0) {
                double[] w = controller.decide(inForce);
                pendingPositions.add(new long[] {position + config.controller().delay()});
                pendingWeights.add(w);
            }
            applyChanges();
            if (statsListener != null && position % statsEvery == 0) {
                statsListener.accept(stats());
            }
            if (own) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fills up to {@code samples} samples, row after row, into {@code dst} ({@code seqLen + 1} ids each).
     *
     * @param dst     destination
     * @param samples how many
     * @return how many were filled (fewer only when the stream ends)
     */
    public int nextBatch(int[] dst, int samples) {
        int width = config.seqLen() + 1;
        for (int i = 0; i < samples; i++) {
            if (!next(scratch)) {
                return i;
            }
            System.arraycopy(scratch.tokens, 0, dst, i * width, width);
        }
        return samples;
    }

    /**
     * Fills up to {@code samples} samples into a segment as little-endian int32, row after row.
     *
     * @param dst       destination
     * @param offsetBytes where in {@code dst}
     * @param samples   how many
     * @return how many were filled
     */
    public int nextBatch(MemorySegment dst, long offsetBytes, int samples) {
        int width = config.seqLen() + 1;
        for (int i = 0; i < samples; i++) {
            if (!next(scratch)) {
                return i;
            }
            MemorySegment.copy(scratch.tokens, 0, dst, TokenDtype.I32, offsetBytes + 4L * i * width, width);
        }
        return samples;
    }

    /**
     * Feeds training loss of one domain to the online controller (no-op without one). Every rank must feed the
     * same values (all-reduce them first) in the same order.
     *
     * @param domain     the domain index
     * @param lossSum    sum of per-token losses
     * @param tokenCount tokens covered
     */
    public void observe(int domain, double lossSum, long tokenCount) {
        if (controller != null) {
            controller.observe(domain, lossSum, tokenCount);
        }
    }

    /**
     * Sends {@link #stats()} to a listener every {@code everyPositions} global positions (a metrics exporter, a
     * progress log). The listener runs on the sampling thread; it allocates, so keep the interval coarse.
     *
     * @param everyPositions the interval (at least 1)
     * @param listener       receives the statistics, or null to stop
     */
    public void onStats(long everyPositions, java.util.function.Consumer<List<DomainStats>> listener) {
        if (everyPositions < 1) {
            throw new IllegalArgumentException("everyPositions must be >= 1, not " + everyPositions);
        }
        this.statsEvery = everyPositions;
        this.statsListener = listener;
    }

    /**
     * The next global position to be decided.
     *
     * @return the position
     */
    public long position() {
        return position;
    }

    /**
     * The configuration.
     *
     * @return it
     */
    public MixtureConfig config() {
        return config;
    }

    /**
     * The domains.
     *
     * @return their streams, in configuration order
     */
    public List<DomainSamples> domains() {
        return List.of(domains);
    }

    /**
     * The weights in force now.
     *
     * @return normalised weights
     */
    public double[] weights() {
        return inForce.clone();
    }

    /**
     * Every weight change so far: (position, weights).
     *
     * @return the log
     */
    public List<Map.Entry<Long, double[]>> weightLog() {
        List<Map.Entry<Long, double[]>> out = new ArrayList<>();
        for (Object[] e : weightLog) {
            out.add(Map.entry((Long) e[0], ((double[]) e[1]).clone()));
        }
        return out;
    }

    /**
     * Statistics per domain.
     *
     * @return one entry per domain
     */
    public List<DomainStats> stats() {
        List<DomainStats> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            long drawn = deterministic != null ? deterministic.count(i) : stochastic.count(i);
            long decided = deterministic != null ? deterministic.position() : stochastic.position();
            double target = deterministic != null ? deterministic.target(i) : stochastic.probability(i) * decided;
            long epoch = domains[i].epochOf(drawn);
            out.add(new DomainStats(names[i], drawn, served[i], served[i] * config.seqLen(),
                    decided == 0 ? 0 : target / decided, decided == 0 ? 0 : drawn / (double) decided,
                    inForce[i], epoch, Math.max(0, drawn - domains[i].samplesPerEpoch())));
        }
        return out;
    }

    /**
     * Whether the stream has ended.
     *
     * @return true after the last sample
     */
    public boolean ended() {
        return ended;
    }

    /**
     * Closes every shard reader. Idempotent.
     */
    @Override
    public void close() {
        for (TokenShardReader r : readers) {
            r.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ state

    /**
     * The checkpoint: everything needed to continue exactly here.
     *
     * @return JSON text
     */
    public String state() {
        StringBuilder sb = new StringBuilder("{\"tokmix_sampler_state\":").append(STATE_VERSION);
        sb.append(",\"config_sha256\":\"").append(config.sha256()).append('"');
        sb.append(",\"seed\":").append(config.seed());
        sb.append(",\"position\":").append(position);
        sb.append(",\"ended\":").append(ended);
        sb.append(",\"schedule_index\":").append(scheduleIndex);
        sb.append(",\"domains\":").append(stringArray(names));
        sb.append(",\"served\":").append(longsJson(served));
        sb.append(",\"stopped\":").append(Arrays.toString(stopped).replace(" ", ""));
        sb.append(",\"weights\":").append(doubles(inForce));
        sb.append(",\"controlled\":").append(controlled == null ? "null" : doubles(controlled));
        sb.append(",\"blender\":").append(blenderState());
        sb.append(",\"pending\":[");
        for (int i = 0; i < pendingPositions.size(); i++) {
            sb.append(i == 0 ? "" : ",").append("{\"position\":").append(pendingPositions.get(i)[0])
                    .append(",\"weights\":").append(doubles(pendingWeights.get(i))).append('}');
        }
        sb.append("],\"controller\":").append(controller == null ? "null" : doubles(controller.state()));
        sb.append(",\"weight_log\":[");
        for (int i = 0; i < weightLog.size(); i++) {
            sb.append(i == 0 ? "" : ",").append("{\"position\":").append(weightLog.get(i)[0])
                    .append(",\"weights\":").append(doubles((double[]) weightLog.get(i)[1])).append('}');
        }
        return sb.append("]}").toString();
    }

    /**
     * Writes {@link #state()} atomically (temporary name, fsync, rename).
     *
     * @param file the checkpoint file
     */
    public void saveState(Path file) {
        byte[] b = state().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFile.write(file, o -> o.write(b));
    }

    /**
     * Continues from a checkpoint.
     *
     * @param stateJson what {@link #state()} returned
     * @param source    its name, for messages
     * @param migrate   accept a changed configuration: domains matched by name continue from their counters
     * @throws TokmixException if the state is malformed, or belongs to another configuration and migrate is off
     */
    public void restore(String stateJson, String source, boolean migrate) {
        if (!(Json.parse(stateJson, source) instanceof Map<?, ?> m) || !(m.get("tokmix_sampler_state")
                instanceof Long v)) {
            throw new TokmixException(source + ": not a tokmix sampler state\n  remedy: pass the file written by"
                    + " --state (or MixtureSampler.saveState)");
        }
        if (v != STATE_VERSION) {
            throw new TokmixException(source + ": sampler state version " + v + ", this tokmix reads "
                    + STATE_VERSION + "\n  remedy: resume with the tokmix version that wrote it");
        }
        boolean same = config.sha256().equals(m.get("config_sha256"));
        if (!same && !migrate) {
            throw new TokmixException(source + ": the state belongs to another mixture configuration (config_sha256 "
                    + m.get("config_sha256") + ", now " + config.sha256() + ")\n  remedy: resume with the"
                    + " configuration it was written with, or opt into a migration (--migrate): domains are matched"
                    + " by name and continue from their counters, under the new weights");
        }
        long pos = ((Number) m.get("position")).longValue();
        if (same) {
            restoreSame(m, pos);
        } else {
            migrate(m, pos);
        }
    }

    private void restoreSame(Map<?, ?> m, long pos) {
        position = pos;
        ended = Boolean.TRUE.equals(m.get("ended"));
        scheduleIndex = ((Number) m.get("schedule_index")).intValue();
        long[] sv = longs(m.get("served"));
        System.arraycopy(sv, 0, served, 0, k);
        List<?> st = (List<?>) m.get("stopped");
        for (int i = 0; i < k; i++) {
            stopped[i] = Boolean.TRUE.equals(st.get(i));
        }
        inForce = doublesOf(m.get("weights"));
        controlled = m.get("controlled") instanceof List<?> ? doublesOf(m.get("controlled")) : null;
        restoreBlender((Map<?, ?>) m.get("blender"));
        pendingPositions.clear();
        pendingWeights.clear();
        for (Object o : (List<?>) m.get("pending")) {
            Map<?, ?> p = (Map<?, ?>) o;
            pendingPositions.add(new long[] {((Number) p.get("position")).longValue()});
            pendingWeights.add(doublesOf(p.get("weights")));
        }
        if (controller != null && m.get("controller") instanceof List<?>) {
            controller.restore(doublesOf(m.get("controller")));
        }
        weightLog.clear();
        for (Object o : (List<?>) m.get("weight_log")) {
            Map<?, ?> p = (Map<?, ?>) o;
            weightLog.add(new Object[] {((Number) p.get("position")).longValue(), doublesOf(p.get("weights"))});
        }
    }

    /** A changed configuration: domains found by name keep their counters; weights are the new ones. */
    private void migrate(Map<?, ?> m, long pos) {
        List<?> oldNames = (List<?>) m.get("domains");
        long[] oldCounts = longs(((Map<?, ?>) m.get("blender")).get("counts"));
        long[] counts = new long[k];
        for (int i = 0; i < k; i++) {
            int j = oldNames.indexOf(names[i]);
            counts[i] = j < 0 ? 0 : oldCounts[j];
            if (counts[i] >= limits[i]) {
                stopped[i] = true;
            }
        }
        position = pos;
        scheduleIndex = 0;
        controlled = null;
        List<MixtureConfig.ScheduleStep> sched = config.schedule();
        while (scheduleIndex < sched.size() && sched.get(scheduleIndex).position() <= position) {
            scheduleIndex++;
        }
        double[] w = effective();
        if (w == null) {
            ended = true;
            return;
        }
        inForce = w;
        resumeBlender(w, counts, pos);
        weightLog.add(new Object[] {pos, w.clone()});
    }

    private String blenderState() {
        if (deterministic != null) {
            DeterministicBlender.State st = deterministic.snapshot();
            return "{\"position\":" + st.position() + ",\"counts\":" + longsJson(st.counts()) + ",\"weights\":"
                    + doubles(st.weights()) + ",\"change_position\":" + st.changePosition()
                    + ",\"counts_at_change\":" + longsJson(st.countsAtChange()) + ",\"lags_at_change\":"
                    + doubles(st.lagsAtChange()) + "}";
        }
        StochasticBlender.State st = stochastic.snapshot();
        return "{\"position\":" + st.position() + ",\"counts\":" + longsJson(st.counts()) + ",\"weights\":"
                + doubles(st.weights()) + ",\"seed\":" + st.seed() + "}";
    }

    private void restoreBlender(Map<?, ?> b) {
        long pos = ((Number) b.get("position")).longValue();
        if (deterministic != null) {
            deterministic = DeterministicBlender.restore(new DeterministicBlender.State(pos, longs(b.get("counts")),
                    doublesOf(b.get("weights")), ((Number) b.get("change_position")).longValue(),
                    longs(b.get("counts_at_change")), doublesOf(b.get("lags_at_change"))));
        } else {
            stochastic = StochasticBlender.restore(new StochasticBlender.State(pos,
                    ((Number) b.get("seed")).longValue(), doublesOf(b.get("weights")), longs(b.get("counts"))));
        }
    }

    /**
     * A blender that continues from given counts under new weights (migration). The deterministic blender's own
     * position is the sum of the kept counts (targets start there, equal to the counts); the sampler keeps the
     * global position for placement and schedules.
     */
    private void resumeBlender(double[] w, long[] counts, long globalPosition) {
        long sum = 0;
        for (long c : counts) {
            sum += c;
        }
        if (deterministic != null) {
            deterministic = DeterministicBlender.restore(new DeterministicBlender.State(sum, counts, w, sum, counts,
                    new double[counts.length]));
        } else {
            stochastic = StochasticBlender.restore(new StochasticBlender.State(globalPosition, config.seed(), w,
                    counts));
        }
    }

    static String doubles(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(Double.toString(v[i]));
        }
        return sb.append(']').toString();
    }

    static String longsJson(long[] v) {
        return Arrays.toString(v).replace(" ", "");
    }

    private static String stringArray(String[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(JsonStrings.quote(v[i]));
        }
        return sb.append(']').toString();
    }

    static double[] doublesOf(Object o) {
        List<?> l = (List<?>) o;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).doubleValue();
        }
        return out;
    }

    static long[] longs(Object o) {
        List<?> l = (List<?>) o;
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).longValue();
        }
        return out;
    }
}
