package mpo4j.model;

/**
 * The shape of a Qwen-family decoder ({@code Qwen2ForCausalLM}, {@code Qwen3ForCausalLM}, TinyVlm's
 * language model): the fields of transformers' {@code Qwen2Config}/{@code Qwen3Config} that change the
 * math, camelCased. Immutable; each setting has a copy method of its name, validated eagerly.
 *
 * @param vocabSize             rows of {@code embed_tokens} (and of {@code lm_head})
 * @param hiddenSize            the residual width
 * @param numHiddenLayers       decoder layers
 * @param numAttentionHeads     query heads
 * @param numKeyValueHeads      key/value heads (grouped-query attention); divides {@code numAttentionHeads}
 * @param headDim               width of one head; Qwen3 sets it in the config, Qwen2 uses hidden/heads
 * @param intermediateSize      width of the SwiGLU MLP
 * @param rmsNormEps            epsilon of every RMSNorm
 * @param ropeTheta             RoPE base
 * @param attentionBias         bias on {@code q_proj}, {@code k_proj}, {@code v_proj} (Qwen2: always; Qwen3: {@code attention_bias})
 * @param outputBias            bias on {@code o_proj} (Qwen3 with {@code attention_bias: true}; never in Qwen2)
 * @param qkNorm                per-head RMSNorm of queries and keys before RoPE ({@code q_norm}, {@code k_norm}; Qwen3)
 * @param tieWordEmbeddings     whether the output head is {@code embed_tokens} (no {@code lm_head.weight})
 * @param maxPositionEmbeddings the trained context length (dynamic RoPE scaling starts beyond it)
 * @param ropeScaling           {@code null}, or dynamic NTK scaling
 */
public record DecoderConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
        int numKeyValueHeads, int headDim, int intermediateSize, double rmsNormEps, double ropeTheta,
        boolean attentionBias, boolean outputBias, boolean qkNorm, boolean tieWordEmbeddings,
        int maxPositionEmbeddings, RopeScaling ropeScaling) {

    /** Validates every field; messages name the transformers field. */
    public DecoderConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("intermediate_size", intermediateSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads, got " + numKeyValueHeads);
        }
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be a positive even number (RoPE rotates pairs), got " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
        }
    }

    /**
     * A Qwen2-style decoder (q/k/v bias, no qk-norm) with {@code headDim = hiddenSize / numAttentionHeads},
     * RoPE base 10000, eps 1e-6, 32768 positions, no scaling.
     */
    public static DecoderConfig qwen2(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
            int numKeyValueHeads, int intermediateSize, boolean tieWordEmbeddings) {
        if (numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hiddenSize + ") must be a multiple of num_attention_heads, got "
                    + numAttentionHeads + " (or set head_dim explicitly)");
        }
        return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                hiddenSize / numAttentionHeads, intermediateSize, 1e-6, 10000, true, false, false, tieWordEmbeddings, 32768, null);
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, got " + value);
        }
    }

    /** Query heads sharing one key/value head. */
    public int groups() { return numAttentionHeads / numKeyValueHeads; }

    /**
     * RoPE inverse frequencies {@code 1 / base^(2i/d)} for a pass whose largest position is
     * {@code seqLen - 1}. With dynamic NTK scaling and {@code seqLen > maxPositionEmbeddings} the base grows
     * to {@code theta * (factor * seqLen / max - (factor - 1))^(d / (d - 2))}, as transformers'
     * {@code _compute_dynamic_ntk_parameters}; otherwise the plain frequencies apply.
     */
    public double[] inverseFrequencies(int seqLen) {
        double base = ropeTheta;
        if (ropeScaling != null && seqLen > maxPositionEmbeddings) {
            double f = ropeScaling.factor();
            base = ropeTheta * Math.pow(f * seqLen / maxPositionEmbeddings - (f - 1), headDim / (headDim - 2.0));
        }
        double[] inverse = new double[headDim / 2];
        for (int i = 0; i < inverse.length; i++) {
            inverse[i] = 1.0 / Math.pow(base, (2.0 * i) / headDim);
        }
        return inverse;
    }

    /** A copy with vocab_size set to {@code v}. */
    public DecoderConfig vocabSize(int v) { return new DecoderConfig(v, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with hidden_size set to {@code v}. */
    public DecoderConfig hiddenSize(int v) { return new DecoderConfig(vocabSize, v, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with num_hidden_layers set to {@code v}. */
    public DecoderConfig numHiddenLayers(int v) { return new DecoderConfig(vocabSize, hiddenSize, v, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with num_attention_heads set to {@code v}. */
    public DecoderConfig numAttentionHeads(int v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, v, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with num_key_value_heads set to {@code v}. */
    public DecoderConfig numKeyValueHeads(int v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, v, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with head_dim set to {@code v}. */
    public DecoderConfig headDim(int v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, v, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with intermediate_size set to {@code v}. */
    public DecoderConfig intermediateSize(int v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, v, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with rms_norm_eps set to {@code v}. */
    public DecoderConfig rmsNormEps(double v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, v, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with rope_theta set to {@code v}. */
    public DecoderConfig ropeTheta(double v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, v, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with q/k/v bias set to {@code v}. */
    public DecoderConfig attentionBias(boolean v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, v, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with o_proj bias set to {@code v}. */
    public DecoderConfig outputBias(boolean v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, v, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with q_norm/k_norm set to {@code v}. */
    public DecoderConfig qkNorm(boolean v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, v, tieWordEmbeddings, maxPositionEmbeddings, ropeScaling); }

    /** A copy with tie_word_embeddings set to {@code v}. */
    public DecoderConfig tieWordEmbeddings(boolean v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, v, maxPositionEmbeddings, ropeScaling); }

    /** A copy with max_position_embeddings set to {@code v}. */
    public DecoderConfig maxPositionEmbeddings(int v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, v, ropeScaling); }

    /** A copy with rope_scaling set to {@code v} ({@code null}: plain RoPE). */
    public DecoderConfig ropeScaling(RopeScaling v) { return new DecoderConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim, intermediateSize, rmsNormEps, ropeTheta, attentionBias, outputBias, qkNorm, tieWordEmbeddings, maxPositionEmbeddings, v); }

    /**
     * {@code rope_scaling: {"type" or "rope_type": "dynamic", "factor": f}}: transformers' dynamic NTK
     * scaling, the only kind supported (InternVL3's language model uses it).
     *
     * @param factor the scaling factor, at least 1
     */
    public record RopeScaling(double factor) {
        /** Validates the factor. */
        public RopeScaling {
            if (!(factor >= 1)) {
                throw new IllegalArgumentException("rope_scaling.factor must be >= 1, got " + factor);
            }
        }

        /** transformers' name of this scaling. */
        public String ropeType() { return "dynamic"; }
    }
}
