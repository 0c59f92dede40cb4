package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Autograd gradients against central finite differences (float64), for every loss type and through the logits. */
class LossGradientTest {
    // away from kinks (hinge at z = 1) and sort ties (aot)
    static final double[] PC = {-10.5, -3.25, -6, -8};
    static final double[] PR = {-12, -3.75, -1.5, -7.5};
    static final double[] RC = {-11, -4, -5.5, -7};
    static final double[] RR = {-11.75, -2.5, -3, -8.25};
    static final int[] LC = {3, 1, 7, 2};
    static final int[] LR = {2, 5, 1, 4};

    static NDManager m;

    @BeforeAll
    static void open() {
        m = LossTesting.manager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    static PreferenceLoss configured(LossType type) {
        PreferenceLoss l = PreferenceLoss.loss(type).beta(0.7);
        return switch (type) {
            case EXO_PAIR -> l.labelSmoothing(0.1);
            case ROBUST, SIGMOID, AOT -> l.labelSmoothing(0.2);
            // δ is a constant of the loss (computed from detached rewards); fix it for the finite differences
            case BCO_PAIR -> l.bcoDelta(false);
            default -> l;
        };
    }

    @Test
    void everyLossTypeGradientMatchesFiniteDifferences() {
        for (LossType type : LossType.values()) {
            for (FDivergence f : FDivergence.values()) {
                PreferenceLoss loss = configured(type).fDivergence(f);
                double[] x = LossTesting.concat(PC, PR);
                double[] grad = autograd(loss, x);
                for (int i = 0; i < x.length; i++) {
                    double h = 1e-6;
                    double[] up = x.clone();
                    double[] down = x.clone();
                    up[i] += h;
                    down[i] -= h;
                    double numeric = (value(loss, up) - value(loss, down)) / (2 * h);
                    assertEquals(numeric, grad[i], 1e-6 * Math.max(1, Math.abs(numeric)), loss + " d/dπ[" + i + "]");
                }
            }
        }
    }

    @Test
    void bcoRunningMeanDeltaCarriesNoGradient() {
        // with the running mean, autograd equals the gradient of the δ-fixed loss at the same δ
        double[] x = LossTesting.concat(PC, PR);
        PreferenceLoss running = PreferenceLoss.loss("bco_pair").beta(0.7);
        double[] g = autograd(running, x);
        double sum = 0;
        for (int i = 0; i < PC.length; i++) {
            sum += (PC[i] - RC[i]) + (PR[i] - RR[i]);
        }
        double delta = 0.7 * sum / 8;
        for (int i = 0; i < 4; i++) {
            double beta = 0.7;
            // d/dπc of −log σ(β·ℓc − δ) = −β·σ(−(β·ℓc − δ)) / B
            double expectedC = -beta * SpecFormulas.sig(-(beta * (PC[i] - RC[i]) - delta)) / 4;
            // d/dπr of −log σ(−(β·ℓr − δ)) = β·σ(β·ℓr − δ) / B
            double expectedR = beta * SpecFormulas.sig(beta * (PR[i] - RR[i]) - delta) / 4;
            assertEquals(expectedC, g[i], 1e-9);
            assertEquals(expectedR, g[4 + i], 1e-9);
        }
    }

    @Test
    void gradientFlowsFromTheMpoLossThroughTheLogits() {
        // 2 pairs, L = 4, V = 5; central differences on a handful of logits
        double[] values = new double[4 * 4 * 5];
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.sin(1.7 * i) * 2;
        }
        long[] labels = {
            -100, 1, 3, 4,
            -100, -100, 2, -100,
            -100, 0, 0, -100,
            -100, -100, 4, 1};
        // δ ≡ 0: a running δ would move with the logits in a finite difference but is a constant for autograd
        PreferenceLoss loss = PreferenceLoss.mpo().ldAlpha(0.5).bcoDelta(false);
        // hand-made reference without a tail: the shared parts are the sums (said explicitly)
        ReferenceLogps ref = ReferenceLogps.sumsAndShared(new double[] {-5, -2}, new double[] {-3.5, -4}, new double[] {-5, -2}, new double[] {-3.5, -4});
        double[] grad;
        try (NDManager s = m.newSubManager()) {
            NDArray logits = s.create(values, new Shape(4, 4, 5));
            logits.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                LossResult r = loss.compute(SequenceLogps.fromLogits(logits, labels, false), ref, null);
                gc.backward(r.loss());
            }
            grad = logits.getGradient().toDoubleArray();
        }
        int nonZero = 0;
        for (int i : new int[] {1, 3, 6, 13, 22, 27, 45, 52, 61, 72, 79}) {
            double h = 1e-6;
            double[] up = values.clone();
            double[] down = values.clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (logitLoss(loss, up, labels, ref) - logitLoss(loss, down, labels, ref)) / (2 * h);
            assertEquals(numeric, grad[i], 1e-6, "d loss / d logit[" + i + "]");
            nonZero += Math.abs(grad[i]) > 1e-8 ? 1 : 0;
        }
        assertTrue(nonZero >= 5, "gradient should reach the scored positions");
        // logits at the last position score nothing (they would predict past the end)
        assertEquals(0.0, grad[3 * 5 + 2], 0.0);
    }

    private double logitLoss(PreferenceLoss loss, double[] values, long[] labels, ReferenceLogps ref) {
        try (NDManager s = m.newSubManager()) {
            NDArray logits = s.create(values, new Shape(4, 4, 5));
            return loss.compute(SequenceLogps.fromLogits(logits, labels, false), ref, null).value();
        }
    }

    private double value(PreferenceLoss loss, double[] x) {
        try (NDManager s = m.newSubManager()) {
            NDArray a = s.create(x);
            return loss.compute(SequenceLogps.of(a, a, LossTesting.concat(LC, LR)),
                    ReferenceLogps.sums(LossTesting.f(RC), LossTesting.f(RR)), null).value();
        }
    }

    private double[] autograd(PreferenceLoss loss, double[] x) {
        try (NDManager s = m.newSubManager()) {
            NDArray a = s.create(x);
            a.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                LossResult r = loss.compute(SequenceLogps.of(a, a, LossTesting.concat(LC, LR)),
                        ReferenceLogps.sums(LossTesting.f(RC), LossTesting.f(RR)), null);
                gc.backward(r.loss());
            }
            return a.getGradient().toDoubleArray();
        }
    }
}
