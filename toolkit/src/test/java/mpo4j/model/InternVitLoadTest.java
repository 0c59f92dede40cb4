package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.hf.HfConfig;
import mpo4j.hf.HfModelFolder;
import mpo4j.hf.SafetensorsDtype;
import mpo4j.hf.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the vision side from a checkpoint in the exact layout of OpenGVLab/InternVL3-1B, at tiny size. */
class InternVitLoadTest {

    static {
        Mpo4jEngine.ensureOffline();
    }

    @TempDir
    Path dir;

    /**
     * OpenGVLab/InternVL3-1B's {@code config.json} field set (as its {@code InternVLChatConfig} prints it),
     * with tiny dimensions: ViT width 8 in 2 heads, 2 layers, MLP 16, patch 2, 8 px tiles (a 4x4 grid,
     * 4 image tokens); language model width 6.
     */
    static final String CONFIG = """
            {
              "architectures": ["InternVLChatModel"],
              "auto_map": {
                "AutoConfig": "configuration_internvl_chat.InternVLChatConfig",
                "AutoModel": "modeling_internvl_chat.InternVLChatModel",
                "AutoModelForCausalLM": "modeling_internvl_chat.InternVLChatModel"
              },
              "downsample_ratio": 0.5,
              "dynamic_image_size": true,
              "force_image_size": 8,
              "hidden_size": 6,
              "image_fold": null,
              "llm_config": {
                "_name_or_path": "./pretrained/Qwen2.5-32B-Instruct",
                "architectures": ["Qwen2ForCausalLM"],
                "attention_dropout": 0.0,
                "bos_token_id": 151643,
                "eos_token_id": 151643,
                "hidden_act": "silu",
                "hidden_size": 6,
                "initializer_range": 0.02,
                "intermediate_size": 12,
                "layer_types": ["full_attention"],
                "max_position_embeddings": 32768,
                "max_window_layers": 70,
                "model_type": "qwen2",
                "moe_config": null,
                "num_attention_heads": 2,
                "num_hidden_layers": 1,
                "num_key_value_heads": 1,
                "rms_norm_eps": 1e-06,
                "rope_scaling": {"factor": 2.0, "rope_type": "dynamic", "type": "dynamic"},
                "rope_theta": 1000000.0,
                "sliding_window": null,
                "torch_dtype": "bfloat16",
                "use_bfloat16": true,
                "use_cache": false,
                "use_sliding_window": false,
                "vocab_size": 40
              },
              "max_dynamic_patch": 12,
              "min_dynamic_patch": 1,
              "model_type": "internvl_chat",
              "output_attentions": false,
              "pad2square": false,
              "ps_version": "v2",
              "select_layer": -1,
              "system_message": null,
              "template": "internvl2_5",
              "tie_word_embeddings": false,
              "torch_dtype": "bfloat16",
              "transformers_version": null,
              "use_backbone_lora": 0,
              "use_llm_lora": 0,
              "use_thumbnail": true,
              "vision_config": {
                "_name_or_path": "OpenGVLab/InternViT-6B-448px-V1-5",
                "architectures": ["InternVisionModel"],
                "attention_dropout": 0.0,
                "auto_map": {
                  "AutoConfig": "configuration_intern_vit.InternVisionConfig",
                  "AutoModel": "modeling_intern_vit.InternVisionModel"
                },
                "capacity_factor": 1.2,
                "drop_path_rate": 0.1,
                "dropout": 0.0,
                "eval_capacity_factor": 1.4,
                "hidden_act": "gelu",
                "hidden_size": 8,
                "image_size": 8,
                "initializer_factor": 0.1,
                "initializer_range": 1e-10,
                "intermediate_size": 16,
                "laux_allreduce": "all_nodes",
                "layer_norm_eps": 1e-06,
                "model_type": "intern_vit_6b",
                "moe_coeff_ratio": 0.5,
                "moe_intermediate_size": 768,
                "moe_output_scale": 4.0,
                "noisy_gate_policy": "RSample_before",
                "norm_type": "layer_norm",
                "num_attention_heads": 2,
                "num_channels": 3,
                "num_experts": 8,
                "num_hidden_layers": 2,
                "num_routed_experts": 4,
                "num_shared_experts": 4,
                "patch_size": 2,
                "qk_normalization": false,
                "qkv_bias": true,
                "shared_expert_intermediate_size": 3072,
                "torch_dtype": "bfloat16",
                "use_bfloat16": true,
                "use_flash_attn": false,
                "use_moe": false,
                "use_residual": true,
                "use_rts": false,
                "use_weighted_residual": false
              }
            }
            """;

