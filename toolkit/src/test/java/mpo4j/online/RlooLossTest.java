package mpo4j.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.Test;

class RlooLossTest {
    @Test
    void sequenceRatioFromSummedLogprobsClippedAndAveraged() {
        Mpo4jEngine.ensureOffline();
        try (NDManager m = NDManager.newBaseManager()) {
            // row 0: sum -1 + -2 = -3, old -3.5 -> r = e^0.5 = 1.6487 > 1.2, A = +1 -> min(1.6487, 1.2) -> loss -1.2
            // row 1: sum -1 (second token masked), old -0.8 -> r = e^-0.2 = 0.81873, inside [0.8, 1.2], A = -2
            //        -> loss 2 * 0.81873 = 1.63746
            // mean: (-1.2 + 1.63746) / 2 = 0.21873
            NDArray logps = m.create(new double[] {-1, -2, -1, -5}, new Shape(2, 2));
            logps.setRequiresGradient(true);
            PolicyLossResult r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                r = new RlooLoss(RlooConfig.DEFAULT).compute(logps, m.create(new double[] {1, 1, 1, 0}, new Shape(2, 2)),
                        m.create(new double[] {-3.5, -0.8}), m.create(new double[] {1, -2}));
                gc.backward(r.loss());
            }
            double r1 = Math.exp(-0.2);
            assertEquals((-1.2 + 2 * r1) / 2, r.loss().getDouble(), 1e-12);
            assertEquals(0.5, r.metrics().get("clip_ratio/high_mean"), 1e-12);
            assertEquals(0.0, r.metrics().get("clip_ratio/low_mean"), 1e-12);
            // gradient: row 0 is clipped (0); row 1 d/dlogp of -A r / 2 = 2 r / 2 = r on its unmasked token.
            assertArrayEquals(new double[] {0, 0, r1, 0}, logps.getGradient().toDoubleArray(), 1e-12);
        }
    }
}
