package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import mpo4j.model.Nn.LayerNorm;
import mpo4j.model.Nn.Linear;

/**
 * InternVL's vision side: a pre-norm ViT ({@code vision_model.*}) over {@code [T, 3, S, S]} tiles, then
 * pixel shuffle and the projector {@code mlp1} (LayerNorm, Linear, GELU, Linear) into the decoder's
 * width: {@code [T, tokensPerTile, hidden]}.
 */
final class VisionEncoder {
    final TinyVlmConfig.Vision config;
    final Parameter patchWeight;
    final Parameter patchBias;
    final Parameter positions;
    final List<Layer> layers = new ArrayList<>();
    final LayerNorm postNorm;
    final LayerNorm projectorNorm;
    final Linear projectorIn;
    final Linear projectorOut;

    VisionEncoder(Weights root, TinyVlmConfig.Vision c, int textHidden) {
        this.config = c;
        Weights w = root.at("vision_model");
        Weights embeddings = w.at("embeddings");
        patchWeight = embeddings.normal("patch_embedding.weight", c.width(), 3, c.patchSize(), c.patchSize());
        patchBias = embeddings.zeros("patch_embedding.bias", c.width());
        positions = embeddings.normal("position_embedding", 1, c.patches(), c.width());
        for (int i = 0; i < c.layers(); i++) {
            layers.add(new Layer(w.at("encoder.layers." + i), c));
        }
        postNorm = new LayerNorm(w.at("post_layernorm"), c.width(), c.layerNormEps());
        Weights mlp1 = root.at("mlp1");
        projectorNorm = new LayerNorm(mlp1.at("0"), c.projectorInput(), 1e-5);
        projectorIn = new Linear(mlp1.at("1"), c.projectorInput(), c.projectorHidden(), true);
        projectorOut = new Linear(mlp1.at("3"), c.projectorHidden(), textHidden, true);
    }

    /** {@code [T, 3, S, S]} normalised pixels to {@code [T, tokensPerTile, textHidden]}. */
    NDArray encode(NDArray pixels) {
        long tiles = pixels.getShape().get(0);
        int p = config.patchSize();
        // A stride-p convolution is the linear projection of each flattened p×p×3 patch.
        NDArray x = pixels.getNDArrayInternal().convolution(pixels, patchWeight.getArray(), patchBias.getArray(),
                new Shape(p, p), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        // [T, C, P] to [T, P, C] as a contiguous copy: a transposed view would make every later residual
        // sum transposed too, and each norm and product of every layer would copy it again
        x = x.reshape(tiles, config.width(), config.patches()).transpose(0, 2, 1).reshape(tiles * config.patches(), config.width())
                .reshape(tiles, config.patches(), config.width()).add(positions.getArray());
        for (Layer layer : layers) {
            x = layer.apply(x);
        }
        x = InternVitProjector.pixelShuffle(postNorm.apply(x), config.downsampleRatio(), "v2");
        return projectorOut.apply(Activation.gelu(projectorIn.apply(projectorNorm.apply(x))));
    }

    /** One pre-norm ViT block (InternViT names: {@code norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2}). */
    static final class Layer {
        final LayerNorm norm1;
        final Linear qkv;
        final Linear proj;
        final LayerNorm norm2;
        final Linear fc1;
        final Linear fc2;
        final int heads;
        /** {@code attn.qkv} with the query rows scaled by {@code head_dim^-0.5} (folded into the weights). */
        private final Nn.FusedLinear scaledQkv;

        Layer(Weights w, TinyVlmConfig.Vision c) {
            heads = c.heads();
            norm1 = new LayerNorm(w.at("norm1"), c.width(), c.layerNormEps());
            qkv = new Linear(w.at("attn.qkv"), c.width(), 3L * c.width(), true);
            proj = new Linear(w.at("attn.proj"), c.width(), c.width(), true);
            norm2 = new LayerNorm(w.at("norm2"), c.width(), c.layerNormEps());
            fc1 = new Linear(w.at("mlp.fc1"), c.width(), c.mlpSize(), true);
            fc2 = new Linear(w.at("mlp.fc2"), c.mlpSize(), c.width(), true);
            scaledQkv = Nn.FusedLinear.queryScaled(c.width(), heads, qkv);
        }

        NDArray apply(NDArray x) {
            long tiles = x.getShape().get(0);
            // qkv: [T, P, 3C] -> head-major [3·heads·T, P, d] (one copy) -> q, k, v blocks
            NDList qkvHeads = Nn.headsFirst(scaledQkv.apply(norm1.apply(x)), 3L * heads).split(3, 0);
            NDArray attended = Nn.attention(qkvHeads.get(0), qkvHeads.get(1), qkvHeads.get(2), null);
            NDArray h = x.add(proj.apply(Nn.headsLast(attended, tiles)));
            return h.add(fc2.apply(Activation.gelu(fc1.apply(norm2.apply(h)))));
        }
    }
}
