package mpo4j.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.loss.BcoDelta;
import mpo4j.loss.CompletionLogps;
import mpo4j.loss.LossResult;
import mpo4j.loss.LossType;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import mpo4j.model.CausalLm;
import mpo4j.train.DeviceMetric;
import mpo4j.train.Objective;
import mpo4j.train.StepOutput;

/**
 * The preference step: policy hidden states over chosen-then-rejected rows (computed as one packed
 * row per pair, or row by row: {@link PairForward}) → per-sequence log-probs
 * (the output head only at completion positions, in chunks: {@link CompletionLogps}) → reference
 * log-probs (frozen copy, no gradient; or precomputed) → {@link PreferenceLoss}. Holds the BCO running
 * mean δ, which evaluation never moves.
 */
final class PreferenceObjective implements Objective<PairBatch> {
    private final CausalLm policy;
    private final PreferenceLoss loss;
    private final CausalLm reference;      // null when precomputed or reference-free
    /** How the batch's rows go through the models (tiles once per pair, prompt once per pair, or row by row). */
    private final PairForward layout;
    private final CompletionLogps logps;
    private BcoDelta delta = new BcoDelta();
    private double initialSft = Double.NaN;

    PreferenceObjective(CausalLm policy, PreferenceLoss loss, CausalLm reference, PairForward layout) {
        this(policy, loss, reference, layout, CompletionLogps.chunked());
    }

    /** With {@code logps} choosing how many completion positions go through the output head at once. */
    PreferenceObjective(CausalLm policy, PreferenceLoss loss, CausalLm reference, PairForward layout, CompletionLogps logps) {
        this.policy = policy;
        this.loss = loss.validate();
        this.reference = reference;
        this.layout = layout;
        this.logps = logps;
    }

    @Override
    public StepOutput compute(PairBatch micro, NDManager scope, boolean training) {
        PreferenceBatch batch = micro.batch();
        SequenceBatch rows = batch.concatenated();
        NDArray hidden = layout.hidden(policy, batch, scope);
        SequenceLogps policyLogps = logps.pairs(hidden, policy::logits, rows, loss.isWeighted());
        BcoDelta d = training ? delta : delta.copy();
        LossResult result;
        if (!loss.needsReference()) {
            result = loss.computeDeferred(policyLogps, (ReferenceLogps) null, d);
        } else if (micro.reference() != null) {
            result = loss.computeDeferred(policyLogps, micro.reference(), d);
        } else if (reference != null) {
            result = loss.computeDeferred(policyLogps, referenceOnDevice(reference, batch, layout, scope, logps), d);
        } else {
            throw new IllegalStateException("loss '" + loss.name() + "' needs a reference but none was configured");
        }
        long tokens = 0;
        for (int len : rows.lengths()) {
            tokens += len;
        }
        StepOutput out = new StepOutput(result.loss(), Map.of(), tokens, Map.of(), deviceMetrics(result, training))
                .weightedBy(batch.pairs());
        // an evaluation keeps each pair's margin, so its numbers are read here; a training step reads nothing
        return training ? out : out.withExamples("rewards/margins", margins(result));
    }

    /**
     * The loss's metrics, still on the device: all of them read the one packed vector of the result (the
     * trainer copies it once per step with its other values), and the first to run computes every metric.
     */
    private Map<String, DeviceMetric> deviceMetrics(LossResult result, boolean training) {
        NDArray values = result.deviceValues();
        String sft = "loss/" + LossType.SFT.trlName();
        Map<String, DeviceMetric> metrics = new LinkedHashMap<>();
        for (String name : result.metricNames()) {
            metrics.put(name, new DeviceMetric(values, v -> {
                double value = result.metrics(v).get(name);
                if (training && name.equals(sft) && Double.isNaN(initialSft)) {
                    initialSft = value;         // the first training batch's NLL (values arrive in batch order), for initialLosses()
                }
                return value;
            }));
        }
        return metrics;
    }

    /** Each pair's reward margin, β·(chosen − rejected) implicit reward: what {@code rewards/margins} averages. */
    private static float[] margins(LossResult result) {
        float[] chosen = result.chosenRewards();
        float[] rejected = result.rejectedRewards();
        float[] margins = new float[chosen.length];
        for (int i = 0; i < margins.length; i++) {
            margins[i] = chosen[i] - rejected[i];
        }
        return margins;
    }

    /** Reference log-probs of a batch from a frozen model, with the default chunking. */
    static ReferenceLogps score(CausalLm frozen, PreferenceBatch batch, PairForward layout, NDManager parent) {
        return score(frozen, batch, layout, parent, CompletionLogps.chunked());
    }

    /**
     * Reference log-probs of a batch from a frozen model, left on the device in {@code scope} (the
     * graph-free forward's temporaries live in a sub-scope).
     */
    static SequenceLogps referenceOnDevice(CausalLm frozen, PreferenceBatch batch, PairForward layout, NDManager scope,
                                           CompletionLogps logps) {
        try (NDManager s = scope.newSubManager()) {
            NDArray hidden = layout.hidden(frozen, batch, s).stopGradient();
            SequenceLogps ref = logps.reference(hidden, frozen::logits, batch.concatenated());
            ref.sums().attach(scope);
            ref.shared().attach(scope);
            return ref;
        }
    }

    /** Reference log-probs of a batch from a frozen model, on the host (one copy); the graph-free forward lives in a sub-scope. */
    static ReferenceLogps score(CausalLm frozen, PreferenceBatch batch, PairForward layout, NDManager parent,
                                CompletionLogps logps) {
        try (NDManager s = parent.newSubManager()) {
            return ReferenceLogps.from(referenceOnDevice(frozen, batch, layout, s, logps));
        }
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> s = new LinkedHashMap<>();
        delta.toMap().forEach((k, v) -> s.put("bco/" + k, ((Number) v).doubleValue()));
        s.put("initial_sft", initialSft);
        return s;
    }

    @Override
    public void restore(Map<String, Double> state) {
        Map<String, Object> d = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith("bco/")) {
                d.put(k.substring(4), v);
            }
        });
        delta = d.isEmpty() ? new BcoDelta() : BcoDelta.fromMap(d);
        initialSft = state.getOrDefault("initial_sft", Double.NaN);
    }

    /** Analytic values at initialisation (policy = reference): total and each component, unweighted. */
    @Override
    public Map<String, Double> initialLosses() {
        if (!loss.needsReference()) {
            return Map.of();
        }
        boolean sft = loss.types().contains(LossType.SFT);
        if (sft && Double.isNaN(initialSft)) {
            return Map.of();
        }
        double nll = sft ? initialSft : 0;
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", loss.initialLoss(nll));
        List<LossType> types = loss.types();
        for (int k = 0; k < types.size(); k++) {
            double[] oneHot = new double[types.size()];
            oneHot[k] = 1;
            out.put("loss/" + types.get(k).trlName(), loss.weights(oneHot).initialLoss(nll));
        }
        return out;
    }
}
