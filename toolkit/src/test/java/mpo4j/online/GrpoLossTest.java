package mpo4j.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The GRPO/GSPO loss against hand-derived numbers and a finite-difference gradient. */
class GrpoLossTest {
    private static NDManager manager;

    @BeforeAll
    static void open() {
        Mpo4jEngine.ensureOffline();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() { manager.close(); }

    private static NDArray f64(double[] x, long... shape) { return manager.create(x, new Shape(shape)); }

    private static double value(NDArray x) { return x.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble(); }

    @Test
    void clippedSurrogateAndClipRatiosAtBothBounds() {
        // Five completions of one token each, old log-prob 0, so ratio = exp(logp).
        // epsilon 0.2 -> lower bound 0.8; epsilon_high 0.28 -> upper bound 1.28.
        //   r 1.5, A +1: min(1.5, 1.28) = 1.28   -> loss -1.28  (high clip binds)
        //   r 0.5, A -1: min(-0.5, -0.8) = -0.8  -> loss  0.8   (low clip binds)
        //   r 1.5, A -1: min(-1.5, -1.28) = -1.5 -> loss  1.5   (clip does not bind)
        //   r 0.5, A +1: min(0.5, 0.8) = 0.5     -> loss -0.5   (clip does not bind)
        //   r 1.1, A +2: inside the range        -> loss -2.2
        // bnpo: (-1.28 + 0.8 + 1.5 - 0.5 - 2.2) / 5 = -1.68 / 5 = -0.336.
        double[] ratios = {1.5, 0.5, 1.5, 0.5, 1.1};
        double[] logps = new double[5];
        for (int i = 0; i < 5; i++) {
            logps[i] = Math.log(ratios[i]);
        }
        GrpoLoss loss = new GrpoLoss(GrpoLossConfig.DEFAULT.epsilonHigh(0.28).lossType(GrpoLossType.BNPO));
        PolicyLossResult r = loss.compute(f64(logps, 5, 1), f64(new double[5], 5, 1), null,
                f64(new double[] {1, -1, -1, 1, 2}, 5), f64(new double[] {1, 1, 1, 1, 1}, 5, 1));
        assertEquals(-0.336, value(r.loss()), 1e-12);
        assertEquals(0.2, r.metrics().get("clip_ratio/low_mean"), 1e-12);
        assertEquals(0.2, r.metrics().get("clip_ratio/high_mean"), 1e-12);
        assertEquals(0.4, r.metrics().get("clip_ratio/region_mean"), 1e-12);
        assertEquals(0.0, r.metrics().get("clip_ratio/low_min"), 1e-12);
        assertEquals(1.0, r.metrics().get("clip_ratio/high_max"), 1e-12);
        assertFalse(r.metrics().containsKey("kl"));
    }

    @Test
    void k3KlIsAddedWithBeta() {
        // On-policy (old = null), advantages 0: only beta * kl remains.
        // token 1: ref - logp = ln 0.5 -> kl = 0.5 - ln 0.5 - 1 = ln 2 - 0.5 = 0.193147
        // token 2: ref - logp = ln 3   -> kl = 3 - ln 3 - 1 = 2 - ln 3 = 0.901388
        // kl metric: (0.193147 + 0.901388) / 2 = 0.547268; bnpo loss 0.1 * 0.547268 = 0.0547268.
        GrpoLoss loss = new GrpoLoss(GrpoLossConfig.DEFAULT.beta(0.1).lossType(GrpoLossType.BNPO));
        PolicyLossResult r = loss.compute(f64(new double[] {-1, -2}, 1, 2), null, f64(new double[] {-1 + Math.log(0.5), -2 + Math.log(3)}, 1, 2),
                f64(new double[] {0}, 1), f64(new double[] {1, 1}, 1, 2));
        double kl = (Math.log(2) - 0.5 + 2 - Math.log(3)) / 2;
        assertEquals(0.547268, kl, 1e-6);
        assertEquals(kl, r.metrics().get("kl"), 1e-12);
        assertEquals(0.1 * kl, value(r.loss()), 1e-12);
        assertEquals("beta = 0.1 needs the reference log-probs (or set beta to 0)",
                assertThrows(IllegalArgumentException.class, () -> loss.compute(f64(new double[] {-1}, 1, 1), null, null,
                        f64(new double[] {0}, 1), f64(new double[] {1}, 1, 1))).getMessage());
    }

    /** Two completions of 3 and 1 tokens (T = 4), on-policy so each token's loss is -A. */
    private static double lossOf(GrpoLossType type, double numItems, int accumulation) {
        // A = [1, -2]: row 0 tokens -1, -1, -1 (sum -3); row 1 token +2 (sum 2).
        NDArray logps = f64(new double[] {-1, -2, -3, -4, -1, -2, -3, -4}, 2, 4);
        NDArray mask = f64(new double[] {1, 1, 1, 0, 1, 0, 0, 0}, 2, 4);
        GrpoLoss loss = new GrpoLoss(GrpoLossConfig.DEFAULT.lossType(type).maxCompletionLength(8));
        return value(loss.compute(logps, null, null, f64(new double[] {1, -2}, 2), mask, numItems, accumulation).loss());
    }

    @Test
    void eachLossTypeNormalisesDifferently() {
        // grpo: mean(-3 / 3, 2 / 1) = mean(-1, 2) = 0.5
        assertEquals(0.5, lossOf(GrpoLossType.GRPO, 4, 1), 1e-12);
        // bnpo: (-3 + 2) / 4 tokens = -0.25
        assertEquals(-0.25, lossOf(GrpoLossType.BNPO, 4, 1), 1e-12);
        // dr_grpo: -1 / (2 rows * 8) = -0.0625
        assertEquals(-0.0625, lossOf(GrpoLossType.DR_GRPO, 4, 1), 1e-12);
        // dapo: -1 / num_items_in_batch (10 tokens in the whole generation batch) = -0.1
        assertEquals(-0.1, lossOf(GrpoLossType.DAPO, 10, 1), 1e-12);
        // gradient accumulation 2 halves grpo (0.25) but not dapo, whose normaliser spans the steps.
        assertEquals(0.25, lossOf(GrpoLossType.GRPO, 4, 2), 1e-12);
        assertEquals(-0.1, lossOf(GrpoLossType.DAPO, 10, 2), 1e-12);
        // TRL clamps num_items_in_batch at 1: -1 / max(0.5, 1) = -1
        assertEquals(-1.0, lossOf(GrpoLossType.DAPO, 0.5, 1), 1e-12);
    }

    @Test
    void zeroAdvantagesWithoutKlGiveZeroAndOnPolicyGrpoIsMinusMeanAdvantage() {
        NDArray logps = f64(new double[] {-1, -2, -3, -4, -0.5, -2}, 2, 3);
        NDArray mask = f64(new double[] {1, 1, 0, 1, 1, 1}, 2, 3);
        for (GrpoLossType type : GrpoLossType.values()) {
            for (ImportanceSamplingLevel level : ImportanceSamplingLevel.values()) {
                GrpoLoss loss = new GrpoLoss(GrpoLossConfig.DEFAULT.lossType(type).importanceSamplingLevel(level));
                NDArray old = f64(new double[] {-1.3, -1.5, -3, -4.2, -0.1, -2.5}, 2, 3);
                assertEquals(0.0, value(loss.compute(logps, old, null, f64(new double[] {0, 0}, 2), mask).loss()), 0, type + " " + level);
            }
        }
        // grpo on-policy: each row's token mean of -A is -A; mean over rows = -(0.5 + 2) / 2 = -1.25.
        GrpoLoss grpo = new GrpoLoss(GrpoLossConfig.DEFAULT.lossType(GrpoLossType.GRPO));
        assertEquals(-1.25, value(grpo.compute(logps, null, null, f64(new double[] {0.5, 2}, 2), mask).loss()), 1e-12);
    }

    @Test
    void gspoUsesOneClippedRatioPerSequenceFromTheMeanLogRatio() {
        // row 0: log ratios 0.1, 0.3 (third token masked, 5.0 must not count): mean 0.2, r = e^0.2 = 1.2214 > 1.2,
        //        A = +1 -> clipped: min(1.2214, 1.2) = 1.2 -> loss -1.2 on each token -> row mean -1.2.
        // row 1: log ratios -0.5, -0.5, -0.5: r = e^-0.5 = 0.6065 < 0.8, A = -1 -> min(-0.6065, -0.8) -> loss 0.8.
        // row 2: log ratios 0.1, 0.2: mean 0.15, r = e^0.15 = 1.1618, inside (a sum, 0.3, would clip), A = +1
        //        -> loss -1.1618.
        // grpo: mean(-1.2, 0.8, -e^0.15). Clip metrics are shares of sequences: low 1/3, high 1/3, region 2/3.
        NDArray logps = f64(new double[] {0.1, 0.3, 5.0, -0.5, -0.5, -0.5, 0.1, 0.2, 0}, 3, 3);
        NDArray old = f64(new double[9], 3, 3);
        NDArray mask = f64(new double[] {1, 1, 0, 1, 1, 1, 1, 1, 0}, 3, 3);
        NDArray advantages = f64(new double[] {1, -1, 1}, 3);
        GrpoLossConfig gspo = GrpoLossConfig.DEFAULT.lossType(GrpoLossType.GRPO).importanceSamplingLevel(ImportanceSamplingLevel.SEQUENCE);
        PolicyLossResult r = new GrpoLoss(gspo).compute(logps, old, null, advantages, mask);
        assertEquals((-1.2 + 0.8 - Math.exp(0.15)) / 3, value(r.loss()), 1e-12);
        assertEquals(1.0 / 3, r.metrics().get("clip_ratio/low_mean"), 1e-12);
        assertEquals(1.0 / 3, r.metrics().get("clip_ratio/high_mean"), 1e-12);
        assertEquals(2.0 / 3, r.metrics().get("clip_ratio/region_mean"), 1e-12);
        // Token level on the same data: rows 0 and 2 have ratios e^0.1 = 1.10517 (inside) and e^0.3 = 1.34986 /
        // e^0.2 = 1.2214 (clipped to 1.2) -> row mean -(1.10517 + 1.2) / 2 each; row 1 every token 0.8.
        PolicyLossResult t = new GrpoLoss(gspo.importanceSamplingLevel(ImportanceSamplingLevel.TOKEN)).compute(logps, old, null, advantages, mask);
        double row0 = -(Math.exp(0.1) + 1.2) / 2;
        assertEquals((row0 + 0.8 + row0) / 3, value(t.loss()), 1e-12);
        // token-weighted over 7 tokens: 2 high-clipped, 3 low-clipped.
        assertEquals(2.0 / 7, t.metrics().get("clip_ratio/high_mean"), 1e-12);
        assertEquals(3.0 / 7, t.metrics().get("clip_ratio/low_mean"), 1e-12);
    }

    @Test
    void gradientMatchesFiniteDifferencesInFloat64() {
        // Three completions of 4, 3 and 2 tokens. Log ratios chosen so that ratios lie inside the clip
        // range or clearly outside it (and so do GSPO's sequence means), away from the kinks.
        double[] logps = {-1.2, -0.7, -2.1, -0.4, -1.0, -1.6, -0.3, -0.9, -0.8, -1.1, -2.0, -0.5};
        double[] delta = {0.05, -0.4, 0.35, 0.1, -0.05, 0.5, 0.02, 0.7, -0.6, -0.1, 0.3, 0.9};
        double[] refShift = {0.3, -0.2, 0.1, 0.4, -0.5, 0.2, -0.1, 0.6, 0.25, -0.35, 0.15, -0.05};
        double[] mask = {1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0};
        double[] advantages = {0.7, -1.3, 0.4};
        double[] old = new double[12];
        double[] ref = new double[12];
        for (int i = 0; i < 12; i++) {
            old[i] = logps[i] - delta[i];
            ref[i] = logps[i] + refShift[i];
        }
        for (GrpoLossType type : GrpoLossType.values()) {
            for (ImportanceSamplingLevel level : ImportanceSamplingLevel.values()) {
                for (boolean bias : new boolean[] {false, true}) {
                    GrpoLossConfig config = GrpoLossConfig.DEFAULT.lossType(type).importanceSamplingLevel(level)
                            .beta(0.04).useBiasCorrectionKl(bias).epsilonHigh(0.28).maxCompletionLength(6);
                    checkGradient(new GrpoLoss(config), logps, old, ref, advantages, mask, config.toString());
                }
            }
        }
    }

    private static void checkGradient(GrpoLoss loss, double[] logps, double[] old, double[] ref, double[] adv, double[] mask, String what) {
        double[] analytic;
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(logps, new Shape(3, 4));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.compute(x, scope.create(old, new Shape(3, 4)), scope.create(ref, new Shape(3, 4)),
                        scope.create(adv), scope.create(mask, new Shape(3, 4))).loss();
                gc.backward(l);
            }
            analytic = x.getGradient().toDoubleArray();
        }
        double h = 1e-6;
        for (int i = 0; i < logps.length; i++) {
            double[] plus = logps.clone();
            double[] minus = logps.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (evaluate(loss, plus, old, ref, adv, mask) - evaluate(loss, minus, old, ref, adv, mask)) / (2 * h);
            assertEquals(numeric, analytic[i], 1e-7, what + " d/dlogp[" + i + "]");
        }
        // the masked tokens get no gradient, the others do
        assertEquals(0.0, analytic[7], 0);
        assertTrue(Math.abs(analytic[0]) > 1e-4, what + " gradient at token 0 is " + analytic[0]);
    }

    private static double evaluate(GrpoLoss loss, double[] logps, double[] old, double[] ref, double[] adv, double[] mask) {
        try (NDManager scope = manager.newSubManager()) {
            return loss.compute(scope.create(logps, new Shape(3, 4)), scope.create(old, new Shape(3, 4)),
                    scope.create(ref, new Shape(3, 4)), scope.create(adv), scope.create(mask, new Shape(3, 4))).loss().getDouble();
        }
    }

    @Test
    void configDefaultsAndValidation() {
        GrpoLossConfig d = GrpoLossConfig.DEFAULT;
        assertEquals(0.2, d.epsilon());
        assertEquals(0.2, d.upperEpsilon());
        assertEquals(0.0, d.beta());
        assertEquals(GrpoLossType.DAPO, d.lossType());
        assertEquals(ImportanceSamplingLevel.TOKEN, d.importanceSamplingLevel());
        assertEquals(0.28, d.epsilonHigh(0.28).upperEpsilon());
        assertEquals("epsilon must be in [0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> d.epsilon(1.5)).getMessage());
        assertEquals("beta must be a finite number >= 0, got -0.1",
                assertThrows(IllegalArgumentException.class, () -> d.beta(-0.1)).getMessage());
        assertEquals(GrpoLossType.DR_GRPO, GrpoLossType.of("dr_grpo"));
        assertEquals("loss_type must be one of grpo, bnpo, dr_grpo, dapo, got sapo",
                assertThrows(IllegalArgumentException.class, () -> GrpoLossType.of("sapo")).getMessage());
        assertEquals("mask must have shape (1, 2), got (1, 3)",
                assertThrows(IllegalArgumentException.class, () -> new GrpoLoss(d).compute(f64(new double[] {1, 2}, 1, 2), null, null,
                        f64(new double[] {1}, 1), f64(new double[] {1, 1, 1}, 1, 3))).getMessage());
    }

    @Test
    void metricsAreNamedAsInTrl() {
        PolicyLossResult r = new GrpoLoss(GrpoLossConfig.DEFAULT.beta(0.01)).compute(f64(new double[] {-1}, 1, 1), null,
                f64(new double[] {-1}, 1, 1), f64(new double[] {1}, 1), f64(new double[] {1}, 1, 1));
        Map<String, Double> m = r.metrics();
        assertEquals(java.util.List.of("kl", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean",
                "clip_ratio/low_min", "clip_ratio/high_max"), java.util.List.copyOf(m.keySet()));
    }
}
