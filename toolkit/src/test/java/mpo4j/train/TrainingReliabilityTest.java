package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import mpo4j.engine.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import mpo4j.engine.GradMode;

/** Issue 13, training side: items 1 (checkpoints), 2 (non-finite gradients and weights), 3 (a failed run), 4 (threads), 6 (resume). */
class TrainingReliabilityTest {

    private static List<Map<String, Double>> comparable(TrainRun run) {
        return TrainLoop.withoutTiming(run.log().rows());
    }

    // ------------------------------------------------------------------ item 1: checkpoints

    @Test
    void saveTotalLimitKeepsTheNewestCheckpointsAndStaleTemporariesGo(@TempDir Path tmp) throws Exception {
        // what crashed checkpoint writes left: the old Files.createTempDirectory name and the AtomicFiles one
        Files.createDirectories(tmp.resolve(".checkpoint-3-4242424242").resolve("model"));
        Files.createDirectories(tmp.resolve(".checkpoint-4.tmp-5eed"));
        Files.writeString(tmp.resolve(".metrics.jsonl123.tmp"), "{");
        try (Toy.Model a = new Toy.Model(7); Toy.Model b = new Toy.Model(3)) {
            Toy.trainer(a).constant().output(tmp).saveEvery(2).saveTotalLimit(2).maxSteps(10).fit();
            try (Stream<Path> s = Files.list(tmp)) {
                // 10 steps, a checkpoint every 2 = 5 written; HF's save_total_limit 2 keeps the newest two
                assertEquals(List.of("checkpoint-10", "checkpoint-8", "metrics.csv", "metrics.jsonl"),
                        s.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertEquals(List.of(tmp.resolve("checkpoint-8"), tmp.resolve("checkpoint-10")), Checkpoint.complete(tmp));
            TrainRun extended = Toy.trainer(b).constant().output(tmp).saveEvery(2).saveTotalLimit(2).maxSteps(12).resume(tmp);
            assertEquals(12, extended.steps());
            assertEquals(List.of(tmp.resolve("checkpoint-10"), tmp.resolve("checkpoint-12")), Checkpoint.complete(tmp));
            assertThrows(IllegalArgumentException.class, () -> Toy.trainer(a).saveTotalLimit(-1));
        }
    }

    @Test
    void aRunIsNotSavedOverAFolderThatHoldsMoreThanASave(@TempDir Path tmp) throws Exception {
        try (Toy.Model model = new Toy.Model(7)) {
            TrainRun run = Toy.trainer(model).output(tmp).saveEvery(2).maxSteps(2).fit();
            // the swap replaces the whole folder: it would delete the checkpoints
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run.save(tmp));
            assertEquals("cannot save the run to " + tmp + ": the folder also holds [checkpoint-2], which a save (it replaces"
                    + " the whole folder) would delete; save into a folder of its own, e.g. " + tmp.resolve("final"), e.getMessage());
            assertTrue(Files.isDirectory(tmp.resolve("checkpoint-2")));
            run.save(tmp.resolve("final"));
            run.save(tmp.resolve("final"));          // an earlier save is replaced
            try (Stream<Path> s = Files.list(tmp.resolve("final"))) {
                assertEquals(List.of("metrics.csv", "metrics.jsonl", "model", "plots"), s.map(p -> p.getFileName().toString()).sorted().toList());
            }
        }
    }

    // ------------------------------------------------------------------ item 2: non-finite gradients and weights

    /**
     * The toy objective, plus at training step {@code badStep} a term {@code Σ sqrt(0·w)}: its value is 0
     * (the loss stays finite) but its gradient is {@code ∞·0 = NaN}.
     */
    private static Objective<Toy.Data> nanGradientAt(Toy.Model model, int badStep) {
        Toy.Objective toy = new Toy.Objective(model);
        int[] calls = {0};
        return (batch, scope, training) -> {
            StepOutput out = toy.compute(batch, scope, training);
            if (training && ++calls[0] == badStep) {
                return new StepOutput(out.loss().add(Scalar.mul(model.w, 0.0).sqrt().sum()), out.metrics(), out.tokens());
            }
            return out;
        };
    }

    private static CustomTrainer<Toy.Data> nanTrainer(Toy.Model model, int badStep) {
        return CustomTrainer.of(model, nanGradientAt(model, badStep), Toy.Data.synthetic(40, 1))
                .batchSize(4).lr(0.05).constant().maxSteps(5).seed(42).progressBar(false);
    }

    @Test
    void aNonFiniteGradientNormStopsTheRunAtThatStepAndKeepsTheRun(@TempDir Path tmp) {
        try (Toy.Model clean = new Toy.Model(7); Toy.Model model = new Toy.Model(7)) {
            TrainRun twoSteps = Toy.trainer(clean).constant().maxSteps(2).evalEvery(0).eval(null).fit();
            TrainingFailedException e = assertThrows(TrainingFailedException.class,
                    () -> nanTrainer(model, 3).output(tmp).saveEvery(100).fit());
            assertTrue(e.getMessage().startsWith("training failed at step 3 of 5: the gradient norm is NaN at step 3 (epoch 0, "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("(the run up to step 2 is saved in " + tmp.resolve("checkpoint-2") + ")"), e.getMessage());
            assertEquals(3, e.failedStep());
            assertEquals(2, e.run().steps());
            assertEquals(comparable(twoSteps), comparable(e.run()));
            // the update of step 3 was not applied: the weights are those after step 2
            assertArrayEquals(clean.weights(), model.weights());
            assertTrue(Files.isRegularFile(tmp.resolve("checkpoint-2").resolve(Checkpoint.STATE)));
            assertTrue(Files.isRegularFile(tmp.resolve("metrics.jsonl")));
        }
    }

    @Test
    void skipNonFiniteGradsDropsTheStepAndCountsIt() {
        try (Toy.Model clean = new Toy.Model(7); Toy.Model model = new Toy.Model(7)) {
            TrainRun twoSteps = Toy.trainer(clean).constant().maxSteps(2).evalEvery(0).eval(null).fit();
            TrainRun run = nanTrainer(model, 3).skipNonFiniteGrads(true).fit();
            assertEquals(5, run.steps());
            List<Map<String, Double>> rows = run.trainRows();
            assertEquals(List.of(0.0, 0.0, 1.0, 1.0, 1.0), rows.stream().map(r -> r.get(TrainLoop.SKIPPED_STEPS)).toList());
            assertTrue(Double.isNaN(rows.get(2).get("grad_norm")));
            for (int i = 0; i < 2; i++) {
                Map<String, Double> r = new java.util.LinkedHashMap<>(rows.get(i));
                r.remove(TrainLoop.SKIPPED_STEPS);
                assertEquals(comparable(twoSteps).get(i), TrainLoop.withoutTiming(List.of(r)).get(0));
            }
            for (float w : model.weights()) {
                assertTrue(Float.isFinite(w));
            }
        }
    }

    @Test
    void clipGlobalNormRefusesANonFiniteNorm() {
        try (Toy.Model model = new Toy.Model(7); NDManager m = NDManager.newBaseManager()) {
            GradMode.off(() -> {
                try (NDManager s = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(Scalar.mul(model.w, 0.0).sqrt().sum().add(model.b.sum()));
                }
                return null;
            });
            ArithmeticException e = assertThrows(ArithmeticException.class,
                    () -> Grads.clipGlobalNorm(model.trainableParameters().values(), 1.0, m));
            assertTrue(e.getMessage().startsWith("the total gradient norm is NaN: the gradient of '"), e.getMessage());
            assertTrue(Double.isNaN(Grads.clipGlobalNorm(model.trainableParameters().values(), 1.0, false, m)));
        }
    }

    @Test
    void savingNonFiniteWeightsFailsUnlessForcedAndLoadingThemWarns(@TempDir Path tmp) throws Exception {
        try (Toy.Model model = new Toy.Model(7); Toy.Model other = new Toy.Model(8)) {
            model.w.set(new float[] {1, Float.NaN, 2});
            TrainRun run = new TrainRun(model, new MetricsLog(), false, 0, 0, null, Map.of(), 0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> run.save(tmp.resolve("run")));
            assertEquals("refusing to save to " + tmp.resolve("run") + ": the model has non-finite weights in 'w' (training diverged);"
                    + " call save(dir, true) to write them anyway", e.getMessage());
            assertFalse(Files.exists(tmp.resolve("run")));
            run.save(tmp.resolve("run"), true);
            String warning = stderrOf(() -> {
                try {
                    other.loadInPlace(tmp.resolve("run").resolve("model"));
                } catch (java.io.IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
                return null;
            });
            assertTrue(Float.isNaN(other.weights()[1]));
            assertTrue(warning.contains("loaded weights hold NaN or infinite values in 'w'"), warning);
        }
    }

    /** What {@code body} wrote to the error stream (where slf4j-simple logs). */
    static String stderrOf(Supplier<?> body) {
        PrintStream before = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.get();
        } finally {
            System.setErr(before);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ item 4: any thread

    @Test
    void fitRunsOnAFreshThreadAndOnAnExecutor() throws Exception {
        try (NDManager touch = NDManager.newBaseManager(); Toy.Model here = new Toy.Model(7)) {
            touch.zeros(new ai.djl.ndarray.types.Shape(1));     // the engine is loaded on this thread first
            List<Map<String, Double>> expected = comparable(Toy.trainer(here).maxSteps(4).fit());

            AtomicReference<Object> fromThread = new AtomicReference<>();
            Thread thread = new Thread(() -> {
                try (Toy.Model model = new Toy.Model(7)) {
                    fromThread.set(comparable(Toy.trainer(model).maxSteps(4).fit()));
                } catch (Throwable t) {
                    fromThread.set(t);
                }
            });
            thread.start();
            thread.join(60_000);
            assertEquals(expected, fromThread.get());

            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<List<Map<String, Double>>> f = pool.submit(() -> {
                    try (Toy.Model model = new Toy.Model(7)) {
                        return comparable(Toy.trainer(model).maxSteps(4).fit());
                    }
                });
                assertEquals(expected, f.get(60, TimeUnit.SECONDS));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ------------------------------------------------------------------ item 6: resume

    @Test
    void aFinishedRunCanBeExtendedWithMoreStepsOrEpochs(@TempDir Path tmp) {
        try (Toy.Model full = new Toy.Model(7); Toy.Model first = new Toy.Model(7); Toy.Model resumed = new Toy.Model(1)) {
            // constant schedule: the first 5 steps of an 8-step run are those of a 5-step run
            TrainRun eight = Toy.trainer(full).constant().maxSteps(8).fit();
            Toy.trainer(first).constant().maxSteps(5).output(tmp).saveEvery(5).fit();
            TrainRun extended = Toy.trainer(resumed).constant().maxSteps(8).resume(tmp);
            assertEquals(comparable(eight), comparable(extended));
            assertArrayEquals(full.weights(), resumed.weights());
        }
    }

    @Test
    void aResumeWithAnotherTrainerFieldNamesIt(@TempDir Path tmp) {
        try (Toy.Model a = new Toy.Model(7); Toy.Model b = new Toy.Model(7)) {
            Map<String, String> trained = new java.util.LinkedHashMap<>();
            trained.put("loss.beta", "0.1");
            trained.put("data.train_order", "abc");
            Map<String, String> now = new java.util.LinkedHashMap<>();
            now.put("loss.beta", "0.2");
            now.put("data.train_order", "abd");
            new TrainLoop<>(a, new Toy.Objective(a), Toy.Data.synthetic(8, 1), null,
                    TrainConfig.defaults().withBatchSize(4).withMaxSteps(2).withSaveEvery(2), List.of(), tmp).fingerprint(trained).fit();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    new TrainLoop<>(b, new Toy.Objective(b), Toy.Data.synthetic(8, 1), null,
                            TrainConfig.defaults().withBatchSize(4).withMaxSteps(2), List.of(), tmp)
                            .fingerprint(now).resume(tmp));
            assertEquals("cannot resume " + tmp.resolve("checkpoint-2") + ": loss.beta is 0.2 now but the checkpoint was trained with 0.1"
                    + " (also different: data.train_order)", e.getMessage());
        }
    }
}
