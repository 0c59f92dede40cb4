package mpo4j.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.Test;

/** GRPO and RLOO advantages on small batches worked out by hand. */
class AdvantagesTest {
    private static final double NAN = Double.NaN;
    private static final double EPS = 1e-4;

    // Two groups of three: A = [1, 2, 3], B = [0, 0, 4].
    private static final double[] TWO_GROUPS = {1, 2, 3, 0, 0, 4};

    @Test
    void groupScaling() {
        // A: mean 2, squares 1 + 0 + 1 = 2, / (3 - 1) = 1 -> std 1.
        // B: mean 4/3, deviations -4/3, -4/3, 8/3, squares 16/9 + 16/9 + 64/9 = 32/3, / 2 = 16/3 -> std 4/sqrt(3).
        double sB = 4 / Math.sqrt(3);
        double[] expected = {-1 / (1 + EPS), 0, 1 / (1 + EPS), (-4.0 / 3) / (sB + EPS), (-4.0 / 3) / (sB + EPS), (8.0 / 3) / (sB + EPS)};
        Advantages a = GroupAdvantages.compute(TWO_GROUPS, 3, ScaleRewards.GROUP);
        assertArrayEquals(expected, a.values(), 1e-12);
        assertEquals(0.0, a.fracRewardZeroStd());
    }

    @Test
    void batchScalingKeepsTheGroupMeanAndUsesTheBatchStd() {
        // batch mean 10/6 = 5/3; deviations -2/3, 1/3, 4/3, -5/3, -5/3, 7/3;
        // squares (4 + 1 + 16 + 25 + 25 + 49) / 9 = 120/9 = 40/3; / (6 - 1) = 8/3 -> std sqrt(8/3).
        double s = Math.sqrt(8.0 / 3);
        double[] centred = {-1, 0, 1, -4.0 / 3, -4.0 / 3, 8.0 / 3};
        double[] expected = new double[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = centred[i] / (s + EPS);
        }
        assertArrayEquals(expected, GroupAdvantages.compute(TWO_GROUPS, 3, ScaleRewards.BATCH).values(), 1e-12);
    }

    @Test
    void noScalingOnlyCentres() {
        assertArrayEquals(new double[] {-1, 0, 1, -4.0 / 3, -4.0 / 3, 8.0 / 3},
                GroupAdvantages.compute(TWO_GROUPS, 3, ScaleRewards.NONE).values(), 1e-12);
    }

    @Test
    void zeroStdGroupsAndUnscorableCompletions() {
        // [1, 1] has std 0: advantages 0 / (0 + 1e-4) = 0, and it is half of the completions.
        // [0, 1]: mean 0.5, std sqrt(0.5) -> -+0.5 / (0.70711 + 1e-4).
        Advantages a = GroupAdvantages.compute(new double[] {1, 1, 0, 1}, 2, ScaleRewards.GROUP);
        double s = Math.sqrt(0.5);
        assertArrayEquals(new double[] {0, 0, -0.5 / (s + EPS), 0.5 / (s + EPS)}, a.values(), 1e-12);
        assertEquals(0.5, a.fracRewardZeroStd());
        // [NaN, 1, 3]: the NaN is left out: mean 2, std sqrt(2 / 1); its own advantage is 0.
        // [NaN, 5, NaN]: one scorable completion, std undefined -> every advantage 0.
        Advantages b = GroupAdvantages.compute(new double[] {NAN, 1, 3, NAN, 5, NAN}, 3, ScaleRewards.GROUP);
        double s2 = Math.sqrt(2);
        assertArrayEquals(new double[] {0, -1 / (s2 + EPS), 1 / (s2 + EPS), 0, 0, 0}, b.values(), 1e-12);
    }

    @Test
    void leaveOneOutBaseline() {
        // [1, 2, 6]: baselines (2 + 6)/2 = 4, (1 + 6)/2 = 3.5, (1 + 2)/2 = 1.5 -> -3, -1.5, 4.5.
        assertArrayEquals(new double[] {-3, -1.5, 4.5},
                LeaveOneOutAdvantages.compute(new double[] {1, 2, 6}, 3, false).values(), 1e-12);
        // unscorable first completion: 2 vs 6 -> -4 and 4; its own advantage 0.
        assertArrayEquals(new double[] {0, -4, 4},
                LeaveOneOutAdvantages.compute(new double[] {NAN, 2, 6}, 3, false).values(), 1e-12);
        // normalised: mean of (-3, -1.5, 4.5) is 0; squares 9 + 2.25 + 20.25 = 31.5, / 2 = 15.75.
        double s = Math.sqrt(15.75);
        assertArrayEquals(new double[] {-3 / (s + EPS), -1.5 / (s + EPS), 4.5 / (s + EPS)},
                LeaveOneOutAdvantages.compute(new double[] {1, 2, 6}, 3, true).values(), 1e-12);
    }

    @Test
    void rlooKlPenaltyIsTheMaskedFirstOrderSum() {
        Mpo4jEngine.ensureOffline();
        try (NDManager m = NDManager.newBaseManager()) {
            // row 0: (-1 - -1.5) + (-2 - -1) = 0.5 - 1 = -0.5; row 1: (-0.5 - -0.5) + masked = 0.
            // beta 0.1: 1 - 0.1 * -0.5 = 1.05; 2 - 0 = 2.
            double[] out = LeaveOneOutAdvantages.penalize(new double[] {1, 2},
                    m.create(new float[] {-1, -2, -0.5f, 0}, new Shape(2, 2)),
                    m.create(new float[] {-1.5f, -1, -0.5f, -1}, new Shape(2, 2)),
                    m.create(new float[] {1, 1, 1, 0}, new Shape(2, 2)), 0.1);
            assertArrayEquals(new double[] {1.05, 2}, out, 1e-7);
        }
    }

    @Test
    void badLayoutsAndNamesAreRejected() {
        assertEquals("5 rewards do not split into groups of num_generations = 2",
                assertThrows(IllegalArgumentException.class,
                        () -> GroupAdvantages.compute(new double[5], 2, ScaleRewards.GROUP)).getMessage());
        assertEquals("scale_rewards must be one of group, batch, none, got std",
                assertThrows(IllegalArgumentException.class, () -> ScaleRewards.of("std")).getMessage());
        assertEquals(ScaleRewards.GROUP, ScaleRewards.of("true"));
    }
}
