package mpo4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import mpo4j.loss.LossType;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.train.Schedule;
import mpo4j.train.TrainConfig;
import org.junit.jupiter.api.Test;

/** A TRL dpo.yaml read as an mpo4j run. */
class TrlConfigFileTest {
    /** A dpo.yaml as a TRL user writes it for MPO on a VLM (TRL's cookbook recipe), with keys that have no effect here. */
    private static final String TRL_USER_YAML = """
            model_name_or_path: Qwen/Qwen2.5-VL-3B-Instruct
            dataset_name: HuggingFaceH4/rlaif-v_formatted
            output_dir: qwen-mpo
            loss_type: [sigmoid, bco_pair, sft]
            loss_weights: [0.8, 0.2, 1.0]
            beta: 0.1
            learning_rate: 5e-6
            lr_scheduler_type: cosine
            warmup_ratio: 0.05
            num_train_epochs: 1
            per_device_train_batch_size: 2
            gradient_accumulation_steps: 32
            max_length: 1024
            bf16: true
            gradient_checkpointing: true
            logging_steps: 10
            report_to: none
            dataset_num_proc: 8
            """;

    @Test
    void aTrlUsersYamlMapsOntoMpo4jSettings() {
        TrlConfigFile f = TrlConfigFile.parse(TRL_USER_YAML, "dpo.yaml");
        PreferenceLoss loss = f.loss();
        assertEquals(List.of(LossType.SIGMOID, LossType.BCO_PAIR, LossType.SFT), loss.types());
        assertEquals(List.of(0.8, 0.2, 1.0), loss.weights());
        assertEquals(0.1, loss.beta());
        TrainConfig c = f.trainConfig(TrainConfig.defaults());
        // "5e-6" has no dot: YAML 1.1 reads it as text, TRL's parser as a float; so does mpo4j
        assertEquals(5e-6, c.lr());
        assertEquals(Schedule.Kind.COSINE, c.schedule().kind());
        assertEquals(0.05, c.schedule().warmupRatio());
        assertEquals(1, c.epochs());
        assertEquals(2, c.batchSize());
        assertEquals(32, c.gradAccum());
        assertEquals(1024, f.maxLength());
        assertEquals("Qwen/Qwen2.5-VL-3B-Instruct", f.modelNameOrPath());
        assertEquals(List.of("bf16", "gradient_checkpointing", "logging_steps", "report_to", "dataset_num_proc"),
                f.ignored().stream().map(s -> s.substring(0, s.indexOf(' '))).toList());
    }

    @Test
    void warmupStepsBelowOneIsARatioAsInTransformers5() {
        TrainConfig c = TrlConfigFile.parse("warmup_steps: 0.1", "a.yaml").trainConfig(TrainConfig.defaults());
        assertEquals(0.1, c.schedule().warmupRatio());
        assertEquals(0, c.schedule().warmupSteps());
        assertEquals(20, TrlConfigFile.parse("warmup_steps: 20", "a.yaml").trainConfig(TrainConfig.defaults()).schedule().warmupSteps());
    }

