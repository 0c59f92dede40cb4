package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import mpo4j.train.TrainRun;
import mpo4j.train.ModelTrainable;
import mpo4j.train.TrainConfig;
import mpo4j.train.AdamW;
import mpo4j.train.Grads;
import mpo4j.train.TrainLoop;
import mpo4j.train.ToyTrainerTest;

/** The trainer on the tiny VLM with hand-made pairs (a few steps each). */
class PreferenceTrainerTest {
    private static final double LN2 = Math.log(2);
    private static final List<PreferencePair> TRAIN = VlmFixtures.pairs(8, 1);
    private static final List<PreferencePair> EVAL = VlmFixtures.pairs(4, 2);

    private static PreferenceTrainer mpoTrainer(TinyVlm model, boolean vision) {
        return PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).data(TRAIN, EVAL)
                .collator(VlmFixtures.collator(VlmFixtures.config(vision))).batchSize(2).lr(1e-3).cosine().warmupSteps(1)
                .epochs(1).seed(42).progressBar(false);
    }

    private static List<Map<String, Double>> comparable(TrainRun run) {
        return TrainLoop.withoutTiming(run.log().rows());
    }

    @Test
    void firstStepStartsAtTheAnalyticLossAndZeroRewards() {
        try (TinyVlm model = VlmFixtures.model(true, 3)) {
            TrainRun run = mpoTrainer(model, true).maxSteps(3).fit();
            Map<String, Double> first = run.trainRows().get(0);
            // policy = reference at step 1: every ℓ = 0 → rewards 0, sigmoid ln2, bco_pair 2·ln2, δ = 0
            assertEquals(0.0, first.get("rewards/chosen"), 1e-6);
            assertEquals(0.0, first.get("rewards/margins"), 1e-6);
            assertEquals(0.0, first.get("rewards/accuracies"));
            assertEquals(LN2, first.get("loss/sigmoid"), 1e-6);
            assertEquals(2 * LN2, first.get("loss/bco_pair"), 1e-6);
            assertEquals(0.8 * LN2 + 0.2 * 2 * LN2 + first.get("loss/sft"), first.get("loss"), 1e-5);
            Map<String, Double> initial = run.curves() == null ? null : new PreferenceObjectiveProbe(run).initialLosses();
            assertEquals(first.get("loss"), initial.get("loss"), 1e-5);
            assertEquals(2 * LN2, initial.get("loss/bco_pair"), 1e-6);
            // step 1 ran at learning rate 0 (warmup starts at 0), so step 2 still sees policy = reference
            assertEquals(0.0, run.trainRows().get(0).get("learning_rate"));
            assertEquals(0.0, run.trainRows().get(1).get("rewards/chosen"), 1e-6);
            // after a real update the policy has moved away from the reference
            assertTrue(Math.abs(run.trainRows().get(2).get("rewards/chosen")) > 0, run.trainRows().get(2).toString());
        }
    }

    /** Reads the analytic reference lines the run hands to its curves. */
    private record PreferenceObjectiveProbe(TrainRun run) {
        Map<String, Double> initialLosses() {
            Map<String, Double> lines = new java.util.LinkedHashMap<>();
            for (String name : run.curves().names()) {
                run.curves().get(name).getSeriesCollection().stream()
                        .filter(s -> s.getName().startsWith("initial (analytic)"))
                        .forEach(s -> lines.put(name, s.getYData()[0]));
            }
            return lines;
        }
    }

    @Test
    void referenceReceivesNoGradientAndKeepsItsWeights() {
        TinyVlmConfig config = VlmFixtures.config(true);
        try (TinyVlm policy = VlmFixtures.model(true, 3); TinyVlm frozen = policy.frozenCopy(); NDManager root = NDManager.newBaseManager()) {
            float[] before = frozen.parameters().values().iterator().next().getArray().toFloatArray();
            PreferenceObjective objective = new PreferenceObjective(policy, PreferenceLoss.mpo(), frozen, PairForward.PROMPT_ONCE);
            PreferenceBatch batch = VlmFixtures.collate(config, TRAIN.subList(0, 2));
            try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(objective.compute(new PairBatch(batch, null), scope, true).loss());
            }
            for (Parameter p : frozen.parameters().values()) {
                assertFalse(p.getArray().hasGradient(), p.getName() + " of the reference has a gradient");
            }
            double policyNorm = Grads.clipGlobalNorm(new ModelTrainable(policy).trainableParameters().values(), -1, root);
            assertTrue(policyNorm > 0, "the policy got gradients");
            // optimizer steps on the policy leave the reference's weights untouched
            try (AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.0)) {
                opt.update(new ModelTrainable(policy).trainableParameters(), 1e-2);
            }
            assertFalse(java.util.Arrays.equals(before, policy.parameters().values().iterator().next().getArray().toFloatArray()));
            assertArrayEquals(before, frozen.parameters().values().iterator().next().getArray().toFloatArray());
        }
    }

    @Test
    void precomputedReferenceTrainsLikeTheFrozenCopy() {
        try (TinyVlm a = VlmFixtures.model(false, 3); TinyVlm b = VlmFixtures.model(false, 3)) {
            TrainRun frozen = mpoTrainer(a, false).evalEvery(2).maxSteps(3).fit();
            TrainRun precomputed = mpoTrainer(b, false).precomputedReference().evalEvery(2).maxSteps(3).fit();
            List<Map<String, Double>> x = comparable(frozen);
            List<Map<String, Double>> y = comparable(precomputed);
            assertEquals(x.size(), y.size());
            for (int i = 0; i < x.size(); i++) {
                assertEquals(x.get(i).keySet(), y.get(i).keySet());
                for (String k : x.get(i).keySet()) {
                    // reference log-probs come from differently padded batches: equal up to float rounding
                    double tol = 1e-4 * Math.max(1, Math.abs(x.get(i).get(k)));
                    assertEquals(x.get(i).get(k), y.get(i).get(k), tol, "row " + i + " " + k);
                }
            }
        }
    }

    @Test
    void evaluatingWithAPrecomputedReferenceScoresOnlyTheHeldOutPairs() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            java.util.concurrent.atomic.AtomicInteger collated = new java.util.concurrent.atomic.AtomicInteger();
            var collate = VlmFixtures.collator(VlmFixtures.config(false));
            Map<String, Double> precomputed = mpoTrainer(model, false).precomputedReference()
                    .collator(pairs -> { collated.addAndGet(pairs.size()); return collate.apply(pairs); }).evaluate();
            assertEquals(2 * EVAL.size(), collated.get(), "reference pass + evaluation over the 4 held-out pairs, none of the 8 train pairs");
            Map<String, Double> frozen = mpoTrainer(model, false).evaluate();
            assertEquals(frozen.keySet(), precomputed.keySet());
            for (String k : frozen.keySet()) {
                assertEquals(frozen.get(k), precomputed.get(k), 1e-4 * Math.max(1, Math.abs(frozen.get(k))), k);
            }
        }
    }

    @Test
    void clippingCapsTheGlobalNormOfTheVlm() {
        TinyVlmConfig config = VlmFixtures.config(false);
        try (TinyVlm policy = VlmFixtures.model(false, 3); NDManager root = NDManager.newBaseManager()) {
            PreferenceObjective objective = new PreferenceObjective(policy, PreferenceLoss.mpo(), policy.frozenCopy(), PairForward.PROMPT_ONCE);
            try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(objective.compute(new PairBatch(VlmFixtures.collate(config, TRAIN.subList(0, 4)), null), scope, true).loss());
            }
            var params = new ModelTrainable(policy).trainableParameters().values();
            double norm = Grads.clipGlobalNorm(params, 0.05, root);
            assertTrue(norm > 0.05, "pre-clip norm " + norm);
            assertEquals(0.05, Grads.clipGlobalNorm(params, -1, root), 1e-5);
        }
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            TrainRun run = mpoTrainer(model, false).maxGradNorm(0.05).maxSteps(2).fit();
            assertTrue(run.trainRows().get(0).get("grad_norm") > 0.05, "grad_norm is logged before clipping");
        }
    }

    @Test
    void accumulatedMetricsAreTheMeanOfTheMicroBatches() {
        TinyVlmConfig config = VlmFixtures.config(false);
        try (TinyVlm model = VlmFixtures.model(false, 3); TinyVlm probe = VlmFixtures.model(false, 3); NDManager root = NDManager.newBaseManager()) {
            // the first step's micro-batches, scored independently by the initial model
            int[] order = TrainLoop.permutation(TRAIN.size(), 42, 0);
            PreferenceObjective objective = new PreferenceObjective(probe, PreferenceLoss.mpo(), probe.frozenCopy(), PairForward.PROMPT_ONCE);
            double logpsChosen = 0;
            double sft = 0;
            for (int mb = 0; mb < 2; mb++) {
                List<PreferencePair> micro = List.of(TRAIN.get(order[2 * mb]), TRAIN.get(order[2 * mb + 1]));
                try (NDManager scope = root.newSubManager()) {
                    Map<String, Double> m = objective.compute(new PairBatch(VlmFixtures.collate(config, micro), null), scope, true).metricValues();
                    logpsChosen += m.get("logps/chosen") / 2;
                    sft += m.get("loss/sft") / 2;
                }
            }
            TrainRun run = mpoTrainer(model, false).gradAccum(2).maxSteps(2).fit();
            Map<String, Double> first = run.trainRows().get(0);
            assertEquals(logpsChosen, first.get("logps/chosen"), 1e-4);
            assertEquals(sft, first.get("loss/sft"), 1e-5);
            for (Map<String, Double> r : run.trainRows()) {
                double acc = r.get("rewards/accuracies");
                assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
                assertEquals(0, acc * 4 % 1, 1e-9, "mean of two micro-batches of 2 pairs: a multiple of 1/4");
            }
        }
    }

    @Test
    void printsHowThePairsGoThroughTheModel() {
        try (TinyVlm model = VlmFixtures.model(true, 3)) {
            PreferenceTrainer trainer = mpoTrainer(model, true);
            assertTrue(trainer.toString().contains(", prompt and tiles once per pair,"), trainer.toString());
            assertTrue(trainer.promptOncePerPair(false).toString().contains(", tiles once per pair,"));
            // row by row whatever the prompt setting: packing needs the tiles shared
            assertTrue(trainer.visionOncePerPair(false).toString().contains(", tiles in each row,"));
        }
    }

    @Test
    void sameSeedSameMetricsOnTheVlm() {
        try (TinyVlm a = VlmFixtures.model(false, 3); TinyVlm b = VlmFixtures.model(false, 3)) {
            TrainRun x = mpoTrainer(a, false).evalEvery(2).maxSteps(3).fit();
            TrainRun y = mpoTrainer(b, false).evalEvery(2).maxSteps(3).fit();
            assertEquals(comparable(x), comparable(y));
        }
    }

    @Test
    void evalMetricsAreExactMeansOverPairsWhateverTheEvalBatchSize() {
        List<PreferencePair> three = EVAL.subList(0, 3);
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            double[] v = new double[3];
            for (int i = 0; i < 3; i++) {
                v[i] = mpoTrainer(model, false).data(TRAIN, List.of(three.get(i))).evaluate().get("eval/logps/chosen");
            }
            double perBatch = mpoTrainer(model, false).data(TRAIN, three).evaluate().get("eval/logps/chosen");
            double onePerPair = mpoTrainer(model, false).data(TRAIN, three).evalBatchSize(1).evaluate().get("eval/logps/chosen");
            double oneBatch = mpoTrainer(model, false).data(TRAIN, three).evalBatchSize(3).evaluate().get("eval/logps/chosen");
            double pairMean = (v[0] + v[1] + v[2]) / 3;
            double meanOfBatchMeans = ((v[0] + v[1]) / 2 + v[2]) / 2;     // TRL's grouping for batches {0,1} and {2}
            assertTrue(Math.abs(meanOfBatchMeans - pairMean) > 1e-3, "the pairs differ enough for the grouping to show: " + java.util.Arrays.toString(v));
            assertEquals(pairMean, perBatch, 1e-4, "batch size 2: batches {0,1} and {2} weighted by their pairs");
            assertEquals(pairMean, onePerPair, 1e-4);
            assertEquals(pairMean, oneBatch, 1e-4);
        }
        assertEquals("evalBatchSize must be >= 0 (0: the training batch size), got -1",
                assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults().withEvalBatchSize(-1)).getMessage());
    }

    @Test
    void interruptLeavesAUsableModel() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            TrainRun run = mpoTrainer(model, false).listener(ToyTrainerTest.interruptAt(2)).fit();
            assertTrue(run.interrupted());
            assertEquals(2, run.trainRows().size());
            Map<String, Double> eval = mpoTrainer(model, false).evaluate();
            assertTrue(Double.isFinite(eval.get("eval/loss")), eval.toString());
        }
    }

    @Test
    void resumedVlmRunEqualsTheUninterruptedOne(@TempDir Path tmp) {
        try (TinyVlm full = VlmFixtures.model(true, 3); TinyVlm cut = VlmFixtures.model(true, 3); TinyVlm other = VlmFixtures.model(true, 77)) {
            TrainRun reference = mpoTrainer(full, true).evalEvery(2).fit();
            TrainRun stopped = mpoTrainer(cut, true).evalEvery(2).output(tmp).saveEvery(2).listener(ToyTrainerTest.interruptAt(3)).fit();
            assertTrue(stopped.interrupted());
            assertTrue(Files.isDirectory(tmp.resolve("reference")), "the frozen reference is saved once");
            // a differently initialised model: weights, δ, optimizer and reference all come from disk
            TrainRun resumed = mpoTrainer(other, true).evalEvery(2).saveEvery(2).resume(tmp);
            assertEquals(comparable(reference), comparable(resumed));
            assertTrue(resumed.trainRows().stream().allMatch(r -> r.containsKey("bco/delta")));
        }
    }

    @Test
    void sftTrainsOnChosenAnswersOnly() {
        try (TinyVlm model = VlmFixtures.model(true, 3)) {
            TrainRun run = PreferenceTrainer.sft(model).data(TRAIN).collator(VlmFixtures.collator(VlmFixtures.config(true)))
                    .batchSize(4).lr(1e-2).constant().epochs(5).seed(1).progressBar(false).fit();
            List<Map<String, Double>> rows = run.trainRows();
            assertEquals(10, rows.size());
            assertFalse(rows.get(0).containsKey("rewards/chosen"), "no preference metrics in SFT");
            assertEquals(rows.get(0).get("loss"), rows.get(0).get("loss/sft"), 1e-6);
            // initial NLL ≈ ln(vocab) for an untrained model; SFT must cut it substantially
            assertEquals(Math.log(2048), rows.get(0).get("loss"), 1.0);
            assertTrue(rows.get(9).get("loss") < 0.5 * rows.get(0).get("loss"), rows.get(0) + " → " + rows.get(9));
        }
    }

    @Test
    void referenceFreeRewardsAreBetaTimesPolicyLogps() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            TrainRun run = mpoTrainer(model, false).loss(PreferenceLoss.dpo()).referenceFree().maxSteps(1).fit();
            Map<String, Double> r = run.trainRows().get(0);
            assertEquals(0.1 * r.get("logps/chosen"), r.get("rewards/chosen"), 1e-6);
            assertEquals(0.1 * r.get("logps/rejected"), r.get("rewards/rejected"), 1e-6);
        }
    }

    @Test
    void configurationErrorsAreClear() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).data(TRAIN).fit());
            assertTrue(e.getMessage().startsWith("no collator"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).collator(VlmFixtures.collator(VlmFixtures.config(false))).fit());
            assertTrue(e.getMessage().startsWith("no training data"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> PreferenceTrainer.sft(model).loss("sigmoid"));
            assertTrue(e.getMessage().contains("does not apply to SFT"), e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> PreferenceTrainer.of(model).evaluate());
            assertTrue(e.getMessage().startsWith("no eval pairs"), e.getMessage());
            try (TinyVlm frozen = model.frozenCopy()) {
                e = assertThrows(IllegalArgumentException.class, () -> mpoTrainer(frozen, false).fit());
                assertTrue(e.getMessage().contains("frozen copy"), e.getMessage());
            }
        }
    }
}
