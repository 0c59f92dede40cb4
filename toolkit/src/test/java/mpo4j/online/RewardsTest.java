package mpo4j.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardsTest {
    private static RewardInputs inputs(List<String> completions, List<Object> answers) {
        int n = completions.size();
        return new RewardInputs(java.util.Collections.nCopies(n, "q"), completions,
                java.util.Collections.nCopies(n, new long[0]), Map.of("answer", answers));
    }

    @Test
    void weightedNansumAndUnscorableRows() {
        // f1: [1, -, 0, -], weight 2; f2: [0.5, 0.5, -, -], weight 1.
        // totals: 2*1 + 0.5 = 2.5; 0.5; 2*0 = 0; none scored -> NaN.
        RewardFunction f1 = in -> Arrays.asList(1.0, null, 0.0, null);
        RewardFunction f2 = in -> Arrays.asList(0.5, 0.5, null, Double.NaN);
        WeightedRewards rewards = new WeightedRewards(List.of(NamedReward.of("f1", f1).weight(2), NamedReward.of("f2", f2)));
        RewardScores s = rewards.score(inputs(List.of("a", "b", "c", "d"), Arrays.asList(1, 2, 3, 4)));
        assertArrayEquals(new double[] {2.5, 0.5, 0, Double.NaN}, s.rewards(), 1e-12);
        // f1 over {1, 0}: mean 0.5, std sqrt(0.5 / 1); f2 over {0.5, 0.5}: mean 0.5, std 0.
        assertEquals(0.5, s.metrics().get("rewards/f1/mean"), 1e-12);
        assertEquals(Math.sqrt(0.5), s.metrics().get("rewards/f1/std"), 1e-12);
        assertEquals(0.0, s.metrics().get("rewards/f2/std"), 1e-12);
        // reward over scorable {2.5, 0.5, 0}: mean 1; squares 2.25 + 0.25 + 1 = 3.5, / 2 -> std sqrt(1.75).
        assertEquals(1.0, s.metrics().get("reward"), 1e-12);
        assertEquals(Math.sqrt(1.75), s.metrics().get("reward_std"), 1e-12);
    }

    @Test
    void aFunctionReturningTheWrongCountIsNamed() {
        WeightedRewards rewards = new WeightedRewards(List.of(NamedReward.of("short", in -> List.of(1.0))));
        assertEquals("reward function 'short' returned 1 scores for 2 completions",
                assertThrows(IllegalStateException.class,
                        () -> rewards.score(inputs(List.of("a", "b"), Arrays.asList(1, 2)))).getMessage());
    }

    @Test
    void answerAccuracyExactAndNormalised() {
        RewardInputs in = inputs(List.of(" 42 ", "The Answer is 42. !", "43", "x"), Arrays.asList("42", "the answer  is 42", "42", null));
        // exact (trimmed): "42" = "42"; case and punctuation differ; 43 != 42; no answer -> null.
        assertEquals(Arrays.asList(1.0, 0.0, 0.0, null), Rewards.exactAnswer("answer").score(in));
        assertEquals(Arrays.asList(1.0, 1.0, 0.0, null), Rewards.normalizedAnswer("answer").score(in));
        assertEquals("the answer is 42", Rewards.normalize("  The Answer is 42. !"));
        assertEquals("no dataset column 'solution'; columns: [answer]",
                assertThrows(IllegalArgumentException.class, () -> Rewards.exactAnswer("solution").score(in)).getMessage());
    }

    @Test
    void formatRewardNeedsAFullMatch() {
        RewardFunction f = Rewards.format("<think>.*?</think>\\s*<answer>.*?</answer>");
        RewardInputs in = inputs(List.of("<think>a\nb</think>\n<answer>4</answer>", "<think>a</think><answer>4</answer> extra", "<answer>4</answer>"),
                Arrays.asList(null, null, null));
        assertEquals(List.of(1.0, 0.0, 0.0), f.score(in));
    }

    @Test
    void softOverlongPunishmentFollowsDapoEquation13() {
        // Lmax 100, Lcache 20: |y| <= 80 -> 0; 90 -> (80 - 90) / 20 = -0.5 (TRL's docstring example);
        // 100 -> -1; 101 -> -1.
        RewardFunction f = Rewards.softOverlongPunishment(100, 20);
        List<long[]> ids = List.of(new long[80], new long[90], new long[100], new long[101]);
        RewardInputs in = new RewardInputs(java.util.Collections.nCopies(4, "q"), java.util.Collections.nCopies(4, "c"), ids, Map.of());
        assertEquals(List.of(0.0, -0.5, -1.0, -1.0), f.score(in));
    }
}
