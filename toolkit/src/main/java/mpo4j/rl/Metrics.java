package mpo4j.rl;

import java.util.Map;

/**
 * Metric weights for the loop's {@code MetricReducer}: per-completion statistics weigh by the number of
 * completions, token statistics by the completion tokens, so a logged value is the exact mean over the
 * optimizer step whatever its micro-batches.
 */
final class Metrics {
    private Metrics() {}

    static void perCompletion(Map<String, Double> metrics, Map<String, Double> weights, Map<String, Double> values, int rows) {
        values.forEach((k, v) -> {
            metrics.put(k, v);
            weights.put(k, (double) rows);
        });
    }

    static void perToken(Map<String, Double> metrics, Map<String, Double> weights, Map<String, Double> values, double tokens) {
        values.forEach((k, v) -> {
            metrics.put(k, v);
            weights.put(k, Math.max(tokens, 1e-12));
        });
    }

    /** A policy loss's metrics: {@code *_mean} and {@code kl} token-weighted (TRL's batch means), min/max once per batch. */
    static void lossMetrics(Map<String, Double> metrics, Map<String, Double> weights, Map<String, Double> values, double tokens) {
        values.forEach((k, v) -> {
            metrics.put(k, v);
            if (k.endsWith("_mean") || k.equals("kl")) {
                weights.put(k, Math.max(tokens, 1e-12));
            }
        });
    }
}
