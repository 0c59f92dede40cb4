package mpo4j.model;

/**
 * The shape of an InternVL-style model: an optional ViT vision tower with its pixel-shuffle
 * projector, a Qwen2-style decoder, and the special token ids the model must recognise.
 *
 * <p>{@link #tinyVlm()} is exactly the benchmark configuration of {@code docs/bench.md}.
 *
 * @param vision the vision tower and projector, or {@code null} for a text-only model
 * @param text   the decoder
 * @param tokens special token ids (normally taken from the tokenizer)
 */
public record TinyVlmConfig(Vision vision, Text text, TokenIds tokens) {

    public TinyVlmConfig {
        if (text == null || tokens == null) {
            throw new IllegalArgumentException("a TinyVlmConfig needs a text config and token ids");
        }
        tokens.checkFits(text.vocabSize());
    }

    /** The benchmark model: 64 px tiles, 4-layer ViT of width 192, 4-layer decoder of width 256, vocab 2048. */
    public static TinyVlmConfig tinyVlm() {
        return new TinyVlmConfig(Vision.tiny(), Text.tiny(), TokenIds.tinyDefaults());
    }

    public boolean hasVision() { return vision != null; }

    /** {@code <IMG_CONTEXT>} tokens one tile occupies in a row (0 without a vision tower). */
    public int tokensPerTile() { return vision == null ? 0 : vision.tokensPerTile(); }

    public TinyVlmConfig withVision(Vision v) { return new TinyVlmConfig(v, text, tokens); }

    /** The same decoder without a vision tower. */
    public TinyVlmConfig textOnly() { return new TinyVlmConfig(null, text, tokens); }

    public TinyVlmConfig withText(Text t) { return new TinyVlmConfig(vision, t, tokens); }

    public TinyVlmConfig withTokenizerIds(TokenIds ids) { return new TinyVlmConfig(vision, text, ids); }

    /**
     * Special ids from a tokenizer: {@code <IMG_CONTEXT>}, {@code <img>}, {@code </img>}, its pad id and
     * {@code <|im_end|>} as the end of generation.
     */
    public TinyVlmConfig withTokenizer(mpo4j.text.Tokenizer tokenizer) {
        if (tokenizer.vocabSize() > text.vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.file() + " has " + tokenizer.vocabSize()
                    + " tokens but the model's vocabulary is " + text.vocabSize() + "; use withText(text().withVocabSize(...))");
        }
        return withTokenizerIds(Math.toIntExact(tokenizer.imageContextId()), Math.toIntExact(tokenizer.imageStartId()),
                Math.toIntExact(tokenizer.imageEndId()), Math.toIntExact(tokenizer.padId()), Math.toIntExact(tokenizer.imEndId()));
    }

    public TinyVlmConfig withTokenizerIds(int imgContext, int imgStart, int imgEnd, int pad, int eos) {
        return withTokenizerIds(new TokenIds(imgContext, imgStart, imgEnd, pad, eos));
    }

    /**
     * A pre-norm ViT over square tiles plus InternVL's projector {@code mlp1} (pixel shuffle,
     * LayerNorm, Linear, GELU, Linear).
     */
    public record Vision(int tileSize, int patchSize, int width, int layers, int heads, int mlpSize,
            double layerNormEps, double downsampleRatio, int projectorHidden) {

        public Vision {
            if (tileSize % patchSize != 0 || width % heads != 0) {
                throw new IllegalArgumentException("tile must be a multiple of patch and width of heads: " + this);
            }
            int grid = tileSize / patchSize;
            double shuffled = grid * downsampleRatio;
            if (shuffled != Math.rint(shuffled) || 1 / downsampleRatio != Math.rint(1 / downsampleRatio)) {
                throw new IllegalArgumentException("downsample ratio " + downsampleRatio + " does not divide the "
                        + grid + "x" + grid + " patch grid");
            }
        }

        public static Vision tiny() { return new Vision(64, 8, 192, 4, 3, 768, 1e-6, 0.5, 256); }

        public int gridSize() { return tileSize / patchSize; }

        public int patches() { return gridSize() * gridSize(); }

        /** Patches merged into one token by the pixel shuffle (4 at ratio 0.5). */
        public int shuffleFactor() { return (int) Math.round(1 / (downsampleRatio * downsampleRatio)); }

        public int tokensPerTile() { return patches() / shuffleFactor(); }

        public int projectorInput() { return width * shuffleFactor(); }

        public Vision withTileSize(int v) { return new Vision(v, patchSize, width, layers, heads, mlpSize, layerNormEps, downsampleRatio, projectorHidden); }

        public Vision withLayers(int v) { return new Vision(tileSize, patchSize, width, v, heads, mlpSize, layerNormEps, downsampleRatio, projectorHidden); }

        public Vision withWidth(int v, int heads, int mlp) { return new Vision(tileSize, patchSize, v, layers, heads, mlp, layerNormEps, downsampleRatio, projectorHidden); }
    }

    /** A Qwen2-style decoder: RMSNorm, rotary positions, SwiGLU, q/k/v bias, grouped-query attention, tied embeddings. */
    public record Text(int vocabSize, int hidden, int layers, int heads, int numKeyValueHeads, int intermediate,
            double rmsNormEps, double ropeTheta) {

        public Text {
            if (hidden % heads != 0 || heads % numKeyValueHeads != 0) {
                throw new IllegalArgumentException("hidden must divide into heads and heads into key/value heads: " + this);
            }
        }

        public static Text tiny() { return new Text(2048, 256, 4, 4, 4, 688, 1e-6, 10000); }

        public int headDim() { return hidden / heads; }

        /** The same decoder in the general form {@link Decoder} runs: Qwen2 math with a tied head. */
        public DecoderConfig decoderConfig() {
            return DecoderConfig.qwen2(vocabSize, hidden, layers, heads, numKeyValueHeads, intermediate, true)
                    .rmsNormEps(rmsNormEps).ropeTheta(ropeTheta);
        }

        public Text withVocabSize(int v) { return new Text(v, hidden, layers, heads, numKeyValueHeads, intermediate, rmsNormEps, ropeTheta); }

        public Text withLayers(int v) { return new Text(vocabSize, hidden, v, heads, numKeyValueHeads, intermediate, rmsNormEps, ropeTheta); }

        public Text withNumKeyValueHeads(int v) { return new Text(vocabSize, hidden, layers, heads, v, intermediate, rmsNormEps, ropeTheta); }

        public Text withSize(int hidden, int heads, int intermediate) { return new Text(vocabSize, hidden, layers, heads, Math.min(numKeyValueHeads, heads), intermediate, rmsNormEps, ropeTheta); }
    }
}
