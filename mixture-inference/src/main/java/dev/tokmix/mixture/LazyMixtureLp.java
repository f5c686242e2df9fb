package dev.tokmix.mixture;

import com.google.ortools.Loader;
import com.google.ortools.linearsolver.MPConstraint;
import com.google.ortools.linearsolver.MPObjective;
import com.google.ortools.linearsolver.MPSolver;
import com.google.ortools.linearsolver.MPSolverParameters;
import com.google.ortools.linearsolver.MPVariable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LP1_T of Hayase et al. (2024, §3.2–3.4) solved by simultaneous lazy row and column generation on GLOP.
 *
 * <p>Variables: α on the simplex, a slack v_t ≥ 0 per step and v_p ≥ 0 per pair (shared across steps). Minimise
 * Σ v_t + Σ v_p subject to Σ_i α_i (c̃_{i,m(t)}(t) − c̃_{i,p}(t)) + v_t + v_p ≥ 0 for every step t and every pair
 * p not merged at t, where c̃ is a count divided by the category's initial pair count. A step is one new token:
 * its merged count is the sum over the merges that make it (a converted tiktoken list names several splits per
 * token). A scan replays the per-step count changes of all categories, keeping s_p = Σ_i α_i c̃_{i,p}(t) in a
 * max-heap keyed by s_p − v_p; at each step it pops the competitors that beat s_{m(t)} + v_t (up to
 * {@code perStep}), adds them as rows (creating v_t and v_p on first use) until {@code perRound} rows are new,
 * re-solves and scans again. A scan that finds nothing proves the restricted solution optimal for LP1_T.
 *
 * <p>Performance notes: a round scans all T steps (a cap of 1,000 new rows per round, like the reference code's
 * batch limit, needed over 200 rounds at T = 3,000 where full scans need 18). GLOP re-solves with presolve on;
 * presolve off with the dual simplex and columns made up front (so rounds only add rows) was no faster, dropping
 * rows cycled or tripled the rounds, fewer competitors per step or a growing T needed more rounds
 * (docs/mixture-inference.md has the numbers). Each solve has a two-minute limit; a status other than OPTIMAL is
 * reported, never an estimate.
 */
final class LazyMixtureLp {
    /** A violation must exceed this (in normalised count units) to add a row: GLOP's tolerances are ~1e-7. */
    private static final double EPS = 1e-9;
    /** Limit of one GLOP solve. */
    private static final double TIME_LIMIT_S = 120;

    private final List<CategoryTrace> traces;
    private final int[] mergePair;
    private final int[] groupStart;
    private final boolean[] constrained;
    private final double[] norm;
    private final int pairs;
    private final int steps;
    private final int perStep;
    private final int perRound;

    private final MPSolver solver;
    private final MPSolverParameters params = new MPSolverParameters();
    private final MPVariable[] alpha;
    private final Map<Integer, MPVariable> vStep = new HashMap<>();
    private final Map<Integer, MPVariable> vPair = new HashMap<>();
    private final Set<Long> rows = new HashSet<>();
    private final MPObjective objective;
    // Scan state, allocated once and reused by every round: counts per category and pair, the heap, the
    // changed-pair list of a step, and the competitors popped at a step.
    private final long[][] cnt;
    private final MaxHeap heap;
    private final int[] dirty;
    private final boolean[] isDirty;
    private int[] popped = new int[64];
    // Rows to add in the first scan whatever the violation (a warm start from an earlier solve), sorted by step.
    private int[] seedStep = new int[0];
    private int[] seedPair = new int[0];
    private Progress progress;
    int rounds;
    double objectiveValue;
    double stepSlack;
    double pairSlack;

    /** Hears each LP round. */
    interface Progress {
        /**
         * A restricted LP was solved.
         *
         * @param round     rounds so far
         * @param rows      rows in the restricted LP
         * @param added     rows the last scan added
         * @param objective its optimum
         */
        void round(int round, int rows, int added, double objective);
    }

    static {
        Loader.loadNativeLibraries();
    }

