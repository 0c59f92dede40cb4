package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.DatasetException;
import mpo4j.data.OnError;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.model.TinyVlm;
import mpo4j.train.TensorFile;
import mpo4j.train.TrainLoop;
import mpo4j.train.TrainRun;
import mpo4j.train.TrainingFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 on the preference trainer: items 3 (a bad pair mid-training), 4 (threads), 6 (resume fingerprints), 14 (float64 reference). */
class PreferenceReliabilityTest {
    private static final List<PreferencePair> TRAIN = VlmFixtures.pairs(8, 1);
    /** The pair at index 2 (fixture.jsonl:3) stands for a truncated PNG: only a full decode, at collate time, finds it. */
    private static final String BROKEN = "fixture.jsonl:3: field \"image\": truncated PNG: expected 2048 bytes, found 100";

    private static PreferenceTrainer trainer(TinyVlm model, Function<List<PreferencePair>, PreferenceBatch> collator) {
        return PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).data(TRAIN).collator(collator)
                .batchSize(2).lr(1e-3).constant().epochs(1).seed(42).progressBar(false);
    }

    private static Function<List<PreferencePair>, PreferenceBatch> fixtures() {
        return VlmFixtures.collator(VlmFixtures.config(false));
    }

    private static Function<List<PreferencePair>, PreferenceBatch> failingOnLine3() {
        Function<List<PreferencePair>, PreferenceBatch> base = fixtures();
        return pairs -> {
            for (PreferencePair p : pairs) {
                if (p.source().line() == 3) {
                    throw new DatasetException(p.source(), "image", "truncated PNG: expected 2048 bytes, found 100");
                }
            }
            return base.apply(pairs);
        };
    }

    /** The 0-based step whose batch holds pair index 2 (epoch 0 order, batches of 2). */
    private static int stepWithPair2() {
        int[] order = TrainLoop.permutation(TRAIN.size(), 42, 0);
        for (int i = 0; i < order.length; i++) {
            if (order[i] == 2) {
                return i / 2;
            }
        }
        throw new AssertionError();
    }

    // ------------------------------------------------------------------ item 3

    @Test
    void aPairThatFailsToCollateStopsTheRunButKeepsItUnderFail(@TempDir Path tmp) {
        int bad = stepWithPair2();
        assertTrue(bad > 0, "the fixture order must reach the bad pair after a complete step");
        try (TinyVlm model = VlmFixtures.model(false, 3); TinyVlm clean = VlmFixtures.model(false, 3);
             TinyVlm uninterrupted = VlmFixtures.model(false, 3)) {
            TrainRun before = trainer(clean, fixtures()).maxSteps(bad).fit();
            TrainRun full = trainer(uninterrupted, fixtures()).fit();
            // an output folder but no periodic checkpoints: the failure still writes one
            TrainingFailedException e = assertThrows(TrainingFailedException.class,
                    () -> trainer(model, failingOnLine3()).output(tmp).fit());
            assertTrue(e.getMessage().startsWith("training failed at step " + (bad + 1) + " of 4: pair " + BROKEN
                    + " (skip such pairs with onError(OnError.SKIP))"), e.getMessage());
            assertEquals(bad, e.run().steps());
            assertEquals(TrainLoop.withoutTiming(before.log().rows()), TrainLoop.withoutTiming(e.run().log().rows()));
            assertTrue(Files.isRegularFile(tmp.resolve("checkpoint-" + bad).resolve("trainer_state.json")));
            // the final checkpoint is usable: with the pair fixed, the run resumes from it
            TrainRun resumed = trainer(model, fixtures()).output(tmp).resume(tmp);
            assertEquals(TrainLoop.withoutTiming(full.log().rows()), TrainLoop.withoutTiming(resumed.log().rows()));
        }
    }

    @Test
    void aPairThatFailsToCollateIsSkippedCountedAndLoggedUnderSkip() {
        int bad = stepWithPair2();
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            TrainRun[] run = new TrainRun[1];
            String log = stderrOf(() -> run[0] = trainer(model, failingOnLine3()).onError(OnError.SKIP).fit());
            assertEquals(4, run[0].steps());
            List<Double> skipped = run[0].trainRows().stream().map(r -> r.get("skipped_pairs")).toList();
            List<Double> expected = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                expected.add(s < bad ? 0.0 : 1.0);
            }
            assertEquals(expected, skipped);
            assertTrue(log.contains("skipping pair " + BROKEN + " (onError SKIP)"), log);
            assertEquals(1, log.split("skipping pair", -1).length - 1, "logged once: " + log);
        }
    }

    // ------------------------------------------------------------------ item 4

    @Test
    void fitWorksFromAnExecutorThread() throws Exception {
        try (TinyVlm here = VlmFixtures.model(false, 3)) {
            List<Map<String, Double>> expected = TrainLoop.withoutTiming(trainer(here, fixtures()).maxSteps(2).fit().log().rows());
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                List<Map<String, Double>> there = pool.submit(() -> {
                    try (TinyVlm model = VlmFixtures.model(false, 3)) {
                        return TrainLoop.withoutTiming(trainer(model, fixtures()).maxSteps(2).fit().log().rows());
                    }
                }).get(120, TimeUnit.SECONDS);
                assertEquals(expected, there);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ------------------------------------------------------------------ item 6

    @Test
    void resumeNamesTheLossDataOrModelFieldThatDiffers(@TempDir Path tmp) {
        try (TinyVlm model = VlmFixtures.model(false, 3); TinyVlm again = VlmFixtures.model(false, 3);
             TinyVlm withVision = VlmFixtures.model(true, 3)) {
            trainer(model, fixtures()).output(tmp).saveEvery(2).maxSteps(2).fit();
            String prefix = "cannot resume " + tmp.resolve("checkpoint-2") + ": ";

            Exception beta = assertThrows(IllegalArgumentException.class,
                    () -> trainer(again, fixtures()).loss(PreferenceLoss.dpo().beta(0.2)).maxSteps(4).resume(tmp));
            assertEquals(prefix + "loss.beta is 0.2 now but the checkpoint was trained with 0.1", beta.getMessage());

            Exception type = assertThrows(IllegalArgumentException.class,
                    () -> trainer(again, fixtures()).loss("hinge").maxSteps(4).resume(tmp));
            assertEquals(prefix + "loss.types is [hinge] now but the checkpoint was trained with [sigmoid]", type.getMessage());

            List<PreferencePair> reordered = new ArrayList<>(TRAIN);
            Collections.reverse(reordered);
            Exception data = assertThrows(IllegalArgumentException.class,
                    () -> trainer(again, fixtures()).data(reordered).maxSteps(4).resume(tmp));
            assertTrue(data.getMessage().startsWith(prefix + "data.train_order is "), data.getMessage());

            Exception arch = assertThrows(IllegalArgumentException.class,
                    () -> trainer(withVision, VlmFixtures.collator(VlmFixtures.config(true))).maxSteps(4).resume(tmp));
            assertTrue(arch.getMessage().startsWith(prefix + "model.parameters is "), arch.getMessage());

            // the same everything, longer: allowed
            assertEquals(4, trainer(again, fixtures()).maxSteps(4).resume(tmp).steps());
        }
    }

    // ------------------------------------------------------------------ item 14

    @Test
    void precomputedReferenceFilesKeepFloat64Values(@TempDir Path tmp) throws Exception {
        List<PreferencePair> two = TRAIN.subList(0, 2);
        PairBatches wide = new PairBatches(two, (p, i) -> fixtures().apply(p));
        // 0.1 and 1/3 are not floats: a float32 file would round them (0.1f = 0.100000001490116...)
        double[][] values = {{-0.1, -1.0 / 3}, {-2.1, -7.7}, {-0.05, -0.2}, {-1.1, -3.3}};
        wide.referenceArrays(values);
        Path file = tmp.resolve("reference_logps.safetensors");
        ReferenceStore.save(file, wide, null);
        Map<String, TensorFile.Entry> stored = TensorFile.read(file);
        assertTrue(stored.get("train/chosen").float64(), "float64 values are stored as F64");
        PairBatches loaded = new PairBatches(two, (p, i) -> fixtures().apply(p));
        ReferenceStore.load(file, loaded, null);
        for (int k = 0; k < 4; k++) {
            assertArrayEquals(values[k], loaded.referenceArrays()[k]);
        }
        ReferenceLogps ref = loaded.batch(new int[] {1, 0}).reference();
        assertArrayEquals(new double[] {-1.0 / 3, -0.1}, ref.chosen());
        assertArrayEquals(new double[] {-3.3, -1.1}, ref.rejectedShared());

        // a float32 reference stays F32 (every value is a float): same file size as before
        PairBatches narrow = new PairBatches(two, (p, i) -> fixtures().apply(p));
        narrow.referenceArrays(new double[][] {{-0.5, -1.25}, {-2, -8}, {-0.5, -1}, {-1, -4}});
        ReferenceStore.save(file, narrow, null);
        assertTrue(!TensorFile.read(file).get("train/chosen").float64());
    }

    /** What {@code body} wrote to the error stream (where slf4j-simple logs). */
    private static String stderrOf(Runnable body) {
        PrintStream before = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(before);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static {
        NDManager.newBaseManager().close();     // the engine is loaded on the test thread before any other thread trains
    }
}
