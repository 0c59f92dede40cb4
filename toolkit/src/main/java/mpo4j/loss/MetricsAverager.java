package mpo4j.loss;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Averages metric maps over the micro-batches of one optimizer step (gradient accumulation):
 * each metric is the mean over the micro-batches that reported it, never the sum, so
 * {@code rewards/accuracies} stays within [0, 1].
 *
 * <pre>{@code
 * MetricsAverager step = new MetricsAverager();
 * for (PreferenceBatch micro : microBatches) step.add(loss.compute(...));
 * Map<String, Double> logged = step.mean();   // then step.clear() for the next step
 * }</pre>
 */
public final class MetricsAverager {
    private final Map<String, double[]> sums = new LinkedHashMap<>(); // name -> {sum, count}

    public MetricsAverager add(LossResult result) {
        return add(result.metrics());
    }

    public MetricsAverager add(Map<String, Double> metrics) {
        metrics.forEach((name, value) -> {
            if (value != null) {
                double[] s = sums.computeIfAbsent(name, k -> new double[2]);
                s[0] += value;
                s[1] += 1;
            }
        });
        return this;
    }

    /** Mean of every metric over the micro-batches added since the last {@link #clear()}, in first-seen order. */
    public Map<String, Double> mean() {
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((name, s) -> out.put(name, s[0] / s[1]));
        return out;
    }

    /** Number of micro-batches that reported {@code loss} (i.e. results added). */
    public int count() {
        double[] s = sums.get("loss");
        return s == null ? (sums.isEmpty() ? 0 : (int) sums.values().iterator().next()[1]) : (int) s[1];
    }

    public boolean isEmpty() {
        return sums.isEmpty();
    }

    public void clear() {
        sums.clear();
    }

    @Override
    public String toString() {
        return "MetricsAverager" + mean();
    }
}
