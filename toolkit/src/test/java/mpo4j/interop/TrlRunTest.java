package mpo4j.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.plot.Curves;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYSeries;

/**
 * A TRL run read back: {@code trainer_state.json} written by hand in the structure transformers'
 * {@code TrainerState.save_to_json} writes (DPOTrainer metrics in train entries, {@code eval_}-prefixed
 * metrics with runtime figures in eval entries, the closing {@code train_runtime} entry).
 */
class TrlRunTest {
    @TempDir
    Path dir;

    private static final String STATE = """
            {
              "best_global_step": null,
              "best_metric": null,
              "best_model_checkpoint": null,
              "epoch": 1.0,
              "eval_steps": 4,
              "global_step": 4,
              "is_hyper_param_search": false,
              "is_local_process_zero": true,
              "is_world_process_zero": true,
              "log_history": [
                {"epoch": 0.5, "grad_norm": 3.25, "learning_rate": 5e-07, "logits/chosen": -1.5, "logits/rejected": -1.25,
                 "logps/chosen": -120.5, "logps/rejected": -130.0, "loss": 0.6931, "rewards/accuracies": 0.5,
                 "rewards/chosen": 0.01, "rewards/margins": 0.02, "rewards/rejected": -0.01, "step": 2},
                {"epoch": 1.0, "grad_norm": 2.5, "learning_rate": 0.0, "logits/chosen": -1.4, "logits/rejected": -1.2,
                 "logps/chosen": -118.0, "logps/rejected": -133.5, "loss": 0.61, "rewards/accuracies": 0.75,
                 "rewards/chosen": 0.05, "rewards/margins": 0.2, "rewards/rejected": -0.15, "step": 4},
                {"epoch": 1.0, "eval_logits/chosen": -1.3, "eval_logits/rejected": -1.1, "eval_logps/chosen": -119.0,
                 "eval_logps/rejected": -131.0, "eval_loss": 0.65, "eval_rewards/accuracies": 0.625, "eval_rewards/chosen": 0.03,
                 "eval_rewards/margins": 0.125, "eval_rewards/rejected": -0.095, "eval_runtime": 1.2345,
                 "eval_samples_per_second": 6.48, "eval_steps_per_second": 0.81, "step": 4},
                {"epoch": 1.0, "step": 4, "total_flos": 0.0, "train_loss": 0.65155, "train_runtime": 42.5,
                 "train_samples_per_second": 0.376, "train_steps_per_second": 0.094}
              ],
              "logging_steps": 2,
              "max_steps": 4,
              "num_input_tokens_seen": 0,
              "num_train_epochs": 1,
              "save_steps": 2,
              "stateful_callbacks": {"TrainerControl": {"args": {"should_training_stop": true}, "attributes": {}}},
              "total_flos": 0.0,
              "train_batch_size": 2,
              "trial_name": null,
              "trial_params": null
            }
            """;

    @Test
    void logHistoryBecomesMpo4jRowsWithEvalPrefixes() throws IOException {
        Files.writeString(dir.resolve("trainer_state.json"), STATE);
        Files.createDirectories(dir.resolve("checkpoint-2"));
        Files.createDirectories(dir.resolve("checkpoint-4"));
        TrlRun run = TrlRun.read(dir);
        assertEquals(4, run.steps());
        assertEquals(List.of(2, 4), run.checkpoints());
        assertEquals(2, run.trainRows().size());
        assertEquals(1, run.evalRows().size());
        // eval_rewards/margins -> eval/rewards/margins; train names unchanged
        assertEquals(0.125, run.last("eval/rewards/margins"));
        assertEquals(0.2, run.last("rewards/margins"));
        assertEquals(-133.5, run.last("logps/rejected"));
        assertEquals(4.0, run.evalRows().get(0).get("step"));
        // the closing entry is a summary, not a step
        assertEquals(42.5, run.summary().get("train_runtime"));
        assertTrue(run.log().columns().contains("eval/runtime"));
        assertEquals(3, run.metrics().rowCount());
        Curves curves = run.curves();
        assertTrue(curves.names().containsAll(List.of("rewards", "margins", "accuracies", "logps", "loss", "learning_rate", "grad_norm")), curves.names().toString());
        XYSeries margins = series(curves.get("margins")).get("rewards/margins");
        assertArrayEquals(new double[] {2, 4}, margins.getXData());
        assertArrayEquals(new double[] {0.02, 0.2}, margins.getYData());
        assertArrayEquals(new double[] {0.125}, series(curves.get("margins")).get("eval/rewards/margins").getYData());
    }

