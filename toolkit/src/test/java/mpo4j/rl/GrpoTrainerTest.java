package mpo4j.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.model.TinyVlm;
import mpo4j.train.TrainLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class GrpoTrainerTest {

    private static GrpoTrainer trainer(TinyVlm model) {
        return GrpoTrainer.of(model).data(GrpoFixtures.prompts(4)).collator(GrpoFixtures.collator())
                .rewardFunc("target", GrpoFixtures.targetShare()).numGenerations(8).maxCompletionLength(4)
                .batchSize(2).lr(3e-3).constant().seed(1).progressBar(false);
    }

    @Test
    void aFewGrpoStepsRaiseTheRewardOfTheTargetToken() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            double before = GrpoFixtures.sampledShare(model, t -> t == GrpoFixtures.TARGET);
            OnlineRun run = trainer(model).lr(6e-3).maxSteps(8).fit();
            double after = GrpoFixtures.sampledShare(model, t -> t == GrpoFixtures.TARGET);
            List<Map<String, Double>> rows = run.run().trainRows();
            double firstReward = (rows.get(0).get("reward") + rows.get(1).get("reward")) / 2;
            double lastReward = (rows.get(6).get("reward") + rows.get(7).get("reward")) / 2;
            System.out.printf("GRPO target-token share: sampled before %.4f after %.4f; logged reward steps 1-2 %.4f, 7-8 %.4f%n",
                    before, after, firstReward, lastReward);
            assertTrue(after > before + 0.1, "sampled share of the target token: before " + before + ", after " + after);
            assertTrue(lastReward > firstReward, "logged reward: first " + firstReward + ", last " + lastReward);
        }
    }

    @Test
    void logsTrlMetricsAndTheCompletionsTable() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            List<Integer> heardSteps = new java.util.ArrayList<>();
            List<Table> heard = new java.util.ArrayList<>();
            OnlineRun run = trainer(model).beta(0.04).maxSteps(2).listener((CompletionListener) (step, t) -> {
                heardSteps.add(step);
                heard.add(t);
            }).fit();
            Map<String, Double> row = run.run().trainRows().get(0);
            for (String key : List.of("loss", "reward", "reward_std", "rewards/target/mean", "rewards/target/std", "frac_reward_zero_std",
                    "completions/mean_length", "completions/clipped_ratio", "entropy", "kl", "clip_ratio/low_mean",
                    "clip_ratio/high_mean", "clip_ratio/region_mean")) {
                assertTrue(row.containsKey(key), key + " missing from " + row.keySet());
            }
            // on-policy with one iteration: every ratio is exactly 1, so nothing is clipped; the policy is still the reference at step 1
            assertEquals(0.0, row.get("clip_ratio/region_mean"));
            assertEquals(0.0, row.get("kl"), 1e-6);

            Table table = run.completions();
            assertEquals(2 * 2 * 8, table.rowCount(), "2 steps x 2 prompts x 8 completions");
            Table step1 = run.completionsAt(1);
            double[] rewards = step1.doubleColumn("reward").asDoubleArray();
            double[] advantages = step1.doubleColumn("advantage").asDoubleArray();
            int[] lengths = step1.intColumn("length").asIntArray();
            // the logged reward is the mean over the step's 16 completions
            assertEquals(mean(rewards, 0, 16), row.get("reward"), 1e-9);
            double lossSum = 0, tokens = 0;
            for (int g = 0; g < 16; g += 8) {
                // group advantages, TRL's formula: (r - mean) / (std with n-1 + 1e-4)
                double m = mean(rewards, g, g + 8);
                double var = 0;
                for (int i = g; i < g + 8; i++) {
                    var += (rewards[i] - m) * (rewards[i] - m);
                }
                double std = Math.sqrt(var / 7);
                for (int i = g; i < g + 8; i++) {
                    assertEquals((rewards[i] - m) / (std + 1e-4), advantages[i], 1e-5, "advantage " + i);
                    // dapo, ratio 1: per-token loss -A + beta * 0 (the KL is 0 while policy = reference)
                    lossSum += -advantages[i] * lengths[i];
                    tokens += lengths[i];
                }
            }
            // each step is one micro-batch of 2 prompts; the 2 steps' rows are logged separately
            assertEquals(lossSum / tokens, row.get("loss"), 1e-4, "dapo loss = sum(-A * length) / tokens");
            assertEquals(mean(lengths), row.get("completions/mean_length"), 1e-9);

            // a completion listener hears each round (one per step here) with the rows the run's table has for it
            assertEquals(List.of(1, 2), heardSteps);
            for (int s = 1; s <= 2; s++) {
                Table expected = run.completionsAt(s);
                Table got = heard.get(s - 1);
                assertEquals(expected.columnNames(), got.columnNames());
                assertEquals(expected.stringColumn("completion").asList(), got.stringColumn("completion").asList());
                assertEquals(expected.doubleColumn("advantage").asList(), got.doubleColumn("advantage").asList());
            }
            // the run's curves carry the online panels (beta > 0: the KL too)
            List<String> panels = run.run().curves().names();
            for (String panel : List.of("reward", "kl", "entropy", "clip_ratio", "completions/mean_length", "loss")) {
                assertTrue(panels.contains(panel), panel + " missing from " + panels);
            }
        }
    }

    @Test
    void resumeFromACheckpointEqualsTheUninterruptedRun(@TempDir Path dir) {
        List<Map<String, Double>> full;
        try (TinyVlm model = GrpoFixtures.model(5)) {
            full = trainer(model).beta(0.04).numGenerations(4).batchSize(1).maxSteps(3).saveEvery(2).output(dir.resolve("full")).fit().run().trainRows();
        }
        List<Map<String, Double>> resumed;
        try (TinyVlm model = GrpoFixtures.model(5)) {
            resumed = trainer(model).beta(0.04).numGenerations(4).batchSize(1).maxSteps(3).saveEvery(2).output(dir.resolve("resumed"))
                    .resume(dir.resolve("full").resolve("checkpoint-2")).run().trainRows();
        }
        assertEquals(TrainLoop.withoutTiming(full), TrainLoop.withoutTiming(resumed));
    }

    @Test
    void severalIterationsReuseOneRolloutAgainstTheSamplingPolicy() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            OnlineRun run = trainer(model).numGenerations(4).batchSize(1).numIterations(2).maxSteps(3).fit();
            List<Map<String, Double>> rows = run.run().trainRows();
            // steps 1 and 2 train on one rollout (same rewards), step 3 samples a new one
            assertEquals(List.of(1, 3), run.completions().intColumn("step").unique().asList().stream().sorted().toList());
            assertEquals(rows.get(0).get("reward"), rows.get(1).get("reward"));
            assertEquals(rows.get(0).get("completions/mean_length"), rows.get(1).get("completions/mean_length"));
            // iteration 1: the old log-probs come from the same forward as the policy's, so the ratio is exactly 1 and
            // the dapo loss is sum(-A * length) / tokens; iteration 2 follows one optimizer step, so the loss moves
            Table step1 = run.completionsAt(1);
            double[] a = step1.doubleColumn("advantage").asDoubleArray();
            int[] len = step1.intColumn("length").asIntArray();
            double loss = 0, tokens = 0;
            for (int i = 0; i < a.length; i++) {
                loss -= a[i] * len[i];
                tokens += len[i];
            }
            assertEquals(loss / tokens, rows.get(0).get("loss"), 1e-5);
            assertEquals(0.0, rows.get(0).get("clip_ratio/region_mean"));
            assertTrue(Math.abs(rows.get(1).get("loss") - rows.get(0).get("loss")) > 1e-7, "the second iteration sees the updated policy");
        }
    }

    @Test
    void stepsPerGenerationSplitsOneRoundOverConsecutiveMicroBatches() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            // 2 prompts x 4 completions = 8 rows per round, split into 2 slices of 4 rows (one prompt's group each)
            // the first token's id as the reward: 4 draws from 32 tokens almost surely differ, so both groups have
            // non-zero advantages (the target-token share is 0 for a whole group too often to show the weighting)
            OnlineRun run = trainer(model).rewardFuncs(List.of(mpo4j.online.NamedReward.of("first_token",
                            in -> in.completionIds().stream().map(ids -> (double) ids[0]).toList())))
                    .numGenerations(4).batchSize(2).stepsPerGeneration(2).maxSteps(4).fit();
            List<Map<String, Double>> rows = run.run().trainRows();
            // rounds are sampled at micro-batches 1 and 3 only, 8 completions each
            assertEquals(List.of(1, 3), run.completions().intColumn("step").unique().asList().stream().sorted().toList());
            assertEquals(8, run.completionsAt(1).rowCount());
            Table round = run.completionsAt(1);
            double[] a = round.doubleColumn("advantage").asDoubleArray();
            double[] r = round.doubleColumn("reward").asDoubleArray();
            int[] len = round.intColumn("length").asIntArray();
            // the reward metrics are the round's (all 8 completions) in both of its micro-batches
            assertEquals(mean(r, 0, 8), rows.get(0).get("reward"), 1e-9);
            assertEquals(mean(r, 0, 8), rows.get(1).get("reward"), 1e-9);
            // step 1 trains on slice 0 (rows 0-3) with the sampling policy itself: ratio 1, dapo loss sum(-A * len) / tokens
            assertEquals(dapoOnPolicy(a, len, 0, 4), rows.get(0).get("loss"), 1e-5);
            assertEquals(0.0, rows.get(0).get("clip_ratio/region_mean"));
            // step 2 trains on slice 1 (rows 4-7); the policy moved one step since sampling, so the loss is the
            // importance-weighted one, not the on-policy value of those rows
            assertTrue(Math.abs(rows.get(1).get("loss") - dapoOnPolicy(a, len, 4, 8)) > 1e-7,
                    "slice 2 is weighted against the sampling policy: " + rows.get(1).get("loss"));
            // the mean length logged in each micro-batch is the round's
            assertEquals(mean(len), rows.get(1).get("completions/mean_length"), 1e-9);
        }
    }

    @Test
    void resumeAtARoundBoundaryEqualsTheUninterruptedRunWithStepsPerGeneration(@TempDir Path dir) {
        List<Map<String, Double>> full;
        try (TinyVlm model = GrpoFixtures.model(5)) {
            full = trainer(model).numGenerations(4).batchSize(2).stepsPerGeneration(2).maxSteps(4).saveEvery(2)
                    .output(dir.resolve("full")).fit().run().trainRows();
        }
        List<Map<String, Double>> resumed;
        try (TinyVlm model = GrpoFixtures.model(5)) {
            resumed = trainer(model).numGenerations(4).batchSize(2).stepsPerGeneration(2).maxSteps(4).saveEvery(2)
                    .output(dir.resolve("resumed")).resume(dir.resolve("full").resolve("checkpoint-2")).run().trainRows();
        }
        assertEquals(TrainLoop.withoutTiming(full), TrainLoop.withoutTiming(resumed));
    }

    @Test
    void stepsPerGenerationMustDivideTheRound() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            assertEquals("steps_per_generation must be >= 1, got 0",
                    assertThrows(IllegalArgumentException.class, () -> GrpoTrainer.of(model).stepsPerGeneration(0)).getMessage());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer(model).numGenerations(4).batchSize(2).stepsPerGeneration(3).maxSteps(1).fit());
            assertEquals("steps_per_generation (3) must divide the completions of a generation round: batch_size 2 x num_generations 4 = 8",
                    e.getMessage());
        }
    }

    /** The dapo loss at ratio 1 over rows {@code from..to-1}: the sum of -A_i * |y_i| over the rows' tokens. */
    private static double dapoOnPolicy(double[] a, int[] len, int from, int to) {
        double loss = 0, tokens = 0;
        for (int i = from; i < to; i++) {
            loss -= a[i] * len[i];
            tokens += len[i];
        }
        return loss / tokens;
    }

    @Test
    void printsItsMethodPromptsSamplingAndRewards() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            String text = trainer(model).beta(0.04).rewardWeights(2.0).numIterations(2).toString();
            assertTrue(text.startsWith("GrpoTrainer[GrpoLossConfig[epsilon=0.2,"), text);
            assertTrue(text.contains("beta=0.04"), text);
            assertTrue(text.contains(", scale_rewards group, 4 prompts x 8 generations, at most 4 new tokens, temperature 1.0 top_p 1.0"
                    + " top_k 0, rewards [target x 2.0], 2 iterations, TrainConfig["), text);
        }
    }

    @Test
    void settingsAreValidatedWithTheirTrlNames() {
        try (TinyVlm model = GrpoFixtures.model(5)) {
            GrpoTrainer t = GrpoTrainer.of(model);
            assertEquals("temperature must be a finite number > 0 for online training (it samples), got 0.0",
                    assertThrows(IllegalArgumentException.class, () -> t.temperature(0)).getMessage());
            assertEquals("top_p must be in (0, 1], got 1.5", assertThrows(IllegalArgumentException.class, () -> t.topP(1.5)).getMessage());
            assertEquals("num_generations must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> t.numGenerations(0)).getMessage());
            assertEquals("loss_type must be one of grpo, bnpo, dr_grpo, dapo, got ppo",
                    assertThrows(IllegalArgumentException.class, () -> t.lossType("ppo")).getMessage());
            IllegalArgumentException weights = assertThrows(IllegalArgumentException.class, () -> trainer(model).rewardWeights(1, 2).maxSteps(1).fit());
            assertTrue(weights.getMessage().startsWith("reward_weights has 2 values for 1 reward functions [target]"), weights.getMessage());
            // immutable: a setting returns a new trainer and leaves the receiver as it was
            GrpoTrainer hot = t.temperature(0.7);
            assertEquals(1.0, t.sampling().temperature());
            assertEquals(0.7, hot.sampling().temperature());
            assertEquals(256, t.sampling().maxNewTokens());
            assertEquals(8, t.maxCompletionLength(8).sampling().maxNewTokens());
        }
    }

    private static double mean(double[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += x[i];
        }
        return s / (to - from);
    }

    private static double mean(int[] x) {
        double s = 0;
        for (int v : x) {
            s += v;
        }
        return s / x.length;
    }
}
