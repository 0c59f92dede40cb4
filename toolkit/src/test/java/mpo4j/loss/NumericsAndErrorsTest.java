package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Float32 safety at extreme log-ratio gaps, NaN detection, and configuration errors with clear messages. */
class NumericsAndErrorsTest {
    static NDManager m;

    @BeforeAll
    static void open() {
        m = LossTesting.manager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    static PreferenceLoss configured(LossType type, double beta) {
        PreferenceLoss l = PreferenceLoss.loss(type).beta(beta);
        return type == LossType.EXO_PAIR || type == LossType.ROBUST ? l.labelSmoothing(0.1) : l;
    }

    @Test
    void noNanOrInfForGapsUpToTenThousandInFloat32() {
        // pairs with ℓc − ℓr = ±1e4, ±1e3, 0, and a lopsided pair
        float[] pc = {-1, -10001, -5000, -3, -20000};
        float[] pr = {-10001, -1, -4000, -3, -1};
        float[] ref = {0, 0, 0, 0, 0};
        int[] lc = {1, 3, 1, 1, 1};
        int[] lr = {1, 1, 1, 2, 1};
        for (LossType type : LossType.values()) {
            for (double beta : new double[] {0.1, 1, 10}) {
                PreferenceLoss loss = configured(type, beta);
                try (NDManager s = m.newSubManager()) {
                    NDArray x = s.create(concat(pc, pr));
                    x.setRequiresGradient(true);
                    LossResult r;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        r = loss.compute(SequenceLogps.of(x, x, LossTesting.concat(lc, lr)), ReferenceLogps.sums(ref, ref), null);
                        gc.backward(r.loss());
                    }
                    assertTrue(Double.isFinite(r.value()), loss + " loss " + r.value());
                    for (float g : x.getGradient().toFloatArray()) {
                        assertTrue(Float.isFinite(g), loss + " gradient " + g);
                    }
                }
            }
        }
        for (FDivergence f : FDivergence.values()) {
            LossResult r = PreferenceLoss.dpo().fDivergence(f).compute(pc, pr, ref, ref, lc, lr);
            assertTrue(Double.isFinite(r.value()), f + " " + r.value());
        }
    }

    @Test
    void discopopExponentIsGuardedWhereExpOfMinusZOverflows() {
        // z = β·Δ = −1000: exp(1000) overflows, the modulation σ(z/τ) is 0 → loss = −log σ(−1000) = 1000
        LossResult r = PreferenceLoss.loss("discopop").beta(1).compute(new float[] {-1000}, new float[] {0}, new float[] {0}, new float[] {0});
        assertEquals(1000.0, r.value(), 1e-3);
    }

    @Test
    void aNanInputIsAnErrorNamingTheLoss() {
        float[] ok = {-1, -2};
        float[] bad = {-1, Float.NaN};
        int[] one = {1, 1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.mpo().compute(ok, bad, ok, ok, one, one));
        assertEquals("loss 'sigmoid,bco_pair,sft': NaN in the policy log-prob of the rejected sequence of pair 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("ipo").compute(ok, ok, bad, ok, one, one));
        assertEquals("loss 'ipo': NaN in the reference log-prob of the chosen sequence of pair 1", e.getMessage());
    }

    @Test
    void configurationErrorsAreClearAndImmediate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("sigmoid,dpo"));
        assertEquals("unknown loss type 'dpo'; valid loss types: sigmoid, hinge, ipo, sigmoid_norm, exo_pair, nca_pair, "
                + "robust, bco_pair, sppo_hard, aot, aot_unpaired, apo_zero, apo_down, discopop, sft", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("sigmoid,ipo").weights(1));
        assertEquals("1 weights given for 2 loss types (sigmoid,ipo); give exactly one weight per loss type", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("robust").labelSmoothing(0.5));
        assertEquals("loss 'robust': robust requires 0 <= labelSmoothing ε < 0.5, got 0.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("exo_pair").validate());
        assertTrue(e.getMessage().startsWith("loss 'exo_pair': exo_pair requires labelSmoothing ε in (0, 1), got 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PreferenceLoss.loss("exo_pair").compute(new float[] {0}, new float[] {0}, new float[] {0}, new float[] {0}));
        assertTrue(e.getMessage().contains("exo_pair requires labelSmoothing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.dpo().labelSmoothing(1.0));
        assertEquals("loss 'sigmoid': labelSmoothing ε must lie in [0, 1), got 1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.dpo().ldAlpha(1.5));
        assertEquals("loss 'sigmoid': ldAlpha α must lie in [0, 1] (or null to disable), got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("aot").useWeighting());
        assertEquals("loss 'aot': useWeighting cannot be combined with aot: it sorts across the batch, so entry i is not pair i", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("sigmoid,aot_unpaired").useWeighting());
        assertTrue(e.getMessage().contains("aot_unpaired"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.dpo().beta(0));
        assertEquals("loss 'sigmoid': beta must be a finite number > 0, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("discopop").discopopTau(-1));
        assertEquals("loss 'discopop': discopopTau must be a finite number > 0, got -1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.loss("sigmoid,sigmoid"));
        assertTrue(e.getMessage().startsWith("loss type listed twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FDivergence.of("kl"));
        assertEquals("unknown f-divergence 'kl'; valid: reverse_kl, forward_kl, js_divergence, alpha_divergence", e.getMessage());
        // valid mixes are fine; names are case-insensitive and trimmed
        assertEquals(PreferenceLoss.loss(LossType.SIGMOID, LossType.IPO), PreferenceLoss.loss(" Sigmoid , IPO"));
    }

    @Test
    void missingInputsAreClearErrors() {
        float[] z = {0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.dpo().compute(z, z, null, null));
        assertEquals("loss 'sigmoid' needs reference log-probs (or referenceFree())", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.dpo().useWeighting().compute(z, z, z, z));
        assertTrue(e.getMessage().contains("SequenceLogps.fromLogits(logits, labels, true)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.dpo().compute(z, new float[] {0, 0}, z, z));
        assertTrue(e.getMessage().contains("one entry per pair (1)"), e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> PreferenceLoss.dpo().compute(z, z, z, z).loss());
        assertTrue(s.getMessage().contains("no gradient graph"), s.getMessage());
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
