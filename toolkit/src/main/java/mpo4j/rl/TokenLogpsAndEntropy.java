package mpo4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import mpo4j.engine.Scalar;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.model.TokenRows;
import mpo4j.online.Entropy;

/**
 * Per-token log-probabilities of sampled completions under a model: one forward pass over the rows
 * {@code prompt + completion} (right-padded), then the output head only at the positions that predict a
 * completion token, {@code log_softmax(logits / temperature)} and the sampled token's entry, as TRL's
 * {@code _get_per_token_logps_and_entropies} does. Positions past a completion's end hold the
 * log-probability of the pad token; the completion mask hides them.
 *
 * @param logps {@code [B, T]}, differentiable when the model is
 * @param entropies {@code [B, T]} detached per-token entropies of the tempered distribution, or null
 */
record TokenLogpsAndEntropy(NDArray logps, NDArray entropies) {

    /**
     * @param prompts each row's prompt ids
     * @param completionIds {@code [B, T]} completion ids padded with the pad id
     * @param completionLengths each row's real completion tokens
     * @param images the rows' tiles (row {@code r} uses group {@code rowToGroup[r]}), or null
     */
    static TokenLogpsAndEntropy of(CausalLm model, long[][] prompts, NDArray completionIds, int[] completionLengths,
            ImageInputs images, double temperature, boolean withEntropy, NDManager scope) {
        int rows = prompts.length;
        int completionWidth = Math.toIntExact(completionIds.getShape().get(1));
        long[] completion = completionIds.toLongArray();
        int width = 1;
        for (int r = 0; r < rows; r++) {
            width = Math.max(width, prompts[r].length + completionLengths[r]);
        }
        long[] ids = new long[rows * width];
        Arrays.fill(ids, model.tokens().pad());
        int[] lengths = new int[rows];
        long[] positions = new long[rows * completionWidth];
        for (int r = 0; r < rows; r++) {
            long[] p = prompts[r];
            System.arraycopy(p, 0, ids, r * width, p.length);
            System.arraycopy(completion, r * completionWidth, ids, r * width + p.length, completionLengths[r]);
            lengths[r] = p.length + completionLengths[r];
            for (int t = 0; t < completionWidth; t++) {
                // the position that predicts completion token t; padding positions point at the row's last position
                positions[r * completionWidth + t] = Math.min(p.length - 1 + t, width - 1);
            }
        }
        NDArray hidden = model.hidden(new TokenRows(rows, width, ids, lengths), images, scope);
        long size = hidden.getShape().get(2);
        NDArray index = scope.create(positions, new Shape(rows, completionWidth, 1)).repeat(2, size);
        NDArray logits = model.logits(hidden.gather(index, 1));
        if (temperature != 1.0) {
            logits = Scalar.div(logits, temperature);
        }
        NDArray logp = logits.logSoftmax(2);
        NDArray tokenLogps = logp.gather(completionIds.reshape(rows, completionWidth, 1), 2).reshape(rows, completionWidth);
        NDArray entropies = withEntropy ? Entropy.fromLogits(logits.stopGradient()) : null;
        return new TokenLogpsAndEntropy(tokenLogps, entropies);
    }
}