    @Test
    void anUnfinishedRunIsReadFromItsLatestCheckpoint() throws IOException {
        Files.createDirectories(dir.resolve("checkpoint-2"));
        // checkpoint-2 holds the state after step 2: the first entry only
        String early = STATE.replace("\"global_step\": 4", "\"global_step\": 2").replaceAll("(?s),\\s*\\{\"epoch\": 1\\.0, \"grad_norm\".*?\\}\\s*\\]", "]");
        Files.writeString(dir.resolve("checkpoint-2/trainer_state.json"), early.replaceAll("(?s)(\"step\": 2\\}).*?\\]", "$1]"));
        TrlRun run = TrlRun.read(dir);
        assertEquals(2, run.steps());
        assertEquals(1, run.trainRows().size());
        assertTrue(run.summary().isEmpty());
        assertEquals(dir.resolve("checkpoint-2/trainer_state.json"), run.stateFile());
    }

    @Test
    void compareOverlaysTwoRunsPerPanel() throws IOException {
        Files.writeString(dir.resolve("trainer_state.json"), STATE);
        TrlRun trl = TrlRun.read(dir);
        // an mpo4j run's rows as TrainLoop logs them (step, epoch, metrics; eval/ rows)
        List<Map<String, Double>> mpo4j = List.of(
                Map.of("step", 1.0, "loss", 0.69, "rewards/margins", 0.0),
                Map.of("step", 2.0, "loss", 0.66, "rewards/margins", 0.07),
                Map.of("step", 2.0, "eval/loss", 0.67, "eval/rewards/margins", 0.05));
        Curves both = RunComparison.curves("mpo4j", mpo4j, "trl", trl.log().rows());
        Map<String, XYSeries> margins = series(both.get("margins"));
        assertEquals(List.of("mpo4j: rewards/margins", "mpo4j: eval/rewards/margins", "trl: rewards/margins", "trl: eval/rewards/margins"),
                List.copyOf(margins.keySet()));
        assertArrayEquals(new double[] {0.0, 0.07}, margins.get("mpo4j: rewards/margins").getYData());
        assertArrayEquals(new double[] {0.02, 0.2}, margins.get("trl: rewards/margins").getYData());
        // a panel only TRL has (logps) still appears, with TRL's series only
        assertEquals(List.of("trl: logps/chosen", "trl: eval/logps/chosen", "trl: logps/rejected", "trl: eval/logps/rejected"),
                List.copyOf(series(both.get("logps")).keySet()));
    }

    /** A chart's series by name, in drawing order. */
    private static Map<String, XYSeries> series(org.knowm.xchart.XYChart chart) {
        Map<String, XYSeries> out = new java.util.LinkedHashMap<>();
        for (XYSeries s : chart.getSeriesCollection()) out.put(s.getName(), s);
        return out;
    }

    @Test
    void badInputNamesFileAndField() throws IOException {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> TrlRun.read(dir));
        assertEquals("no trainer_state.json in " + dir + " nor in a checkpoint-N folder of it", missing.getMessage());
        Files.writeString(dir.resolve("trainer_state.json"), "{\"global_step\": 3}");
        IllegalArgumentException noHistory = assertThrows(IllegalArgumentException.class, () -> TrlRun.read(dir));
        assertEquals(dir.resolve("trainer_state.json") + ": field \"log_history\": missing", noHistory.getMessage());
    }
}
