package mpo4j.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * What one forward pass over a micro-batch gives the trainer.
 *
 * @param loss    the scalar to minimise, still attached to the graph when training
 * @param metrics named values to log for this micro-batch (e.g. TRL's {@code rewards/margins})
 * @param tokens  real (non-padding) tokens processed, for {@code tokens_per_s}
 */
public record StepOutput(NDArray loss, Map<String, Double> metrics, long tokens) {
    public StepOutput {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));   // keeps the objective's column order
    }
}
