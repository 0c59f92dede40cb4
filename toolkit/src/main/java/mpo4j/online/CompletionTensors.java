package mpo4j.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import mpo4j.generate.SampledCompletion;

/**
 * A batch of completions as TRL's losses take them: ids right-padded to the longest completion, the
 * completion mask (1 on every generated token, eos included; 0 on padding), and the sampling-time model
 * log-probs (the old policy's, when they are not recomputed).
 *
 * @param ids int64 {@code [B, T]}, padded with {@code padTokenId}
 * @param mask float32 {@code [B, T]}; with {@code maskTruncatedCompletions} a truncated row is all 0
 * @param oldLogps float32 {@code [B, T]}: {@link SampledCompletion#modelLogprobs()}, 0 on padding
 */
public record CompletionTensors(NDArray ids, NDArray mask, NDArray oldLogps) {

    /**
     * @param maskTruncatedCompletions TRL's {@code mask_truncated_completions} (default false)
     */
    public static CompletionTensors of(NDManager manager, List<SampledCompletion> completions, long padTokenId,
            boolean maskTruncatedCompletions) {
        int rows = completions.size();
        int length = completions.stream().mapToInt(SampledCompletion::length).max().orElse(0);
        long[] ids = new long[rows * length];
        float[] mask = new float[rows * length];
        float[] old = new float[rows * length];
        java.util.Arrays.fill(ids, padTokenId);
        for (int r = 0; r < rows; r++) {
            SampledCompletion c = completions.get(r);
            long[] tokens = c.tokenIds();
            double[] logps = c.modelLogprobs();
            boolean keep = !(maskTruncatedCompletions && c.truncated());
            for (int t = 0; t < tokens.length; t++) {
                ids[r * length + t] = tokens[t];
                mask[r * length + t] = keep ? 1f : 0f;
                old[r * length + t] = (float) logps[t];
            }
        }
        Shape shape = new Shape(rows, length);
        return new CompletionTensors(manager.create(ids, shape), manager.create(mask, shape), manager.create(old, shape));
    }
}
