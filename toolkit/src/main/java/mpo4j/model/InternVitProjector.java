package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import mpo4j.model.Nn.LayerNorm;
import mpo4j.model.Nn.Linear;

/**
 * From ViT features to language-model embeddings: InternVL's {@code pixel_shuffle} and the projector
 * {@code mlp1} = {@code Sequential(LayerNorm(4C), Linear(4C, H), GELU(), Linear(H, H))}, whose
 * parameters are {@code mlp1.0.*}, {@code mlp1.1.*}, {@code mlp1.3.*} (index 2 is the parameterless GELU).
 */
final class InternVitProjector {
    /** {@code nn.LayerNorm}'s default eps: {@code mlp1.0} does not take the ViT's {@code layer_norm_eps}. */
    static final double MLP1_NORM_EPS = 1e-5;

    final LayerNorm norm;
    final Linear in;
    final Linear out;
    private final double downsampleRatio;
    private final String psVersion;

    InternVitProjector(Weights mlp1, InternVitConfig c) {
        downsampleRatio = c.downsampleRatio();
        psVersion = c.psVersion();
        norm = new LayerNorm(mlp1.at("0"), c.projectorInputSize(), MLP1_NORM_EPS);
        in = new Linear(mlp1.at("1"), c.projectorInputSize(), c.llmHiddenSize(), true);
        out = new Linear(mlp1.at("3"), c.llmHiddenSize(), c.llmHiddenSize(), true);
    }

    /** {@code [T, g*g, C]} features (class token dropped) to {@code [T, (g*r)^2, llm_hidden]}. */
    NDArray apply(NDArray features) {
        NDArray shuffled = pixelShuffle(features, downsampleRatio, psVersion);
        return out.apply(Activation.gelu(in.apply(norm.apply(shuffled))));
    }

    /**
     * InternVL's {@code pixel_shuffle} on a square row-major token grid, {@code [T, g*g, C]} to
     * {@code [T, (g r)^2, C / r^2]}, by the reference's own views and permutes: view
     * {@code [T, g, g r, C/r]}, swap the two grid axes, view {@code [T, g r, g r, C/r^2]}, and for
     * {@code "v2"} swap them back ({@code "v1"} does not, leaving the grid transposed). With
     * {@code f = 1/r}, output token {@code (i, j)} of v2 holds, at channel {@code m}, input token
     * {@code (f i + m / (f C), f j + (m mod f C) / C)}, channel {@code m mod C}: at r = 0.5 the
     * concatenation of tokens (2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1).
     */
    static NDArray pixelShuffle(NDArray x, double ratio, String psVersion) {
        Shape s = x.getShape();
        long n = s.get(0);
        long g = Math.round(Math.sqrt(s.get(1)));
        long c = s.get(2);
        long f = Math.round(1 / ratio);
        if (g * g != s.get(1) || g % f != 0) {
            throw new IllegalArgumentException("pixel shuffle needs a square grid whose side is a multiple of " + f
                    + " (1 / downsample_ratio), got " + s.get(1) + " tokens");
        }
        long gs = g / f;
        // The reference's views and permutes as one permute (one copy instead of two): the grid seen as
        // [T, i, b, j, q, C] with row f i + b and column f j + q; v2 orders the tokens (i, j), v1 (j, i),
        // and the channels of a token are (b, q, C)
        NDArray grid = x.reshape(n, gs, f, gs, f, c);
        NDArray tokens = "v1".equals(psVersion) ? grid.transpose(0, 3, 1, 2, 4, 5) : grid.transpose(0, 1, 3, 2, 4, 5);
        return tokens.reshape(n, gs * gs, c * f * f);
    }
}
