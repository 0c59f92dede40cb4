package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Picks the next token of every row from its logits: {@link LogitsProcessors#process}, one copy of the
 * processed logits to the host, then per row either the argmax (greedy; the first on ties, as
 * {@code torch.argmax}) or an inverse-CDF draw with the row's own uniform number from {@link RowRandom}.
 * Tokens the processors removed have probability exactly 0 and are never drawn.
 */
public final class TokenSampler {
    private final SamplingConfig config;

    public TokenSampler(SamplingConfig config) { this.config = config; }

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
            float[] processed = LogitsProcessors.process(raw, seenIds, config).toFloatArray();
            long[] ids = new long[rows];
            double[] logprobs = new double[rows];
            for (int r = 0; r < rows; r++) {
                int offset = r * vocab;
                if (config.isGreedy()) {
                    ids[r] = argmax(processed, offset, vocab);
                } else {
                    double u = RowRandom.uniform(config.seed(), promptKeys[r], generationIndices[r], step);
                    ids[r] = draw(processed, offset, vocab, u, logprobs, r);
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

    private static int argmax(float[] x, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[offset + i] > x[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Inverse-CDF draw from softmax(x) in double precision: the first token whose cumulative weight
     * exceeds {@code u} times the total. Writes the token's log-probability to {@code logprobs[r]}.
     */
    private static int draw(float[] x, int offset, int n, double u, double[] logprobs, int r) {
        int top = argmax(x, offset, n);
        double max = x[offset + top];
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            throw new IllegalStateException("row " + r + " has no finite logit to sample from");
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += Math.exp(x[offset + i] - max);
        }
        double target = u * total;
        double cumulative = 0;
        int chosen = top;
        for (int i = 0; i < n; i++) {
            double w = Math.exp(x[offset + i] - max);
            cumulative += w;
            if (w > 0 && cumulative > target) {
                chosen = i;
                break;
            }
        }
        // Rounding can leave target >= the final cumulative sum; the top token is a safe, allowed choice.
        logprobs[r] = x[offset + chosen] - max - Math.log(total);
        return chosen;
    }
}
