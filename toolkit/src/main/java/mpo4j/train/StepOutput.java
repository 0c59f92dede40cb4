package mpo4j.train;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one forward pass over a micro-batch gives the trainer.
 *
 * <p>Each metric is a mean over something the batch holds (pairs, tokens, decided pairs of a head), and
 * its weight says how many: the trainer's {@link MetricReducer} combines micro-batches and evaluation
 * batches with these weights, so a logged value is the exact mean over every example it covers, whatever
 * the batch boundaries. A metric without a weight counts once per batch.
 *
 * <p>Metrics come as host numbers ({@code metrics}) or still on the device ({@code deviceMetrics}, copied
 * to the host with every other device value of the optimizer step in one transfer); a row shows the
 * host metrics first, then the device ones, each in its map's order.
 *
 * @param loss          the scalar to minimise, still attached to the graph when training
 * @param metrics       named values to log for this micro-batch (e.g. TRL's {@code rewards/margins}), in the order to show them
 * @param tokens        real (non-padding) tokens processed, for {@code tokens_per_s}
 * @param weights       how many examples each metric's value averages over (missing: 1)
 * @param deviceMetrics named metrics still on the device, in the order to show them
 * @param examples      per-example values in batch order (e.g. each pair's {@code rewards/margins}), which an
 *                      evaluation keeps whole so that their distribution can be drawn; empty for most objectives
 */
public record StepOutput(NDArray loss, Map<String, Double> metrics, long tokens, Map<String, Double> weights,
                         Map<String, DeviceMetric> deviceMetrics, Map<String, float[]> examples) {
    public StepOutput {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        weights = Map.copyOf(weights);
        deviceMetrics = Collections.unmodifiableMap(new LinkedHashMap<>(deviceMetrics));
        examples = Collections.unmodifiableMap(new LinkedHashMap<>(examples));
        for (String name : deviceMetrics.keySet()) {
            if (metrics.containsKey(name)) {
                throw new IllegalArgumentException("metric '" + name + "' is given both as a host value and on the device; give it once");
            }
        }
    }

    /** Host and device metrics, no per-example values. */
    public StepOutput(NDArray loss, Map<String, Double> metrics, long tokens, Map<String, Double> weights,
                      Map<String, DeviceMetric> deviceMetrics) {
        this(loss, metrics, tokens, weights, deviceMetrics, Map.of());
    }

    /** Host metrics only, each with its weight. */
    public StepOutput(NDArray loss, Map<String, Double> metrics, long tokens, Map<String, Double> weights) {
        this(loss, metrics, tokens, weights, Map.of());
    }

    /** Host metrics that count once per batch. */
    public StepOutput(NDArray loss, Map<String, Double> metrics, long tokens) {
        this(loss, metrics, tokens, Map.of(), Map.of());
    }

    /** Every metric averages over {@code count} examples (e.g. the pairs of a preference batch). */
    public StepOutput weightedBy(double count) {
        Map<String, Double> w = new LinkedHashMap<>();
        metrics.keySet().forEach(k -> w.put(k, count));
        deviceMetrics.keySet().forEach(k -> w.put(k, count));
        w.putAll(weights);
        return new StepOutput(loss, metrics, tokens, w, deviceMetrics, examples);
    }

    /** The same output, also carrying each example's value of {@code name} (one per example, in batch order). */
    public StepOutput withExamples(String name, float[] values) {
        Map<String, float[]> e = new LinkedHashMap<>(examples);
        e.put(name, values.clone());
        return new StepOutput(loss, metrics, tokens, weights, deviceMetrics, e);
    }

    /**
     * Every metric as a number, host metrics first, then device ones (copied to the host in one
     * transfer, while their arrays are still open: before the batch's scope closes).
     */
    public Map<String, Double> metricValues() {
        MetricReducer values = new MetricReducer();
        metrics.forEach((k, v) -> values.add(k, v, 1));
        deviceMetrics.forEach((k, m) -> values.add(k, m, 1, m.values().getManager()));
        values.transfer();
        return values.means();
    }

    /** The weight of {@code metric} (1 when none was given). */
    public double weight(String metric) { return weights.getOrDefault(metric, 1.0); }
}
