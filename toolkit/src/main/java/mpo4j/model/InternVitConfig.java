package mpo4j.model;

import java.util.Set;
import mpo4j.hf.HfConfig;

/**
 * The vision side of an InternVL checkpoint in the original OpenGVLab layout: InternViT's
 * {@code vision_config} plus the fields of the top-level {@code config.json} that shape the image tokens
 * ({@code force_image_size}, {@code downsample_ratio}, {@code select_layer}, {@code ps_version}) and the
 * language model's width ({@code llm_config.hidden_size}), which the projector {@code mlp1} maps into.
 *
 * <p>Names and defaults are those of InternVL's {@code InternVisionConfig} and {@code InternVLChatConfig}
 * (so an absent {@code ps_version} means {@code "v1"}, an absent {@code norm_type} means
 * {@code "rms_norm"}, as in the reference code). Immutable; every setting has a copy method of the same
 * name that validates eagerly, naming the {@code config.json} field in its error.
 *
 * @param imageSize         {@code vision_config.image_size}: the tile size the stored position embeddings were
 *                          trained for (their grid is {@code image_size / patch_size} squared)
 * @param patchSize         {@code vision_config.patch_size}
 * @param hiddenSize        {@code vision_config.hidden_size}: the ViT width C
 * @param numHiddenLayers   {@code vision_config.num_hidden_layers}
 * @param numAttentionHeads {@code vision_config.num_attention_heads}
 * @param intermediateSize  {@code vision_config.intermediate_size}: the MLP width
 * @param qkvBias           {@code vision_config.qkv_bias}: whether the fused {@code attn.qkv} has a bias
 * @param qkNormalization   {@code vision_config.qk_normalization}: RMSNorm over the whole width on q and k
 *                          before the head split ({@code attn.q_norm}, {@code attn.k_norm})
 * @param normType          {@code vision_config.norm_type}: {@code "layer_norm"} or {@code "rms_norm"}
 *                          ({@code norm1}, {@code norm2})
 * @param layerNormEps      {@code vision_config.layer_norm_eps}, for {@code norm1}, {@code norm2} and the qk-norms
 * @param hiddenAct         {@code vision_config.hidden_act}: only {@code "gelu"} (exact, erf-based)
 * @param dropPathRate      {@code vision_config.drop_path_rate}: stochastic depth while InternVL trains; kept
 *                          for the record, not applied (mpo4j runs the tower deterministically)
 * @param useFlashAttn      {@code vision_config.use_flash_attn}: kept for the record; the attention is the same math
 * @param forceImageSize    {@code force_image_size}, or 0 for {@code null}: the tile size InternVL feeds the
 *                          tower when set (then {@code image_size} only sizes the stored position grid)
 * @param downsampleRatio   {@code downsample_ratio}: the pixel shuffle's scale (0.5 merges 2x2 patches)
 * @param selectLayer       {@code select_layer}: which of the {@code num_hidden_layers + 1} hidden states
 *                          (embeddings first) feeds the projector; -1 is the last layer's output
 * @param psVersion         {@code ps_version}: {@code "v2"} (InternVL 1.5 and later) or {@code "v1"}, which
 *                          leaves the shuffled grid transposed
 * @param llmHiddenSize     {@code llm_config.hidden_size}: the projector's output width
 */
