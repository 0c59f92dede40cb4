package mpo4j.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.online.RewardFunction;
import org.junit.jupiter.api.Test;

class OnlineDpoTrainerTest {

    private static OnlineDpoTrainer trainer(TinyVlm model) {
        return OnlineDpoTrainer.of(model).data(GrpoFixtures.prompts(4)).collator(GrpoFixtures.collator())
                .maxCompletionLength(4).batchSize(2).lr(6e-3).constant().seed(1).progressBar(false);
    }

    @Test
    void theJudgeBuildsThePairAndTheFirstDpoStepCostsLog2() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            List<List<String>> seen = new ArrayList<>();
            // a judge that always prefers the second sample
            PairJudge second = (prompts, pairs) -> {
                seen.addAll(pairs);
                return new ArrayList<>(Collections.nCopies(prompts.size(), 1));
            };
            OnlineRun run = trainer(model).judge(second).decoder(ids -> java.util.Arrays.toString(ids)).maxSteps(1).fit();
            Map<String, Double> row = run.run().trainRows().get(0);
            assertEquals(2, seen.size(), "one judgement per prompt of the batch");
            // chosen = sample 1 of each prompt: advantage +1, the rejected sample 0 gets -1
            assertArrayEquals(new double[] {-1, 1, -1, 1}, run.completionsAt(1).doubleColumn("advantage").asDoubleArray());
            assertEquals(0.5, row.get("rewards/judge/mean"), 1e-12, "the judge's reward is 1 for one of each pair's two samples");
            assertEquals(1.0, row.get("objective/scores_margin"), 1e-12);
            // policy = reference at step 1: z = 0, sigmoid loss = -log sigmoid(0) = ln 2
            assertEquals(Math.log(2), row.get("loss"), 1e-5);
            assertEquals(0.0, row.get("rewards/margins"), 1e-5);
        }
    }

    @Test
    void mpoOnOnPolicyPairsRaisesTheReward() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            // a dense reward (share of tokens below 10: about 10/32 for the random policy), so that two samples per
            // prompt usually differ in score
            RewardFunction lowIds = in -> in.completionIds().stream()
                    .map(ids -> java.util.Arrays.stream(ids).filter(t -> t < 10).count() / (double) ids.length).toList();
            double before = GrpoFixtures.sampledShare(model, t -> t < 10);
            OnlineRun run = trainer(model).rewardFunc("low_ids", lowIds).loss(PreferenceLoss.mpo()).maxSteps(8).fit();
            double after = GrpoFixtures.sampledShare(model, t -> t < 10);
            List<Map<String, Double>> rows = run.run().trainRows();
            double early = (rows.get(0).get("reward") + rows.get(1).get("reward")) / 2;
            double late = (rows.get(6).get("reward") + rows.get(7).get("reward")) / 2;
            System.out.printf("Online DPO (MPO loss) share of ids < 10: sampled before %.4f after %.4f; logged reward steps 1-2 %.4f, 7-8 %.4f%n",
                    before, after, early, late);
            assertTrue(after > before + 0.05, "sampled share of ids < 10: before " + before + ", after " + after);
            assertTrue(rows.get(0).containsKey("loss/bco_pair") || rows.get(0).keySet().stream().anyMatch(k -> k.startsWith("loss/")),
                    "MPO's components are logged: " + rows.get(0).keySet());
        }
    }

    @Test
    void exactlyTwoGenerations() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            assertEquals("Online DPO samples exactly 2 completions per prompt, got num_generations = 4",
                    assertThrows(IllegalArgumentException.class, () -> OnlineDpoTrainer.of(model).numGenerations(4)).getMessage());
            assertEquals(0.9, OnlineDpoTrainer.of(model).sampling().temperature(), "TRL's OnlineDPOConfig default");
            assertEquals(64, OnlineDpoTrainer.of(model).sampling().maxNewTokens(), "TRL's OnlineDPOConfig max_new_tokens");
        }
    }
}