    /** The vision-side keys of one InternVL3-1B checkpoint, in its state-dict order, for a 1-layer tower. */
    static final List<String> KEYS_WITH_ONE_LAYER = List.of(
            "vision_model.embeddings.class_embedding",
            "vision_model.embeddings.position_embedding",
            "vision_model.embeddings.patch_embedding.weight",
            "vision_model.embeddings.patch_embedding.bias",
            "vision_model.encoder.layers.0.ls1",
            "vision_model.encoder.layers.0.ls2",
            "vision_model.encoder.layers.0.attn.qkv.weight",
            "vision_model.encoder.layers.0.attn.qkv.bias",
            "vision_model.encoder.layers.0.attn.proj.weight",
            "vision_model.encoder.layers.0.attn.proj.bias",
            "vision_model.encoder.layers.0.mlp.fc1.weight",
            "vision_model.encoder.layers.0.mlp.fc1.bias",
            "vision_model.encoder.layers.0.mlp.fc2.weight",
            "vision_model.encoder.layers.0.mlp.fc2.bias",
            "vision_model.encoder.layers.0.norm1.weight",
            "vision_model.encoder.layers.0.norm1.bias",
            "vision_model.encoder.layers.0.norm2.weight",
            "vision_model.encoder.layers.0.norm2.bias",
            "mlp1.0.weight", "mlp1.0.bias", "mlp1.1.weight", "mlp1.1.bias", "mlp1.3.weight", "mlp1.3.bias");

    private static InternVitConfig config() throws IOException {
        return InternVitConfig.fromHf(HfConfig.parse("config.json", CONFIG));
    }

