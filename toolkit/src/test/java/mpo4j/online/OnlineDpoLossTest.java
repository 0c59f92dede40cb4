package mpo4j.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.Test;

class OnlineDpoLossTest {
    // Two prompts, two completions each (rows 2p, 2p+1), T = 2.
    //   row 0: logps -1, -2 (sum -3)           ref -1.5, -2 (sum -3.5)
    //   row 1: logps -2, [-9 masked] (sum -2)  ref -1, [0]  (sum -1)
    //   row 2: logps -1, -1 (sum -2)           ref -1, -1   (sum -2)
    //   row 3: logps -0.5, -0.5 (sum -1)       ref -1, -1   (sum -2)
    private static final double[] LOGPS = {-1, -2, -2, -9, -1, -1, -0.5, -0.5};
    private static final double[] REF = {-1.5, -2, -1, 0, -1, -1, -1, -1};
    private static final double[] MASK = {1, 1, 1, 0, 1, 1, 1, 1};
    // prompt 0 ties (1, 1): the first completion is chosen. Prompt 1: (0, 2): row 3 is chosen.
    private static final double[] SCORES = {1, 1, 0, 2};

    @Test
    void sigmoidLossMetricsAndGradient() {
        Mpo4jEngine.ensureOffline();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logps = m.create(LOGPS, new Shape(4, 2));
            logps.setRequiresGradient(true);
            PolicyLossResult r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                r = new OnlineDpoLoss(OnlineDpoConfig.DEFAULT).compute(logps, m.create(REF, new Shape(4, 2)),
                        m.create(MASK, new Shape(4, 2)), SCORES, 0);
                gc.backward(r.loss());
            }
            // z0 = (-3 - -2) - (-3.5 - -1) = -1 + 2.5 = 1.5; z1 = (-1 - -2) - (-2 - -2) = 1.
            // loss = mean(-logsigmoid(0.1 * z)) = mean(log(1 + e^-0.15), log(1 + e^-0.1)).
            double expected = (Math.log1p(Math.exp(-0.15)) + Math.log1p(Math.exp(-0.1))) / 2;
            assertEquals(expected, r.loss().getDouble(), 1e-12);
            // rewards: chosen 0.1 * (-3 + 3.5) = 0.05 and 0.1 * (-1 + 2) = 0.1 -> 0.075;
            // rejected 0.1 * (-2 + 1) = -0.1 and 0.1 * (-2 + 2) = 0 -> -0.05; margin 0.125; both pairs right.
            assertEquals(0.075, r.metrics().get("rewards/chosen"), 1e-12);
            assertEquals(-0.05, r.metrics().get("rewards/rejected"), 1e-12);
            assertEquals(0.125, r.metrics().get("rewards/margins"), 1e-12);
            assertEquals(1.0, r.metrics().get("rewards/accuracies"), 1e-12);
            assertEquals(1.0, r.metrics().get("objective/scores_margin"), 1e-12);
            // masked KL of the sums: 0.5, -1, 0, 1 -> 0.125 (TRL would add row 1's padded -9 - 0).
            assertEquals(0.125, r.metrics().get("objective/kl"), 1e-12);
            // d loss / d z_p = -0.1 sigmoid(-0.1 z_p) / 2; chosen tokens +, rejected tokens -, masked 0.
            double g0 = -0.1 / (1 + Math.exp(0.15)) / 2;
            double g1 = -0.1 / (1 + Math.exp(0.1)) / 2;
            assertArrayEquals(new double[] {g0, g0, -g0, 0, -g1, -g1, g1, g1}, logps.getGradient().toDoubleArray(), 1e-12);
        }
    }

    @Test
    void ipoLossAndBetaScheduleAndMissingEosPenalty() {
        Mpo4jEngine.ensureOffline();
        try (NDManager m = NDManager.newBaseManager()) {
            OnlineDpoConfig ipo = OnlineDpoConfig.DEFAULT.lossType("ipo").beta(List.of(0.1, 0.5));
            // epoch 0, beta 0.1: ((1.5 - 5)^2 + (1 - 5)^2) / 2 = (12.25 + 16) / 2 = 14.125
            PolicyLossResult r = new OnlineDpoLoss(ipo).compute(m.create(LOGPS, new Shape(4, 2)), m.create(REF, new Shape(4, 2)),
                    m.create(MASK, new Shape(4, 2)), SCORES, 0);
            assertEquals(14.125, r.loss().getDouble(), 1e-12);
            // epoch 3 uses the last beta, 0.5: ((1.5 - 1)^2 + (1 - 1)^2) / 2 = 0.125
            r = new OnlineDpoLoss(ipo).compute(m.create(LOGPS, new Shape(4, 2)), m.create(REF, new Shape(4, 2)),
                    m.create(MASK, new Shape(4, 2)), SCORES, 3);
            assertEquals(0.125, r.loss().getDouble(), 1e-12);
            assertEquals(0.5, r.metrics().get("beta"));
        }
        OnlineDpoLoss penalised = new OnlineDpoLoss(OnlineDpoConfig.DEFAULT.missingEosPenalty(1.0));
        assertArrayEquals(new double[] {1, 0, 0, 2}, penalised.penalize(SCORES, new boolean[] {true, false, true, true}), 0);
        assertEquals("loss_type must be sigmoid or ipo, got hinge",
                assertThrows(IllegalArgumentException.class, () -> OnlineDpoConfig.DEFAULT.lossType("hinge")).getMessage());
    }
}
