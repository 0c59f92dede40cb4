package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 items 14 and 15: double-precision loss inputs, reference log-probs that keep float64,
 * explicit reference factories, the token counts of the array form, per-pair reward losses.
 */
class ExplicitInputsTest {

    // ------------------------------------------------------------------ item 14

    @Test
    void doubleInputsGiveTheFloat64HingeWhereFloatInputsRound() {
        // hinge: relu(1 − β·((πc − rc) − (πr − rr))), β = 0.1. With ℓc − ℓr = 9.99999 the hinge is
        // 1 − 0.999999 = 1e-6 (up to double rounding of the inputs): 1 − z is small, so rounding the
        // inputs to float32 (π ≈ −100: a float step there is 7.6e-6) moves it by a large relative amount.
        double pc = -100.00001, pr = -109.99999, rc = -100.0, rr = -99.99999;
        double exact = Math.max(0, 1 - 0.1 * ((pc - rc) - (pr - rr)));
        PreferenceLoss hinge = PreferenceLoss.loss("hinge").beta(0.1);
        LossResult d = hinge.compute(new double[] {pc}, new double[] {pr}, new double[] {rc}, new double[] {rr});
        assertEquals(exact, d.value(), 1e-15);
        LossResult f = hinge.compute(new float[] {(float) pc}, new float[] {(float) pr}, new float[] {(float) rc}, new float[] {(float) rr});
        assertTrue(Math.abs(f.value() - exact) / exact > 1e-3, "float32 inputs round: " + f.value() + " vs " + exact);
    }

    @Test
    void referenceLogpsFromAFloat64ForwardPassKeepTheirPrecision() {
        try (NDManager m = LossTesting.manager()) {
            double[] sums = {-0.1, -1.0 / 3};                       // not floats
            NDArray s = m.create(sums);
            ReferenceLogps ref = ReferenceLogps.from(SequenceLogps.of(s, s, new int[] {1, 1}));
            assertArrayEquals(new double[] {-0.1}, ref.chosen());
            assertArrayEquals(new double[] {-1.0 / 3}, ref.rejected());
        }
    }

    // ------------------------------------------------------------------ item 15

    @Test
    void fullSumsOnlyReferencesAreRefusedByLdAlphaInsteadOfSilentlyUnweighted() {
        ReferenceLogps sums = ReferenceLogps.sums(new double[] {-10}, new double[] {-3});
        assertTrue(!sums.hasShared());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sums.logps(0.5));
        assertTrue(e.getMessage().startsWith("ldAlpha needs the reference's shared-prefix sums"), e.getMessage());
        assertArrayEquals(new double[] {-10, -3}, sums.logps(null));
        // said explicitly: shared −4 of the chosen −10, α = 0.5 → −4 + 0.5·(−6) = −7
        ReferenceLogps both = ReferenceLogps.sumsAndShared(new double[] {-10}, new double[] {-3}, new double[] {-4}, new double[] {-3});
        assertArrayEquals(new double[] {-7, -3}, both.logps(0.5), 1e-12);
    }

    @Test
    void theFourArrayFormRefusesLossesThatReadTokenCounts() {
        float[] pc = {-2, -3}, pr = {-4, -5}, ref = {-3, -4};
        for (String name : List.of("sft", "ipo", "sigmoid_norm", "sigmoid,bco_pair,sft")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PreferenceLoss.loss(name).compute(pc, pr, ref, ref), name);
            assertTrue(e.getMessage().contains("completion token count; pass them: compute(piChosen, piRejected, refChosen,"
                    + " refRejected, chosenTokens, rejectedTokens)"), e.getMessage());
        }
        // with the counts: sft = −Σπc / ΣLc = (2 + 3) / (4 + 6) = 0.5
        LossResult sft = PreferenceLoss.loss("sft").compute(pc, pr, ref, ref, new int[] {4, 6}, new int[] {1, 1});
        assertEquals(0.5, sft.value(), 1e-6);
        // a loss that does not read lengths keeps the short form: sigmoid = −log σ(β·(ℓc − ℓr)) per pair
        LossResult dpo = PreferenceLoss.dpo().compute(pc, pr, ref, ref);
        double m0 = 0.1 * ((-2 + 3) - (-4 + 3)), m1 = 0.1 * ((-3 + 4) - (-5 + 4));
        assertEquals((Math.log1p(Math.exp(-m0)) + Math.log1p(Math.exp(-m1))) / 2, dpo.value(), 1e-6);
    }

    @Test
    void rewardLossesGivePerPairValues() {
        try (NDManager m = LossTesting.manager()) {
            // pairs: A with s0 − s1 = 1; B with s1 − s0 = 3; a tie with |s0 − s1| = 0.5; A the wrong way (c − r = −2)
            NDArray s0 = m.create(new double[] {2, 0, 1, 0});
            NDArray s1 = m.create(new double[] {1, 3, 1.5, 2});
            RewardLossResult r = RewardLoss.sigmoid().margin(0.1).compute(
                    new RewardLoss.HeadScores("overall", s0, s1, java.util.Arrays.asList("A", "B", null, "A")));
            // sigmoid with margin: −log σ(c − r − m) = softplus(−(c − r − 0.1))
            double[] expected = {softplus(-0.9), softplus(-2.9), 0.5, softplus(2.1)};
            assertArrayEquals(expected, r.perPair("overall"), 1e-12);
            // the head's loss is the mean of its A/B entries; the total adds 0.01 × the tie mean
            double headLoss = (expected[0] + expected[1] + expected[3]) / 3;
            assertEquals(headLoss, r.headLosses().get("overall"), 1e-12);
            assertEquals(headLoss + 0.01 * 0.5, r.value(), 1e-12);
            assertThrows(IllegalArgumentException.class, () -> r.perPair("style"));
        }
    }

    private static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }
}
