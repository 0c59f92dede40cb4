package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.hf.HfModelFolder;
import mpo4j.hf.TensorInfo;

/**
 * The vision side of InternVL ({@code InternVLChatModel.extract_feature}) with the exact math of
 * OpenGVLab's reference code: the InternViT tower ({@code vision_model.*}), the pixel shuffle of
 * {@code ps_version}, and the projector {@code mlp1.*}. Normalised tiles {@code [T, 3, S, S]} go in;
 * {@code [T, num_image_token, llm_hidden]} image tokens come out, ready to replace the
 * {@code <IMG_CONTEXT>} embeddings of a language model.
 *
 * <p>The tower: patch embedding (a stride-{@code patch} convolution with bias, patches row-major), the
 * class token prepended, learned position embeddings added (resized bicubically when the tile's patch
 * grid differs from the stored one), {@code num_hidden_layers} pre-norm layers with layer scale (see
 * {@code InternVitLayer}), no final norm; the hidden state chosen by {@code select_layer} loses its class
 * token and goes through {@code InternVitProjector}.
 *
 * <p>Parameters carry the checkpoint's names ({@code vision_model.embeddings.class_embedding},
 * {@code vision_model.encoder.layers.0.attn.qkv.weight}, {@code mlp1.0.weight}, ...), so a model that
 * composes this tower with a decoder builds it from the same {@code Weights} root and saves it in the
 * original layout. Memory: every array of {@link #encode} lives in the manager of its input.
 */
public final class InternVit {
    /** Prefix of the tower's parameters in an {@code InternVLChatModel} checkpoint. */
    public static final String VISION_PREFIX = "vision_model.";
    /** Prefix of the projector's parameters. */
    public static final String PROJECTOR_PREFIX = "mlp1.";

    private final InternVitConfig config;
    private final InternVitEmbeddings embeddings;
    private final List<InternVitLayer> layers = new ArrayList<>();
    private final InternVitProjector projector;
    private final Map<String, Parameter> parameters;

    /** Builds the tower's and projector's parameters under {@code root}'s {@code vision_model} and {@code mlp1}. */
    InternVit(Weights root, InternVitConfig config) {
        this.config = config;
        Weights vision = root.at("vision_model");
        embeddings = new InternVitEmbeddings(vision.at("embeddings"), config);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new InternVitLayer(vision.at("encoder.layers." + i), config));
        }
        projector = new InternVitProjector(root.at("mlp1"), config);
        Map<String, Parameter> own = new LinkedHashMap<>();
        root.all().forEach((name, p) -> {
            if (name.startsWith(VISION_PREFIX) || name.startsWith(PROJECTOR_PREFIX)) {
                own.put(name, p);
            }
        });
        parameters = Collections.unmodifiableMap(own);
    }

    /**
     * A tower with seeded random weights (normal, std 0.02; biases 0; norms and layer scales 1), its
     * parameters in {@code manager}.
     */
    public static InternVit seeded(InternVitConfig config, long seed, NDManager manager, boolean trainable) {
        return new InternVit(Weights.root(Weights.seeded(seed), manager, trainable), config);
    }

    /**
     * Reads the tower and projector of an {@code InternVLChatModel} folder (its {@code config.json} and
     * the {@code vision_model.*} and {@code mlp1.*} tensors; bf16 and f16 tensors become float32), into
     * {@code manager}. The {@code language_model.*} tensors are left alone.
     *
     * @throws IllegalArgumentException naming the folder and the field or tensor when the config is
     *     invalid, a tensor is missing or has another shape, or a {@code vision_model.*}/{@code mlp1.*}
     *     tensor is not one the config describes
     */
    public static InternVit load(HfModelFolder folder, NDManager manager, boolean trainable) {
        InternVitConfig config = InternVitConfig.fromHf(folder.config());
        Weights.Source source = (name, shape, init, m) -> {
            TensorInfo info = folder.tensor(name);
            if (!new Shape(info.shape()).equals(shape)) {
                throw new IllegalArgumentException(folder.dir() + ": tensor '" + name + "' has shape " + new Shape(info.shape())
                        + " but config.json implies " + shape);
            }
            try {
                return folder.loadFloat32(name, m);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        InternVit vit = new InternVit(Weights.root(source, manager, trainable), config);
        List<String> unknown = new ArrayList<>();
        for (TensorInfo t : folder.tensors()) {
            boolean ours = t.name().startsWith(VISION_PREFIX) || t.name().startsWith(PROJECTOR_PREFIX);
            if (ours && !vit.parameters.containsKey(t.name())) {
                unknown.add(t.name());
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(folder.dir() + ": tensors " + unknown + " are not part of the tower config.json "
                    + "describes (vision_config: num_hidden_layers=" + config.numHiddenLayers() + ", norm_type=" + config.normType()
                    + ", qkv_bias=" + config.qkvBias() + ", qk_normalization=" + config.qkNormalization() + ")");
        }
        return vit;
    }

    /** The configuration. */
    public InternVitConfig config() { return config; }

    /** Tile size and image tokens per tile, for a collator. */
    public CausalLm.VisionInput visionInput() { return config.visionInput(); }

    /** The tower's and projector's parameters under their checkpoint names, in the reference's state-dict order. */
    public Map<String, Parameter> parameters() { return parameters; }

    /**
     * Image tokens of normalised tiles: {@code [T, 3, S, S]} to {@code [T, (S/patch)^2 * r^2, llm_hidden]}
     * ({@code num_image_token} rows per tile at the configured tile size; other sizes whose patch grid is
     * a multiple of {@code 1 / downsample_ratio} work too, with interpolated position embeddings).
     */
    public NDArray encode(NDArray pixelValues) {
        return projector.apply(features(pixelValues));
    }

    /**
     * The ViT features the projector sees: hidden state {@code select_layer} without the class token,
     * {@code [T, (S/patch)^2, C]}.
     */
    public NDArray features(NDArray pixelValues) {
        Shape s = pixelValues.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) != s.get(3) || s.get(2) < config.patchSize()) {
            throw new IllegalArgumentException("pixelValues must be [tiles, 3, S, S] with S >= patch_size ("
                    + config.patchSize() + "), got " + s);
        }
        NDArray x = embeddings.apply(pixelValues);
        for (int i = 0; i < config.layersUsed(); i++) {
            x = layers.get(i).apply(x);
        }
        return x.get(":, 1:, :");
    }

    @Override
    public String toString() {
        long count = parameters.values().stream().mapToLong(p -> p.getArray().size()).sum();
        return "InternVit(" + count + " parameters, " + config.numHiddenLayers() + " layers, " + config.tileSize() + " px tiles -> "
                + config.numImageToken() + " tokens of " + config.llmHiddenSize() + ")";
    }
}
