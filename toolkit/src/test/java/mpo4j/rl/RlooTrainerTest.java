package mpo4j.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import mpo4j.model.TinyVlm;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class RlooTrainerTest {

    @Test
    void leaveOneOutAdvantagesAndAKlPenaltyThatStartsAtZero() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            RlooTrainer trainer = RlooTrainer.of(model).data(GrpoFixtures.prompts(4)).collator(GrpoFixtures.collator())
                    .rewardFunc("target", GrpoFixtures.targetShare()).numGenerations(4).maxCompletionLength(4)
                    .batchSize(2).lr(6e-3).constant().seed(1).progressBar(false);
            assertEquals(2, RlooTrainer.of(model).numGenerations(), "TRL's RLOO default");
            assertEquals(0.05, trainer.rlooConfig().beta(), "TRL's RLOO default");
            OnlineRun run = trainer.maxSteps(8).fit();
            List<Map<String, Double>> rows = run.run().trainRows();
            Map<String, Double> first = rows.get(0);
            for (String key : List.of("loss", "reward", "reward_std", "rewards/target/mean", "kl", "entropy",
                    "completions/mean_length", "clip_ratio/region_mean", "frac_reward_zero_std")) {
                assertTrue(first.containsKey(key), key + " missing from " + first.keySet());
            }
            // step 1: the policy is the reference, so sum_t (old - ref) = 0 and the rewards are unpenalised
            assertEquals(0.0, first.get("kl"), 1e-6);
            Table step1 = run.completionsAt(1);
            double[] r = step1.doubleColumn("reward").asDoubleArray();
            double[] a = step1.doubleColumn("advantage").asDoubleArray();
            for (int g = 0; g < r.length; g += 4) {
                double sum = r[g] + r[g + 1] + r[g + 2] + r[g + 3];
                for (int i = g; i < g + 4; i++) {
                    // A_i = r_i - mean of the 3 other rewards of the prompt
                    assertEquals(r[i] - (sum - r[i]) / 3, a[i], 1e-6, "advantage " + i);
                }
            }
            // on-policy: ratio 1, loss = -mean(A), and leave-one-out advantages sum to 0 within each prompt
            assertEquals(0.0, first.get("loss"), 1e-6);
            double early = (rows.get(0).get("reward") + rows.get(1).get("reward")) / 2;
            double late = (rows.get(6).get("reward") + rows.get(7).get("reward")) / 2;
            System.out.printf("RLOO target-token share: logged reward steps 1-2 %.4f, 7-8 %.4f; kl at step 8 %.5f%n",
                    early, late, rows.get(7).get("kl"));
            assertTrue(late > early, "reward: steps 1-2 " + early + ", steps 7-8 " + late);
        }
    }
}
