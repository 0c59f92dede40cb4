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
     * @param seenIds per row, the prompt and the tokens generated so far; only read (and then required)
     *     when the repetition penalty is not 1
     */
    public static NDArray process(NDArray logits, long[][] seenIds, SamplingConfig config) {
        NDArray x = logits.toType(DataType.FLOAT32, true);
        if (config.repetitionPenalty() != 1.0) {
            if (seenIds == null) {
                throw new IllegalArgumentException("repetition_penalty " + config.repetitionPenalty() + " needs each row's seen token ids");
            }
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
     * seen several times is penalised once. Like transformers, it gathers the seen columns, penalises them
     * and scatters them back, so the cost grows with the ids, not with the vocabulary.
     */
    public static NDArray repetitionPenalty(NDArray logits, long[][] seenIds, double penalty) {
        int rows = Math.toIntExact(logits.getShape().get(0));
        long vocab = logits.getShape().get(1);
        if (seenIds.length != rows) {
            throw new IllegalArgumentException("seenIds has " + seenIds.length + " rows, logits have " + rows);
        }
        int width = 1;
        for (long[] ids : seenIds) {
            width = Math.max(width, ids.length);
        }
        // Rows are padded with a repeat of their first id: scattering the same value twice is harmless.
        // A row without ids points at column 0 and writes back the original value.
        long[] index = new long[rows * width];
        boolean[] valid = new boolean[rows * width];
        boolean anyEmpty = false;
        for (int r = 0; r < rows; r++) {
            long[] ids = seenIds[r];
            anyEmpty |= ids.length == 0;
            for (int j = 0; j < width; j++) {
                long id = ids.length == 0 ? 0 : ids[Math.min(j, ids.length - 1)];
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " in row " + r + " is outside the vocabulary [0, " + vocab + ")");
                }
                index[r * width + j] = id;
                valid[r * width + j] = ids.length > 0;
            }
        }
        NDManager manager = logits.getManager();
        NDArray columns = manager.create(index, new Shape(rows, width));
        NDArray seen = logits.gather(columns, 1);
        NDArray penalised = NDArrays.where(seen.lt(0), seen.mul((float) penalty), seen.div((float) penalty));
        if (anyEmpty) {
            penalised = NDArrays.where(manager.create(valid, new Shape(rows, width)), penalised, seen);
        }
        return logits.scatter(columns, penalised, 1);
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
     * {@code TopPLogitsWarper}: keeps the smallest set of most likely tokens whose probabilities add up to
     * at least {@code topP}, and always the most likely token. transformers removes every token whose
     * ascending cumulative probability is at most {@code 1 - topP}; equivalently, a token survives when
     * the tokens more likely than it hold less than {@code topP} of the mass. The two agree up to float
     * rounding at an exact boundary, and tokens tied with the last kept one are all kept (transformers
     * keeps an arbitrary part of such a tie).
     *
     * <p>Computed from a partial sort: the most likely {@code 256} tokens, widened eightfold until they
     * hold {@code topP} of the mass in every row, instead of transformers' full sort of the vocabulary
     * (a full sort of 16 rows of 151k logits takes about half a second on a CPU).
     */
    public static NDArray topP(NDArray logits, double topP) {
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        int vocab = Math.toIntExact(logits.getShape().get(1));
        NDArray probs = logits.softmax(1);
        int k = Math.min(vocab, 256);
        NDArray sorted;
        NDArray cumulative;
        while (true) {
            sorted = probs.topK(k, 1, true, true).get(0);
            cumulative = sorted.cumSum(1);
            if (k == vocab || min(cumulative.get(new NDIndex(":, -1")).toFloatArray()) >= topP) {
                break;
            }
            k = Math.min(vocab, k * 8);
        }
        // Mass strictly above each sorted token; the first is 0 < topP, so at least one token is kept.
        NDArray above = cumulative.sub(sorted);
        NDArray kept = above.lt((float) topP).toType(DataType.INT64, false).sum(new int[] {1}, true);
        NDArray threshold = sorted.gather(kept.sub(1), 1);
        return NDArrays.where(probs.lt(threshold), negativeInfinity(logits), logits);
    }

    private static float min(float[] x) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : x) {
            m = Math.min(m, v);
        }
        return m;
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
