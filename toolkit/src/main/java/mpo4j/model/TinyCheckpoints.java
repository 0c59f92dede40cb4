package mpo4j.model;

import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import mpo4j.hf.HfConfig;
import mpo4j.hf.SafetensorsDtype;
import mpo4j.hf.SafetensorsWriter;
import mpo4j.text.Tokenizer;

/**
 * Small random checkpoints in the exact layout of real Hugging Face ones, to try a pipeline end to end
 * without downloading anything: {@code TinyCheckpoints.internVl3().write(dir)} writes a folder that
 * loads like {@code OpenGVLab/InternVL3-1B} (same {@code config.json} structure, tensor names, dtype
 * handling, tokenizer files with {@code <img>}, {@code </img>}, {@code <IMG_CONTEXT>}), only tiny.
 */
public final class TinyCheckpoints {
    private TinyCheckpoints() {}

    /** A tiny InternVL3 ({@code InternVLChatModel}) at 448 px tiles, with the sample tokenizer; see {@link InternVl3}. */
    public static InternVl3 internVl3() {
        return new InternVl3(448, 14, 16, 1, 32, 2, 42, 0.1, SafetensorsDtype.F32, SafetensorsWriter.defaults().maxShardSize(), false);
    }

    /**
     * How to write a tiny {@code InternVLChatModel} checkpoint: InternVL3-1B's {@code config.json}
     * fields (InternViT-300M's tower with LayerNorm, qkv bias, no qk-norm, layer scale; pixel shuffle v2 at
     * ratio 0.5; a Qwen2 language model with GQA, q/k/v biases, dynamic-NTK {@code rope_scaling} and an
     * untied head; template {@code internvl2_5}) with small sizes, the 2048-id sample tokenizer, and
     * random weights. Immutable; each setting has a copy method of its name.
     *
     * @param tileSize      {@code force_image_size} and {@code vision_config.image_size}, in pixels
     * @param patchSize     {@code vision_config.patch_size}; {@code tileSize / patchSize} must be even
     * @param visionWidth   {@code vision_config.hidden_size} (2 heads, MLP twice as wide)
     * @param visionLayers  {@code vision_config.num_hidden_layers}
     * @param llmWidth      {@code llm_config.hidden_size} (4 query heads, 2 key/value heads, MLP twice as wide)
     * @param llmLayers     {@code llm_config.num_hidden_layers}
     * @param seed          seed of the weights
     * @param initStd       weights are N(0, initStd), biases too, norm weights and layer scales 1 + N(0, initStd)
     * @param dtype         the stored dtype ({@code torch_dtype})
     * @param maxShardSize  shard size limit in bytes (smaller than the weights: a sharded checkpoint with an index)
     * @param slowTokenizer write the slow tokenizer's files ({@code vocab.json}, {@code merges.txt},
     *     {@code added_tokens.json}, {@code tokenizer_config.json}) instead of {@code tokenizer.json}, as
     *     OpenGVLab's InternVL3 repos do; loading converts them as transformers does (Qwen2's pre-tokenizer,
     *     so the text splits differently from the sample {@code tokenizer.json}'s GPT-2 pre-tokenizer)
     */
    public record InternVl3(int tileSize, int patchSize, int visionWidth, int visionLayers, int llmWidth, int llmLayers, long seed,
            double initStd, SafetensorsDtype dtype, long maxShardSize, boolean slowTokenizer) {

        /** Validates the sizes, naming the setting. */
        public InternVl3 {
            if (patchSize <= 0 || tileSize % patchSize != 0 || (tileSize / patchSize) % 2 != 0) {
                throw new IllegalArgumentException("tile_size must be an even multiple of patch_size (" + patchSize + "), got "
                        + tileSize + " (set both with tiles(tileSize, patchSize))");
            }
            if (visionWidth <= 0 || visionWidth % 2 != 0) {
                throw new IllegalArgumentException("vision_width must be even (2 heads), got " + visionWidth);
            }
            if (llmWidth <= 0 || llmWidth % 4 != 0) {
                throw new IllegalArgumentException("llm_width must be a multiple of 4 (4 heads), got " + llmWidth);
            }
            if (visionLayers <= 0 || llmLayers <= 0) {
                throw new IllegalArgumentException("vision_layers and llm_layers must be > 0, got " + visionLayers + " and " + llmLayers);
            }
            if (!(initStd >= 0)) {
                throw new IllegalArgumentException("init_std must be >= 0, got " + initStd);
            }
            if (dtype == null) {
                throw new IllegalArgumentException("dtype must be F32, BF16 or F16, got null");
            }
        }

        /** Tile and patch size together (each constrains the other): {@code tiles(8, 2)} gives 4 image tokens per tile. */
        public InternVl3 tiles(int tileSize, int patchSize) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, llmWidth, llmLayers, seed, initStd, dtype, maxShardSize, slowTokenizer); }

        /** A copy with {@code vision_config.hidden_size} set. */
        public InternVl3 visionWidth(int v) { return new InternVl3(tileSize, patchSize, v, visionLayers, llmWidth, llmLayers, seed, initStd, dtype, maxShardSize, slowTokenizer); }

        /** A copy with {@code vision_config.num_hidden_layers} set. */
        public InternVl3 visionLayers(int v) { return new InternVl3(tileSize, patchSize, visionWidth, v, llmWidth, llmLayers, seed, initStd, dtype, maxShardSize, slowTokenizer); }

        /** A copy with {@code llm_config.hidden_size} set. */
        public InternVl3 llmWidth(int v) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, v, llmLayers, seed, initStd, dtype, maxShardSize, slowTokenizer); }

        /** A copy with {@code llm_config.num_hidden_layers} set. */
        public InternVl3 llmLayers(int v) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, llmWidth, v, seed, initStd, dtype, maxShardSize, slowTokenizer); }

        /** A copy with another weight seed. */
        public InternVl3 seed(long v) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, llmWidth, llmLayers, v, initStd, dtype, maxShardSize, slowTokenizer); }

        /** A copy with another weight spread. */
        public InternVl3 initStd(double v) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, llmWidth, llmLayers, seed, v, dtype, maxShardSize, slowTokenizer); }

        /** A copy storing the weights (and naming {@code torch_dtype}) in {@code v}. */
        public InternVl3 dtype(SafetensorsDtype v) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, llmWidth, llmLayers, seed, initStd, v, maxShardSize, slowTokenizer); }

        /** Shard size limit (validated by {@link SafetensorsWriter#maxShardSize(long)} when writing). */
        public InternVl3 maxShardSize(long v) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, llmWidth, llmLayers, seed, initStd, dtype, v, slowTokenizer); }

        /** A copy writing the slow tokenizer's files (no {@code tokenizer.json}) when {@code v}. */
        public InternVl3 slowTokenizer(boolean v) { return new InternVl3(tileSize, patchSize, visionWidth, visionLayers, llmWidth, llmLayers, seed, initStd, dtype, maxShardSize, v); }

        /** {@code <IMG_CONTEXT>} tokens per tile: {@code (tile / patch)^2 / 4}. */
        public int numImageToken() {
            int grid = tileSize / patchSize;
            return grid * grid / 4;
        }

        /**
         * The {@code config.json} text: the fields of OpenGVLab/InternVL3-1B's file, in its order, with these
         * sizes (ids are the sample tokenizer's: {@code <|endoftext|>} 2042 for bos/eos, as InternVL3's
         * {@code llm_config} names {@code <|endoftext|>} 151643).
         */
        public String configJson() {
            String torch = switch (dtype) {
                case BF16 -> "bfloat16";
                case F16 -> "float16";
                default -> "float32";
            };
            return CONFIG.formatted(tileSize, llmWidth, llmWidth, llmWidth * 2, llmLayers, torch, 2048, torch,
                    visionWidth, tileSize, visionWidth * 2, visionLayers, patchSize, torch);
        }

        /**
         * Writes {@code config.json}, the weights ({@code model.safetensors}, or shards with
         * {@code model.safetensors.index.json} when larger than {@link #maxShardSize()}) and the tokenizer
         * files into {@code dir}, atomically.
         *
         * @return {@code dir}
         */
        public Path write(Path dir) {
            SafetensorsWriter writer = SafetensorsWriter.defaults().dtype(dtype).maxShardSize(maxShardSize);
            Path slowDir = null;
            try (Tokenizer sample = Tokenizer.sample()) {
                Path tokenizerDir = sample.file().getParent();
                if (slowTokenizer) {
                    slowDir = Files.createTempDirectory("mpo4j-slow-tokenizer");
                    writeSlowTokenizer(tokenizerDir, slowDir);
                    tokenizerDir = slowDir;
                }
                try (InternVlChatModel model = InternVlChatModel.create(HfConfig.parse("config.json", configJson()), this::initial,
                        tokenizerDir)) {
                    model.save(dir, writer);
                }
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write a tiny InternVL3 checkpoint to " + dir + ": " + e.getMessage(), e);
            } finally {
                deleteFolder(slowDir);
            }
        }

        /** Deterministic values per parameter name (independent of which other parameters exist). */
        private ai.djl.ndarray.NDArray initial(String name, ai.djl.ndarray.types.Shape shape, Weights.Init init, NDManager manager) {
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
            float[] values = new float[Math.toIntExact(shape.size())];
            double mean = init == Weights.Init.ONES ? 1 : 0;
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (mean + random.nextGaussian() * initStd);
            }
            return manager.create(values, shape);
        }
    }

    /**
     * The slow tokenizer's files of the fast tokenizer in {@code fastDir}, as transformers'
     * {@code save_pretrained} of a slow {@code Qwen2Tokenizer} writes them: {@code vocab.json} (the
     * BPE vocabulary), {@code merges.txt} ({@code #version: 0.2}, then one merge a line, by rank),
     * {@code added_tokens.json} (added token to id) and {@code tokenizer_config.json} naming
     * {@code Qwen2Tokenizer}.
     */
    static void writeSlowTokenizer(Path fastDir, Path slowDir) throws IOException {
        JsonObject fast = JsonParser.parseString(Files.readString(fastDir.resolve("tokenizer.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject model = fast.getAsJsonObject("model");
        Files.writeString(slowDir.resolve("vocab.json"), model.getAsJsonObject("vocab").toString(), StandardCharsets.UTF_8);
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (JsonElement m : model.getAsJsonArray("merges")) {
            // "a b" in older tokenizer.json files, ["a", "b"] in newer ones
            merges.append(m.isJsonArray() ? m.getAsJsonArray().get(0).getAsString() + " " + m.getAsJsonArray().get(1).getAsString()
                    : m.getAsString()).append('\n');
        }
        Files.writeString(slowDir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
        JsonObject added = new JsonObject();
        for (JsonElement t : fast.getAsJsonArray("added_tokens")) {
            added.add(t.getAsJsonObject().get("content").getAsString(), t.getAsJsonObject().get("id"));
        }
        Files.writeString(slowDir.resolve("added_tokens.json"), added.toString(), StandardCharsets.UTF_8);
        // the slow class InternVL3's tokenizer_config.json names (the sample's names PreTrainedTokenizerFast)
        JsonObject config = JsonParser.parseString(Files.readString(fastDir.resolve("tokenizer_config.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        config.addProperty("tokenizer_class", "Qwen2Tokenizer");
        Files.writeString(slowDir.resolve("tokenizer_config.json"),
                new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(config), StandardCharsets.UTF_8);
    }

    private static void deleteFolder(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temporary folder is harmless; the checkpoint itself is complete
        }
    }

    /**
     * OpenGVLab/InternVL3-1B's {@code config.json} (as its {@code InternVLChatConfig.to_dict} writes it,
     * keys sorted), sizes and dtypes as format arguments.
     */
    private static final String CONFIG = """
            {
              "architectures": [
                "InternVLChatModel"
              ],
              "auto_map": {
                "AutoConfig": "configuration_internvl_chat.InternVLChatConfig",
                "AutoModel": "modeling_internvl_chat.InternVLChatModel",
                "AutoModelForCausalLM": "modeling_internvl_chat.InternVLChatModel"
              },
              "downsample_ratio": 0.5,
              "dynamic_image_size": true,
              "force_image_size": %d,
              "hidden_size": %d,
              "image_fold": null,
              "llm_config": {
                "_attn_implementation_autoset": true,
                "_name_or_path": "./pretrained/Qwen2.5-32B-Instruct",
                "architectures": [
                  "Qwen2ForCausalLM"
                ],
                "attention_dropout": 0.0,
                "bos_token_id": 2042,
                "eos_token_id": 2042,
                "hidden_act": "silu",
                "hidden_size": %d,
                "initializer_range": 0.02,
                "intermediate_size": %d,
                "max_position_embeddings": 32768,
                "max_window_layers": 70,
                "model_type": "qwen2",
                "moe_config": null,
                "num_attention_heads": 4,
                "num_hidden_layers": %d,
                "num_key_value_heads": 2,
                "rms_norm_eps": 1e-06,
                "rope_scaling": {
                  "factor": 2.0,
                  "rope_type": "dynamic",
                  "type": "dynamic"
                },
                "rope_theta": 1000000.0,
                "sliding_window": null,
                "tie_word_embeddings": false,
                "torch_dtype": "%s",
                "use_bfloat16": true,
                "use_cache": false,
                "use_sliding_window": false,
                "vocab_size": %d
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
              "torch_dtype": "%s",
              "transformers_version": null,
              "use_backbone_lora": 0,
              "use_llm_lora": 0,
              "use_thumbnail": true,
              "vision_config": {
                "_attn_implementation_autoset": true,
                "_name_or_path": "OpenGVLab/InternViT-6B-448px-V1-5",
                "architectures": [
                  "InternVisionModel"
                ],
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
                "hidden_size": %d,
                "image_size": %d,
                "initializer_factor": 0.1,
                "initializer_range": 1e-10,
                "intermediate_size": %d,
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
                "num_hidden_layers": %d,
                "num_routed_experts": 4,
                "num_shared_experts": 4,
                "patch_size": %d,
                "qk_normalization": false,
                "qkv_bias": true,
                "shared_expert_intermediate_size": 3072,
                "torch_dtype": "%s",
                "use_bfloat16": true,
                "use_flash_attn": false,
                "use_moe": false,
                "use_residual": true,
                "use_rts": false,
                "use_weighted_residual": false
              }
            }
            """;
}
