package mpo4j.bench;

import mpo4j.model.DecoderConfig;

/**
 * Analytic matrix-product FLOPs of one LoRA preference step on a text decoder, counted as
 * {@link FlopCount} counts (2 per multiply-add, real unpadded tokens, element-wise work left out), but
 * charging the backward pass only for the gradients LoRA computes: frozen base weights get no weight
 * gradient, so their backward is the input gradient alone (1× their forward, not 2×).
 *
 * <pre>
 *   base linear, per real token   layers · 2·(H·q + 2·H·kv + q·H + 3·H·I)       (q = heads·d, kv = kvHeads·d)
 *   adapters, per real token      Σ over adapted layers 2·r·(in + out)          (A then B)
 *   attention, per row            layers · heads · 4·L²·d
 *   head, per scored position     2·H·V                                         (only where a label is scored)
 *   step  = policy forward        base + adapters + attention + head
 *         + backward              base (input grad) + 2·adapters + 2·attention + head (input grad; tied, frozen)
 *         + reference forward     base + attention + head                         (adapters off)
 *         = 3·base + 3·adapters + 4·attention + 3·head
 * </pre>
 * Full fine-tuning of the same model would count {@code 4 · (base + attention + head)}.
 *
 * @param baseLinear the base model's q/k/v/o and SwiGLU products over every real token
 * @param adapters   the LoRA products ({@code x A^T}, then {@code B}) over every real token
 * @param attention  score and value products of every row
 * @param head       output-head products at the scored positions
 */
public record LoraFlopCount(double baseLinear, double adapters, double attention, double head) {

    /** How {@link #step()} is derived, as reported in the bench's {@code real_flops_method}. */
    public static final String METHOD = "matmul FLOPs only (2 per multiply-add), real unpadded tokens; forward F = base linear "
            + "2*(q,k,v,o,gate,up,down params)*tokens + adapters 2*r*(in+out)*tokens + attention 4*L^2*d per head per layer per row "
            + "+ LM head 2*H*V per scored position; step = 3*base + 3*adapters + 4*attention + 3*head (policy forward; backward "
            + "without weight gradients for frozen base weights and head; reference forward with adapters off)";

    /**
     * The forward counts of {@code config} over rows of real lengths {@code rowLengths}, LoRA of rank
     * {@code r} on every linear layer of every decoder layer (PEFT's {@code all-linear}), and the
     * output head applied at {@code scoredPositions} positions.
     */
    public static LoraFlopCount allLinear(DecoderConfig config, int[] rowLengths, int r, long scoredPositions) {
        double h = config.hiddenSize();
        double d = config.headDim();
        double q = config.numAttentionHeads() * d;
        double kv = config.numKeyValueHeads() * d;
        double i = config.intermediateSize();
        long tokens = 0;
        double squares = 0;
        for (int len : rowLengths) {
            tokens += len;
            squares += (double) len * len;
        }
        int layers = config.numHiddenLayers();
        double basePerToken = 2 * (h * q + 2 * h * kv + q * h + 3 * h * i);
        // q (h -> q), k and v (h -> kv), o (q -> h), gate and up (h -> i), down (i -> h): r·(in + out) each
        double adapterPerToken = 2.0 * r * ((h + q) + 2 * (h + kv) + (q + h) + 2 * (h + i) + (i + h));
        return new LoraFlopCount(layers * basePerToken * tokens, layers * adapterPerToken * tokens,
                layers * config.numAttentionHeads() * 4 * squares * d, 2 * h * config.vocabSize() * scoredPositions);
    }

    /** One policy forward pass with adapters on. */
    public double forward() { return baseLinear + adapters + attention + head; }

    /** One training step with the frozen reference's forward pass (see the class comment). */
    public double step() { return 3 * baseLinear + 3 * adapters + 4 * attention + 3 * head; }

    /** The same step if every weight trained (the usual {@code 4 × forward} without adapters), for comparison. */
    public double fullFineTuningStep() { return 4 * (baseLinear + attention + head); }
}
