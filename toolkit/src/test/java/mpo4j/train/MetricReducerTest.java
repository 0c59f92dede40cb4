package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
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

    /** Device metrics give the same means as host ones, and every queued value reaches the host in one transfer. */
    @Test
    void deviceMetricsReachTheHostInOneTransfer() {
        try (NDManager keep = NDManager.newBaseManager(); NDManager batch = keep.newSubManager()) {
            // batch 1: loss 0.5 over 2 pairs, per-row sums {-1, -3} averaged over 2 rows; batch 2: loss 2 over 1 pair, sums {-5}
            Map<String, DeviceMetric> m1 = new LinkedHashMap<>();
            m1.put("loss", DeviceMetric.scalar(batch.create(0.5f)));
            m1.put("logps/chosen", new DeviceMetric(batch.create(new float[] {-1, -3}), v -> (v[0] + v[1]) / 2));
            Map<String, DeviceMetric> m2 = new LinkedHashMap<>();
            m2.put("loss", DeviceMetric.scalar(batch.create(2f)));
            m2.put("logps/chosen", new DeviceMetric(batch.create(new float[] {-5}), v -> v[0]));
            double[] extra = new double[1];
            MetricReducer r = new MetricReducer()
                    .add(new StepOutput(null, Map.of("host", 1.0), 0, Map.of(), m1).weightedBy(2), keep)
                    .add(new StepOutput(null, Map.of("host", 4.0), 0, Map.of(), m2).weightedBy(1), keep);
            r.await(batch.create(new float[][] {{1, 2}, {3, 4}}), keep, v -> extra[0] = v[0] + 10 * v[1] + 100 * v[2] + 1000 * v[3]);
            batch.close();           // the batch's arrays are gone: the reducer kept detached copies
            assertThrows(IllegalStateException.class, r::means, "means before the transfer");
            long before = MetricReducer.hostTransfers();
            r.transfer();
            assertEquals(1, MetricReducer.hostTransfers() - before);
            Map<String, Double> means = r.means();
            assertEquals((2 * 0.5 + 2.0) / 3, means.get("loss"), 1e-15);
            assertEquals((2 * -2.0 + -5.0) / 3, means.get("logps/chosen"), 1e-15);
            assertEquals((2 * 1.0 + 4.0) / 3, means.get("host"), 1e-15);
            assertEquals(4321, extra[0], 0, "row-major order");
            assertEquals(List.of("host", "loss", "logps/chosen"), List.copyOf(means.keySet()));
            r.transfer();
            assertEquals(1, MetricReducer.hostTransfers() - before, "nothing queued: no copy");
        }
    }

    @Test
    void aMetricGivenTwiceIsRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StepOutput(null, Map.of("x", 1.0), 0,
                    Map.of(), Map.of("x", DeviceMetric.scalar(m.create(1f)))));
            assertEquals("metric 'x' is given both as a host value and on the device; give it once", e.getMessage());
        }
    }
}
