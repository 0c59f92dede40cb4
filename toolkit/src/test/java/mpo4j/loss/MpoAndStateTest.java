package mpo4j.loss;

import static mpo4j.loss.LossTesting.eval;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The MPO combination, its initial loss, the BCO running mean δ as state, and the metric definitions. */
class MpoAndStateTest {
    static final double LN2 = Math.log(2);
    static NDManager m;

    @BeforeAll
    static void open() {
        m = LossTesting.manager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    @Test
    void mpoIsSigmoidPointEightBcoPointTwoSftOne() {
        PreferenceLoss mpo = PreferenceLoss.mpo();
        assertEquals(List.of(LossType.SIGMOID, LossType.BCO_PAIR, LossType.SFT), mpo.types());
        assertEquals(List.of(0.8, 0.2, 1.0), mpo.weights());
        assertEquals(0.1, mpo.beta());
        assertEquals(mpo, PreferenceLoss.loss("sigmoid,bco_pair,sft").weights(0.8, 0.2, 1.0));
        // one pair, ℓc = 2, ℓr = −3 (β = 0.1): z = 0.5; δ = 0.1·(2 − 3)/2 = −0.05; NLL = −πc/Lc = 12/4
        double[] pc = {-12}, pr = {-15}, rc = {-14}, rr = {-12};
        LossResult r = eval(m, mpo, pc, pr, rc, rr, new int[] {4}, new int[] {6}, null);
        double sigmoid = Math.log1p(Math.exp(-0.5));
        // −log σ(0.2 + 0.05) − log σ(−(−0.3 + 0.05)) = 2·softplus(−0.25)
        double bco = 2 * Math.log1p(Math.exp(-0.25));
        double sft = 3.0;
        assertEquals(sigmoid, r.component(LossType.SIGMOID), 1e-12);
        assertEquals(bco, r.component(LossType.BCO_PAIR), 1e-12);
        assertEquals(sft, r.component(LossType.SFT), 1e-12);
        assertEquals(0.8 * sigmoid + 0.2 * bco + sft, r.value(), 1e-12);
        assertEquals(0.8 * sigmoid + 0.2 * bco + sft, r.pairLosses()[0], 1e-6);
        assertEquals(-0.05, r.bcoDelta(), 1e-12);
    }

    @Test
    void initialLossIsAnalytic() {
        assertEquals(0.8 * LN2 + 0.2 * 2 * LN2 + 2.5, PreferenceLoss.mpo().initialLoss(2.5), 1e-12);
        assertEquals(LN2, PreferenceLoss.dpo().initialLoss(99), 1e-6);
        // ipo β = 0.5: (0 − 1/(2β))² = 1; mixed 0.5·ln2 + 0.5·1
        assertEquals(0.5 * LN2 + 0.5, PreferenceLoss.loss("sigmoid,ipo").weights(0.5, 0.5).beta(0.5).initialLoss(0), 1e-6);
        assertEquals(1.0, PreferenceLoss.loss("hinge").initialLoss(0), 1e-6);
        assertEquals(1.0, PreferenceLoss.loss("apo_zero").initialLoss(0), 1e-6);
        assertEquals(1.0, PreferenceLoss.loss("apo_down").initialLoss(0), 1e-6);
        assertEquals((LN2 + 1) / 2, PreferenceLoss.loss("discopop").initialLoss(0), 1e-6);
        assertEquals(LN2, PreferenceLoss.loss("robust").labelSmoothing(0.3).initialLoss(0), 1e-6);
        // exo ε = 0.1: −ln2 − ½·ln(0.1·0.9)
        assertEquals(-LN2 - 0.5 * Math.log(0.09), PreferenceLoss.loss("exo_pair").labelSmoothing(0.1).initialLoss(0), 1e-6);
        // nca: −log σ(0) − ½ log σ(0) − ½ log σ(0) = 2 ln2; sppo β = 0.1: 25 + 25
        assertEquals(2 * LN2, PreferenceLoss.loss("nca_pair").initialLoss(0), 1e-6);
        assertEquals(50.0, PreferenceLoss.loss("sppo_hard").initialLoss(0), 1e-4);
    }

    @Test
    void bcoDeltaIsTheRunningMeanOverThreeBatches() {
        PreferenceLoss bco = PreferenceLoss.loss("bco_pair");   // β = 0.1
        BcoDelta state = new BcoDelta();
        double[] zero2 = {0, 0};
        int[] one2 = {1, 1};
        // batch 1: ℓ = {2, 4 | −1, 3} → mean 2 → m1 = 0.2 → δ1 = 0.2
        LossResult r1 = eval(m, bco, new double[] {2, 4}, new double[] {-1, 3}, zero2, zero2, one2, one2, state);
        assertEquals(0.2, r1.bcoDelta(), 1e-12);
        assertEquals(0.2, r1.metrics().get("bco/delta"), 1e-12);
        // per pair: softplus(−(β·ℓc − δ)) + softplus(β·ℓr − δ)
        double expected1 = (Math.log1p(Math.exp(-(0.2 - 0.2))) + Math.log1p(Math.exp(-0.1 - 0.2))
                + Math.log1p(Math.exp(-(0.4 - 0.2))) + Math.log1p(Math.exp(0.3 - 0.2))) / 2;
        assertEquals(expected1, r1.value(), 1e-12);
        // batch 2: ℓ = {0, 0 | −2, −2} → mean −1 → m2 = −0.1 → δ2 = (0.2 − 0.1)/2 = 0.05
        LossResult r2 = eval(m, bco, zero2, new double[] {-2, -2}, zero2, zero2, one2, one2, state);
        assertEquals(0.05, r2.bcoDelta(), 1e-12);
        // checkpoint and resume
        BcoDelta resumed = BcoDelta.fromJson(state.toJson());
        assertEquals(2, resumed.count());
        BcoDelta viaMap = BcoDelta.fromMap(Map.of("mean", 0.05, "count", 2));
        // batch 3: ℓ = {6, 6 | 6, 6} → m3 = 0.6 → δ3 = (0.2 − 0.1 + 0.6)/3 = 0.2333…
        double[] six = {6, 6};
        LossResult r3 = eval(m, bco, six, six, zero2, zero2, one2, one2, state);
        assertEquals(0.7 / 3, r3.bcoDelta(), 1e-12);
        assertEquals(0.7 / 3, eval(m, bco, six, six, zero2, zero2, one2, one2, resumed).bcoDelta(), 1e-12);
        assertEquals(0.7 / 3, eval(m, bco, six, six, zero2, zero2, one2, one2, viaMap).bcoDelta(), 1e-12);
        assertEquals(0.7 / 3, state.value(), 1e-12);
        assertEquals(3, state.count());
        // evaluation with a frozen copy uses the training δ and moves nothing
        BcoDelta eval = state.frozenCopy();
        assertEquals(0.7 / 3, eval(m, bco, zero2, zero2, zero2, zero2, one2, one2, eval).bcoDelta(), 1e-12);
        assertEquals(3, eval.count());
        // δ ≡ 0 leaves the state alone
        LossResult off = eval(m, bco.bcoDelta(false), six, six, zero2, zero2, one2, one2, state);
        assertEquals(0.0, off.bcoDelta());
        assertEquals(3, state.count());
        assertEquals(2 * Math.log1p(Math.exp(-0.6)) / 2 + 2 * Math.log1p(Math.exp(0.6)) / 2, off.value(), 1e-12);
        // a loss without bco_pair reports no δ
        assertNull(eval(m, PreferenceLoss.dpo(), six, six, zero2, zero2, one2, one2, state).bcoDelta());
        assertTrue(!PreferenceLoss.dpo().compute(new float[] {0}, new float[] {0}, new float[] {0}, new float[] {0})
                .metrics().containsKey("bco/delta"));
    }

    @Test
    void bcoStateRejectsBrokenInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BcoDelta.fromMap(Map.of("mean", 1.0)));
        assertTrue(e.getMessage().contains("'mean' and 'count'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BcoDelta.fromJson("{\"mean\": 0.1, \"count\": -1}"));
        assertTrue(e.getMessage().contains("count=-1"), e.getMessage());
    }

