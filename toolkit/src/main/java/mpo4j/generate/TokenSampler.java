package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Picks the next token of every row from its logits after {@link LogitsProcessors#process}: greedy
 * takes the argmax on the device (the first on ties, as {@code torch.argmax}) and copies only the ids;
 * sampling copies the processed probabilities to the host once per step and draws each row by inverse
 * CDF with the row's own uniform number from {@link RowRandom}. Tokens the processors removed have
 * probability exactly 0 and are never drawn.
 */
public final class TokenSampler {
    private final SamplingConfig config;

    /** A sampler that chooses tokens as {@code config} says. */
    public TokenSampler(SamplingConfig config) { this.config = config; }

    /** The configuration it was built with. */
    public SamplingConfig config() { return config; }

    /**
     * Chooses one token per row.
     *
     * @param logits the model's next-token logits {@code [rows, vocab]}, unprocessed
     * @param seenIds per row, prompt and generated ids so far (for the repetition penalty)
     * @param promptKeys per row, the key of its prompt
     * @param generationIndices per row, which completion of its prompt it is
     * @param step the index of the token being chosen within the completion, from 0
     */
    public SampledTokens sample(NDArray logits, long[][] seenIds, long[] promptKeys, int[] generationIndices, int step) {
        int rows = Math.toIntExact(logits.getShape().get(0));
        int vocab = Math.toIntExact(logits.getShape().get(1));
        if (promptKeys.length != rows || generationIndices.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " prompt keys and generation indices, got "
                    + promptKeys.length + " and " + generationIndices.length);
        }
        try (NDManager scope = logits.getManager().newSubManager()) {
            NDArray raw = logits.toType(DataType.FLOAT32, true);
            raw.attach(scope);
            NDArray processed = LogitsProcessors.process(raw, seenIds, config);
            long[] ids;
            double[] logprobs = new double[rows];
            if (config.isGreedy()) {
                // torch.argmax: the first maximum on ties. Only the ids leave the device.
                ids = processed.argMax(1).toLongArray();
            } else {
                // One host copy per step: the probabilities; removed tokens are exactly 0.
                float[] probs = processed.softmax(1).toFloatArray();
                ids = new long[rows];
                for (int r = 0; r < rows; r++) {
                    double u = RowRandom.uniform(config.seed(), promptKeys[r], generationIndices[r], step);
                    ids[r] = draw(probs, r * vocab, vocab, u, logprobs, r);
                }
            }
            double temperature = config.isGreedy() ? 1.0 : config.temperature();
            NDArray scaled = temperature == 1.0 ? raw : raw.div((float) temperature);
            NDArray chosen = scope.create(ids, new Shape(rows, 1));
            float[] model = scaled.logSoftmax(1).gather(chosen, 1).toFloatArray();
            double[] modelLogprobs = new double[rows];
            for (int r = 0; r < rows; r++) {
                modelLogprobs[r] = model[r];
            }
            return new SampledTokens(ids, logprobs, modelLogprobs);
        }
    }

    /**
     * Inverse-CDF draw from one row of probabilities, accumulated in double: the first token whose
     * cumulative probability exceeds {@code u} times the row's total. A token of probability 0 is never
     * chosen. Writes the token's log-probability (renormalised by the total) to {@code logprobs[r]}.
     */
    private static int draw(float[] p, int offset, int n, double u, double[] logprobs, int r) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += p[offset + i];
        }
        if (!(total > 0)) {
            throw new IllegalStateException("row " + r + " has no token with a positive probability to sample");
        }
        double target = u * total;
        double cumulative = 0;
        int chosen = -1;
        int lastPositive = -1;
        for (int i = 0; i < n; i++) {
            float w = p[offset + i];
            if (w > 0) {
                cumulative += w;
                lastPositive = i;
                if (cumulative > target) {
                    chosen = i;
                    break;
                }
            }
        }
        // Rounding can leave target >= the final sum: the last token with probability > 0 is then drawn.
        if (chosen < 0) {
            chosen = lastPositive;
        }
        logprobs[r] = Math.log(p[offset + chosen] / total);
        return chosen;
    }
}
