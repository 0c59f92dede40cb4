package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.peft.LoraConfig;
import mpo4j.peft.LoraModel;
import mpo4j.train.TensorFile;
import mpo4j.train.ToyTrainerTest;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainLoop;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TR-DPO ({@code sync_ref_model}): the reference after k synchronisations against the closed form
 * computed here from snapshots of the policy, when the synchronisation fires, resume across a
 * synchronisation, and the errors where it cannot apply.
 */
class ReferenceSyncTest {
    private static final List<PreferencePair> TRAIN = VlmFixtures.pairs(8, 1);

    private static PreferenceTrainer trainer(TinyVlm model) {
        return PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).data(TRAIN)
                .collator(VlmFixtures.collator(VlmFixtures.config(false))).batchSize(2).lr(1e-2).constant()
                .seed(42).progressBar(false).syncRefModel(true).refModelSyncSteps(2);
    }

    private static Map<String, float[]> weights(TinyVlm model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> out.put(name, p.getArray().toFloatArray()));
        return out;
    }

    /** Snapshots of the policy after each optimizer step, by step. */
    private static TrainListener recorder(TinyVlm model, Map<Integer, Map<String, float[]>> into) {
        return new TrainListener() {
            @Override
            public void onStep(Progress p) {
                into.put(p.step(), weights(model));
            }
        };
    }

    private static Map<String, TensorFile.Entry> storedReference(Path checkpoint) throws Exception {
        return TensorFile.read(checkpoint.resolve(ReferenceSync.FILE));
    }

    @Test
    void defaultsAreTrls() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            PreferenceTrainer t = PreferenceTrainer.of(model);
            assertFalse(t.syncRefModel());
            assertEquals(0.6, t.refModelMixupAlpha());
            assertEquals(512, t.refModelSyncSteps());
        }
    }

    @Test
    void softSyncMatchesTheClosedFormAfterEachSync(@TempDir Path tmp) throws Exception {
        double a = 0.6;
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Map<String, float[]> initial = weights(model);
            Map<Integer, Map<String, float[]>> policy = new LinkedHashMap<>();
            trainer(model).refModelMixupAlpha(a).maxSteps(6).output(tmp).saveEvery(1).listener(recorder(model, policy)).fit();
            for (int k = 1; k <= 3; k++) {
                // ref_k = (1-a)^k ref_0 + sum_{j=1..k} a (1-a)^(k-j) policy(step 2j): the recursion
                // ref <- a*policy + (1-a)*ref unrolled, in double precision
                Map<String, TensorFile.Entry> stored = storedReference(tmp.resolve("checkpoint-" + (2 * k)));
                for (String name : List.of("model.embed_tokens.weight", "model.layers.1.mlp.down_proj.weight", "model.norm.weight")) {
                    float[] got = stored.get(name).floats();
                    float[] r0 = initial.get(name);
                    for (int i = 0; i < got.length; i += 7) {
                        double expected = Math.pow(1 - a, k) * r0[i];
                        for (int j = 1; j <= k; j++) {
                            expected += a * Math.pow(1 - a, k - j) * policy.get(2 * j).get(name)[i];
                        }
                        assertEquals(expected, got[i], 1e-6, name + "[" + i + "] after " + k + " syncs");
                    }
                }
                // between syncs the reference stands still: step 2k+1 holds what step 2k left
                if (k < 3) {
                    Map<String, TensorFile.Entry> next = storedReference(tmp.resolve("checkpoint-" + (2 * k + 1)));
                    stored.forEach((name, e) -> assertArrayEquals(e.values(), next.get(name).values(), name));
                }
            }
            // and it moved: after 3 syncs it is neither the initial weights nor the policy
            float[] ref = storedReference(tmp.resolve("checkpoint-6")).get("model.norm.weight").floats();
            assertFalse(java.util.Arrays.equals(ref, initial.get("model.norm.weight")));
            assertFalse(java.util.Arrays.equals(ref, policy.get(6).get("model.norm.weight")));
        }
    }

    @Test
    void hardSyncCopiesThePolicyAtEverySyncStepOnly(@TempDir Path tmp) throws Exception {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Map<String, float[]> initial = weights(model);
            Map<Integer, Map<String, float[]>> policy = new LinkedHashMap<>();
            TrainRun run = trainer(model).refModelMixupAlpha(1).maxSteps(5).output(tmp).saveEvery(1)
                    .listener(recorder(model, policy)).fit();
            // steps 1: the initial reference; 2, 3: the policy after step 2; 4, 5: after step 4 (global_step % 2 == 0)
            int[] copiedFrom = {0, 0, 2, 2, 4, 4};
            for (int step = 1; step <= 5; step++) {
                Map<String, TensorFile.Entry> stored = storedReference(tmp.resolve("checkpoint-" + step));
                Map<String, float[]> expected = copiedFrom[step] == 0 ? initial : policy.get(copiedFrom[step]);
                for (String name : expected.keySet()) {
                    assertArrayEquals(expected.get(name), stored.get(name).floats(), name + " at step " + step);
                }
            }
            // right after a hard sync the policy equals the reference, so the next step's rewards are 0
            Map<String, Double> step3 = run.trainRows().get(2);
            assertEquals(0.0, step3.get("rewards/chosen"), 1e-6);
            assertEquals(0.0, step3.get("rewards/rejected"), 1e-6);
            assertTrue(Math.abs(run.trainRows().get(1).get("rewards/chosen")) > 1e-4, run.trainRows().get(1).toString());
        }
    }

    @Test
    void resumeAcrossASyncEqualsTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path full = tmp.resolve("full");
        Path cut = tmp.resolve("cut");
        try (TinyVlm a = VlmFixtures.model(false, 3); TinyVlm b = VlmFixtures.model(false, 3); TinyVlm c = VlmFixtures.model(false, 77)) {
            TrainRun uninterrupted = trainer(a).maxSteps(6).output(full).saveEvery(2).fit();
            // stopped after step 3: the reference was synced at step 2 and is synced again at 4 and 6 after the resume
            TrainRun stopped = trainer(b).maxSteps(6).output(cut).saveEvery(2).listener(ToyTrainerTest.interruptAt(3)).fit();
            assertTrue(stopped.interrupted());
            assertTrue(Files.isRegularFile(cut.resolve("checkpoint-3").resolve(ReferenceSync.FILE)));
            assertFalse(Files.exists(cut.resolve("reference")), "a synced reference lives in the checkpoints");
            TrainRun resumed = trainer(c).maxSteps(6).saveEvery(2).resume(cut);
            assertEquals(TrainLoop.withoutTiming(uninterrupted.log().rows()), TrainLoop.withoutTiming(resumed.log().rows()));
            assertArrayEquals(Files.readAllBytes(full.resolve("checkpoint-6").resolve(ReferenceSync.FILE)),
                    Files.readAllBytes(cut.resolve("checkpoint-6").resolve(ReferenceSync.FILE)));
            weights(a).forEach((name, w) -> assertArrayEquals(w, weights(c).get(name), name));
        }
    }

    @Test
    void resumeWithOtherSyncSettingsIsRefused(@TempDir Path tmp) {
        try (TinyVlm a = VlmFixtures.model(false, 3); TinyVlm b = VlmFixtures.model(false, 3)) {
            trainer(a).maxSteps(2).output(tmp).saveEvery(2).fit();
            Exception e = assertThrows(IllegalArgumentException.class, () -> trainer(b).refModelMixupAlpha(0.5).maxSteps(4).resume(tmp));
            assertTrue(e.getMessage().contains("reference.sync"), e.getMessage());
        }
    }

    @Test
    void errorsSayWhereSyncCannotApply() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).precomputedReference().syncRefModel(true));
            assertTrue(e.getMessage().startsWith("sync_ref_model cannot be combined with a precomputed reference"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).syncRefModel(true).precomputedReference());
            assertTrue(e.getMessage().startsWith("sync_ref_model cannot be combined with a precomputed reference"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).refModelMixupAlpha(1.5));
            assertEquals("ref_model_mixup_alpha must be in [0, 1] (1 copies the policy into the reference), got 1.5", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).refModelSyncSteps(0));
            assertEquals("ref_model_sync_steps must be >= 1, got 0", e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> PreferenceTrainer.sft(model).syncRefModel(true));
            assertTrue(e.getMessage().contains("does not apply to SFT"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> trainer(model).referenceFree().maxSteps(1).fit());
            assertTrue(e.getMessage().startsWith("sync_ref_model needs a reference model, but the trainer is reference-free"), e.getMessage());
            try (LoraModel lora = LoraModel.wrap(model, LoraConfig.defaults())) {
                PreferenceTrainer t = PreferenceTrainer.of(lora).loss(PreferenceLoss.dpo()).data(TRAIN)
                        .collator(VlmFixtures.collator(VlmFixtures.config(false))).batchSize(2).maxSteps(1).progressBar(false)
                        .syncRefModel(true);
                e = assertThrows(IllegalArgumentException.class, t::fit);
                assertTrue(e.getMessage().startsWith("sync_ref_model needs a standalone reference copy with the policy's parameters"),
                        e.getMessage());
                assertTrue(e.getMessage().contains("for a LoRA model the reference is the base model with the adapters disabled"),
                        e.getMessage());
            }
        }
    }
}