    @Test
    void metricsUseTrlNamesStrictAccuracyAndUnweightedRewards() {
        // β = 0.5; pair 0: ℓc = 1, ℓr = −1 (correct); pair 1: ℓc = ℓr = 0.5 (tie: NOT correct)
        PreferenceLoss loss = PreferenceLoss.loss("sigmoid,sft").weights(3, 7).beta(0.5);
        int[] oneToken = {1, 1};
        LossResult r = loss.compute(new float[] {-1, -2}, new float[] {-5, -3}, new float[] {-2, -2.5f}, new float[] {-4, -3.5f},
                oneToken, oneToken);
        Map<String, Double> mt = r.metrics();
        assertEquals(List.of("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                "logps/chosen", "logps/rejected", "loss", "loss/sigmoid", "loss/sft"), List.copyOf(mt.keySet()));
        assertEquals(0.5 * (1 + 0.5) / 2, mt.get("rewards/chosen"), 1e-7);
        assertEquals(0.5 * (-1 + 0.5) / 2, mt.get("rewards/rejected"), 1e-7);
        assertEquals(0.5, mt.get("rewards/margins"), 1e-7);
        assertEquals(0.5, mt.get("rewards/accuracies"), 0.0);
        assertEquals(-1.5, mt.get("logps/chosen"), 1e-7);
        assertEquals(-4.0, mt.get("logps/rejected"), 1e-7);
        assertEquals(3 * mt.get("loss/sigmoid") + 7 * mt.get("loss/sft"), mt.get("loss"), 1e-6);
        assertEquals(0.5f, r.chosenRewards()[0], 1e-7f);
        assertEquals(-0.5f, r.rejectedRewards()[0], 1e-7f);
        String text = r.toString();
        for (String key : mt.keySet()) {
            assertTrue(text.contains(key), "toString shows " + key + ":\n" + text);
        }
    }

    @Test
    void averagingMicroBatchesNeverExceedsOne() {
        float[] z = {0, 0};
        LossResult allRight = PreferenceLoss.dpo().compute(new float[] {1, 1}, new float[] {0, 0}, z, z);
        LossResult halfRight = PreferenceLoss.dpo().compute(new float[] {1, 0}, new float[] {0, 0}, z, z);
        assertEquals(1.0, allRight.metrics().get("rewards/accuracies"));
        assertEquals(0.5, halfRight.metrics().get("rewards/accuracies"));
    }
}
