package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.engine.Scalar;

/**
 * An immutable preference-loss configuration: one or several TRL loss types mixed with weights,
 * plus β, label smoothing, f-divergence, reference-free mode, {@code ldAlpha}, WPO weighting and the
 * BCO δ switch (semantics: {@code docs/losses.md}). Defaults are TRL's (β 0.1, ε 0, reverse KL, τ 0.05).
 *
 * <p>Range errors are raised by the wither that causes them. {@code exo_pair} needs ε &gt; 0, which can
 * only be set after naming the loss, so {@link #validate()} (called by every {@code compute} and by
 * the trainer at construction) checks it.
 */
public final class PreferenceLoss {
    private final List<LossType> types;
    private List<Double> weights;
    private double beta;
    private double labelSmoothing;
    private FDivergence fDivergence;
    private double alphaCoef;
    private boolean referenceFree;
    private Double ldAlpha;
    private boolean useWeighting;
    private boolean bcoDelta;
    private double discopopTau;

    private PreferenceLoss(List<LossType> types, List<Double> weights, double beta, double labelSmoothing,
                           FDivergence fDivergence, double alphaCoef, boolean referenceFree, Double ldAlpha,
                           boolean useWeighting, boolean bcoDelta, double discopopTau) {
        this.types = List.copyOf(types);
        this.weights = List.copyOf(weights);
        this.beta = beta;
        this.labelSmoothing = labelSmoothing;
        this.fDivergence = Objects.requireNonNull(fDivergence, "fDivergence");
        this.alphaCoef = alphaCoef;
        this.referenceFree = referenceFree;
        this.ldAlpha = ldAlpha;
        this.useWeighting = useWeighting;
        this.bcoDelta = bcoDelta;
        this.discopopTau = discopopTau;
        check(false);
    }

    /** A field-by-field copy (see {@link #with}). */
    private PreferenceLoss(PreferenceLoss o) {
        this(o.types, o.weights, o.beta, o.labelSmoothing, o.fDivergence, o.alphaCoef, o.referenceFree, o.ldAlpha,
                o.useWeighting, o.bcoDelta, o.discopopTau);
    }

    /**
     * The one way a setting changes: a copy edited before anyone sees it, then validated (the fields are
     * not final only so that this copy can be edited; a published loss never changes).
     */
    private PreferenceLoss with(java.util.function.Consumer<PreferenceLoss> edit) {
        PreferenceLoss copy = new PreferenceLoss(this);
        edit.accept(copy);
        copy.check(false);
        return copy;
    }

    // ------------------------------------------------------------------ factories

    /** MPO: sigmoid 0.8 + bco_pair 0.2 + sft 1.0, β 0.1, running-mean δ. */
    public static PreferenceLoss mpo() {
        return loss(LossType.SIGMOID, LossType.BCO_PAIR, LossType.SFT).weights(0.8, 0.2, 1.0);
    }

    /** Plain DPO ({@code sigmoid}). */
    public static PreferenceLoss dpo() {
        return loss(LossType.SIGMOID);
    }

    /** One or several comma-separated TRL names, e.g. {@code "sigmoid,bco_pair,sft"}; weights 1.0 each. */
    public static PreferenceLoss loss(String names) {
        if (names == null || names.isBlank()) {
            throw new IllegalArgumentException("no loss type given; valid loss types: " + LossType.validNames());
        }
        return loss(Arrays.stream(names.split(",")).map(LossType::of).toArray(LossType[]::new));
    }

    public static PreferenceLoss loss(LossType... types) {
        if (types.length == 0) {
            throw new IllegalArgumentException("no loss type given; valid loss types: " + LossType.validNames());
        }
        List<LossType> list = List.of(types);
        if (list.stream().distinct().count() != list.size()) {
            throw new IllegalArgumentException("loss type listed twice in " + list + "; use weights(...) to scale one");
        }
        return new PreferenceLoss(list, Collections.nCopies(types.length, 1.0), 0.1, 0, FDivergence.REVERSE_KL,
                FDivergence.DEFAULT_ALPHA, false, null, false, true, 0.05);
    }

    // ------------------------------------------------------------------ withers

    /** One weight per loss type, in the order the types were named. */
    public PreferenceLoss weights(double... w) {
        if (w.length != types.size()) {
            throw new IllegalArgumentException(w.length + " weights given for " + types.size() + " loss types (" + name()
                    + "); give exactly one weight per loss type");
        }
        List<Double> list = Arrays.stream(w).boxed().collect(Collectors.toList());
        return with(c -> c.weights = List.copyOf(list));
    }

