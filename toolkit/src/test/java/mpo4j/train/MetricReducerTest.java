package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricReducerTest {

    @Test
    void weightedMeansAreExactMeansOverTheExamples() {
        // batch 1: 2 pairs, accuracy 1.0 (2 right); batch 2: 1 pair, accuracy 0.0 -> 2 right of 3 pairs
        StepOutput a = new StepOutput(null, Map.of("rewards/accuracies", 1.0, "loss", 0.5), 10).weightedBy(2);
        StepOutput b = new StepOutput(null, Map.of("rewards/accuracies", 0.0, "loss", 2.0), 4).weightedBy(1);
        Map<String, Double> m = new MetricReducer().add(a).add(b).means();
        assertEquals(2.0 / 3, m.get("rewards/accuracies"), 1e-15);
        assertEquals((2 * 0.5 + 2.0) / 3, m.get("loss"), 1e-15);      // not (0.5 + 2.0) / 2
    }

    @Test
    void eachMetricHasItsOwnWeightAndMissingMetricsDoNotCount() {
        // a head with 3 decided pairs in batch 1 and none in batch 2: its accuracy comes from batch 1 alone
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();     // Map.of has no order: the test would depend on hashing
        metrics.put("h_acc", 2.0 / 3);
        metrics.put("h_tie", 0.4);
        StepOutput a = new StepOutput(null, metrics, 1, Map.of("h_acc", 3.0, "h_tie", 1.0));
        StepOutput b = new StepOutput(null, Map.of("h_tie", 0.1), 1, Map.of("h_tie", 3.0));
        Map<String, Double> m = new MetricReducer().add(a).add(b).means();
        assertEquals(2.0 / 3, m.get("h_acc"), 1e-15);
        assertEquals((0.4 * 1 + 0.1 * 3) / 4, m.get("h_tie"), 1e-15);
        assertEquals(List.of("h_acc", "h_tie"), List.copyOf(m.keySet()));
    }

    @Test
    void unweightedMetricsCountOncePerBatchAndWeightZeroGivesNaN() {
        Map<String, Double> m = new MetricReducer()
                .add(new StepOutput(null, Map.of("x", 1.0), 0)).add(new StepOutput(null, Map.of("x", 4.0), 0))
                .add("never", 3.0, 0).means();
        assertEquals(2.5, m.get("x"), 0);
        assertTrue(m.get("never").isNaN());
    }
}
