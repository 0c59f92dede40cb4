package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** The training mechanics on a logistic-regression toy (fast, independent of the VLM). */
public class ToyTrainerTest {

    private static List<Map<String, Double>> comparable(TrainRun run) {
        return TrainLoop.withoutTiming(run.log().rows());
    }

    @Test
    void accumulatingTwoHalfBatchesGivesTheGradientOfTheWholeBatch() {
        Toy.Data eight = Toy.Data.synthetic(8, 3);
        try (Toy.Model a = new Toy.Model(7); Toy.Model b = new Toy.Model(7)) {
            TrainRun whole = CustomTrainer.of(a, new Toy.Objective(a), eight).batchSize(8).gradAccum(1)
                    .lr(0.05).constant().maxSteps(1).maxGradNorm(100).progressBar(false).fit();
            TrainRun halves = CustomTrainer.of(b, new Toy.Objective(b), eight).batchSize(4).gradAccum(2)
                    .lr(0.05).constant().maxSteps(1).maxGradNorm(100).progressBar(false).fit();
            // the loss is scaled by 1/accum, so the summed gradient (and its norm) equals the big batch's
            assertEquals(whole.last("grad_norm"), halves.last("grad_norm"), 1e-6);
            assertEquals(whole.last("loss"), halves.last("loss"), 1e-6);
            assertArrayEquals(a.weights(), b.weights(), 1e-6f);
        }
    }

    /**
     * The loop clips inside the fused AdamW update (its gradient scale) rather than scaling the gradients:
     * three full-batch steps with maxGradNorm 0.05 (the gradient norm is ~0.5, so every step clips) against
     * a float64 replay in plain Java of the logistic-regression gradient, clip_grad_norm_ and torch's AdamW.
     * Tolerance 1e-5 on the weights: the float32 forward/backward gives the gradient to ~1e-6 relative
     * (8-term sums, exp/log), which three Adam steps of lr 0.05 turn into ≤ 3·lr·1e-6·|m̂|/√v̂ (≈ 1, the
     * clipped gradients keep their signs), plus the fused update's own ≤ 1e-5 bound (AdamWTest) for 8
     * steps. The replay without clipping lands > 1e-4 away, so the test sees whether clipping happened.
     */
    @Test
    void clippingScalesTheGradientsOfTheFusedUpdate() {
        Toy.Data data = Toy.Data.synthetic(8, 3);
        double lr = 0.05;
        double maxNorm = 0.05;
        try (Toy.Model model = new Toy.Model(7)) {
            float[] init = model.weights();
            TrainRun run = CustomTrainer.of(model, new Toy.Objective(model), data).batchSize(8).lr(lr).constant()
                    .maxSteps(3).maxGradNorm(maxNorm).seed(42).progressBar(false).fit();
            double[][] replay = {replayAdamW(data, init, lr, maxNorm, 3), replayAdamW(data, init, lr, -1, 3)};
            float[] got = model.weights();
            double unclippedGap = 0;
            for (int d = 0; d <= Toy.DIM; d++) {
                assertEquals(replay[0][d], got[d], 1e-5, "weight " + d);
                unclippedGap = Math.max(unclippedGap, Math.abs(replay[1][d] - got[d]));
            }
            assertTrue(unclippedGap > 1e-4, "without clipping the weights would be within " + unclippedGap);
            // the logged norm is the one before clipping: the replay's first-step gradient norm
            assertEquals(replay[0][Toy.DIM + 1], run.trainRows().get(0).get("grad_norm"), 1e-5 * replay[0][Toy.DIM + 1]);
        }
    }

