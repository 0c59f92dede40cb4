package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * transformers' logits processors on next-token logits {@code [batch, vocab]}, with their exact
 * semantics. Removed tokens get {@code -inf} (transformers' {@code filter_value}), so their probability
 * after softmax is exactly 0. None of these is differentiable; they shape sampling only. Every method
 * returns a new array in the input's manager.
 *
 * <p>{@link #process} applies them in transformers' order ({@code GenerationMixin._get_logits_processor}):
 * repetition penalty first (for greedy and sampling), then, only when sampling, temperature, top-k,
 * top-p, min-p. {@code min_tokens_to_keep} is 1, as transformers uses without beam search.
 */
public final class LogitsProcessors {
    private LogitsProcessors() {}

    /**
     * The processed logits a token is drawn from under {@code config}.
     *
     * @param logits float32 {@code [batch, vocab]}
     * @param seenIds per row, the prompt and the tokens generated so far (only read when the repetition
     *     penalty is not 1)
     */
    public static NDArray process(NDArray logits, long[][] seenIds, SamplingConfig config) {
        NDArray x = logits.toType(DataType.FLOAT32, true);
        if (config.repetitionPenalty() != 1.0) {
            x = repetitionPenalty(x, seenIds, config.repetitionPenalty());
        }
        if (config.isGreedy()) {
            return x;
        }
        if (config.temperature() != 1.0) {
            x = temperature(x, config.temperature());
        }
        if (config.topK() != 0) {
            x = topK(x, config.topK());
        }
        if (config.topP() < 1.0) {
            x = topP(x, config.topP());
        }
        if (config.minP() > 0) {
            x = minP(x, config.minP());
        }
        return x;
    }

    /**
     * CTRL's repetition penalty ({@code RepetitionPenaltyLogitsProcessor}): for every token id in the row's
     * {@code seenIds}, a logit below 0 is multiplied by {@code penalty}, any other divided by it; a token
     * seen several times is penalised once.
     */
    public static NDArray repetitionPenalty(NDArray logits, long[][] seenIds, double penalty) {
        int rows = Math.toIntExact(logits.getShape().get(0));
        int vocab = Math.toIntExact(logits.getShape().get(1));
        if (seenIds.length != rows) {
            throw new IllegalArgumentException("seenIds has " + seenIds.length + " rows, logits have " + rows);
        }
        boolean[] seen = new boolean[rows * vocab];
        for (int r = 0; r < rows; r++) {
            for (long id : seenIds[r]) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " in row " + r + " is outside the vocabulary [0, " + vocab + ")");
                }
                seen[r * vocab + (int) id] = true;
            }
        }
        NDManager manager = logits.getManager();
        NDArray mask = manager.create(seen, new Shape(rows, vocab));
        NDArray penalised = NDArrays.where(logits.lt(0), logits.mul((float) penalty), logits.div((float) penalty));
        return NDArrays.where(mask, penalised, logits);
    }

    /** {@code TemperatureLogitsWarper}: logits divided by {@code temperature} (> 0). */
    public static NDArray temperature(NDArray logits, double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0 to scale logits, got " + temperature);
        }
        return logits.div((float) temperature);
    }

    /**
     * {@code TopKLogitsWarper}: keeps every logit at least as large as the row's k-th largest (ties with it
     * survive), {@code -inf} elsewhere; k larger than the vocabulary keeps everything.
     */
    public static NDArray topK(NDArray logits, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top_k must be >= 1 to filter, got " + k);
        }
        long vocab = logits.getShape().get(1);
        int keep = (int) Math.min(k, vocab);
        NDList top = logits.topK(keep, 1, true, true);
        NDArray kth = top.get(0).get(new NDIndex(":, {}:", keep - 1));
        return NDArrays.where(logits.lt(kth), negativeInfinity(logits), logits);
    }

    /**
     * {@code TopPLogitsWarper}: sorts the row ascending, removes every token whose ascending cumulative
     * probability is at most {@code 1 - topP}, and always keeps the most likely token; this keeps the
     * smallest set of most likely tokens whose probabilities add up to at least {@code topP}.
     */
    public static NDArray topP(NDArray logits, double topP) {
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        long vocab = logits.getShape().get(1);
        NDArray order = logits.argSort(1, true);
        NDArray sorted = logits.gather(order, 1);
        NDArray cumulative = sorted.softmax(1).cumSum(1);
        NDArray removeSorted = cumulative.lte((float) (1 - topP)).toType(DataType.FLOAT32, false);
        // min_tokens_to_keep = 1: the last (largest) sorted position is never removed.
        NDArray notLast = logits.getManager().ones(new Shape(1, vocab));
        notLast.set(new NDIndex(":, -1"), 0f);
        removeSorted = removeSorted.mul(notLast);
        // Back to vocabulary order: position j of the row sits at rank rank[j] of the sort.
        NDArray rank = order.argSort(1, true);
        NDArray remove = removeSorted.gather(rank, 1).gt(0.5f);
        return NDArrays.where(remove, negativeInfinity(logits), logits);
    }

    /**
     * {@code MinPLogitsWarper}: removes tokens whose probability is below {@code minP} times the row's top
     * probability. The top token itself always survives, which is transformers' {@code min_tokens_to_keep=1}.
     */
    public static NDArray minP(NDArray logits, double minP) {
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        NDArray probs = logits.softmax(1);
        NDArray threshold = probs.max(new int[] {1}, true).mul((float) minP);
        return NDArrays.where(probs.lt(threshold), negativeInfinity(logits), logits);
    }

    private static NDArray negativeInfinity(NDArray like) {
        // DJL's where does not broadcast, so the fill value is a full-size array.
        return like.getManager().full(like.getShape(), Float.NEGATIVE_INFINITY, like.getDataType());
    }
}
