package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import org.junit.jupiter.api.Test;

/** Precomputed reference log-probs: from a batch, ldAlpha on stored shared parts, shape errors. */
class ReferenceLogpsTest {

    static PreferenceBatch textBatch() {
        SequenceBatch rows = new SequenceBatch(1, 2, new long[] {5, 6}, new long[] {-100, 6}, new int[] {2}, 0);
        return new PreferenceBatch(rows, rows, new float[0], 0, 448, new int[0], new int[] {0, 0}, List.of(), null, null);
    }

    @Test
    void fromABatchWithPrecomputedReference() {
        ReferenceLogps ref = ReferenceLogps.sums(textBatch().withReference(new float[] {-3.5f}, new float[] {-7f}));
        assertArrayEquals(new double[] {-3.5}, ref.chosen());
        assertArrayEquals(new double[] {-7}, ref.rejected());
        // PreferenceLoss uses it directly: ℓc = −2 − (−3.5) = 1.5, ℓr = −8 − (−7) = −1 → margin β·2.5
        LossResult r = PreferenceLoss.dpo().compute(new double[] {-2}, new double[] {-8}, ref.chosen(), ref.rejected());
        assertEquals(0.25, r.metrics().get("rewards/margins"), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceLogps.sums(textBatch()));
        assertTrue(e.getMessage().startsWith("this batch carries no precomputed reference log-probs"), e.getMessage());
    }

    @Test
    void ldAlphaAppliesToStoredSharedParts() {
        // chosen: sum −10 of which the shared prefix −4 → α = 0.5: −4 + 0.5·(−6) = −7
        ReferenceLogps ref = ReferenceLogps.sumsAndShared(new double[] {-10}, new double[] {-3}, new double[] {-4}, new double[] {-3});
        assertArrayEquals(new double[] {-7, -3}, ref.logps(0.5), 1e-12);
        assertArrayEquals(new double[] {-10, -3}, ref.logps(null), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReferenceLogps(new double[] {1, 2}, new double[] {1}, new double[] {1, 2}, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("chosen 2, rejected 1"), e.getMessage());
    }
}
