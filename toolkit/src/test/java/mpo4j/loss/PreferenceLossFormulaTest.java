package mpo4j.loss;

import static mpo4j.loss.LossTesting.eval;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every loss type against docs/losses.md evaluated in plain doubles, over β, ε, f-divergences and edge gaps. */
class PreferenceLossFormulaTest {
    // pair 0: ordinary; 1: policy tie (πc = πr); 2: large gaps (|ℓ| ≈ 20–30); 3: every ℓ = 0 with Lc = 0
    static final double[] PC = {-10.5, -3.25, -40, -7};
    static final double[] PR = {-12, -3.25, -1.5, -7};
    static final double[] RC = {-11, -4, -20.5, -7};
    static final double[] RR = {-11.75, -2.5, -30, -7};
    static final int[] LC = {3, 1, 7, 0};
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

    /** Configurations per type: β × ε × f-divergence as they make sense for that type. */
    static List<PreferenceLoss> configurations(LossType type) {
        List<PreferenceLoss> out = new ArrayList<>();
        double[] epsilons = switch (type) {
            case SIGMOID, AOT, AOT_UNPAIRED -> new double[] {0, 0.1, 0.3};
            case ROBUST -> new double[] {0, 0.2, 0.45};
            case EXO_PAIR -> new double[] {1e-3, 0.2, 0.6};
            default -> new double[] {0};
        };
        for (double beta : new double[] {0.1, 0.5, 2.0}) {
            for (double eps : epsilons) {
                PreferenceLoss base = PreferenceLoss.loss(type).beta(beta).labelSmoothing(eps);
                out.add(base);
                out.add(base.fDivergence(FDivergence.FORWARD_KL));
                out.add(base.fDivergence(FDivergence.JS_DIVERGENCE));
                out.add(base.fDivergence(FDivergence.ALPHA_DIVERGENCE)); // a = 0.5
                out.add(base.fDivergence(FDivergence.ALPHA_DIVERGENCE, 0.3));
                out.add(base.fDivergence(FDivergence.ALPHA_DIVERGENCE, 1.0)); // falls back to reverse KL
            }
        }
        out.add(PreferenceLoss.loss(type).labelSmoothing(type == LossType.EXO_PAIR ? 0.05 : 0).discopopTau(0.5));
        return out;
    }

    @Test
    void everyLossTypeMatchesTheSpecFormulas() {
        int checked = 0;
        for (LossType type : LossType.values()) {
            for (PreferenceLoss loss : configurations(type)) {
                double delta = 0;
                if (type == LossType.BCO_PAIR) { // fresh running mean: δ = β·mean(ℓ) over the 2B sequences
                    double sum = 0;
                    for (int i = 0; i < PC.length; i++) {
                        sum += (PC[i] - RC[i]) + (PR[i] - RR[i]);
                    }
                    delta = loss.beta() * sum / (2 * PC.length);
                }
                double[] expected = SpecFormulas.perPair(type, loss.beta(), loss.labelSmoothing(), loss.discopopTau(),
                        loss.fDivergence(), loss.alphaCoefficient(), delta, PC, PR, RC, RR, LC, LR);
                LossResult r = eval(m, loss, PC, PR, RC, RR, LC, LR, null);
                float[] got = r.perPair(type);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], got[i], 1e-6 * Math.max(1, Math.abs(expected[i])), loss + " entry " + i);
                }
                assertEquals(SpecFormulas.mean(expected), r.value(), 1e-9 * Math.max(1, Math.abs(r.value())), loss.toString());
                assertEquals(r.value(), r.metrics().get("loss/" + type.trlName()), 1e-12);
                checked++;
            }
        }
        assertEquals(true, checked > 15 * 18, "configurations checked: " + checked);
    }

    @Test
    void handComputedSigmoidIpoAndHinge() {
        // one pair: ℓc = 1, ℓr = −1 → Δ = 2
        double[] pc = {1}, pr = {-1}, zero = {0};
        int[] one = {1};
        // β = 0.5: z = 1 → −log σ(1) = log(1 + e^−1) = 0.31326168751822286
        assertEquals(0.31326168751822286, eval(m, PreferenceLoss.dpo().beta(0.5), pc, pr, zero, zero, one, one, null).value(), 1e-12);
        // ε = 0.1: 0.9·0.31326 + 0.1·log(1 + e) = 0.28193551876640057 + 0.13132616875182228
        assertEquals(0.41326168751822285, eval(m, PreferenceLoss.dpo().beta(0.5).labelSmoothing(0.1), pc, pr, zero, zero, one, one, null).value(), 1e-12);
        // hinge β = 0.25: max(0, 1 − 0.5) = 0.5; β = 1: max(0, 1 − 2) = 0
        assertEquals(0.5, eval(m, PreferenceLoss.loss("hinge").beta(0.25), pc, pr, zero, zero, one, one, null).value(), 1e-12);
        assertEquals(0.0, eval(m, PreferenceLoss.loss("hinge").beta(1), pc, pr, zero, zero, one, one, null).value(), 1e-12);
        // ipo β = 0.5, Lc = 2, Lr = 1: (1/2 − (−1) − 1)² = 0.25
        assertEquals(0.25, eval(m, PreferenceLoss.loss("ipo").beta(0.5), pc, pr, zero, zero, new int[] {2}, one, null).value(), 1e-12);
        // sppo_hard β = 0.5: (1 − 1)² + (−1 + 1)² = 0
        assertEquals(0.0, eval(m, PreferenceLoss.loss("sppo_hard").beta(0.5), pc, pr, zero, zero, one, one, null).value(), 1e-12);
        // apo_zero β = 1: 1 − σ(1) + σ(−1) = 2·σ(−1) = 0.5378828427399902
        assertEquals(0.5378828427399902, eval(m, PreferenceLoss.loss("apo_zero").beta(1), pc, pr, zero, zero, one, one, null).value(), 1e-12);
        // forward KL β = 1: sc = −e^−1, sr = −e → z = e − 1/e = 2.3504023872876028; −log σ(z) = 0.09090227...
        double z = Math.E - 1 / Math.E;
        assertEquals(Math.log1p(Math.exp(-z)), eval(m, PreferenceLoss.dpo().beta(1).fDivergence(FDivergence.FORWARD_KL),
                pc, pr, zero, zero, one, one, null).value(), 1e-12);
    }

    @Test
    void referenceFreeUsesPolicyLogpsAsLogRatios() {
        PreferenceLoss free = PreferenceLoss.dpo().beta(0.5).referenceFree();
        // ℓ = π: z = 0.5·(−2 − (−4)) = 1
        LossResult r = free.compute(new float[] {-2}, new float[] {-4}, null, null);
        assertEquals(Math.log1p(Math.exp(-1)), r.value(), 1e-6);
        assertEquals(-1.0, r.metrics().get("rewards/chosen"), 1e-6);   // β·(π − 0)
        assertEquals(-2.0, r.metrics().get("rewards/rejected"), 1e-6);
    }

    @Test
    void sftIsTokenAveragedChosenNllIgnoringBetaAndLdAlpha() {
        // −(−6 − 3)/(4 + 2) = 1.5, whatever β and α
        float[] pc = {-6, -3}, pr = {-1, -1}, ref = {0, 0};
        int[] lc = {4, 2}, lr = {1, 1};
        assertEquals(1.5, PreferenceLoss.loss("sft").compute(pc, pr, ref, ref, lc, lr).value(), 1e-6);
        assertEquals(1.5, PreferenceLoss.loss("sft").beta(3).ldAlpha(0.2).compute(pc, pr, ref, ref, lc, lr).value(), 1e-6);
    }
}