    /** Weights {w0..w2, b} after {@code steps} full-batch AdamW steps in double, then the first step's gradient norm. */
    private static double[] replayAdamW(Toy.Data data, float[] init, double lr, double maxNorm, int steps) {
        int n = Toy.DIM + 1;
        double[] w = new double[n + 1];
        for (int d = 0; d < n; d++) {
            w[d] = init[d];
        }
        double[] m = new double[n];
        double[] v = new double[n];
        for (int t = 1; t <= steps; t++) {
            double[] g = new double[n];
            for (int i = 0; i < data.size(); i++) {
                float[] x = data.x()[i];
                double z = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3];
                double r = (1 / (1 + Math.exp(-z)) - data.y()[i]) / data.size();     // d/dz of softplus(z) − y·z, mean
                for (int d = 0; d < Toy.DIM; d++) {
                    g[d] += r * x[d];
                }
                g[Toy.DIM] += r;
            }
            double norm = 0;
            for (double gd : g) {
                norm += gd * gd;
            }
            norm = Math.sqrt(norm);
            if (t == 1) {
                w[n] = norm;
            }
            double coef = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
            for (int d = 0; d < n; d++) {
                double gd = g[d] * coef;
                m[d] = 0.9 * m[d] + 0.1 * gd;
                v[d] = 0.999 * v[d] + 0.001 * gd * gd;
                w[d] -= lr / (1 - Math.pow(0.9, t)) * m[d] / (Math.sqrt(v[d] / (1 - Math.pow(0.999, t))) + 1e-8);
            }
        }
        return w;
    }

    @Test
    void metricsAreAveragedOverMicroBatchesNotSummed() {
        Toy.Data data = Toy.Data.synthetic(40, 1);
        try (Toy.Model model = new Toy.Model(7)) {
            // expected values from the initial weights, micro-batch by micro-batch, in plain Java
            float[] w = model.weights();
            int[] order = TrainLoop.permutation(40, 42, 0);
            double accSum = 0;
            double lossSum = 0;
            for (int mb = 0; mb < 2; mb++) {
                int correct = 0;
                double loss = 0;
                for (int i = mb * 4; i < mb * 4 + 4; i++) {
                    float[] x = data.x()[order[i]];
                    double z = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3];
                    double y = data.y()[order[i]];
                    loss += (Math.log1p(Math.exp(z)) - y * z) / 4;
                    correct += (z > 0) == (y > 0.5) ? 1 : 0;
                }
                accSum += correct / 4.0;
                lossSum += loss;
            }
            TrainRun run = CustomTrainer.of(model, new Toy.Objective(model), data).batchSize(4).gradAccum(2)
                    .lr(0.05).constant().maxSteps(5).progressBar(false).fit();
            Map<String, Double> first = run.trainRows().get(0);
            assertEquals(accSum / 2, first.get("accuracy"), 1e-9);
            assertEquals(lossSum / 2, first.get("loss"), 1e-5);
            for (Map<String, Double> r : run.trainRows()) {
                assertTrue(r.get("accuracy") >= 0 && r.get("accuracy") <= 1, "accuracy " + r.get("accuracy"));
            }
        }
    }

    @Test
    void loggedRowsCarryScheduleNormSpeedAndEpoch() {
        try (Toy.Model model = new Toy.Model(7)) {
            TrainRun run = Toy.trainer(model).lr(0.1).linear().warmupSteps(5).epochs(2).evalEvery(10).fit();
            List<Map<String, Double>> train = run.trainRows();
            assertEquals(20, train.size());                              // 40 examples / 4 per step × 2 epochs
            assertEquals(0.0, train.get(0).get("learning_rate"), 1e-12); // HF: warmup starts at 0
            assertEquals(0.1 * 3 / 5, train.get(3).get("learning_rate"), 1e-12);
            assertEquals(0.1 * (20 - 10) / 15.0, train.get(10).get("learning_rate"), 1e-12);
            assertEquals(0.1, train.get(0).get("epoch"), 1e-12);
            assertEquals(2.0, train.get(19).get("epoch"), 1e-12);
            for (Map<String, Double> r : train) {
                assertTrue(r.get("grad_norm") > 0 && r.get("tokens_per_s") > 0 && r.get("step_time_ms") > 0, r.toString());
            }
            assertEquals(2, run.evalRows().size());                     // after steps 10 and 20
            assertEquals(10.0, run.evalRows().get(0).get("step"));
            assertTrue(run.evalRows().get(1).get("eval/accuracy") > 0.8, run.evalRows().toString());
            Table t = run.metrics();
            assertEquals(22, t.rowCount());
            assertTrue(t.columnNames().containsAll(List.of("step", "epoch", "loss", "accuracy", "learning_rate", "grad_norm",
                    "tokens_per_s", "step_time_ms", "eval/loss", "eval/accuracy")), t.columnNames().toString());
        }
    }

    @Test
    void evaluationDoesNotTouchObjectiveState() {
        try (Toy.Model a = new Toy.Model(7); Toy.Model b = new Toy.Model(7)) {
            Toy.Objective withEval = new Toy.Objective(a);
            Toy.Objective without = new Toy.Objective(b);
            CustomTrainer.of(a, withEval, Toy.Data.synthetic(40, 1)).eval(Toy.Data.synthetic(16, 2)).evalEvery(2)
                    .batchSize(4).lr(0.05).epochs(1).progressBar(false).fit();
            CustomTrainer.of(b, without, Toy.Data.synthetic(40, 1)).batchSize(4).lr(0.05).epochs(1).progressBar(false).fit();
            assertEquals(without.state(), withEval.state());
            assertEquals(10.0, withEval.deltaCount);
        }
    }

    @Test
    void sameSeedGivesIdenticalMetricsAndAnotherSeedDoesNot() {
        try (Toy.Model a = new Toy.Model(7); Toy.Model b = new Toy.Model(7); Toy.Model c = new Toy.Model(7)) {
            TrainRun ra = Toy.trainer(a).evalEvery(5).fit();
            TrainRun rb = Toy.trainer(b).evalEvery(5).fit();
            TrainRun rc = Toy.trainer(c).evalEvery(5).seed(43).fit();
            assertEquals(comparable(ra), comparable(rb));
            assertArrayEquals(a.weights(), b.weights());
            assertNotEquals(comparable(ra), comparable(rc));
        }
    }

    @Test
    void interruptStopsAfterTheCurrentStepWithAUsableModel() {
        try (Toy.Model model = new Toy.Model(7)) {
            TrainRun run = Toy.trainer(model).listener(interruptAt(3)).fit();
            assertTrue(run.interrupted());
            assertEquals(3, run.steps());
            assertEquals(3, run.trainRows().size());
            assertFalse(Thread.currentThread().isInterrupted(), "the loop consumes the interrupt");
            for (float v : model.weights()) {
                assertTrue(Float.isFinite(v));
            }
            assertTrue(run.toString().contains("3/20 steps, interrupted"), run.toString());
        }
    }

    public static TrainListener interruptAt(int step) {
        return new TrainListener() {
            @Override public void onStep(Progress p) {
                if (p.step() == step) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    @Test
    void resumedRunEqualsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
        try (Toy.Model full = new Toy.Model(7); Toy.Model cut = new Toy.Model(7); Toy.Model resumed = new Toy.Model(99);
             Toy.Model fromFour = new Toy.Model(5)) {
            TrainRun reference = Toy.trainer(full).cosine().warmupRatio(0.1).evalEvery(3).fit();

            Path dir = tmp.resolve("run");
            TrainRun stopped = Toy.trainer(cut).cosine().warmupRatio(0.1).evalEvery(3).output(dir).saveEvery(4)
                    .listener(interruptAt(6)).fit();
            assertTrue(stopped.interrupted());
            assertTrue(Files.isDirectory(dir.resolve("checkpoint-4")));
            assertTrue(Files.isDirectory(dir.resolve("checkpoint-6")), "an interrupt writes a last checkpoint");
            assertEquals(dir.resolve("checkpoint-6"), Checkpoint.latest(dir));
            assertEquals(comparable(stopped), TrainLoop.withoutTiming(MetricsLog.readJsonl(dir.resolve("metrics.jsonl")).rows()));
            assertTrue(Files.readString(dir.resolve("metrics.csv")).startsWith("step,epoch,loss,accuracy,delta"));

            // a differently initialised model and a fresh objective: everything must come from the checkpoint
            Toy.Objective objective = new Toy.Objective(resumed);
            TrainRun continued = CustomTrainer.of(resumed, objective, Toy.Data.synthetic(40, 1)).eval(Toy.Data.synthetic(16, 2))
                    .batchSize(4).lr(0.05).constant().epochs(2).seed(42).cosine().warmupRatio(0.1).evalEvery(3)
                    .progressBar(false).resume(dir);
            assertFalse(continued.interrupted());
            assertEquals(comparable(reference), comparable(continued));
            assertArrayEquals(full.weights(), resumed.weights());

            TrainRun continuedFromFour = Toy.trainer(fromFour).cosine().warmupRatio(0.1).evalEvery(3).resume(dir.resolve("checkpoint-4"));
            assertEquals(comparable(reference), comparable(continuedFromFour));
        }
    }

    @Test
    void resumeWithOtherHyperParametersIsRefused(@TempDir Path tmp) {
        try (Toy.Model a = new Toy.Model(7); Toy.Model b = new Toy.Model(7)) {
            Toy.trainer(a).output(tmp).saveEvery(5).maxSteps(5).fit();
            Exception e = assertThrows(IllegalArgumentException.class, () -> Toy.trainer(b).maxSteps(5).lr(0.5).resume(tmp));
            // issue 13 item 6: the message names the differing field, not two whole records
            assertEquals("cannot resume " + tmp.resolve("checkpoint-5") + ": config.lr is 0.5 now but the checkpoint was trained with 0.05",
                    e.getMessage());
            // evaluation and checkpoint settings do not change the weights: a resume may change them
            TrainRun again = Toy.trainer(b).maxSteps(5).evalEvery(2).evalBatchSize(3).saveEvery(1).output(tmp).resume(tmp);
            assertEquals(5, again.steps());
        }
    }

    @Test
    void resumeFromANonCheckpointNamesTheDirectory(@TempDir Path tmp) {
        try (Toy.Model a = new Toy.Model(7)) {
            Exception e = assertThrows(java.io.UncheckedIOException.class, () -> Toy.trainer(a).resume(tmp));
            assertTrue(e.getMessage().contains("no checkpoint in " + tmp), e.getMessage());
        }
    }

    @Test
    void nanLossStopsWithTheStepAndExamples() {
        try (Toy.Model model = new Toy.Model(7)) {
            Objective<Toy.Data> bad = (batch, scope, training) ->
                    new StepOutput(model.w.sum().mul(Float.NaN), Map.of(), batch.size());
            TrainingFailedException e = assertThrows(TrainingFailedException.class, () ->
                    CustomTrainer.of(model, bad, Toy.Data.synthetic(8, 1)).batchSize(4).progressBar(false).fit());
            assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
            assertTrue(e.getCause().getMessage().startsWith("loss is NaN at step 1 (epoch 0, micro-batch 0, examples ["), e.getMessage());
            assertEquals(1, e.failedStep());
            assertEquals(0, e.run().steps());
        }
    }

    @Test
    void saveEveryNeedsAnOutputDirectory() {
        try (Toy.Model model = new Toy.Model(7)) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> Toy.trainer(model).saveEvery(2).fit());
            assertEquals("saveEvery(2) needs an output directory: call output(dir)", e.getMessage());
        }
    }

    @Test
    void thousandsOfArraysDoNotLeakOverManySteps() {
        NDManager probe = NDManager.newBaseManager();
        NDManager system = probe.getParentManager();
        probe.close();
        List<Integer> counts = new ArrayList<>();
        try (Toy.Model model = new Toy.Model(7)) {
            Toy.trainer(model).maxSteps(300).evalEvery(50).listener(new TrainListener() {
                @Override public void onStep(Progress p) {
                    if (p.step() == 20 || p.step() == 300) {
                        counts.add(system.getManagedArrays().size());
                    }
                }
            }).fit();
        }
        assertEquals(2, counts.size());
        assertEquals(counts.get(0), counts.get(1), "managed arrays at step 20 vs 300: " + counts);
    }

    @Test
    void saveWritesModelMetricsAndCurves(@TempDir Path tmp) throws Exception {
        try (Toy.Model model = new Toy.Model(7)) {
            TrainRun run = Toy.trainer(model).evalEvery(5).fit();
            Path dir = run.save(tmp.resolve("out"));
            assertTrue(Files.isRegularFile(dir.resolve("model/weights.safetensors")));
            List<String> jsonl = Files.readAllLines(dir.resolve("metrics.jsonl"));
            assertEquals(run.log().size(), jsonl.size());
            assertEquals(comparable(run), TrainLoop.withoutTiming(MetricsLog.readJsonl(dir.resolve("metrics.jsonl")).rows()));
            List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
            assertEquals(run.log().size() + 1, csv.size());
            assertTrue(csv.get(0).startsWith("step,epoch,loss,accuracy,delta,learning_rate,grad_norm"), csv.get(0));
            assertTrue(Files.size(dir.resolve("plots/loss.png")) > 1000);
            assertTrue(Files.isRegularFile(dir.resolve("plots/learning_rate.png")));
        }
    }
}
