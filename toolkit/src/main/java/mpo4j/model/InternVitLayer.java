package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import java.util.function.UnaryOperator;
import mpo4j.engine.Scalar;
import mpo4j.model.Nn.Linear;

/**
 * One InternViT encoder layer ({@code vision_model.encoder.layers.N}), as {@code InternVisionEncoderLayer}:
 * {@code x += ls1 * attn(norm1(x))}; {@code x += ls2 * mlp(norm2(x))}, with per-channel layer scales
 * {@code ls1}, {@code ls2}, a fused {@code attn.qkv}, optional RMSNorms {@code attn.q_norm}/{@code attn.k_norm}
 * over the whole width before the head split, {@code attn.proj} (always with bias), and
 * {@code mlp.fc1} -> exact GELU -> {@code mlp.fc2}. No attention mask: every token sees every token.
 */
final class InternVitLayer {
    final UnaryOperator<NDArray> norm1;
    final Linear qkv;
    final UnaryOperator<NDArray> qNorm;
    final UnaryOperator<NDArray> kNorm;
    final Linear proj;
    final Parameter ls1;
    final UnaryOperator<NDArray> norm2;
    final Linear fc1;
    final Linear fc2;
    final Parameter ls2;
    private final int heads;
    private final double scale;
    /** {@code attn.qkv} with the query rows scaled by {@code head_dim^-0.5} (used without q/k norms). */
    private final Nn.FusedLinear scaledQkv;

    InternVitLayer(Weights w, InternVitConfig c) {
        heads = c.numAttentionHeads();
        long width = c.hiddenSize();
        // Created in the reference's state-dict order (own parameters, then attn, mlp, norm1, norm2), so a
        // save lists them as transformers does. The reference initialises the layer scales to
        // initializer_factor; checkpoints overwrite them.
        ls1 = w.ones("ls1", width);
        ls2 = w.ones("ls2", width);
        Weights attn = w.at("attn");
        qkv = new Linear(attn.at("qkv"), width, 3 * width, c.qkvBias());
        // The reference builds q_norm/k_norm as InternRMSNorm whatever norm_type says.
        qNorm = c.qkNormalization() ? new Nn.RmsNorm(attn.at("q_norm"), width, c.layerNormEps())::apply : null;
        kNorm = c.qkNormalization() ? new Nn.RmsNorm(attn.at("k_norm"), width, c.layerNormEps())::apply : null;
        proj = new Linear(attn.at("proj"), width, width, true);
        Weights mlp = w.at("mlp");
        fc1 = new Linear(mlp.at("fc1"), width, c.intermediateSize(), true);
        fc2 = new Linear(mlp.at("fc2"), c.intermediateSize(), width, true);
        norm1 = norm(w.at("norm1"), c);
        norm2 = norm(w.at("norm2"), c);
        scale = 1 / Math.sqrt((double) width / heads);
        scaledQkv = Nn.FusedLinear.queryScaled(width, heads, qkv);
    }

    private static UnaryOperator<NDArray> norm(Weights w, InternVitConfig c) {
        return InternVitConfig.LAYER_NORM.equals(c.normType())
                ? new Nn.LayerNorm(w, c.hiddenSize(), c.layerNormEps())::apply
                : new Nn.RmsNorm(w, c.hiddenSize(), c.layerNormEps())::apply;
    }

    /** {@code [T, L, C]} to {@code [T, L, C]}. */
    NDArray apply(NDArray x) {
        long tiles = x.getShape().get(0);
        NDList heads;     // q (scaled by head_dim^-0.5), k, v, head-major [heads·T, L, d] each
        if (qNorm == null) {
            heads = Nn.headsFirst(scaledQkv.apply(norm1.apply(x)), 3L * this.heads).split(3, 0);
        } else {
            // the norms see the whole width before the head split, and the queries unscaled
            NDList qkvParts = qkv.apply(norm1.apply(x)).split(3, 2);     // row blocks [0,C), [C,2C), [2C,3C)
            NDArray q = Scalar.mul(qNorm.apply(qkvParts.get(0)), scale);
            heads = new NDList(Nn.headsFirst(q, this.heads), Nn.headsFirst(kNorm.apply(qkvParts.get(1)), this.heads),
                    Nn.headsFirst(qkvParts.get(2), this.heads));
        }
        NDArray attended = Nn.attention(heads.get(0), heads.get(1), heads.get(2), null);
        NDArray h = x.add(proj.apply(Nn.headsLast(attended, tiles)).mul(ls1.getArray()));
        NDArray mlpOut = fc2.apply(Activation.gelu(fc1.apply(norm2.apply(h))));
        return h.add(mlpOut.mul(ls2.getArray()));
    }
}
