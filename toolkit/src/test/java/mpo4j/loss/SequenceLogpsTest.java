package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import mpo4j.collate.SequenceBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Logits → per-sequence log-probs, WPO weights, ldAlpha split and mean logits, on hand-made tiny vocabularies. */
class SequenceLogpsTest {
    static final double LN2 = Math.log(2);
    static final double LN3 = Math.log(3);
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
    void wpoWeightsAndLogpsOnAThreeWordVocabulary() {
        // B = 1, L = 2, V = 3; one completion token per row, scored by the logits at t = 0.
        // chosen: logits [0, ln2, ln3] → p = [1/6, 2/6, 3/6]; label 2 → log p = ln(1/2); Σp² = 14/36
        //         w = exp(ln(1/2) − ln(14/36)) = 18/14 = 9/7
        // rejected: logits [0, 0, 0] → p = 1/3 each; label 0 → log p = −ln3; Σp² = 1/3 → w = 1
        double[] logits = {
            0, LN2, LN3, /* t=1, never scored: */ 5, -5, 9,
            0, 0, 0, /* t=1: */ 7, 7, 7};
        long[] labels = {-100, 2, -100, 0};
        try (NDManager s = m.newSubManager()) {
            SequenceLogps p = SequenceLogps.fromLogits(s.create(logits, new Shape(2, 2, 3)), labels, true);
            assertArrayEquals(new double[] {Math.log(0.5), -LN3}, p.sums().toDoubleArray(), 1e-12);
            assertArrayEquals(new int[] {1, 1}, p.tokens());
            assertEquals(9.0 / 7.0, p.weights()[0], 1e-6);
            assertEquals(1.0, p.weights()[1], 1e-6);
            assertEquals((LN2 + LN3) / 3, p.meanLogitChosen(), 1e-12);
            assertEquals(0.0, p.meanLogitRejected(), 1e-12);
        }
    }

