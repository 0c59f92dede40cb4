package mpo4j.model;

import java.util.List;
import java.util.Optional;
import mpo4j.hf.HfConfig;
import mpo4j.hf.HfModelFolder;
import mpo4j.hf.SafetensorsDtype;

/**
 * Reads what a Qwen2/Qwen3 {@code config.json} (or InternVL's {@code llm_config} section) and
 * {@code generation_config.json} say about the model, with transformers' defaults for absent fields and
 * errors naming the file and field for anything unsupported.
 */
final class QwenHfConfig {
    private QwenHfConfig() {}

    /**
     * The decoder a Qwen2/Qwen3 {@code config.json} (or InternVL's {@code llm_config} section) describes,
     * with transformers' defaults for absent fields.
     *
     * @throws IllegalArgumentException naming the file and field for anything unsupported or invalid
     */
    static DecoderConfig decoderConfig(HfConfig config) {
        return decoderConfig(config, "");
    }

    /**
     * {@link #decoderConfig(HfConfig)} for a section of a larger config: {@code path} (such as
     * {@code "llm_config."}) prefixes every field this method names in an error, as {@link HfConfig}'s own
     * messages for a section do.
     */
    static DecoderConfig decoderConfig(HfConfig config, String path) {
        String architecture = ModelLoader.architecture(config);
        boolean qwen3 = architecture.equals(ModelLoader.QWEN3);
        if (!qwen3 && !architecture.equals(ModelLoader.QWEN2)) {
            throw new IllegalArgumentException(config.source() + ": " + architecture + " is not a Qwen decoder");
        }
        String act = config.getString("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(config.source() + ": field '" + path + "hidden_act' is \"" + act + "\"; Qwen decoders use \"silu\"");
        }
        if (config.getBoolean("use_sliding_window", false)) {
            throw new IllegalArgumentException(config.source() + ": field '" + path + "use_sliding_window' is true; sliding-window attention"
                    + " is not supported (set it to false: within 'sliding_window' tokens the result is the same)");
        }
        if (config.has("layer_types")) {
            for (String type : config.getStringList("layer_types")) {
                if (!type.equals("full_attention")) {
                    throw new IllegalArgumentException(config.source() + ": field '" + path + "layer_types' contains \"" + type
                            + "\"; only \"full_attention\" is supported");
                }
            }
        }
        int hidden = config.getInt("hidden_size");
        int heads = config.getInt("num_attention_heads");
        boolean bias = qwen3 && config.getBoolean("attention_bias", false);
        try {
            return new DecoderConfig(config.getInt("vocab_size"), hidden, config.getInt("num_hidden_layers"), heads,
                    config.getInt("num_key_value_heads", heads),
                    // Qwen3Config defaults head_dim to 128; Qwen2 uses a head_dim attribute when present, else hidden/heads
                    config.getInt("head_dim", qwen3 ? 128 : hidden / Math.max(1, heads)),
                    config.getInt("intermediate_size"), config.getDouble("rms_norm_eps", 1e-6),
                    config.getDouble("rope_theta", 10000.0), qwen3 ? bias : true, bias, qwen3,
                    config.getBoolean("tie_word_embeddings", false), config.getInt("max_position_embeddings", 32768),
                    ropeScaling(config, path));
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith(config.source())) {
                throw e;
            }
            throw new IllegalArgumentException(config.source() + ": " + e.getMessage(), e);
        }
    }

    /** {@code rope_scaling}: null, {@code {"rope_type"|"type": "default"}} or dynamic NTK; anything else is an error. */
    private static DecoderConfig.RopeScaling ropeScaling(HfConfig config, String path) {
        if (!config.has("rope_scaling")) {
            return null;
        }
        HfConfig scaling = config.section("rope_scaling");
        // transformers copies a legacy "type" over "rope_type" when both are present
        String field = scaling.has("type") ? "type" : "rope_type";
        String type = scaling.getString(field);
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("dynamic")) {
            throw new IllegalArgumentException(config.source() + ": field '" + path + "rope_scaling." + field + "' is \"" + type
                    + "\"; supported: \"dynamic\" (dynamic NTK) or rope_scaling null");
        }
        return new DecoderConfig.RopeScaling(scaling.getDouble("factor"));
    }

    record EosPad(TokenIds tokens, List<Integer> eos) {}

    /**
     * eos and pad ids: {@code generation_config.json} first, then {@code config.json} (as transformers'
     * generate does); {@code eos_token_id} may be a list, whose first entry is the primary one and all of
     * whose entries end a generation ({@link TokenIds#eosIds()}). Without a pad id, eos pads.
     */
    static EosPad tokenIds(HfConfig config, Optional<HfConfig> generation) {
        List<Integer> eos = List.of();
        Integer pad = null;
        for (HfConfig c : generation.isPresent() ? List.of(generation.get(), config) : List.of(config)) {
            if (eos.isEmpty() && c.has("eos_token_id")) {
                eos = c.getIntList("eos_token_id");
            }
            if (pad == null && c.has("pad_token_id")) {
                pad = c.getInt("pad_token_id");
            }
        }
        if (eos.isEmpty()) {
            throw new IllegalArgumentException(config.source() + ": missing field 'eos_token_id' (also not in "
                    + HfModelFolder.GENERATION_CONFIG + "); generation needs an end token");
        }
        int padId = pad == null ? eos.get(0) : pad;
        return new EosPad(new TokenIds(-1, -1, -1, padId, eos.get(0)).eosIds(eos), eos);
    }

    /** The dtype {@code torch_dtype} (hub files) or {@code dtype} (transformers 4.57) names, if one we store. */
    static Optional<SafetensorsDtype> dtype(HfConfig config) {
        String name = config.getString("dtype", config.getString("torch_dtype", ""));
        return switch (name) {
            case "float32" -> Optional.of(SafetensorsDtype.F32);
            case "bfloat16" -> Optional.of(SafetensorsDtype.BF16);
            case "float16" -> Optional.of(SafetensorsDtype.F16);
            default -> Optional.empty();
        };
    }

    private static String torchName(SafetensorsDtype dtype) {
        return switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
    }

    /** The config with its dtype field(s) naming {@code dtype} ({@code torch_dtype} when it has neither). */
    static HfConfig withDtype(HfConfig config, SafetensorsDtype dtype) {
        HfConfig out = config;
        if (config.has("dtype")) {
            out = out.with("dtype", torchName(dtype));
        }
        if (config.has("torch_dtype") || !config.has("dtype")) {
            out = out.with("torch_dtype", torchName(dtype));
        }
        return out;
    }

}
