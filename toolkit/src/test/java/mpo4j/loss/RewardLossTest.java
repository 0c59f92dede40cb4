package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import mpo4j.loss.RewardLoss.HeadScores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scalar reward-model losses with A/B/C labels, tie penalty and strict accuracy, by hand. */
class RewardLossTest {
    static NDManager m;

    @BeforeAll
    static void open() {
        m = LossTesting.manager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    @Test
    void sigmoidWithMarginTiesAndTwoHeads() {
        try (NDManager s = m.newSubManager()) {
            // head "overall": A (s0 − s1 = 1), B (s1 − s0 = 1), C (|s0 − s1| = 2), A wrong way (c − r = −0.5)
            HeadScores overall = new HeadScores("overall", s.create(new double[] {2, 0.5, 1, 0}), s.create(new double[] {1, 1.5, 3, 0.5}),
                    List.of("A", "B", "C", "A"));
            // head "safety": only ties: |1 − 1.5| = 0.5, |2 − 0| = 2 → mean 1.25; no A/B pair → no head loss
            HeadScores safety = new HeadScores("safety", s.create(new double[] {1, 2}), s.create(new double[] {1.5, 0}), List.of("C", "tie"));
            RewardLossResult r = RewardLoss.sigmoid().compute(overall, safety);
            // −log σ(c − r − 0.1) = softplus(−(c − r − 0.1)): pairs with c − r = 1, 1, −0.5
            double head = (2 * softplus(-0.9) + softplus(0.6)) / 3;
            assertEquals(head, r.headLosses().get("overall"), 1e-12);
            assertFalse(r.headLosses().containsKey("safety"));
            assertEquals(2.0, r.tieTerms().get("overall"), 1e-12);
            assertEquals(1.25, r.tieTerms().get("safety"), 1e-12);
            assertEquals(head + 0.01 * (2.0 + 1.25), r.value(), 1e-12);
            assertEquals(2.0 / 3, r.accuracy(), 1e-12);
            assertEquals(3, r.decidedPairs());
            assertEquals(List.of("loss", "accuracy", "loss/overall", "tie/overall", "tie/safety", "accuracy/overall"),
                    List.copyOf(r.metrics().keySet()));
        }
    }

    @Test
    void float32ScoresWithTiesKeepAFloat32Total() {
        try (NDManager s = m.newSubManager()) {
            HeadScores h = new HeadScores("h", s.create(new float[] {2f, 1f}), s.create(new float[] {1f, 3f}), List.of("A", "C"));
            RewardLossResult r = RewardLoss.sigmoid().compute(h);
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, r.loss().getDataType());
            assertEquals(softplus(-0.9) + 0.01 * 2.0, r.value(), 1e-6);
        }
    }

    @Test
    void logexpAndHpsIgnoreTheMarginAndEqualTiesAreNotCorrect() {
        try (NDManager s = m.newSubManager()) {
            NDArray s0 = s.create(new double[] {3, 1, 2});
            NDArray s1 = s.create(new double[] {1, 1, 5});
            // A: c − r = 2; B with equal scores: c − r = 0 (not correct); B: c − r = 3
            List<String> labels = List.of("a", "B", " B ");
            double expected = (softplus(-2) + softplus(0) + softplus(-3)) / 3;
            for (RewardLoss loss : List.of(RewardLoss.logexp().margin(5), RewardLoss.hps(), RewardLoss.of("LOGEXP"))) {
                RewardLossResult r = loss.compute(new HeadScores("h", s0, s1, labels));
                assertEquals(expected, r.value(), 1e-12, loss.toString());
                assertEquals(2.0 / 3, r.accuracy(), 1e-12);
                assertEquals(0.0, r.tieTerms().get("h"));
            }
            // Bradley–Terry with margin 0: softplus(−(c − r))
            assertEquals(expected, RewardLoss.sigmoid().margin(0).compute(new HeadScores("h", s0, s1, labels)).value(), 1e-12);
        }
    }

    @Test
    void gradientOfTheTotal() {
        try (NDManager s = m.newSubManager()) {
            NDArray s0 = s.create(new double[] {2, 1});
            NDArray s1 = s.create(new double[] {1, 3});
            s0.setRequiresGradient(true);
            s1.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                RewardLossResult r = RewardLoss.sigmoid().compute(new HeadScores("h", s0, s1, List.of("A", "C")));
                gc.backward(r.loss());
            }
            // A pair: d softplus(−(s0 − s1 − 0.1))/d s0 = −σ(−0.9); tie pair: 0.01·d|s0 − s1|/d s0 = 0.01·sign(1 − 3) = −0.01
            double g = -1 / (1 + Math.exp(0.9));
            assertArrayEquals(new double[] {g, -0.01}, s0.getGradient().toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {-g, 0.01}, s1.getGradient().toDoubleArray(), 1e-12);
        }
    }

    @Test
    void errorsNameTheLossAndHead() {
        try (NDManager s = m.newSubManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RewardLoss.of("bt"));
            assertEquals("unknown reward loss 'bt'; valid reward losses: sigmoid, logexp, hps", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new HeadScores("q", s.create(new double[] {1, 2}), s.create(new double[] {1}), List.of("A", "B")));
            assertTrue(e.getMessage().startsWith("head 'q': scores0 (2), scores1 (1) and 2 labels disagree"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RewardLoss.sigmoid().compute(
                    new HeadScores("q", s.create(new double[] {1, Double.NaN}), s.create(new double[] {1, 2}), List.of("A", "B"))));
            assertEquals("reward loss 'sigmoid', head 'q': NaN score at pair 1", e.getMessage());
        }
    }
}