    public PreferenceLoss beta(double beta) {
        return with(c -> c.beta = beta);
    }

    /** ε: conservative-DPO smoothing for sigmoid/aot*, the noise rate for robust, EXO's ε. */
    public PreferenceLoss labelSmoothing(double eps) {
        return with(c -> c.labelSmoothing = eps);
    }

    public PreferenceLoss fDivergence(FDivergence f) {
        return fDivergence(f, alphaCoef);
    }

    /** f-divergence with the alpha-divergence coefficient a (ignored by the other divergences). */
    public PreferenceLoss fDivergence(FDivergence f, double alphaCoefficient) {
        return with(c -> {
            c.fDivergence = Objects.requireNonNull(f, "fDivergence");
            c.alphaCoef = alphaCoefficient;
        });
    }

    /** No reference model: ℓ = π. */
    public PreferenceLoss referenceFree() {
        return referenceFree(true);
    }

    public PreferenceLoss referenceFree(boolean on) {
        return with(c -> c.referenceFree = on);
    }

    /** Length desensitisation: tail tokens beyond the pair's shared length count α ∈ [0,1]; {@code null} turns it off. */
    public PreferenceLoss ldAlpha(Double alpha) {
        return with(c -> c.ldAlpha = alpha);
    }

    /** WPO: each per-pair loss multiplied by w_c·w_r. */
    public PreferenceLoss useWeighting() {
        return useWeighting(true);
    }

    public PreferenceLoss useWeighting(boolean on) {
        return with(c -> c.useWeighting = on);
    }

    /** {@code true} (default): bco_pair's δ is the running mean of rewards; {@code false}: δ ≡ 0 (TRL ≥ 0.29). */
    public PreferenceLoss bcoDelta(boolean runningMean) {
        return with(c -> c.bcoDelta = runningMean);
    }

    public PreferenceLoss discopopTau(double tau) {
        return with(c -> c.discopopTau = tau);
    }

    // ------------------------------------------------------------------ validation

    /** Checks the whole configuration, including {@code exo_pair}'s ε &gt; 0; returns {@code this}. */
    public PreferenceLoss validate() {
        check(true);
        return this;
    }

