package mpo4j.online;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * A policy loss and its metrics.
 *
 * @param loss the scalar to back-propagate (differentiable in the policy's log-probs)
 * @param metrics detached values under TRL's names ({@code clip_ratio/low_mean}, {@code kl}, ...)
 */
public record PolicyLossResult(NDArray loss, Map<String, Double> metrics) {
    /** Copies the components, so the record stays immutable. */
    public PolicyLossResult {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }
}
