package mpo4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mpo4j.hf.SafetensorsFile;
import mpo4j.hf.SafetensorsWriter;
import mpo4j.hf.TensorInfo;
import mpo4j.model.CausalLm;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraFilesTest {
    private static final TinyVlmConfig CONFIG = TinyModels.small();

    @TempDir
    Path tmp;

    @Test
    void savedAdapterHasPeftsKeysAndConfigFields() throws IOException {
        try (TinyVlm base = TinyVlm.builder(CONFIG).build();
                LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().targetModules("q_proj", "v_proj").r(4).loraAlpha(16)
                        .baseModelNameOrPath("OpenGVLab/InternVL3-1B"))) {
            Path dir = tmp.resolve("adapter");
            lora.save(dir);
            assertEquals(Set.of("adapter_config.json", "adapter_model.safetensors"), Set.of(dir.toFile().list()));
            Map<String, long[]> shapes = new LinkedHashMap<>();
            try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
                for (TensorInfo t : file.tensors()) {
                    shapes.put(t.name(), t.shape());
                    assertEquals("F32", t.dtype().name());
                }
            }
            List<String> expected = new ArrayList<>();
            for (int layer = 0; layer < 2; layer++) {
                for (String proj : List.of("q_proj", "v_proj")) {
                    String module = "base_model.model.model.layers." + layer + ".self_attn." + proj;
                    expected.add(module + ".lora_A.weight");
                    expected.add(module + ".lora_B.weight");
                    // A [r, in] = [4, 256], B [out, r] = [256, 4]
                    assertArrayEquals(new long[] {4, 256}, shapes.get(module + ".lora_A.weight"));
                    assertArrayEquals(new long[] {256, 4}, shapes.get(module + ".lora_B.weight"));
                }
            }
            assertEquals(Set.copyOf(expected), shapes.keySet());

            String text = Files.readString(dir.resolve("adapter_config.json"));
            JsonObject json = JsonParser.parseString(text).getAsJsonObject();
            assertEquals("LORA", json.get("peft_type").getAsString());
            assertEquals("CAUSAL_LM", json.get("task_type").getAsString());
            assertEquals(4, json.get("r").getAsInt());
            assertTrue(text.contains("\"lora_alpha\": 16,"), "an integral alpha is written as PEFT's int: " + text);
            assertEquals(0.0, json.get("lora_dropout").getAsDouble());
            assertEquals(List.of("q_proj", "v_proj"), json.get("target_modules").getAsJsonArray().asList().stream().map(e -> e.getAsString()).toList());
            assertEquals("none", json.get("bias").getAsString());
            assertEquals("OpenGVLab/InternVL3-1B", json.get("base_model_name_or_path").getAsString());
            assertEquals(false, json.get("use_rslora").getAsBoolean());
            assertEquals(false, json.get("fan_in_fan_out").getAsBoolean());
            assertEquals(true, json.get("inference_mode").getAsBoolean());
            assertTrue(json.get("modules_to_save").isJsonNull());
            // json.dumps(..., indent=2, sort_keys=True), as PEFT's save_pretrained
            List<String> keys = new ArrayList<>(json.keySet());
            List<String> sorted = new ArrayList<>(keys);
            java.util.Collections.sort(sorted);
            assertEquals(sorted, keys);
            assertTrue(text.startsWith("{\n  \"base_model_name_or_path\": "), text);
            assertTrue(text.endsWith("\n}"), "no final newline, as PEFT writes it");
        }
    }

    @Test
    void saveThenLoadIsBitwiseExact() {
        LoraConfig config = LoraConfig.defaults().targetModulesRegex(".*\\.(q|k|v|o)_proj|mlp1\\.3").useRslora(true).loraAlpha(12)
                .freezeMlp(false);
        Path dir = tmp.resolve("adapter");
        Map<String, float[]> saved = new LinkedHashMap<>();
        float[] logits;
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build(); LoraModel lora = LoraModel.wrap(base, config)) {
            TinyModels.trainB(lora, 5);
            // a trained projector: its weights are saved with the adapter (unfrozen by freezeMlp(false))
            NDArray bias = base.parameters().get("mlp1.1.bias").getArray();
            float[] trained = new float[Math.toIntExact(bias.size())];
            java.util.Arrays.fill(trained, 0.25f);      // built as zeros
            bias.set(trained);
            lora.parameters().forEach((name, p) -> saved.put(name, p.getArray().toFloatArray()));
            logits = TinyModels.logits(lora, CONFIG);
            lora.save(dir);
        }
        try (TinyVlm fresh = TinyVlm.builder(CONFIG).seed(3).build(); LoraModel loaded = LoraModel.load(fresh, dir)) {
            assertEquals(config.freezeMlp(true), loaded.config(), "the file's settings, the default switches");
            // 2 layers x 4 projections + mlp1.3, each A and B; the projector's 6 tensors are in the file too
            assertEquals(2 * (2 * 4 + 1) + 6, saved.size());
            assertEquals(saved.keySet().stream().filter(k -> k.contains(".lora_")).toList(), List.copyOf(loaded.parameters().keySet()),
                    "the loaded model trains the adapters only (default switches)");
            for (Map.Entry<String, float[]> e : saved.entrySet()) {
                Parameter p = loaded.parameters().containsKey(e.getKey()) ? loaded.parameters().get(e.getKey())
                        : fresh.parameters().get(e.getKey().substring(LoraModel.KEY_PREFIX.length()));
                assertArrayEquals(e.getValue(), p.getArray().toFloatArray(), e.getKey());
            }
            assertArrayEquals(logits, TinyModels.logits(loaded, CONFIG));
        }
    }

    @Test
    void loadNamesMissingAndUnexpectedKeys() throws IOException {
        try (TinyVlm base = TinyVlm.builder(CONFIG).build(); LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults());
                NDManager scope = base.manager().newSubManager()) {
            Path dir = tmp.resolve("adapter");
            lora.save(dir);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            lora.parameters().forEach((name, p) -> tensors.put(name, p.getArray()));
            String dropped = "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight";
            tensors.remove(dropped);
            String extra = "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight";
            tensors.put(extra, scope.zeros(new ai.djl.ndarray.types.Shape(8, 256)));
            rewrite(dir, tensors);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraModel.load(base, dir));
            assertTrue(e.getMessage().endsWith("adapter_model.safetensors: keys do not match the adapters adapter_config.json implies on this model; "
                    + "missing keys: [" + dropped + "], unexpected keys: [" + extra + "]"), e.getMessage());

            Path other = tmp.resolve("r4");
            try (LoraModel r4 = LoraModel.wrap(base, LoraConfig.defaults().r(4))) {
                r4.save(other);
            }
            Files.writeString(other.resolve("adapter_config.json"), Files.readString(dir.resolve("adapter_config.json")));
            e = assertThrows(IllegalArgumentException.class, () -> LoraModel.load(base, other));
            assertTrue(e.getMessage().contains("tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape (4, 256), "
                    + "the model expects (8, 256)"), e.getMessage());

            Files.writeString(dir.resolve("adapter_config.json"), Files.readString(dir.resolve("adapter_config.json"))
                    .replace("\"LORA\"", "\"IA3\""));
            e = assertThrows(IllegalArgumentException.class, () -> LoraModel.load(base, dir));
            assertTrue(e.getMessage().endsWith("adapter_config.json: field 'peft_type' must be \"LORA\", got \"IA3\""), e.getMessage());

            Files.writeString(dir.resolve("adapter_config.json"), Files.readString(dir.resolve("adapter_config.json"))
                    .replace("\"IA3\"", "\"LORA\"").replace("\"r\": 8", "\"r\": 0"));
            e = assertThrows(IllegalArgumentException.class, () -> LoraModel.load(base, dir));
            assertTrue(e.getMessage().endsWith("adapter_config.json: r must be a positive integer, got 0"), e.getMessage());
        }
    }

    /** Replaces adapter_model.safetensors with {@code tensors}. */
    private void rewrite(Path dir, Map<String, NDArray> tensors) throws IOException {
        Path staging = Files.createDirectories(tmp.resolve("staging"));
        SafetensorsWriter.defaults().write(staging, tensors);
        Files.move(staging.resolve("model.safetensors"), dir.resolve("adapter_model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Merging adds (alpha / r) B A to each target weight; the expected weight is computed here in double
     * precision with plain loops, and the merged model computes what the adapted one did.
     */
    @Test
    void mergeAddsScaledProductAndSavesAFullCheckpoint() {
        LoraConfig config = LoraConfig.defaults().targetModules("q_proj", "down_proj", "qkv").r(4).loraAlpha(8);
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build()) {
            LoraModel lora = LoraModel.wrap(base, config);
            TinyModels.trainB(lora, 5);
            float[] adaptedLogits = TinyModels.logits(lora, CONFIG);
            Map<String, float[]> expected = new LinkedHashMap<>();
            for (Map.Entry<String, LoraLayer> e : lora.adapters().entrySet()) {
                LoraLayer layer = e.getValue();
                int out = Math.toIntExact(layer.target().outFeatures());
                int in = Math.toIntExact(layer.target().inFeatures());
                float[] w = layer.target().weight().getArray().toFloatArray();
                float[] a = layer.loraA().getArray().toFloatArray();
                float[] b = layer.loraB().getArray().toFloatArray();
                float[] merged = new float[out * in];
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double sum = 0;
                        for (int k = 0; k < 4; k++) {
                            sum += (double) b[o * 4 + k] * a[k * in + i];
                        }
                        merged[o * in + i] = (float) (w[o * in + i] + 8.0 / 4 * sum);
                    }
                }
                expected.put(e.getKey() + ".weight", merged);
            }
            assertEquals(2 + 2 + 1, expected.size());
            CausalLm merged = lora.mergeAndUnload();
            assertTrue(merged == base);
            for (Map.Entry<String, float[]> e : expected.entrySet()) {
                float[] got = base.parameters().get(e.getKey()).getArray().toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(e.getValue()[i], got[i], 2e-7, e.getKey() + "[" + i + "]");
                }
            }
            float[] mergedLogits = TinyModels.logits(base, CONFIG);
            for (int i = 0; i < mergedLogits.length; i++) {
                assertEquals(adaptedLogits[i], mergedLogits[i], 1e-4, "logit " + i);
            }
            Path dir = tmp.resolve("merged");
            base.save(dir);
            try (TinyVlm reloaded = TinyVlm.load(dir)) {
                for (String name : expected.keySet()) {
                    assertArrayEquals(base.parameters().get(name).getArray().toFloatArray(),
                            reloaded.parameters().get(name).getArray().toFloatArray(), name);
                }
                assertArrayEquals(mergedLogits, TinyModels.logits(reloaded, CONFIG));
            }
        }
    }
}
