package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluation of a {@link PreferenceLoss} on a batch.
 *
 * <ul>
 *   <li>{@link #loss()}: the total as a scalar NDArray carrying the gradient (call {@code backward} on it);</li>
 *   <li>{@link #value()}: the same as a double;</li>
 *   <li>{@link #components()}: each loss type's mean over the batch (before its mixing weight);</li>
 *   <li>{@link #perPair(LossType)}: each type's per-pair losses (WPO weight applied; for {@code aot*} entry i
 *       is the i-th sorted difference, not pair i); {@link #pairLosses()}: Σ_k w_k·loss_k[i];</li>
 *   <li>{@link #chosenRewards()}/{@link #rejectedRewards()}: β·(π − r) per pair;</li>
 *   <li>{@link #metrics()}: TRL's metric names, {@code loss}, {@code loss/<type>}, {@code bco/delta}.</li>
 * </ul>
 */
public final class LossResult {
    private final NDArray loss;
    private final double value;
    private final PreferenceLoss config;
    private final Map<LossType, Double> components;
    private final Map<LossType, float[]> perPair;
    private final float[] chosenRewards;
    private final float[] rejectedRewards;
    private final Double bcoDelta;
    private final Map<String, Double> metrics;

    LossResult(NDArray loss, double value, PreferenceLoss config, Map<LossType, Double> components,
               Map<LossType, float[]> perPair, float[] chosenRewards, float[] rejectedRewards,
               Double bcoDelta, Map<String, Double> metrics) {
        this.loss = loss;
        this.value = value;
        this.config = config;
        this.components = Collections.unmodifiableMap(new LinkedHashMap<>(components));
        this.perPair = Collections.unmodifiableMap(new LinkedHashMap<>(perPair));
        this.chosenRewards = chosenRewards;
        this.rejectedRewards = rejectedRewards;
        this.bcoDelta = bcoDelta;
        this.metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** The same numbers without the gradient graph (what the plain-array {@code compute} returns). */
    LossResult withoutGraph() {
        return new LossResult(null, value, config, components, perPair, chosenRewards, rejectedRewards, bcoDelta, metrics);
    }

    /**
     * The total loss, a scalar NDArray with gradient, attached to the manager of the policy log-probs.
     *
     * @throws IllegalStateException if this result came from plain arrays (no graph); use {@link #value()}
     */
    public NDArray loss() {
        if (loss == null) {
            throw new IllegalStateException("this LossResult was computed from plain arrays and has no gradient graph; use value()");
        }
        return loss;
    }

    public boolean hasGraph() {
        return loss != null;
    }

    /** The total loss as a number. */
    public double value() {
        return value;
    }

    public PreferenceLoss config() {
        return config;
    }

    /** Mean loss of each type, in configuration order (WPO-weighted when enabled, not mixing-weighted). */
    public Map<LossType, Double> components() {
        return components;
    }

    public double component(LossType type) {
        Double v = components.get(type);
        if (v == null) {
            throw new IllegalArgumentException("loss type " + type + " is not part of " + config.name());
        }
        return v;
    }

    public float[] perPair(LossType type) {
        float[] v = perPair.get(type);
        if (v == null) {
            throw new IllegalArgumentException("loss type " + type + " is not part of " + config.name());
        }
        return v.clone();
    }

    /** Σ_k w_k·loss_k[i] for each entry i (the batch loss is the mean of these). */
    public float[] pairLosses() {
        List<Double> weights = config.weights();
        float[] out = null;
        int k = 0;
        for (float[] v : perPair.values()) {
            if (out == null) {
                out = new float[v.length];
            }
            double w = weights.get(k++);
            for (int i = 0; i < v.length; i++) {
                out[i] += (float) (w * v[i]);
            }
        }
        return out == null ? new float[0] : out;
    }

    public float[] chosenRewards() {
        return chosenRewards.clone();
    }

    public float[] rejectedRewards() {
        return rejectedRewards.clone();
    }

    /** δ used by {@code bco_pair} in this evaluation, or {@code null} when bco_pair is not configured. */
    public Double bcoDelta() {
        return bcoDelta;
    }

    /** Ordered metric map with TRL's names (logits/* only when computed from logits). */
    public Map<String, Double> metrics() {
        return metrics;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("LossResult  loss = %.6f   (%s)%n", value, config));
        int k = 0;
        List<Double> weights = config.weights();
        for (Map.Entry<LossType, Double> e : components.entrySet()) {
            sb.append(String.format("  %-22s %12.6f   x %s%n", "loss/" + e.getKey().trlName(), e.getValue(), weights.get(k++)));
        }
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (!e.getKey().startsWith("loss")) {
                sb.append(String.format("  %-22s %12.6f%n", e.getKey(), e.getValue()));
            }
        }
        return sb.toString().stripTrailing();
    }
}