    @Test
    void weightingMultipliesEachPairLossByBothWeights() {
        double[] logits = {0, LN2, LN3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        long[] labels = {-100, 2, -100, 0};
        try (NDManager s = m.newSubManager()) {
            SequenceLogps p = SequenceLogps.fromLogits(s.create(logits, new Shape(2, 2, 3)), labels, true);
            ReferenceLogps ref = ReferenceLogps.sums(new float[] {0}, new float[] {0});
            double plain = PreferenceLoss.dpo().compute(p, ref).value();
            double weighted = PreferenceLoss.dpo().useWeighting().compute(p, ref).value();
            assertEquals(plain * 9.0 / 7.0, weighted, 1e-6);
            // sft under weighting: the batch NLL (−ln(1/2)/1) scaled by the mean pair weight
            assertEquals(LN2 * 9.0 / 7.0, PreferenceLoss.loss("sft").useWeighting().compute(p, ref).value(), 1e-6);
            // hinge under weighting: max(0, 1 − 0.1·(ln(1/2) + ln3))·9/7
            assertEquals((1 - 0.1 * (Math.log(0.5) + LN3)) * 9.0 / 7.0,
                    PreferenceLoss.loss("hinge").useWeighting().compute(p, ref).value(), 1e-6);
        }
    }

    @Test
    void ldAlphaKeepsTheSharedPrefixAndScalesTheTail() {
        // V = 2, logits [0, 0] everywhere → every token has log p = −ln2.
        // chosen row: 3 completion tokens (positions 1..3); rejected row: 1 completion token.
        // shared length min(3, 1) = 1: chosen = −ln2 + α·(−2 ln2), rejected = −ln2 (no tail).
        double[] logits = new double[2 * 4 * 2];
        long[] labels = {-100, 1, 0, 1, -100, -100, 1, -100};
        try (NDManager s = m.newSubManager()) {
            SequenceLogps p = SequenceLogps.fromLogits(s.create(logits, new Shape(2, 4, 2)), labels, false);
            assertArrayEquals(new double[] {-3 * LN2, -LN2}, p.sums().toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {-LN2, -LN2}, p.shared().toDoubleArray(), 1e-12);
            ReferenceLogps ref = ReferenceLogps.from(p);
            assertEquals(-LN2, ref.chosenShared()[0], 1e-6);
            double[] zero = {0};
            LossResult r = PreferenceLoss.dpo().ldAlpha(0.25).compute(p, ReferenceLogps.sumsAndShared(zero, zero, zero, zero));
            assertEquals(-LN2 - 0.25 * 2 * LN2, r.metrics().get("logps/chosen"), 1e-12);
            assertEquals(-LN2, r.metrics().get("logps/rejected"), 1e-12);
            // α = 0 drops the tail: both sequences count one token; the reference's tail shrinks too
            LossResult r0 = PreferenceLoss.dpo().ldAlpha(0.0).compute(p, ref);
            // (the reference went through float storage: float precision)
            assertEquals(0.0, r0.metrics().get("rewards/chosen"), 1e-7);
            assertEquals(Math.log(2), r0.value(), 1e-7);
        }
    }

    @Test
    void differentTokenLogpsAtDifferentPositionsFollowTheShiftByOne() {
        // V = 3, B = 1, L = 3. Chosen logits at t=0: [1, 2, 3]; at t=1: [0, 0, 5]; labels [_, 1, 2]
        // → log p(1 | t=0) + log p(2 | t=1) = (2 − lse(1,2,3)) + (5 − lse(0,0,5))
        double[] logits = {1, 2, 3, 0, 0, 5, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        long[] labels = {-100, 1, 2, -100, 0, -100};
        double lse1 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double lse2 = Math.log(2 + Math.exp(5));
        try (NDManager s = m.newSubManager()) {
            SequenceBatch rows = new SequenceBatch(2, 3, new long[] {7, 1, 2, 7, 0, 7}, labels, new int[] {3, 2}, 7);
            SequenceLogps p = SequenceLogps.fromLogits(s.create(logits, new Shape(2, 3, 3)), rows, false);
            assertEquals((2 - lse1) + (5 - lse2), p.sums().toDoubleArray()[0], 1e-12);
            assertEquals(-LN3, p.sums().toDoubleArray()[1], 1e-12);
            // mean raw logit over chosen completion positions (t = 0, 1) and vocabulary: (6 + 5)/6
            assertEquals(11.0 / 6.0, p.meanLogitChosen(), 1e-12);
        }
    }

    @Test
    void noVocabularySizedTemporaryOutlivesTheCall() {
        // Small intermediates stay in the caller's step scope until backward (autograd may read them;
        // see mpo4j.engine.Scalar); the [N, L, V] temporaries are released inside the call.
        try (NDManager s = m.newSubManager()) {
            NDArray logits = s.randomNormal(new Shape(4, 6, 11));
            long[] labels = new long[24];
            java.util.Arrays.fill(labels, 3);
            SequenceLogps p = SequenceLogps.fromLogits(logits, labels, true);
            PreferenceLoss.mpo().useWeighting().compute(p, ReferenceLogps.sums(new float[] {0, 0}, new float[] {0, 0}));
            long vocabularySized = s.getManagedArrays().stream()
                    .filter(a -> a != logits && !a.isReleased() && a.size() >= 4 * 5 * 11).count();
            assertEquals(0, vocabularySized, "logits-sized arrays left in the caller's scope");
        }
    }

    @Test
    void badShapesAndLabelsAreClearErrors() {
        try (NDManager s = m.newSubManager()) {
            NDArray logits = s.zeros(new Shape(2, 3, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SequenceLogps.fromLogits(logits, new long[] {-100, 9, -100, -100, 0, -100}, false));
            assertTrue(e.getMessage().contains("label 9 at row 0, position 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> SequenceLogps.fromLogits(logits, new long[] {1, 2}, false));
            assertTrue(e.getMessage().contains("labels of 2B·L = 6"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> SequenceLogps.fromLogits(s.zeros(new Shape(3, 2, 2)), new long[6], false));
            assertTrue(e.getMessage().contains("2B rows"), e.getMessage());
        }
    }
}
