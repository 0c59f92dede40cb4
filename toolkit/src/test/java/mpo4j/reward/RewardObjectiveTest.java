package mpo4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import mpo4j.loss.RewardLoss;
import mpo4j.text.Tokenizer;
import mpo4j.train.StepOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The objective's loss and metrics, checked by hand from the model's own (unscaled) scores. */
class RewardObjectiveTest {
    static Tokenizer tok;
    static RewardCollator collator;
    static final double LN_1_OVER_007 = Math.log(1 / 0.07);

    @BeforeAll
    static void setUp() {
        tok = TinyRewardModels.tokenizer();
        collator = TinyRewardModels.collator(tok, TinyRewardModels.config(32, 1));
    }

    @AfterAll
    static void tearDown() {
        tok.close();
    }

    static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    static final List<mpo4j.data.RewardPair> A_AND_TIE = List.of(
            TinyRewardModels.text("What is 2 plus 3?", "5", "6", "A", 1),
            TinyRewardModels.text("What is 1 plus 1?", "3", "two and a half", "C", 2));

    @Test
    void aTiePairAddsExactlyOneHundredthOfItsScoreGap() {
        try (RewardModel rm = RewardModel.builder(TinyRewardModels.backbone(6)).collator(collator).seed(2).build();
                NDManager scope = rm.backbone().manager().newSubManager()) {
            RewardBatch batch = collator.collate(A_AND_TIE);
            List<RewardModel.PairScores> s = rm.scores(batch);
            double a0 = s.get(0).score0(), a1 = s.get(0).score1(), t0 = s.get(1).score0(), t1 = s.get(1).score1();
            assertTrue(Math.abs(t0 - t1) > 1e-4, "the crafted tie must have a visible gap, got " + Math.abs(t0 - t1));

            RewardObjective objective = new RewardObjective(rm, RewardLoss.sigmoid());
            StepOutput out = objective.compute(batch, scope, true);
            double bt = softplus(-(a0 - a1 - 0.1));                  // −log σ(c − r − m), m = 0.1
            double tie = Math.abs(t0 - t1);
            assertEquals(bt + 0.01 * tie, out.loss().getFloat(), 1e-6);
            assertEquals(bt, out.metrics().get("preference_loss"), 1e-6);
            assertEquals(tie, out.metrics().get("preference_tie"), 1e-6);
            assertEquals(a0 > a1 ? 1.0 : 0.0, out.metrics().get("preference_acc"));
            assertEquals(a0, out.metrics().get("preference_chosen_reward"), 1e-6);
            assertEquals(a1, out.metrics().get("preference_reject_reward"), 1e-6);

            // the tie pair alone: the loss is the tie term and nothing else
            StepOutput tieOnly = objective.compute(collator.collate(A_AND_TIE.subList(1, 2)), scope, true);
            assertEquals(0.01 * tie, tieOnly.loss().getFloat(), 1e-7);
            assertFalse(tieOnly.metrics().containsKey("preference_acc"), "no A/B pair, no accuracy");
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, tieOnly.loss().getDataType());
        }
    }

    @Test
    void logexpAndHpsUseTheTrainScaledScoresAndIgnoreTheMargin() {
        try (RewardModel rm = RewardModel.builder(TinyRewardModels.backbone(6)).collator(collator).hpsScale(true).seed(2).build();
                NDManager scope = rm.backbone().manager().newSubManager()) {
            RewardBatch batch = collator.collate(List.of(TinyRewardModels.text("What is 2 plus 3?", "5", "6", "B", 1)));
            RewardModel.PairScores s = rm.scores(batch).get(0);
            double k = Math.exp(LN_1_OVER_007);                            // 1/0.07
            double expected = softplus(k * s.score0() - k * s.score1());   // B: chosen = input 1, log(1 + e^(r − c))
            for (String name : List.of("hps", "logexp")) {
                StepOutput train = new RewardObjective(rm, RewardLoss.of(name).margin(5)).compute(batch, scope, true);
                assertEquals(expected, train.loss().getFloat(), 1e-4, name);
                assertEquals(s.score1(), train.metrics().get("preference_chosen_reward"), 1e-6, name + " logs unscaled scores");
                StepOutput eval = new RewardObjective(rm, RewardLoss.of(name)).compute(batch, scope, false);
                assertEquals(softplus(s.score0() - s.score1()), eval.loss().getFloat(), 1e-6, name + ": evaluation is unscaled");
            }
        }
    }

    @Test
    void movingAveragesStartAtZeroAndDecayByNineTenthsAndAreCheckpointState() {
        try (RewardModel rm = RewardModel.builder(TinyRewardModels.backbone(6)).collator(collator).seed(2).build();
                NDManager scope = rm.backbone().manager().newSubManager()) {
            RewardBatch ab = collator.collate(A_AND_TIE);
            RewardBatch other = collator.collate(List.of(TinyRewardModels.text("What is 4 plus 4?", "7", "8", "B", 3)));
            RewardObjective objective = new RewardObjective(rm, RewardLoss.sigmoid());
            Map<String, Double> m1 = objective.compute(ab, scope, true).metrics();
            Map<String, Double> m2 = objective.compute(other, scope, true).metrics();
            assertEquals(0.1 * m1.get("loss"), m1.get("loss_ma"), 1e-12);
            assertEquals(0.9 * m1.get("loss_ma") + 0.1 * m2.get("loss"), m2.get("loss_ma"), 1e-12);
            assertEquals(0.9 * m1.get("preference_acc_ma") + 0.1 * m2.get("preference_acc"), m2.get("preference_acc_ma"), 1e-12);
            assertEquals(0.9 * m1.get("preference_chosen_reward_ma") + 0.1 * m2.get("preference_chosen_reward"),
                    m2.get("preference_chosen_reward_ma"), 1e-12);

            Map<String, Double> state = objective.state();
            assertEquals(m2.get("loss_ma"), state.get("ma/loss"));
            RewardObjective resumed = new RewardObjective(rm, RewardLoss.sigmoid());
            resumed.restore(state);
            Map<String, Double> next = resumed.compute(ab, scope, true).metrics();
            assertEquals(0.9 * m2.get("loss_ma") + 0.1 * next.get("loss"), next.get("loss_ma"), 1e-12);

            Map<String, Double> eval = objective.compute(ab, scope, false).metrics();
            assertFalse(eval.containsKey("loss_ma"), "evaluation does not touch the moving averages");
            assertEquals(state, objective.state());
            assertEquals(Math.log1p(Math.exp(0.1)), objective.initialLosses().get("loss"), 1e-12);
        }
    }
}
