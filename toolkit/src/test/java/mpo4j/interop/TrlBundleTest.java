package mpo4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import mpo4j.collate.InternVlCollator;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** The TRL run bundle of an MPO run on the Parquet sample, checked against TRL's own DPOConfig field list. */
class TrlBundleTest {
    private static final Path SAMPLE = Path.of("..", "datasets-sample");
    private static Tokenizer tokenizer;
    private static TinyVlm model;
    private static PreferenceTrainer mpo;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        Mpo4jEngine.ensureOffline();
        tokenizer = Tokenizer.load(SAMPLE.resolve("tokenizer"));
        TinyVlmConfig tiny = TinyVlmConfig.tinyVlm();
        model = TinyVlm.builder(tiny.withVision(tiny.vision().withLayers(1)).withText(tiny.text().withLayers(1))).seed(1).build();
        List<PreferencePair> train = Datasets.load(SAMPLE.resolve("trl-parquet")).take(12).toList();
        List<PreferencePair> test = Datasets.parquet(SAMPLE.resolve("trl-parquet"), "test").take(4).toList();
        mpo = PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).data(train, test)
                .collator(InternVlCollator.of(tokenizer).tileSize(64).tokensPerTile(16).maxTiles(6).maxSeqLength(1024))
                .batchSize(4).gradAccum(4).lr(5e-6).cosine().warmupRatio(0.1).epochs(2).seed(7).evalEvery(5).saveEvery(10);
    }

    @AfterAll
    static void tearDown() {
        model.close();
        tokenizer.close();
    }

    /** TRL's field names (test resource, with the TRL version it was read from). */
    static Set<String> trlFields() throws IOException {
        try (InputStream in = TrlBundleTest.class.getResourceAsStream("/mpo4j/interop/trl-dpo-fields.tsv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> l.split("\t")[0]).collect(Collectors.toSet());
        }
    }

    @Test
    void everyExportedKeyIsATrlFieldAndTheYamlParses() throws IOException {
        Path bundle = TrlBundle.of(mpo).modelNameOrPath("OpenGVLab/InternVL3-1B").write(dir.resolve("bundle"));
        Map<String, Object> yaml = new Yaml().load(Files.readString(bundle.resolve("dpo.yaml")));
        Set<String> fields = trlFields();
        for (String key : yaml.keySet()) assertTrue(fields.contains(key), "dpo.yaml key " + key + " is not a field of TRL's DPOConfig/ModelConfig/ScriptArguments");
        // MPO as TRL writes it: sigmoid 0.8 + bco_pair 0.2 + sft 1.0 (TRL DPOConfig docs, loss_weights example)
        assertEquals(List.of("sigmoid", "bco_pair", "sft"), yaml.get("loss_type"));
        assertEquals(List.of(0.8, 0.2, 1.0), yaml.get("loss_weights"));
        assertEquals(0.1, yaml.get("beta"));
        assertEquals(5e-6, yaml.get("learning_rate"));
        assertEquals("cosine", yaml.get("lr_scheduler_type"));
        assertEquals(0.1, yaml.get("warmup_ratio"));
        assertEquals(2, yaml.get("num_train_epochs"));
        // global batch 4 x 4 = 16 pairs per step over 8 GPUs: 16 / 8 = 2 per GPU -> per_device 2, accumulation 1 (2 x 8 x 1 = 16)
        assertEquals(2, yaml.get("per_device_train_batch_size"));
        assertEquals(1, yaml.get("gradient_accumulation_steps"));
        assertEquals(1024, yaml.get("max_length"));
        assertEquals("keep_start", yaml.get("truncation_mode"));
        assertEquals(false, yaml.get("precompute_ref_log_probs"));
        assertEquals("steps", yaml.get("eval_strategy"));
        assertEquals(5, yaml.get("eval_steps"));
        assertEquals(10, yaml.get("save_steps"));
        assertEquals(7, yaml.get("seed"));
        assertEquals("OpenGVLab/InternVL3-1B", yaml.get("model_name_or_path"));
        for (String kind : List.of("zero2", "zero3", "fsdp")) {
            Map<String, Object> acc = new Yaml().load(Files.readString(bundle.resolve("accelerate/" + kind + ".yaml")));
            assertEquals(8, acc.get("num_processes"), kind);
            assertEquals(kind.equals("fsdp") ? "FSDP" : "DEEPSPEED", acc.get("distributed_type"), kind);
        }
        Map<String, Object> zero3 = new Yaml().load(Files.readString(bundle.resolve("accelerate/zero3.yaml")));
        assertEquals(3, ((Map<?, ?>) zero3.get("deepspeed_config")).get("zero_stage"));
        assertTrue(Files.readString(bundle.resolve("launch.sh")).contains("\"$(command -v trl)\" dpo --config dpo.yaml"));
        // the data reads back as the same pairs (Parquet, images embedded)
        List<String> written = Datasets.load(bundle.resolve("dataset")).stream().map(PreferencePair::question).toList();
        assertEquals(mpo.trainPairs().stream().map(PreferencePair::question).toList(), written);
        assertEquals(4, Datasets.parquet(bundle.resolve("dataset"), "test").size());
        assertEquals(12, Files.readAllLines(bundle.resolve("swift/train.jsonl")).size());
    }

    @Test
    void referenceAndPaddingOptionsAreWrittenUnderTrlsNamesAndReadBack() {
        // defaults are TRL's DPOConfig defaults: sync_ref_model False, ref_model_mixup_alpha 0.6, ref_model_sync_steps 512,
        // precompute_ref_batch_size None, pad_token None, disable_dropout True
        Map<String, Object> defaults = new Yaml().load(TrlBundle.of(mpo).modelNameOrPath("m").dpoYaml());
        assertEquals(false, defaults.get("sync_ref_model"));
        assertEquals(0.6, defaults.get("ref_model_mixup_alpha"));
        assertEquals(512, defaults.get("ref_model_sync_steps"));
        assertTrue(defaults.containsKey("precompute_ref_batch_size") && defaults.get("precompute_ref_batch_size") == null);
        assertTrue(defaults.containsKey("pad_token") && defaults.get("pad_token") == null);
        assertEquals(true, defaults.get("disable_dropout"));

        PreferenceTrainer trDpo = mpo.syncRefModel(true).refModelMixupAlpha(0.5).refModelSyncSteps(64).padToken("<|im_end|>")
                .disableDropout(false);
        String yaml = TrlBundle.of(trDpo).modelNameOrPath("m").dpoYaml();
        Map<String, Object> synced = new Yaml().load(yaml);
        assertEquals(true, synced.get("sync_ref_model"));
        assertEquals(0.5, synced.get("ref_model_mixup_alpha"));
        assertEquals(64, synced.get("ref_model_sync_steps"));
        assertEquals("<|im_end|>", synced.get("pad_token"));
        assertEquals(false, synced.get("disable_dropout"));
        // the config-file entry point reads the bundle's yaml back into the same settings
        PreferenceTrainer back = TrlConfigFile.parse(yaml, "dpo.yaml").apply(PreferenceTrainer.of(model));
        assertEquals(List.of(true, 0.5, 64, "<|im_end|>", false),
                List.of(back.syncRefModel(), back.refModelMixupAlpha(), back.refModelSyncSteps(), back.padToken(), back.disableDropout()));

        Map<String, Object> precomputed = new Yaml().load(TrlBundle.of(mpo.precomputedReference().precomputeRefBatchSize(32))
                .modelNameOrPath("m").dpoYaml());
        assertEquals(true, precomputed.get("precompute_ref_log_probs"));
        assertEquals(32, precomputed.get("precompute_ref_batch_size"));
    }

    @Test
    void toolPairsGoToTrlJsonlWithTheirToolsAndTheReadmeSaysWhatSwiftLacks() throws IOException {
        List<PreferencePair> pairs = mpo4j.text.ToolFixtures.pairs(Files.createDirectories(dir.resolve("in")),
                mpo4j.text.ToolFixtures.line("Paris", "Sunny.", "Rome"), mpo4j.text.ToolFixtures.line("Oslo", "Cold.", "Bergen"));
        TrlBundle bundle = TrlBundle.of(PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).data(pairs)).modelNameOrPath("Qwen/Qwen3-0.6B");
        var e = assertThrows(IllegalArgumentException.class, () -> bundle.write(dir.resolve("parquet")));
        assertTrue(e.getMessage().contains("export text-only tool pairs as JSONL (TrlBundle.dataFormat(JSONL))"), e.getMessage());
        Path written = bundle.dataFormat(TrlBundle.DataFormat.JSONL).write(dir.resolve("jsonl"));
        List<PreferencePair> back = Datasets.load(written.resolve("dataset/train.jsonl")).toList();
        assertEquals(pairs.stream().map(PreferencePair::tools).toList(), back.stream().map(PreferencePair::tools).toList());
        assertEquals(pairs.stream().map(PreferencePair::rejectedToolCalls).toList(), back.stream().map(PreferencePair::rejectedToolCalls).toList());
        assertTrue(Files.readString(written.resolve("README.md")).contains("- tool calling: 2 pairs have tools, tool calls or tool turns; "
                + "dataset/ (TRL JSONL) keeps them, the swift/ data does not (it holds role and content only)"));
    }

    @Test
    void swiftAndInternVlCarryTheSameRun() {
        TrlBundle b = TrlBundle.of(mpo).modelNameOrPath("OpenGVLab/InternVL3-1B");
        String swift = b.swiftCommand();
        assertTrue(swift.contains("--rlhf_type dpo"), swift);
        assertTrue(swift.contains("--loss_type sigmoid bco_pair sft \\"), swift);
        assertTrue(swift.contains("--loss_weights 0.8 0.2 1.0 \\"), swift);
        assertTrue(swift.contains("--per_device_train_batch_size 2 \\"), swift);
        String internVl = b.internVlScript();
        // InternVL (TRL 0.10.1): the pair losses by name with their weights, the sft weight as rpo_alpha
        assertTrue(internVl.contains("--loss_type sigmoid,bco_pair \\"), internVl);
        assertTrue(internVl.contains("--sigmoid_loss_weight 0.8 \\"), internVl);
        assertTrue(internVl.contains("--bco_pair_loss_weight 0.2 \\"), internVl);
        assertTrue(internVl.contains("--rpo_alpha 1.0 \\"), internVl);
        assertTrue(internVl.contains("--max_dynamic_patch 6 \\"), internVl);
        assertTrue(internVl.contains("BATCH_SIZE=${BATCH_SIZE:-16}"), internVl);
    }

    @Test
    void settingsWithoutATrlFieldAreListedNotDropped() {
        PreferenceTrainer free = mpo.referenceFree().batchSize(3).gradAccum(1);
        TrlBundle b = TrlBundle.of(free).modelNameOrPath("m");
        String readme = b.readme();
        assertTrue(readme.contains("reference-free training: TRL 1.9.0 has no reference_free field"), readme);
        // 3 x 1 pairs cannot be split over 8 GPUs: kept per device, so a step sees 3 x 1 x 8 = 24 pairs
        assertTrue(readme.contains("so a step sees 24 pairs"), readme);
        assertEquals(3, b.dpoConfig().get("per_device_train_batch_size"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TrlBundle.of(mpo).dpoConfig());
        assertTrue(e.getMessage().startsWith("model_name_or_path is not set"), e.getMessage());
    }
}