    private void check(boolean complete) {
        String who = "loss '" + name() + "': ";
        if (weights.size() != types.size()) {
            throw new IllegalArgumentException(who + weights.size() + " weights for " + types.size() + " loss types");
        }
        for (double w : weights) {
            if (!Double.isFinite(w)) {
                throw new IllegalArgumentException(who + "weight " + w + " is not finite");
            }
        }
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException(who + "beta must be a finite number > 0, got " + beta);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException(who + "labelSmoothing ε must lie in [0, 1), got " + labelSmoothing);
        }
        if (types.contains(LossType.ROBUST) && !(labelSmoothing < 0.5)) {
            throw new IllegalArgumentException(who + "robust requires 0 <= labelSmoothing ε < 0.5, got " + labelSmoothing);
        }
        if (complete && types.contains(LossType.EXO_PAIR) && !(labelSmoothing > 0)) {
            throw new IllegalArgumentException(who + "exo_pair requires labelSmoothing ε in (0, 1), got " + labelSmoothing
                    + " (e.g. .labelSmoothing(1e-3))");
        }
        if (ldAlpha != null && !(ldAlpha >= 0 && ldAlpha <= 1)) {
            throw new IllegalArgumentException(who + "ldAlpha α must lie in [0, 1] (or null to disable), got " + ldAlpha);
        }
        if (!(discopopTau > 0) || !Double.isFinite(discopopTau)) {
            throw new IllegalArgumentException(who + "discopopTau must be a finite number > 0, got " + discopopTau);
        }
        if (!Double.isFinite(alphaCoef)) {
            throw new IllegalArgumentException(who + "alpha-divergence coefficient must be finite, got " + alphaCoef);
        }
        if (useWeighting) {
            for (LossType t : types) {
                if (t.sortsAcrossBatch()) {
                    throw new IllegalArgumentException(who + "useWeighting cannot be combined with " + t
                            + ": it sorts across the batch, so entry i is not pair i");
                }
            }
        }
    }

    // ------------------------------------------------------------------ evaluation

    /**
     * The loss of one batch. {@code reference} may be {@code null} only in reference-free mode.
     * When {@code bco_pair} uses the running mean, {@code delta} is updated with this batch's mean
     * reward before the loss is computed ({@code null} = a fresh state, δ = this batch's mean).
     * The returned {@link LossResult#loss()} is attached to the manager of {@code policy.sums()}.
     * The result's numbers are copied to the host before this returns (one copy), so errors surface here;
     * a trainer uses {@link #computeDeferred(SequenceLogps, ReferenceLogps, BcoDelta)} instead.
     *
     * @throws IllegalArgumentException if an input log-prob is NaN (the message names the loss and the row)
     */
    public LossResult compute(SequenceLogps policy, ReferenceLogps reference, BcoDelta delta) {
        LossResult result = computeDeferred(policy, reference, delta);
        result.metrics();
        return result;
    }

    /**
     * The loss of one batch, as {@link #compute(SequenceLogps, ReferenceLogps, BcoDelta)}, with every number
     * left on the device until it is read: a training step ships {@link LossResult#deviceValues()} with its
     * other values in one device-to-host copy. The checks (NaN inputs, non-finite components) run when the
     * values reach the host; the BCO δ is updated on the device and its host state follows then.
     */
    public LossResult computeDeferred(SequenceLogps policy, ReferenceLogps reference, BcoDelta delta) {
        check(true);
        int b = policy.pairs();
        requireReference(reference == null ? -1 : reference.pairs(), b);
        NDManager scope = policy.sums().getManager();
        double[] refValues = referenceFree ? new double[2 * b] : reference.logps(ldAlpha);
        return onDevice(policy, scope.create(refValues), delta);
    }

    /**
     * The loss of one batch against a reference model's log-probs still on the device (e.g.
     * {@link CompletionLogps#reference}); deferred as {@link #computeDeferred(SequenceLogps, ReferenceLogps, BcoDelta)}.
     * {@code referenceModel} may be {@code null} only in reference-free mode.
     */
    public LossResult computeDeferred(SequenceLogps policy, SequenceLogps referenceModel, BcoDelta delta) {
        check(true);
        int b = policy.pairs();
        requireReference(referenceModel == null ? -1 : referenceModel.pairs(), b);
        if (referenceFree) {
            return onDevice(policy, policy.sums().getManager().create(new double[2 * b]), delta);
        }
        // the reference in float64, as ReferenceLogps holds it: float32 sums widen exactly, and α·(sum − shared)
        // runs in the same IEEE double arithmetic as on the host
        NDArray sums = referenceModel.sums().stopGradient().toType(DataType.FLOAT64, false);
        NDArray ref = sums;
        if (ldAlpha != null) {
            NDArray shared = referenceModel.shared().stopGradient().toType(DataType.FLOAT64, false);
            ref = shared.add(Scalar.mul(sums.sub(shared), ldAlpha));
        }
        return onDevice(policy, ref, delta);
    }

    /** The reference is present (pairs ≥ 0) and matches the policy's pairs, unless reference-free. */
    private void requireReference(int referencePairs, int b) {
        if (!referenceFree && referencePairs < 0) {
            throw new IllegalArgumentException("loss '" + name() + "' needs reference log-probs (or referenceFree())");
        }
        if (!referenceFree && referencePairs != b) {
            throw new IllegalArgumentException("loss '" + name() + "': " + referencePairs + " reference pairs for " + b + " policy pairs");
        }
    }

    /**
     * The loss from the policy log-probs and the reference's {@code [2B]} float64 log-probs ({@code ldAlpha}
     * applied), every number kept on the device and packed for one copy ({@link LossResult.Layout}).
     */
    private LossResult onDevice(SequenceLogps policy, NDArray refValues, BcoDelta delta) {
        int b = policy.pairs();
        if (useWeighting && !policy.hasWeights()) {
            throw new IllegalArgumentException("loss '" + name() + "' uses WPO weighting: compute the policy log-probs with "
                    + "SequenceLogps.fromLogits(logits, labels, true)");
        }
        // No sub-scope that closes before backward: arrays DJL builds from Java memory (create(float[]),
        // the scalar behind mul(Number)) may be saved by autograd and must live in the caller's step
        // scope until backward has run. Vocabulary-sized temporaries are closed explicitly instead.
        NDManager scope = policy.sums().getManager();
        NDArray pi = policy.logps(ldAlpha);
        DataType dt = pi.getDataType();
        NDArray ref = refValues.toType(dt, false);

        NDArray ell = pi.sub(ref);
        NDArray ellC = ell.get("0:" + b);
        NDArray ellR = ell.get(b + ":");
        int[] tokens = policy.tokens();
        float[] lenC = new float[b];
        float[] lenR = new float[b];
        long chosenTokens = 0;
        for (int i = 0; i < b; i++) {
            lenC[i] = Math.max(tokens[i], 1);
            lenR[i] = Math.max(tokens[b + i], 1);
            chosenTokens += tokens[i];
        }
        NDArray nll = Scalar.div(policy.sums().get("0:" + b).sum().neg(), Math.max(chosenTokens, 1));

        NDArray deltaUsed = null;
        BcoDelta running = null;
        long deltaId = 0;
        if (types.contains(LossType.BCO_PAIR)) {
            if (bcoDelta) {
                // δ folds in this batch's mean reward β·mean(ℓ), on the device: no copy before the loss
                NDArray batchMean = pi.stopGradient().toType(DataType.FLOAT64, false).sub(refValues).mean().mul(beta);
                running = delta == null ? new BcoDelta() : delta;
                deltaUsed = running.update(batchMean);
                deltaId = running.pendingId();
            } else {
                deltaUsed = scope.create(0.0);
            }
        }
        PairLosses.Terms terms = new PairLosses.Terms(beta, labelSmoothing, discopopTau, deltaUsed,
                pi.get("0:" + b), pi.get(b + ":"), ref.get("0:" + b), ref.get(b + ":"),
                ellC, ellR, PairLosses.score(fDivergence, alphaCoef, ellC), PairLosses.score(fDivergence, alphaCoef, ellR),
                scope.create(lenC).toType(dt, false), scope.create(lenR).toType(dt, false), nll);
        NDArray pairWeights = null;
        if (useWeighting) {
            float[] w = policy.weights();
            float[] pw = new float[b];
            for (int i = 0; i < b; i++) {
                pw[i] = w[i] * w[b + i];
            }
            pairWeights = scope.create(pw).toType(dt, false);
        }

        NDArray total = null;
        // the packed numbers (LossResult.Layout) in as few native calls as possible: the loss-typed ones are
        // joined and widened to float64 at once (float32 widens exactly), then the float64 ones follow
        List<NDArray> typed = new ArrayList<>(List.of(pi));
        NDList means = new NDList();
        for (int k = 0; k < types.size(); k++) {
            NDArray losses = PairLosses.perPair(types.get(k), terms);
            if (pairWeights != null) {
                losses = losses.mul(pairWeights);
            }
            typed.add(losses);
            NDArray mean = losses.mean();
            means.add(mean);
            NDArray weighted = Scalar.mul(mean, weights.get(k));
            total = total == null ? weighted : total.add(weighted);
        }
        means.add(total);
        typed.add(NDArrays.stack(means));
        List<NDArray> packed = new ArrayList<>(List.of(NDArrays.concat(new NDList(typed)).toType(DataType.FLOAT64, false), refValues));
        if (deltaUsed != null) {
            packed.add(deltaUsed.reshape(1));
        }
        NDArray logitSums = policy.logitSums();
        if (logitSums != null) {
            packed.add(logitSums.toType(DataType.FLOAT64, false));
        }
        LossResult.Layout layout = new LossResult.Layout(b, types.size(), deltaUsed != null,
                logitSums == null ? 0 : Math.toIntExact(logitSums.size()));
        NDArray values = NDArrays.concat(new NDList(packed)).stopGradient();
        return new LossResult(total, this, layout, values, policy, running, deltaId);
    }

    /** The loss with a fresh δ state (δ = this batch's mean reward). */
    public LossResult compute(SequenceLogps policy, ReferenceLogps reference) {
        return compute(policy, reference, null);
    }

    /**
     * The loss on hand-made per-pair log-probs (no logits, no gradient graph) for a loss that does not
     * read completion lengths. {@code rc}/{@code rr} may be {@code null} in reference-free mode; hand-made
     * values have no tail, so {@code ldAlpha} leaves them as they are.
     *
     * @throws IllegalArgumentException for a loss that reads token counts ({@code sft}, {@code ipo},
     *     {@code sigmoid_norm}, so also {@link #mpo()}): pass them with
     *     {@link #compute(float[], float[], float[], float[], int[], int[])}
     */
    public LossResult compute(float[] piChosen, float[] piRejected, float[] refChosen, float[] refRejected) {
        requireNoLengths();
        int[] ones = new int[piChosen.length];     // read by no accepted loss type; 1 keeps every length guard neutral
        Arrays.fill(ones, 1);
        return compute(piChosen, piRejected, refChosen, refRejected, ones, ones);
    }

    /**
     * The loss on hand-made per-pair log-probs with each sequence's completion token count Lc, Lr
     * ({@code sft} divides −Σπc by ΣLc; {@code ipo} and {@code sigmoid_norm} divide by the lengths).
     * Computed in float32, as a float32 model would.
     */
    public LossResult compute(float[] piChosen, float[] piRejected, float[] refChosen, float[] refRejected,
                              int[] chosenTokens, int[] rejectedTokens) {
        int b = piChosen.length;
        requireSameLength(b, piRejected.length, chosenTokens.length, rejectedTokens.length,
                refChosen == null ? b : refChosen.length, refRejected == null ? b : refRejected.length);
        float[] sums = new float[2 * b];
        System.arraycopy(piChosen, 0, sums, 0, b);
        System.arraycopy(piRejected, 0, sums, b, b);
        ReferenceLogps reference = refChosen == null || refRejected == null ? null
                : noTail(ReferenceLogps.sums(refChosen, refRejected));
        Mpo4jEngine.ensureOffline();
        try (NDManager manager = NDManager.newBaseManager()) {
            return computeArrays(manager.create(sums), reference, chosenTokens, rejectedTokens);
        }
    }

    /**
     * Double-precision inputs for a loss that does not read completion lengths, computed in float64
     * (see {@link #compute(float[], float[], float[], float[])}).
     */
    public LossResult compute(double[] piChosen, double[] piRejected, double[] refChosen, double[] refRejected) {
        requireNoLengths();
        int[] ones = new int[piChosen.length];     // read by no accepted loss type; 1 keeps every length guard neutral
        Arrays.fill(ones, 1);
        return compute(piChosen, piRejected, refChosen, refRejected, ones, ones);
    }

    /**
     * Double-precision inputs with token counts, computed in float64 end to end: what a float64 policy
     * and its float64 reference give (no rounding of the reference to float32).
     */
    public LossResult compute(double[] piChosen, double[] piRejected, double[] refChosen, double[] refRejected,
                              int[] chosenTokens, int[] rejectedTokens) {
        int b = piChosen.length;
        requireSameLength(b, piRejected.length, chosenTokens.length, rejectedTokens.length,
                refChosen == null ? b : refChosen.length, refRejected == null ? b : refRejected.length);
        double[] sums = new double[2 * b];
        System.arraycopy(piChosen, 0, sums, 0, b);
        System.arraycopy(piRejected, 0, sums, b, b);
        ReferenceLogps reference = refChosen == null || refRejected == null ? null
                : noTail(ReferenceLogps.sums(refChosen, refRejected));
        Mpo4jEngine.ensureOffline();
        try (NDManager manager = NDManager.newBaseManager()) {
            return computeArrays(manager.create(sums), reference, chosenTokens, rejectedTokens);
        }
    }

    /** Hand-made per-pair values have no tail: the shared parts are the sums, stated here once. */
    private static ReferenceLogps noTail(ReferenceLogps sums) {
        return ReferenceLogps.sumsAndShared(sums.chosen(), sums.rejected(), sums.chosen(), sums.rejected());
    }

    private LossResult computeArrays(NDArray sums, ReferenceLogps reference, int[] chosenTokens, int[] rejectedTokens) {
        if (useWeighting) {
            throw new IllegalArgumentException("loss '" + name() + "' uses WPO weighting, which needs the policy's "
                    + "token distributions: use SequenceLogps.fromLogits(logits, labels, true)");
        }
        int b = chosenTokens.length;
        int[] tokens = new int[2 * b];
        System.arraycopy(chosenTokens, 0, tokens, 0, b);
        System.arraycopy(rejectedTokens, 0, tokens, b, b);
        return compute(SequenceLogps.of(sums, sums, tokens), reference, new BcoDelta()).withoutGraph();
    }

    private void requireSameLength(int b, int... lengths) {
        for (int n : lengths) {
            if (n != b) {
                throw new IllegalArgumentException("loss '" + name() + "': all arrays must hold one entry per pair (" + b + ")");
            }
        }
    }

    /** The 4-array form has no token counts: refuse a loss that would silently read Lc = Lr = 1. */
    private void requireNoLengths() {
        List<String> reading = new ArrayList<>();
        for (LossType t : types) {
            if (t == LossType.SFT || t == LossType.IPO || t == LossType.SIGMOID_NORM) {
                reading.add(t.trlName());
            }
        }
        if (!reading.isEmpty()) {
            throw new IllegalArgumentException("loss '" + name() + "': " + String.join(", ", reading) + " read(s) each sequence's"
                    + " completion token count; pass them: compute(piChosen, piRejected, refChosen, refRejected, chosenTokens, rejectedTokens)");
        }
    }

    /**
     * The analytic total at initialisation (policy = reference: every ℓ = 0, δ = 0, unit lengths,
     * no WPO weights) for this mix; {@code sft} contributes {@code chosenNll}. For {@link #mpo()}:
     * {@code 0.8·ln2 + 0.2·2·ln2 + chosenNll}.
     */
    public double initialLoss(double chosenNll) {
        double sft = types.contains(LossType.SFT) ? weights.get(types.indexOf(LossType.SFT)) * chosenNll : 0;
        Mpo4jEngine.ensureOffline();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray zero = manager.create(new double[2]);    // float64: the analytic value to double precision
            LossResult atZero = useWeighting(false).compute(SequenceLogps.of(zero, zero, new int[] {1, 1}),
                    ReferenceLogps.sumsAndShared(new double[1], new double[1], new double[1], new double[1]),
                    new BcoDelta()); // sft reads −πc = 0 here
            return atZero.value() + sft;
        }
    }

    // ------------------------------------------------------------------ accessors

    /** TRL-style comma-separated names, e.g. {@code "sigmoid,bco_pair,sft"}. */
    public String name() {
        return types.stream().map(LossType::trlName).collect(Collectors.joining(","));
    }

    public List<LossType> types() {
        return types;
    }

    public List<Double> weights() {
        return weights;
    }

    public double beta() {
        return beta;
    }

    public double labelSmoothing() {
        return labelSmoothing;
    }

    public FDivergence fDivergence() {
        return fDivergence;
    }

    public double alphaCoefficient() {
        return alphaCoef;
    }

    public boolean isReferenceFree() {
        return referenceFree;
    }

    /** α, or {@code null} when length desensitisation is off. */
    public Double ldAlpha() {
        return ldAlpha;
    }

    public boolean isWeighted() {
        return useWeighting;
    }

    public boolean usesBcoRunningMean() {
        return bcoDelta;
    }

    public double discopopTau() {
        return discopopTau;
    }

    /** True when a reference model (or precomputed reference log-probs) is needed. */
    public boolean needsReference() {
        return !referenceFree;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < types.size(); k++) {
            parts.add(types.get(k).trlName() + " " + weights.get(k));
        }
        StringBuilder sb = new StringBuilder(String.join(" + ", parts)).append(", beta ").append(beta);
        if (labelSmoothing != 0) sb.append(", labelSmoothing ").append(labelSmoothing);
        if (fDivergence != FDivergence.REVERSE_KL) {
            sb.append(", ").append(fDivergence);
            if (fDivergence == FDivergence.ALPHA_DIVERGENCE) sb.append(" a=").append(alphaCoef);
        }
        if (referenceFree) sb.append(", reference-free");
        if (ldAlpha != null) sb.append(", ldAlpha ").append(ldAlpha);
        if (useWeighting) sb.append(", WPO weighting");
        if (types.contains(LossType.BCO_PAIR)) sb.append(bcoDelta ? ", bco δ running mean" : ", bco δ = 0");
        if (types.contains(LossType.DISCOPOP)) sb.append(", tau ").append(discopopTau);
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PreferenceLoss)) return false;
        PreferenceLoss p = (PreferenceLoss) o;
        return types.equals(p.types) && weights.equals(p.weights) && beta == p.beta && labelSmoothing == p.labelSmoothing
                && fDivergence == p.fDivergence && alphaCoef == p.alphaCoef && referenceFree == p.referenceFree
                && Objects.equals(ldAlpha, p.ldAlpha) && useWeighting == p.useWeighting && bcoDelta == p.bcoDelta
                && discopopTau == p.discopopTau;
    }

    @Override
    public int hashCode() {
        return Objects.hash(types, weights, beta, labelSmoothing, fDivergence, alphaCoef, referenceFree, ldAlpha, useWeighting, bcoDelta, discopopTau);
    }
}