    /**
     * @param traces       per category, its counts and per-merge changes
     * @param mergePair    per merge (list position relative to the first constrained one), its pair's index, or -1
     *                     when no sample holds the pair
     * @param groupStart   per step, its first merge; {@code groupStart[steps]} ends the last. A step is one new
     *                     token: a tokenizer.json converted from tiktoken lists several merges (splits) per token
     * @param constrained  per step, whether any sample forms its token (a missing step gets no row)
     * @param initialPairs per category, its pair count before the first constrained merge (the normaliser)
     * @param pairs        size of the pair index
     * @param steps        T
     * @param perStep      competitors added per step and round
     * @param perRound     new rows per round at most
     */
    LazyMixtureLp(List<CategoryTrace> traces, int[] mergePair, int[] groupStart, boolean[] constrained,
                  long[] initialPairs, int pairs, int steps, int perStep, int perRound) {
        this.traces = traces;
        this.mergePair = mergePair;
        this.groupStart = groupStart;
        this.constrained = constrained;
        this.pairs = pairs;
        this.steps = steps;
        this.perStep = perStep;
        this.perRound = perRound;
        int k = traces.size();
        norm = new double[k];
        for (int i = 0; i < k; i++) {
            norm[i] = 1.0 / initialPairs[i];
        }
        solver = MPSolver.createSolver("GLOP");
        if (solver == null) {
            throw new MixtureInferenceException("OR-Tools GLOP is not available in this build\n  remedy: check the"
                    + " ortools-java dependency and its linux-x86-64 native jar");
        }
        solver.setTimeLimit((long) (TIME_LIMIT_S * 1000));
        alpha = new MPVariable[k];
        MPConstraint simplex = solver.makeConstraint(1, 1, "simplex");
        for (int i = 0; i < k; i++) {
            alpha[i] = solver.makeNumVar(0, 1, "alpha" + i);
            simplex.setCoefficient(alpha[i], 1);
        }
        objective = solver.objective();
        objective.setMinimization();
        cnt = new long[k][pairs];
        heap = new MaxHeap(pairs);
        dirty = new int[pairs];
        isDirty = new boolean[pairs];
    }

    void progress(Progress p) {
        this.progress = p;
    }