    @Test
    void unknownUnsupportedAndBadValuesAreClearErrors() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("learnig_rate: 1e-5", "run.yaml"));
        assertTrue(unknown.getMessage().startsWith("run.yaml: unknown key \"learnig_rate\"; did you mean \"learning_rate\"?"), unknown.getMessage());
        IllegalArgumentException unsupported = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("use_peft: true", "run.yaml"));
        assertTrue(unsupported.getMessage().startsWith("run.yaml: key \"use_peft\" is a TRL setting mpo4j does not support: "), unsupported.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("beta: high", "run.yaml"));
        assertEquals("run.yaml: beta: expected a number, got \"high\"", bad.getMessage());
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> TrlConfigFile.parse("loss_type: [sigmoid, sft]\nloss_weights: [1.0]", "run.yaml"));
        assertTrue(weights.getMessage().startsWith("run.yaml: loss_weights: needs one weight per loss_type entry (2)"), weights.getMessage());
        IllegalArgumentException epochs = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("num_train_epochs: 1.5", "run.yaml"));
        assertTrue(epochs.getMessage().startsWith("run.yaml: num_train_epochs: mpo4j trains whole epochs"), epochs.getMessage());
        IllegalArgumentException keepEnd = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("truncation_mode: keep_end", "run.yaml"));
        assertTrue(keepEnd.getMessage().startsWith("run.yaml: truncation_mode: mpo4j truncates keep_start"), keepEnd.getMessage());
    }

    @Test
    void anExportedBundleYamlReadsBackToTheSameSettings() {
        // the bundle of TrlBundleTest's trainer, written and read back: every carried setting comes back unchanged
        String yaml = """
                loss_type: [sigmoid, bco_pair, sft]
                loss_weights: [0.8, 0.2, 1.0]
                beta: 0.25
                label_smoothing: 0.0
                f_divergence_type: reverse_kl
                use_weighting: false
                precompute_ref_log_probs: false
                learning_rate: 2.0e-05
                lr_scheduler_type: constant_with_warmup
                warmup_steps: 3
                weight_decay: 0.01
                adam_beta1: 0.9
                adam_beta2: 0.95
                adam_epsilon: 1.0e-08
                max_grad_norm: 0.5
                num_train_epochs: 2
                per_device_train_batch_size: 4
                gradient_accumulation_steps: 2
                per_device_eval_batch_size: 8
                seed: 11
                eval_strategy: steps
                eval_steps: 5
                save_strategy: 'no'
                """;
        TrlConfigFile f = TrlConfigFile.parse(yaml, "dpo.yaml");
        TrainConfig c = f.trainConfig(TrainConfig.defaults());
        TrainConfig expected = TrainConfig.defaults().withLr(2e-5).withSchedule(Schedule.constant().withWarmupSteps(3)).withWeightDecay(0.01)
                .withBetas(0.9, 0.95).withEps(1e-8).withMaxGradNorm(0.5).withEpochs(2).withBatchSize(4).withGradAccum(2)
                .withEvalBatchSize(8).withSeed(11).withEvalEvery(5);
        assertEquals(expected, c);
        assertEquals(PreferenceLoss.mpo().beta(0.25), f.loss());
    }

    @Test
    void trDpoAndIssue17OptionsReachTheTrainer() {
        String yaml = """
                sync_ref_model: true
                ref_model_mixup_alpha: 0.9
                ref_model_sync_steps: 64
                precompute_ref_batch_size: 16
                pad_token: <|endoftext|>
                disable_dropout: false
                dtype: auto
                model_init_kwargs: {torch_dtype: torch.float32}
                """;
        TrlConfigFile f = TrlConfigFile.parse(yaml, "run.yaml");
        TinyVlmConfig tiny = TinyVlmConfig.tinyVlm();
        try (TinyVlm model = TinyVlm.builder(tiny.textOnly().withText(tiny.text().withLayers(1))).seed(1).build()) {
            PreferenceTrainer t = f.apply(PreferenceTrainer.of(model));
            assertTrue(t.syncRefModel());
            assertEquals(0.9, t.refModelMixupAlpha());
            assertEquals(64, t.refModelSyncSteps());
            assertEquals(16, t.precomputeRefBatchSize());
            assertEquals("<|endoftext|>", t.padToken());
            assertEquals(false, t.disableDropout());
            assertEquals("float32", f.dtype());
            // TRL's None for the optional ones keeps mpo4j's defaults; absent keys keep TRL's defaults
            PreferenceTrainer d = TrlConfigFile.parse("precompute_ref_batch_size: null\npad_token: null", "run.yaml")
                    .apply(PreferenceTrainer.of(model));
            assertEquals(0, d.precomputeRefBatchSize());
            assertEquals(null, d.padToken());
            assertEquals(false, d.syncRefModel());
            assertEquals(0.6, d.refModelMixupAlpha());
            assertEquals(512, d.refModelSyncSteps());
            assertEquals(true, d.disableDropout());
        }
    }

    @Test
    void issue17OptionsAreValidatedWhenTheFileIsRead() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrlConfigFile.parse("sync_ref_model: true\nprecompute_ref_log_probs: true", "run.yaml"));
        assertTrue(e.getMessage().startsWith("run.yaml: sync_ref_model: cannot be combined with precompute_ref_log_probs: true"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("ref_model_mixup_alpha: 1.5", "run.yaml"));
        assertEquals("run.yaml: ref_model_mixup_alpha: must be in [0, 1] (1 copies the policy into the reference), got 1.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("ref_model_sync_steps: 0", "run.yaml"));
        assertEquals("run.yaml: ref_model_sync_steps: must be >= 1.0, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("dtype: bfloat16", "run.yaml"));
        assertTrue(e.getMessage().startsWith("run.yaml: dtype: bfloat16/float16 compute is not applicable on this engine: DJL 0.35.1's "
                + "PyTorch engine crashes on BF16 arrays"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("model_init_kwargs: {dtype: float16}", "run.yaml"));
        assertTrue(e.getMessage().startsWith("run.yaml: model_init_kwargs.dtype: bfloat16/float16 compute is not applicable"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("model_init_kwargs: {device_map: auto}", "run.yaml"));
        assertEquals("run.yaml: model_init_kwargs: mpo4j reads only dtype (or torch_dtype) from the loading options, got \"device_map\"",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("dtype: int8", "run.yaml"));
        assertEquals("run.yaml: dtype: mpo4j loads models in float32; use float32 or auto, got \"int8\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrlConfigFile.parse("disable_dropout: maybe", "run.yaml"));
        assertEquals("run.yaml: disable_dropout: expected true or false, got \"maybe\"", e.getMessage());
    }
}