public record InternVitConfig(int imageSize, int patchSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
        int intermediateSize, boolean qkvBias, boolean qkNormalization, String normType, double layerNormEps,
        String hiddenAct, double dropPathRate, boolean useFlashAttn, int forceImageSize, double downsampleRatio,
        int selectLayer, String psVersion, int llmHiddenSize) {

    /** {@code norm_type} for LayerNorm with weight and bias (InternViT-300M). */
    public static final String LAYER_NORM = "layer_norm";
    /** {@code norm_type} for RMSNorm with a weight only (InternViT-6B, the reference default). */
    public static final String RMS_NORM = "rms_norm";

    private static final Set<String> NORM_TYPES = Set.of(LAYER_NORM, RMS_NORM);
    private static final Set<String> PS_VERSIONS = Set.of("v1", "v2");

    /** Validates every setting; errors name the {@code config.json} field, the value and the fix. */
    public InternVitConfig {
        positive("vision_config.image_size", imageSize);
        positive("vision_config.patch_size", patchSize);
        positive("vision_config.hidden_size", hiddenSize);
        positive("vision_config.num_hidden_layers", numHiddenLayers);
        positive("vision_config.num_attention_heads", numAttentionHeads);
        positive("vision_config.intermediate_size", intermediateSize);
        positive("llm_config.hidden_size", llmHiddenSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("vision_config.num_attention_heads must divide vision_config.hidden_size ("
                    + hiddenSize + "), got " + numAttentionHeads);
        }
        if (imageSize < patchSize) {
            throw new IllegalArgumentException("vision_config.image_size must be at least vision_config.patch_size ("
                    + patchSize + "), got " + imageSize);
        }
        if (normType == null || !NORM_TYPES.contains(normType)) {
            throw new IllegalArgumentException("vision_config.norm_type must be \"layer_norm\" or \"rms_norm\", got " + quoted(normType));
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("vision_config.layer_norm_eps must be > 0, got " + layerNormEps);
        }
        if (!"gelu".equals(hiddenAct)) {
            throw new IllegalArgumentException("vision_config.hidden_act must be \"gelu\" (exact erf GELU, the activation of "
                    + "every InternViT checkpoint), got " + quoted(hiddenAct));
        }
        if (!(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("vision_config.drop_path_rate must be in [0, 1), got " + dropPathRate);
        }
        if (forceImageSize < 0) {
            throw new IllegalArgumentException("force_image_size must be a positive size or null (0 here), got " + forceImageSize);
        }
        if (!(downsampleRatio > 0 && downsampleRatio <= 1) || Math.abs(1 / downsampleRatio - Math.rint(1 / downsampleRatio)) > 1e-9) {
            throw new IllegalArgumentException("downsample_ratio must be 1/k for a whole k >= 1 (InternVL uses 0.5), got " + downsampleRatio);
        }
        if (selectLayer < -(numHiddenLayers + 1) || selectLayer > numHiddenLayers) {
            throw new IllegalArgumentException("select_layer must index one of the " + (numHiddenLayers + 1)
                    + " hidden states (from " + -(numHiddenLayers + 1) + " to " + numHiddenLayers + "; -1 is the last layer), got " + selectLayer);
        }
        if (psVersion == null || !PS_VERSIONS.contains(psVersion)) {
            throw new IllegalArgumentException("ps_version must be \"v1\" or \"v2\", got " + quoted(psVersion));
        }
        int tile = forceImageSize > 0 ? forceImageSize : imageSize;
        int factor = (int) Math.rint(1 / downsampleRatio);
        if (tile < patchSize || (tile / patchSize) % factor != 0) {
            throw new IllegalArgumentException("the patch grid of a " + tile + " px tile (" + tile / patchSize + " patches of "
                    + patchSize + " px a side) must be a multiple of 1 / downsample_ratio (" + factor
                    + "): change force_image_size, vision_config.image_size or downsample_ratio");
        }
    }

    /**
     * The vision side of OpenGVLab/InternVL3-1B and -2B as their {@code config.json} describes it
     * (InternViT-300M: 24 LayerNorm layers of width 1024 in 16 heads, MLP 4096, qkv bias, no qk-norm,
     * 448 px tiles of 14 px patches, ratio 0.5, {@code ps_version} v2), projecting into a language model
     * of width {@code llmHiddenSize} (896 for InternVL3-1B, 1536 for InternVL3-2B).
     */
    public static InternVitConfig internVit300m(int llmHiddenSize) {
        return new InternVitConfig(448, 14, 1024, 24, 16, 4096, true, false, LAYER_NORM, 1e-6, "gelu", 0.1, false,
                448, 0.5, -1, "v2", llmHiddenSize);
    }

    /**
     * Reads the top-level {@code config.json} of an {@code InternVLChatModel} checkpoint. Absent optional
     * fields take the reference code's defaults.
     *
     * @throws IllegalArgumentException naming the file and the field when a field is missing, of the wrong
     *     type or out of range
     */
    public static InternVitConfig fromHf(HfConfig config) {
        HfConfig vision = config.section("vision_config");
        HfConfig llm = config.section("llm_config");
        try {
            return new InternVitConfig(
                    vision.getInt("image_size", 224),
                    vision.getInt("patch_size", 14),
                    vision.getInt("hidden_size", 3200),
                    vision.getInt("num_hidden_layers", 48),
                    vision.getInt("num_attention_heads", 25),
                    vision.getInt("intermediate_size", 12800),
                    vision.getBoolean("qkv_bias", false),
                    vision.getBoolean("qk_normalization", true),
                    vision.getString("norm_type", RMS_NORM),
                    vision.getDouble("layer_norm_eps", 1e-6),
                    vision.getString("hidden_act", "gelu"),
                    vision.getDouble("drop_path_rate", 0.0),
                    vision.getBoolean("use_flash_attn", true),
                    config.getInt("force_image_size", 0),
                    config.getDouble("downsample_ratio", 0.5),
                    config.getInt("select_layer", -1),
                    config.getString("ps_version", "v1"),
                    llm.getInt("hidden_size"));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(config.source() + ":")) {
                throw e;
            }
            throw new IllegalArgumentException(config.source() + ": " + e.getMessage(), e);
        }
    }

    /** The tile edge InternVL feeds the tower: {@code force_image_size or vision_config.image_size}. */
    public int tileSize() { return forceImageSize > 0 ? forceImageSize : imageSize; }

    /** Patches along one edge of a tile. */
    public int gridSize() { return tileSize() / patchSize; }

    /** Patches along one edge of the grid the stored {@code position_embedding} covers. */
    public int storedGridSize() { return imageSize / patchSize; }

    /** Rows of {@code position_embedding}: the class token plus the stored grid. */
    public int numPositions() { return storedGridSize() * storedGridSize() + 1; }

    /** Patches merged along each edge by the pixel shuffle ({@code int(1 / downsample_ratio)}, 2 at 0.5). */
    public int shuffleFactor() { return (int) Math.rint(1 / downsampleRatio); }

    /**
     * Image tokens per tile, as InternVL computes {@code num_image_token}:
     * {@code int((tile // patch) ** 2 * downsample_ratio ** 2)} (256 for 448 px, patch 14, ratio 0.5).
     */
    public int numImageToken() {
        long grid = gridSize();
        return (int) (grid * grid * (downsampleRatio * downsampleRatio));
    }

    /** Width of a shuffled token, the input of {@code mlp1}: {@code hidden_size * int(1 / downsample_ratio) ** 2}. */
    public int projectorInputSize() { return hiddenSize * shuffleFactor() * shuffleFactor(); }

    /** Width of one attention head. */
    public int headDim() { return hiddenSize / numAttentionHeads; }

    /**
     * Encoder layers whose output is used: {@code hidden_states[select_layer]} is the output of this many
     * layers (0 is the embeddings).
     */
    public int layersUsed() { return selectLayer >= 0 ? selectLayer : numHiddenLayers + 1 + selectLayer; }

    /** What a collator needs: the tile size and its image-token count. */
    public CausalLm.VisionInput visionInput() { return new CausalLm.VisionInput(tileSize(), numImageToken()); }

    /** A copy with {@code vision_config.image_size} set. */
    public InternVitConfig imageSize(int v) { return new InternVitConfig(v, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.patch_size} set. */
    public InternVitConfig patchSize(int v) { return new InternVitConfig(imageSize, v, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.hidden_size} set. */
    public InternVitConfig hiddenSize(int v) { return new InternVitConfig(imageSize, patchSize, v, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.num_hidden_layers} set. */
    public InternVitConfig numHiddenLayers(int v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, v, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.num_attention_heads} set. */
    public InternVitConfig numAttentionHeads(int v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, v, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.intermediate_size} set. */
    public InternVitConfig intermediateSize(int v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, v, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.qkv_bias} set. */
    public InternVitConfig qkvBias(boolean v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, v, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.qk_normalization} set. */
    public InternVitConfig qkNormalization(boolean v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, v, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.norm_type} set ({@link #LAYER_NORM} or {@link #RMS_NORM}). */
    public InternVitConfig normType(String v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, v, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.layer_norm_eps} set. */
    public InternVitConfig layerNormEps(double v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, v, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.hidden_act} set (only {@code "gelu"} is valid). */
    public InternVitConfig hiddenAct(String v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, v, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.drop_path_rate} set (recorded, not applied). */
    public InternVitConfig dropPathRate(double v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, v, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code vision_config.use_flash_attn} set (recorded, not applied). */
    public InternVitConfig useFlashAttn(boolean v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, v, forceImageSize, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code force_image_size} set (0 for {@code null}). */
    public InternVitConfig forceImageSize(int v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, v, downsampleRatio, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code downsample_ratio} set. */
    public InternVitConfig downsampleRatio(double v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, v, selectLayer, psVersion, llmHiddenSize); }

    /** A copy with {@code select_layer} set. */
    public InternVitConfig selectLayer(int v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, v, psVersion, llmHiddenSize); }

    /** A copy with {@code ps_version} set. */
    public InternVitConfig psVersion(String v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, v, llmHiddenSize); }

    /** A copy with {@code llm_config.hidden_size} set. */
    public InternVitConfig llmHiddenSize(int v) { return new InternVitConfig(imageSize, patchSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, qkvBias, qkNormalization, normType, layerNormEps, hiddenAct, dropPathRate, useFlashAttn, forceImageSize, downsampleRatio, selectLayer, psVersion, v); }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    private static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
