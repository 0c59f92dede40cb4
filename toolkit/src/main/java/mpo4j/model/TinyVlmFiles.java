package mpo4j.model;

import mpo4j.hf.HfConfig;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.io.AtomicFiles;

/**
 * The Hugging Face checkpoint layout: {@code config.json}, safetensors weights, optional {@code tokenizer.json}.
 * A text-only model is written as a plain {@code Qwen2ForCausalLM} checkpoint (config fields at the top
 * level, {@code model.*} weights, tied head).
 */
final class TinyVlmFiles {
    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    private TinyVlmFiles() {}

    /**
     * Writes into a temporary sibling directory, then swaps it into place ({@link AtomicFiles#writeDirectory}),
     * so {@code dir} is never half-written and the temporaries of a crashed save are removed by the next one.
     */
    static void write(Path dir, TinyVlmConfig config, Map<String, SafeTensors.Tensor> tensors, SaveOptions options) {
        try {
            AtomicFiles.writeDirectory(dir, temp -> {
                Files.writeString(temp.resolve(CONFIG), new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(toJson(config)));
                SafeTensors.write(temp, tensors, options.maxShardBytes());
                copyTokenizer(options.tokenizerJson(), temp);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Copies {@code tokenizer.json} (a file, or a folder's, with its {@code tokenizer_config.json} if present). */
    private static void copyTokenizer(Path tokenizer, Path into) throws IOException {
        if (tokenizer == null) {
            return;
        }
        if (Files.isDirectory(tokenizer)) {
            Files.copy(tokenizer.resolve(TOKENIZER), into.resolve(TOKENIZER));
            if (Files.exists(tokenizer.resolve(TOKENIZER_CONFIG))) {
                Files.copy(tokenizer.resolve(TOKENIZER_CONFIG), into.resolve(TOKENIZER_CONFIG));
            }
        } else {
            Files.copy(tokenizer, into.resolve(TOKENIZER));
        }
    }

    static TinyVlmConfig readConfig(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.exists(file)) {
            throw new IOException("no " + CONFIG + " in " + dir);
        }
        return fromJson(HfConfig.read(file));
    }

    /**
     * The {@code config.json} of a model: with a vision tower, mpo4j's own InternVL-style layout (decoder in
     * {@code llm_config}, ids in {@code special_token_ids}); text-only, exactly a {@code Qwen2ForCausalLM}
     * config as transformers' {@code Qwen2Config} reads it ({@link #qwen2Json}).
     */
    static JsonObject toJson(TinyVlmConfig c) {
        if (!c.hasVision()) {
            return qwen2Json(c);
        }
        JsonObject root = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("InternVLChatModel");
        root.add("architectures", architectures);
        root.addProperty("model_type", "internvl_chat");
        root.addProperty("torch_dtype", "float32");
        root.addProperty("template", "internvl2_5");
        TinyVlmConfig.Vision v = c.vision();
        root.addProperty("force_image_size", v.tileSize());
        root.addProperty("downsample_ratio", v.downsampleRatio());
        root.addProperty("ps_version", "v2");
        root.addProperty("projector_hidden_size", v.projectorHidden());
        JsonObject vision = new JsonObject();
        vision.addProperty("model_type", "intern_vit_6b");
        vision.addProperty("image_size", v.tileSize());
        vision.addProperty("patch_size", v.patchSize());
        vision.addProperty("hidden_size", v.width());
        vision.addProperty("num_hidden_layers", v.layers());
        vision.addProperty("num_attention_heads", v.heads());
        vision.addProperty("intermediate_size", v.mlpSize());
        vision.addProperty("layer_norm_eps", v.layerNormEps());
        vision.addProperty("hidden_act", "gelu");
        vision.addProperty("use_cls_token", false);
        root.add("vision_config", vision);
        TinyVlmConfig.Text t = c.text();
        JsonObject llm = new JsonObject();
        llm.addProperty("model_type", "qwen2");
        llm.addProperty("vocab_size", t.vocabSize());
        llm.addProperty("hidden_size", t.hidden());
        llm.addProperty("num_hidden_layers", t.layers());
        llm.addProperty("num_attention_heads", t.heads());
        llm.addProperty("num_key_value_heads", t.numKeyValueHeads());
        llm.addProperty("intermediate_size", t.intermediate());
        llm.addProperty("rms_norm_eps", t.rmsNormEps());
        llm.addProperty("rope_theta", t.ropeTheta());
        llm.addProperty("hidden_act", "silu");
        llm.addProperty("tie_word_embeddings", true);
        root.add("llm_config", llm);
        TokenIds ids = c.tokens();
        root.addProperty("img_context_token_id", ids.imgContext());
        JsonObject special = new JsonObject();
        special.addProperty("img_context", ids.imgContext());
        special.addProperty("img_start", ids.imgStart());
        special.addProperty("img_end", ids.imgEnd());
        special.addProperty("pad", ids.pad());
        special.addProperty("eos", ids.eos());
        root.add("special_token_ids", special);
        return root;
    }

    /** Where a text-only model keeps its image placeholder ids, which a Qwen2 config has no field for. */
    static final String IMAGE_TOKEN_IDS = "mpo4j_image_token_ids";

    /**
     * A text-only model's {@code config.json}: the fields of Qwen2.5's, at the top level, with the values
     * {@link TinyVlmConfig.Text#decoderConfig()} runs (q/k/v biases, tied head, {@code head_dim} =
     * hidden/heads, {@code max_position_embeddings}, no rope scaling or sliding window), eos and pad ids,
     * and the image placeholder ids under {@value #IMAGE_TOKEN_IDS} (transformers keeps an unknown field as
     * an attribute and ignores it). {@code ModelLoader} therefore reads such a folder as a
     * {@link QwenCausalLm}, and transformers as a {@code Qwen2ForCausalLM}.
     */
    static JsonObject qwen2Json(TinyVlmConfig c) {
        DecoderConfig d = c.text().decoderConfig();
        TokenIds ids = c.tokens();
        JsonObject root = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add(ModelLoader.QWEN2);
        root.add("architectures", architectures);
        root.addProperty("attention_dropout", 0.0);
        if (ids.eosIds().size() == 1) {
            root.addProperty("eos_token_id", ids.eos());
        } else {
            JsonArray eos = new JsonArray();
            ids.eosIds().forEach(eos::add);
            root.add("eos_token_id", eos);
        }
        root.addProperty("hidden_act", "silu");
        root.addProperty("hidden_size", d.hiddenSize());
        root.addProperty("initializer_range", 0.02);
        root.addProperty("intermediate_size", d.intermediateSize());
        root.addProperty("max_position_embeddings", d.maxPositionEmbeddings());
        root.addProperty("max_window_layers", d.numHiddenLayers());
        root.addProperty("model_type", "qwen2");
        root.addProperty("num_attention_heads", d.numAttentionHeads());
        root.addProperty("num_hidden_layers", d.numHiddenLayers());
        root.addProperty("num_key_value_heads", d.numKeyValueHeads());
        root.addProperty("pad_token_id", ids.pad());
        root.addProperty("rms_norm_eps", d.rmsNormEps());
        root.add("rope_scaling", JsonNull.INSTANCE);
        root.addProperty("rope_theta", d.ropeTheta());
        root.add("sliding_window", JsonNull.INSTANCE);
        root.addProperty("tie_word_embeddings", d.tieWordEmbeddings());
        root.addProperty("torch_dtype", "float32");
        root.addProperty("use_cache", true);
        root.addProperty("use_sliding_window", false);
        root.addProperty("vocab_size", d.vocabSize());
        JsonObject image = new JsonObject();
        image.addProperty("img_context", ids.imgContext());
        image.addProperty("img_start", ids.imgStart());
        image.addProperty("img_end", ids.imgEnd());
        root.add(IMAGE_TOKEN_IDS, image);
        return root;
    }

    /** Reads the fields {@link #toJson} writes; a missing or mistyped field is named ({@code llm_config.hidden_size}). */
    static TinyVlmConfig fromJson(HfConfig root) {
        if (!root.has("llm_config")) {
            return fromQwen2Json(root);
        }
        TinyVlmConfig.Vision vision = null;
        if (root.has("vision_config")) {
            HfConfig v = root.section("vision_config");
            vision = new TinyVlmConfig.Vision(v.getInt("image_size"), v.getInt("patch_size"), v.getInt("hidden_size"),
                    v.getInt("num_hidden_layers"), v.getInt("num_attention_heads"), v.getInt("intermediate_size"),
                    v.getDouble("layer_norm_eps"), root.getDouble("downsample_ratio"), root.getInt("projector_hidden_size"));
        }
        HfConfig t = root.section("llm_config");
        TinyVlmConfig.Text text = new TinyVlmConfig.Text(t.getInt("vocab_size"), t.getInt("hidden_size"),
                t.getInt("num_hidden_layers"), t.getInt("num_attention_heads"), t.getInt("num_key_value_heads"),
                t.getInt("intermediate_size"), t.getDouble("rms_norm_eps"), t.getDouble("rope_theta"));
        HfConfig s = root.section("special_token_ids");
        TokenIds ids = new TokenIds(s.getInt("img_context"), s.getInt("img_start"), s.getInt("img_end"), s.getInt("pad"), s.getInt("eos"));
        return new TinyVlmConfig(vision, text, ids);
    }

    /** Reads a text-only model's {@link #qwen2Json} config; a missing or mistyped field is named. */
    private static TinyVlmConfig fromQwen2Json(HfConfig root) {
        TinyVlmConfig.Text text = new TinyVlmConfig.Text(root.getInt("vocab_size"), root.getInt("hidden_size"),
                root.getInt("num_hidden_layers"), root.getInt("num_attention_heads"), root.getInt("num_key_value_heads"),
                root.getInt("intermediate_size"), root.getDouble("rms_norm_eps"), root.getDouble("rope_theta"));
        List<Integer> eos = root.getIntList("eos_token_id");
        if (eos.isEmpty()) {
            throw new IllegalArgumentException(root.source() + ": field 'eos_token_id' is an empty list; give at least one end id");
        }
        TokenIds ids = new TokenIds(-1, -1, -1, root.getInt("pad_token_id"), eos.get(0));
        if (root.has(IMAGE_TOKEN_IDS)) {
            HfConfig image = root.section(IMAGE_TOKEN_IDS);
            ids = new TokenIds(image.getInt("img_context"), image.getInt("img_start"), image.getInt("img_end"), ids.pad(), ids.eos());
        }
        return new TinyVlmConfig(null, text, ids.eosIds(eos));
    }
}
