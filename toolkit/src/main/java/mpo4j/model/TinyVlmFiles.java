package mpo4j.model;

import mpo4j.hf.HfConfig;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import mpo4j.io.AtomicFiles;

/** The Hugging Face checkpoint layout: {@code config.json}, safetensors weights, optional {@code tokenizer.json}. */
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
                Files.writeString(temp.resolve(CONFIG), new GsonBuilder().setPrettyPrinting().create().toJson(toJson(config)));
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

    static JsonObject toJson(TinyVlmConfig c) {
        JsonObject root = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add(c.hasVision() ? "InternVLChatModel" : "Qwen2ForCausalLM");
        root.add("architectures", architectures);
        root.addProperty("model_type", c.hasVision() ? "internvl_chat" : "qwen2");
        root.addProperty("torch_dtype", "float32");
        root.addProperty("template", "internvl2_5");
        if (c.hasVision()) {
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
        }
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

    /** Reads the fields {@link #toJson} writes; a missing or mistyped field is named ({@code llm_config.hidden_size}). */
    static TinyVlmConfig fromJson(HfConfig root) {
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
}
