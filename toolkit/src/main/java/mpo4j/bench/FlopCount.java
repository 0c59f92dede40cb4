package mpo4j.bench;

import mpo4j.model.TinyVlmConfig;

/**
 * Analytic floating-point operations of one forward pass of a {@link mpo4j.model.TinyVlm} over a batch,
 * and of one MPO training step built from it. Only matrix products are counted (one multiply-add =
 * 2 FLOPs); norms, activations, softmax, rotary, the embedding gather and the optimizer are
 * element-wise and left out, as in the usual MFU convention.
 *
 * <pre>
 *   decoder, per real token     2·(H·q + H·k + H·v + q·H) + 3·2·H·I   per layer   (q = heads·d, k = v = kvHeads·d)
 *   LM head, per real token     2·H·V                                  (tied embedding used as output matrix)
 *   decoder attention, per row  heads · 4·L²·d                         per layer   (QKᵀ and AV over the full L×L square)
 *   vision, per tile            2·P·(3p²)·W                            patch embedding (stride-p convolution)
 *                             + layers · [2·P·(W·3W + W·W + W·M + M·W) + heads · 4·P²·(W/heads)]
 *                             + 2·T·(4W·Hp + Hp·H)                     projector after pixel shuffle (T tokens)
 *   step (frozen reference)     3·F (policy forward + backward = 2× forward) + F (reference forward)
 *   step (precomputed ref.)     3·F
 * </pre>
 * with {@code L} a row's real (unpadded) length, {@code P} patches per tile and {@code F} the forward
 * count. Padding positions are not counted, so MFU is charged for the padding the engine computes.
 * Tiles are counted once per pair when vision is shared by the chosen and rejected rows (the
 * configuration); duplicating vision does more work for the same useful count.
 *
 * @param decoderLinear q/k/v/o and SwiGLU products of every real token
 * @param decoderAttention score and value products of every row
 * @param head         output-head products of every real token
 * @param vision       vision tower and projector over the tiles encoded
 */
public record FlopCount(double decoderLinear, double decoderAttention, double head, double vision) {

    /** How {@link #mpoStep} is derived, as reported in the bench's {@code flops_method}. */
    public static final String METHOD = "matmul FLOPs only (2 per multiply-add), real unpadded tokens: "
            + "decoder 2*(q,k,v,o,gate,up,down params)*tokens + LM head 2*H*V*tokens + attention 4*L^2*d per head per layer per row; "
            + "vision per tile: patch embedding 2*P*3p^2*W + per layer 2*P*(qkv,proj,fc1,fc2 params) + 4*P^2*d per head + projector 2*T*(4W*Hp+Hp*H), "
            + "tiles counted once per pair; step = 3*forward (policy forward+backward) + 1*forward (frozen reference)";

    /** A forward pass over rows of these real lengths that together use {@code tiles} encoded tiles. */
    public static FlopCount forward(TinyVlmConfig config, int[] rowLengths, int tiles) {
        TinyVlmConfig.Text t = config.text();
        double h = t.hidden();
        double d = t.headDim();
        double q = t.heads() * d;
        double kv = t.numKeyValueHeads() * d;
        double perTokenLayer = 2 * (h * q + 2 * h * kv + q * h) + 3 * 2 * h * t.intermediate();
        long tokens = 0;
        double squares = 0;
        for (int len : rowLengths) {
            tokens += len;
            squares += (double) len * len;
        }
        double linear = t.layers() * perTokenLayer * tokens;
        double attention = t.layers() * t.heads() * 4 * squares * d;
        double head = 2 * h * t.vocabSize() * tokens;
        double vision = config.hasVision() ? tiles * visionPerTile(config.vision(), t.hidden()) : 0;
        return new FlopCount(linear, attention, head, vision);
    }

    /**
     * What the engine actually multiplies in one forward pass ("hardware" FLOPs, as opposed to the model
     * FLOPs of {@link #forward}): the decoder over the rows it runs ({@code computedRowLengths}: one packed
     * row per pair when the prompt is computed once), the output head only at the {@code scoredPositions}
     * (where a label is scored), the tiles encoded. Padding is still not counted.
     */
    public static FlopCount executed(TinyVlmConfig config, int[] computedRowLengths, long scoredPositions, int tiles) {
        FlopCount rows = forward(config, computedRowLengths, tiles);
        return new FlopCount(rows.decoderLinear, rows.decoderAttention, 2.0 * config.text().hidden() * config.text().vocabSize() * scoredPositions,
                rows.vision);
    }

    /** Vision tower plus projector for one tile. */
    public static double visionPerTile(TinyVlmConfig.Vision v, int textHidden) {
        double p = v.patches();
        double w = v.width();
        double patchEmbedding = 2 * p * (3.0 * v.patchSize() * v.patchSize()) * w;
        double layerLinear = 2 * p * (w * 3 * w + w * w + w * v.mlpSize() + v.mlpSize() * w);
        double layerAttention = v.heads() * 4 * p * p * (w / v.heads());
        double projector = 2.0 * v.tokensPerTile() * ((double) v.projectorInput() * v.projectorHidden() + (double) v.projectorHidden() * textHidden);
        return patchEmbedding + v.layers() * (layerLinear + layerAttention) + projector;
    }

    /** The forward total. */
    public double total() { return decoderLinear + decoderAttention + head + vision; }

    /** One MPO training step: policy forward and backward (3×), plus the frozen reference's forward if it runs. */
    public double mpoStep(boolean referenceForward) {
        return (referenceForward ? 4 : 3) * total();
    }
}