    /** Writes config.json and the tower's tensors (plus a few language-model tensors) into {@link #dir}. */
    private Map<String, NDArray> writeCheckpoint(InternVit vit, NDManager m, SafetensorsWriter writer, Map<String, NDArray> changes)
            throws IOException {
        Files.writeString(dir.resolve("config.json"), CONFIG);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : vit.parameters().entrySet()) {
            tensors.put(e.getKey(), e.getValue().getArray());
        }
        tensors.put("language_model.model.embed_tokens.weight", m.randomNormal(new Shape(40, 6)));
        tensors.put("language_model.model.norm.weight", m.ones(new Shape(6)));
        tensors.put("language_model.lm_head.weight", m.randomNormal(new Shape(40, 6)));
        changes.forEach((name, value) -> {
            if (value == null) {
                tensors.remove(name);
            } else {
                tensors.put(name, value);
            }
        });
        writer.write(dir, tensors);
        return tensors;
    }

    private static NDArray tiles(NDManager m) {
        return m.randomUniform(-1, 1, new Shape(3, 3, 8, 8));
    }

    @Test
    void configReadsTheInternVl3Fields() throws IOException {
        InternVitConfig c = config();
        assertEquals(new InternVitConfig(8, 2, 8, 2, 2, 16, true, false, "layer_norm", 1e-6, "gelu", 0.1, false, 8, 0.5, -1, "v2", 6), c);
        // (8 / 2)^2 * 0.5^2 = 4 image tokens per tile; mlp1 input 8 * 4 = 32
        assertEquals(4, c.numImageToken());
        assertEquals(32, c.projectorInputSize());
    }

    @Test
    void loadsTheVisionSideAndLeavesTheLanguageModelAlone() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVit seeded = InternVit.seeded(config(), 7, m, false);
            writeCheckpoint(seeded, m, SafetensorsWriter.defaults(), Map.of());
            InternVit loaded = InternVit.load(HfModelFolder.open(dir), m, true);
            // the 1-layer key list, then layer 1's keys the same way: exactly the checkpoint's vision keys
            List<String> names = List.copyOf(loaded.parameters().keySet());
            assertEquals(KEYS_WITH_ONE_LAYER.subList(0, 18), names.subList(0, 18));
            assertEquals(KEYS_WITH_ONE_LAYER.subList(18, 24), names.subList(32, 38));
            assertEquals(38, names.size());
            assertEquals(new Shape(1, 17, 8), loaded.parameters().get("vision_model.embeddings.position_embedding").getShape());
            assertEquals(new Shape(8, 3, 2, 2), loaded.parameters().get("vision_model.embeddings.patch_embedding.weight").getShape());
            assertEquals(new Shape(24, 8), loaded.parameters().get("vision_model.encoder.layers.1.attn.qkv.weight").getShape());
            assertEquals(new Shape(6, 32), loaded.parameters().get("mlp1.1.weight").getShape());
            for (String name : names) {
                assertArrayEquals(seeded.parameters().get(name).getArray().toFloatArray(),
                        loaded.parameters().get(name).getArray().toFloatArray(), 0f, name);
                assertTrue(loaded.parameters().get(name).requiresGradient(), name);
            }
            NDArray pixels = tiles(m);
            NDArray tokens = loaded.encode(pixels);
            assertEquals(new Shape(3, 4, 6), tokens.getShape());
            assertArrayEquals(seeded.encode(pixels).toFloatArray(), tokens.toFloatArray(), 0f);
        }
    }

    @Test
    void bf16ShardedCheckpointsLoadAsFloat32() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVit seeded = InternVit.seeded(config(), 11, m, false);
            writeCheckpoint(seeded, m, SafetensorsWriter.defaults().dtype(SafetensorsDtype.BF16).maxShardSize(600), Map.of());
            HfModelFolder folder = HfModelFolder.open(dir);
            assertTrue(folder.weightFiles().size() > 1, "sharded");
            InternVit loaded = InternVit.load(folder, m, false);
            for (Map.Entry<String, Parameter> e : loaded.parameters().entrySet()) {
                NDArray array = e.getValue().getArray();
                assertEquals(DataType.FLOAT32, array.getDataType());
                float[] original = seeded.parameters().get(e.getKey()).getArray().toFloatArray();
                float[] expected = new float[original.length];
                for (int i = 0; i < original.length; i++) {
                    expected[i] = roundToBf16(original[i]);
                }
                assertArrayEquals(expected, array.toFloatArray(), 0f, e.getKey());
            }
        }
    }

    /** Round to nearest even on the top 16 bits, as PyTorch's {@code .to(torch.bfloat16)} (finite values). */
    private static float roundToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            writeCheckpoint(InternVit.seeded(config(), 1, m, false), m, SafetensorsWriter.defaults(),
                    java.util.Collections.singletonMap("vision_model.encoder.layers.1.ls2", null));
            HfModelFolder folder = HfModelFolder.open(dir);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InternVit.load(folder, m, false));
            assertTrue(e.getMessage().contains("no tensor 'vision_model.encoder.layers.1.ls2'"), e.getMessage());
        }
    }

    @Test
    void wrongShapeIsNamed() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            // position embeddings of a 4 px tower (2x2 grid + class = 5 rows) where config.json says 8 px (17 rows)
            writeCheckpoint(InternVit.seeded(config(), 1, m, false), m, SafetensorsWriter.defaults(),
                    Map.of("vision_model.embeddings.position_embedding", m.zeros(new Shape(1, 5, 8))));
            HfModelFolder folder = HfModelFolder.open(dir);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InternVit.load(folder, m, false));
            assertEquals(dir + ": tensor 'vision_model.embeddings.position_embedding' has shape (1, 5, 8) but config.json implies (1, 17, 8)",
                    e.getMessage());
        }
    }

    @Test
    void tensorsTheConfigDoesNotDescribeAreNamed() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            // a qk-norm weight in a checkpoint whose config says qk_normalization: false
            writeCheckpoint(InternVit.seeded(config(), 1, m, false), m, SafetensorsWriter.defaults(),
                    Map.of("vision_model.encoder.layers.0.attn.q_norm.weight", m.ones(new Shape(8))));
            HfModelFolder folder = HfModelFolder.open(dir);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InternVit.load(folder, m, false));
            assertEquals(dir + ": tensors [vision_model.encoder.layers.0.attn.q_norm.weight] are not part of the tower config.json "
                    + "describes (vision_config: num_hidden_layers=2, norm_type=layer_norm, qkv_bias=true, qk_normalization=false)",
                    e.getMessage());
        }
    }

    @Test
    void configErrorsNameTheFileAndField() throws IOException {
        HfConfig real = HfConfig.parse("config.json", CONFIG);
        HfConfig vision = real.section("vision_config");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InternVitConfig.fromHf(real.with("vision_config", vision.with("norm_type", "batch_norm"))));
        assertEquals("config.json: vision_config.norm_type must be \"layer_norm\" or \"rms_norm\", got \"batch_norm\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InternVitConfig.fromHf(real.with("vision_config", vision.with("hidden_size", "eight"))));
        assertEquals("config.json: field 'vision_config.hidden_size' must be an integer, got \"eight\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InternVitConfig.fromHf(real.with("llm_config", real.section("llm_config").without("hidden_size"))));
        assertEquals("config.json: missing field 'llm_config.hidden_size'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InternVitConfig.fromHf(real.with("select_layer", -4)));
        assertEquals("config.json: select_layer must index one of the 3 hidden states (from -3 to 2; -1 is the last layer), got -4",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InternVitConfig.fromHf(real.with("ps_version", "v3")));
        assertEquals("config.json: ps_version must be \"v1\" or \"v2\", got \"v3\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InternVitConfig.fromHf(real.with("vision_config", vision.with("num_attention_heads", 3))));
        assertEquals("config.json: vision_config.num_attention_heads must divide vision_config.hidden_size (8), got 3", e.getMessage());
    }

    @Test
    void absentFieldsTakeTheReferenceDefaults() throws IOException {
        // InternVisionConfig / InternVLChatConfig defaults: 224 px, patch 14, InternViT-6B's shape with
        // RMSNorm and qk-norm, no qkv bias; ps_version "v1", select_layer -1, ratio 0.5, no forced size
        InternVitConfig c = InternVitConfig.fromHf(HfConfig.parse("config.json", "{\"vision_config\": {}, \"llm_config\": {\"hidden_size\": 5}}"));
        assertEquals(new InternVitConfig(224, 14, 3200, 48, 25, 12800, false, true, "rms_norm", 1e-6, "gelu", 0.0, true, 0, 0.5, -1, "v1", 5), c);
        // (224 / 14)^2 / 4 = 64
        assertEquals(64, c.numImageToken());
    }

    @Test
    void copyMethodsValidateAndNameTheField() {
        InternVitConfig real = InternVitConfig.internVit300m(896);
        assertEquals("v1", real.psVersion("v1").psVersion());
        assertEquals(real, real.psVersion("v1").psVersion("v2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> real.downsampleRatio(0.3));
        assertEquals("downsample_ratio must be 1/k for a whole k >= 1 (InternVL uses 0.5), got 0.3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> real.hiddenAct("gelu_new"));
        assertEquals("vision_config.hidden_act must be \"gelu\" (exact erf GELU, the activation of every InternViT checkpoint), got \"gelu_new\"",
                e.getMessage());
        // 448 / 14 = 32 patches a side; a 0.2 ratio needs a multiple of 5
        e = assertThrows(IllegalArgumentException.class, () -> real.downsampleRatio(0.2));
        assertEquals("the patch grid of a 448 px tile (32 patches of 14 px a side) must be a multiple of 1 / downsample_ratio (5): "
                + "change force_image_size, vision_config.image_size or downsample_ratio", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> real.llmHiddenSize(0));
        assertEquals("llm_config.hidden_size must be > 0, got 0", e.getMessage());
    }
}
