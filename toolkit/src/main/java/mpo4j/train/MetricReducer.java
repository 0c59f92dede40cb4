package mpo4j.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Combines metrics of several batches into one row: each metric's weighted mean
 * {@code Σ w·v / Σ w}, with the weights the objective gave ({@link StepOutput#weights()}). Used for the
 * micro-batches of an optimizer step and for the batches of an evaluation alike, so that logged values
 * are exact means over the examples (pairs, tokens) they cover — not means of batch means, which weigh
 * a short last batch as much as a full one. A metric a batch did not report (or reported with weight 0)
 * does not count for that batch.
 */
public final class MetricReducer {
    private final Map<String, double[]> sums = new LinkedHashMap<>();   // name -> {Σ w·v, Σ w}

    /** Adds one value with its weight. */
    public MetricReducer add(String name, double value, double weight) {
        if (weight > 0 && !Double.isNaN(value)) {
            double[] s = sums.computeIfAbsent(name, k -> new double[2]);
            s[0] += weight * value;
            s[1] += weight;
        } else {
            sums.putIfAbsent(name, new double[2]);
        }
        return this;
    }

    /** Adds every metric of a batch with its weight. */
    public MetricReducer add(StepOutput out) {
        out.metrics().forEach((k, v) -> add(k, v, out.weight(k)));
        return this;
    }

    /** The weighted means in first-seen order (NaN for a metric that never had weight). */
    public Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[1] == 0 ? Double.NaN : s[0] / s[1]));
        return out;
    }
}
