package mpo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.interop.TrlConfigFile;
import mpo4j.model.SaveOptions;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.train.MetricsLog;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./mpo4j train run.yaml} on a tiny saved model and the Parquet sample. */
class TrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsFromATrlYamlAndWritesTheRun() throws Exception {
        Mpo4jEngine.ensureOffline();
        Path sample = Path.of("..", "datasets-sample").toAbsolutePath().normalize();
        TinyVlmConfig tiny = TinyVlmConfig.tinyVlm();
        try (TinyVlm m = TinyVlm.builder(tiny.withVision(tiny.vision().withLayers(1)).withText(tiny.text().withLayers(1))).seed(1).build()) {
            m.save(dir.resolve("model"), SaveOptions.defaults().withTokenizer(sample.resolve("tokenizer")));
        }
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(yaml, String.join("\n",
                "model_name_or_path: " + dir.resolve("model"),
                "dataset_name: " + sample.resolve("trl-parquet"),
                "dataset_test_split: test",
                "output_dir: " + dir.resolve("out"),
                "loss_type: [sigmoid, bco_pair, sft]",
                "loss_weights: [0.8, 0.2, 1.0]",
                "learning_rate: 1.0e-4",
                "per_device_train_batch_size: 2",
                "max_steps: 2",
                "eval_strategy: steps",
                "eval_steps: 2",
                "per_device_eval_batch_size: 10",
                "max_length: 1024",
                "bf16: true",
                ""));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        TrainRun run = Train.run(TrlConfigFile.read(yaml), yaml.toString(), new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertEquals(2, run.steps());
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("without effect on this engine: bf16 ("));
        MetricsLog log = MetricsLog.readJsonl(dir.resolve("out/metrics.jsonl"));
        // two train rows (steps 1, 2) and one evaluation at step 2 over the 20 test pairs
        assertEquals(2, log.rowsWith("loss").size());
        assertEquals(1, log.rowsWith("eval/loss").size());
        assertTrue(log.columns().containsAll(java.util.List.of("loss/sigmoid", "loss/bco_pair", "loss/sft")), log.columns().toString());
        assertTrue(Files.isRegularFile(dir.resolve("out/final/model/config.json")));
    }

    @Test
    void missingKeysAndWrongModelFoldersAreNamed() throws Exception {
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(yaml, "dataset_name: x\noutput_dir: y\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Train.run(TrlConfigFile.read(yaml), "run.yaml", System.out));
        assertEquals("run.yaml: model_name_or_path is required", e.getMessage());
        Files.writeString(yaml, "model_name_or_path: org/model\ndataset_name: x\noutput_dir: y\n");
        e = assertThrows(IllegalArgumentException.class, () -> Train.run(TrlConfigFile.read(yaml), "run.yaml", System.out));
        assertTrue(e.getMessage().startsWith("run.yaml: model_name_or_path: org/model is not a model folder written by mpo4j"), e.getMessage());
    }
}