    /**
     * Rows to add before the first solve (a warm start: the rows an earlier solve of a similar instance ended
     * with). They only shorten the search; the result is still certified by a scan over every step.
     *
     * @param steps per row, its step
     * @param pairs per row, its competing pair's index (rows whose pair is -1 are skipped)
     */
    void seed(int[] steps, int[] pairs) {
        Integer[] order = new Integer[steps.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> steps[i]));
        seedStep = new int[steps.length];
        seedPair = new int[steps.length];
        for (int i = 0; i < order.length; i++) {
            seedStep[i] = steps[order[i]];
            seedPair[i] = pairs[order[i]];
        }
    }

    /** The restricted LP's rows as {step << 32 | pair index}. */
    long[] rowKeys() {
        return rows.stream().mapToLong(Long::longValue).toArray();
    }

    /** Solves to optimality; returns α. */
    double[] solve() {
        int k = traces.size();
        double[] a = new double[k];
        java.util.Arrays.fill(a, 1.0 / k);
        double[] vp = new double[pairs];
        double[] vt = new double[steps];
        while (true) {
            int added = scan(a, vt, vp);
            if (added == 0) {
                return a;
            }
            long st = System.nanoTime();
            MPSolver.ResultStatus status = solver.solve(params);
            rounds++;
            if (System.getProperty("tokmix.lp.debug") != null) {
                System.err.printf("LP round %d: %d rows, %d new, %.2f s, status %s%n", rounds, rows.size(), added,
                        (System.nanoTime() - st) / 1e9, status);
            }
            if (status != MPSolver.ResultStatus.OPTIMAL && (System.nanoTime() - st) / 1e9 >= TIME_LIMIT_S - 1) {
                throw new MixtureInferenceException("the LP solver hit its " + (int) TIME_LIMIT_S + " s limit in"
                        + " round " + rounds + " (" + rows.size() + " constraints, status " + status + "); no estimate"
                        + " is given\n  remedy: lower --merges or use fewer categories");
            }
            if (status != MPSolver.ResultStatus.OPTIMAL) {
                throw new MixtureInferenceException("the LP solver stopped with status " + status + " after "
                        + rounds + " rounds and " + rows.size() + " constraints; no estimate is given\n  remedy:"
                        + " report this with the tokenizer and categories");
            }
            objectiveValue = objective.value();
            for (int i = 0; i < k; i++) {
                a[i] = Math.max(0, alpha[i].solutionValue());
            }
            pairSlack = 0;
            for (Map.Entry<Integer, MPVariable> e : vPair.entrySet()) {
                vp[e.getKey()] = e.getValue().solutionValue();
                pairSlack += vp[e.getKey()];
            }
            stepSlack = 0;
            for (Map.Entry<Integer, MPVariable> e : vStep.entrySet()) {
                vt[e.getKey()] = e.getValue().solutionValue();
                stepSlack += vt[e.getKey()];
            }
            if (progress != null) {
                progress.round(rounds, rows.size(), added, objectiveValue);
            }
        }
    }

    /** Frees GLOP's native model now (the JNI objects are otherwise freed only by finalisation). */
    void close() {
        solver.delete();
    }

    int rowCount() {
        return rows.size();
    }

    /** Sets every count to its value before step 0. */
    static void loadInitialCounts(List<CategoryTrace> traces, long[][] cnt) {
        for (int i = 0; i < traces.size(); i++) {
            java.util.Arrays.fill(cnt[i], 0);
            CategoryTrace tr = traces.get(i);
            for (int j = 0; j < tr.initialSize(); j++) {
                cnt[i][tr.pairs[j]] += tr.value(j);
            }
        }
    }

    /**
     * Applies merge t's count changes of every category; lists each changed pair once in {@code dirty} (when
     * given) after the {@code listed} already there, and returns how many are listed now.
     */
    static int applyStep(List<CategoryTrace> traces, int t, long[][] cnt, int[] dirty, boolean[] isDirty, int listed) {
        int nd = listed;
        for (int i = 0; i < traces.size(); i++) {
            CategoryTrace tr = traces.get(i);
            for (int j = tr.stepStart(t), end = tr.stepEnd(t); j < end; j++) {
                int q = tr.pairs[j];
                cnt[i][q] += tr.value(j);
                if (dirty != null && !isDirty[q]) {
                    isDirty[q] = true;
                    dirty[nd++] = q;
                }
            }
        }
        return nd;
    }

    /** One pass over the steps under the current solution; returns how many rows it added. */
    private int scan(double[] a, double[] vt, double[] vp) {
        int k = traces.size();
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = a[i] * norm[i];
        }
        loadInitialCounts(traces, cnt);
        for (int q = 0; q < pairs; q++) {
            heap.set(q, weighted(cnt, w, q) - vp[q]);
        }
        int added = 0;
        int seed = 0;
        for (int t = 0; t < steps && added < perRound; t++) {
            int j0 = groupStart[t];
            int j1 = groupStart[t + 1];
            double merged = 0;
            for (int j = j0; j < j1; j++) {
                if (mergePair[j] >= 0) {
                    merged += weighted(cnt, w, mergePair[j]);
                }
            }
            for (; seed < seedStep.length && seedStep[seed] <= t; seed++) {
                int q = seedPair[seed];
                if (seedStep[seed] == t && constrained[t] && q >= 0 && !inStep(q, j0, j1)
                        && rows.add(((long) t << 32) | q)) {
                    addRow(t, j0, j1, q, cnt);
                    added++;
                }
            }
            if (constrained[t]) {
                double threshold = merged + vt[t] + EPS;
                int np = 0;
                int found = 0;
                while (!heap.isEmpty() && found < perStep && heap.key(heap.top()) > threshold) {
                    int q = heap.pop();
                    if (np == popped.length) {
                        popped = java.util.Arrays.copyOf(popped, np * 2);
                    }
                    popped[np++] = q;
                    if (!inStep(q, j0, j1) && rows.add(((long) t << 32) | q)) {
                        addRow(t, j0, j1, q, cnt);
                        found++;
                    }
                }
                for (int x = 0; x < np; x++) {
                    heap.set(popped[x], weighted(cnt, w, popped[x]) - vp[popped[x]]);
                }
                added += found;
            }
            // Apply the step's changes (all its merges) in every category, then re-key each changed pair once.
            int nd = 0;
            for (int j = j0; j < j1; j++) {
                nd = applyStep(traces, j, cnt, dirty, isDirty, nd);
            }
            for (int d = 0; d < nd; d++) {
                int q = dirty[d];
                isDirty[q] = false;
                heap.set(q, weighted(cnt, w, q) - vp[q]);
            }
        }
        seedStep = new int[0];
        seedPair = new int[0];
        return added;
    }

    private double weighted(long[][] cnt, double[] w, int q) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * cnt[i][q];
        }
        return s;
    }

    /** Whether pair q is one of the step's own merges (not a competitor). */
    private boolean inStep(int q, int j0, int j1) {
        for (int j = j0; j < j1; j++) {
            if (mergePair[j] == q) {
                return true;
            }
        }
        return false;
    }

    private void addRow(int t, int j0, int j1, int q, long[][] cnt) {
        MPConstraint c = solver.makeConstraint(0, MPSolver.infinity());
        for (int i = 0; i < alpha.length; i++) {
            long merged = 0;
            for (int j = j0; j < j1; j++) {
                if (mergePair[j] >= 0) {
                    merged += cnt[i][mergePair[j]];
                }
            }
            c.setCoefficient(alpha[i], (merged - cnt[i][q]) * norm[i]);
        }
        c.setCoefficient(vStep.computeIfAbsent(t, x -> newSlack("vt" + x)), 1);
        c.setCoefficient(vPair.computeIfAbsent(q, x -> newSlack("vp" + x)), 1);
    }

    private MPVariable newSlack(String name) {
        MPVariable v = solver.makeNumVar(0, MPSolver.infinity(), name);
        objective.setCoefficient(v, 1);
        return v;
    }

    /**
     * The same LP with every row written out (for tiny T only): the independent check that lazy generation
     * reaches the true optimum. Returns {objective, α...}.
     */
    static double[] solveFull(List<CategoryTrace> traces, int[] mergePair, int[] groupStart, boolean[] constrained,
                              long[] initialPairs, int pairs, int steps) {
        int k = traces.size();
        MPSolver s = MPSolver.createSolver("GLOP");
        MPVariable[] a = new MPVariable[k];
        MPConstraint simplex = s.makeConstraint(1, 1);
        for (int i = 0; i < k; i++) {
            a[i] = s.makeNumVar(0, 1, "a" + i);
            simplex.setCoefficient(a[i], 1);
        }
        MPObjective obj = s.objective();
        obj.setMinimization();
        long[][] cnt = new long[k][pairs];
        loadInitialCounts(traces, cnt);
        MPVariable[] vp = new MPVariable[pairs];
        boolean[] own = new boolean[pairs];
        for (int t = 0; t < steps; t++) {
            if (constrained[t]) {
                MPVariable vt = s.makeNumVar(0, MPSolver.infinity(), "vt" + t);
                obj.setCoefficient(vt, 1);
                long[] merged = new long[k];
                for (int j = groupStart[t]; j < groupStart[t + 1]; j++) {
                    if (mergePair[j] >= 0) {
                        own[mergePair[j]] = true;
                        for (int i = 0; i < k; i++) {
                            merged[i] += cnt[i][mergePair[j]];
                        }
                    }
                }
                for (int q = 0; q < pairs; q++) {
                    if (own[q]) {
                        continue;
                    }
                    boolean any = false;
                    for (int i = 0; i < k; i++) {
                        any |= cnt[i][q] != 0;
                    }
                    if (!any) {
                        continue;
                    }
                    if (vp[q] == null) {
                        vp[q] = s.makeNumVar(0, MPSolver.infinity(), "vp" + q);
                        obj.setCoefficient(vp[q], 1);
                    }
                    MPConstraint c = s.makeConstraint(0, MPSolver.infinity());
                    for (int i = 0; i < k; i++) {
                        c.setCoefficient(a[i], (merged[i] - cnt[i][q]) / (double) initialPairs[i]);
                    }
                    c.setCoefficient(vt, 1);
                    c.setCoefficient(vp[q], 1);
                }
                for (int j = groupStart[t]; j < groupStart[t + 1]; j++) {
                    if (mergePair[j] >= 0) {
                        own[mergePair[j]] = false;
                    }
                }
            }
            for (int j = groupStart[t]; j < groupStart[t + 1]; j++) {
                applyStep(traces, j, cnt, null, null, 0);
            }
        }
        MPSolver.ResultStatus status = s.solve();
        if (status != MPSolver.ResultStatus.OPTIMAL) {
            throw new MixtureInferenceException("full LP: solver status " + status);
        }
        double[] out = new double[k + 1];
        out[0] = obj.value();
        for (int i = 0; i < k; i++) {
            out[i + 1] = a[i].solutionValue();
        }
        return out;
    }
}
