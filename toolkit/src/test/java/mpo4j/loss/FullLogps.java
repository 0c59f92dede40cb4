package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import mpo4j.text.Labels;

/**
 * The straightforward computation the chunked one must reproduce, for tests: a full
 * {@code [N, L, V]} log-softmax of every position (DJL's own {@code logSoftmax}), the label gathered,
 * masked sums per row. Independent of {@link CompletionLogps} (no chunks, no logsumexp of ours).
 */
public final class FullLogps {
    private FullLogps() {}

    /** {@code [N]} Σ over scored positions of log p(label), with gradient. */
    public static NDArray sums(NDArray logits, long[] labels) {
        return masked(logits, labels, completionMask(labels, logits));
    }

    /** {@code [2B]} the same over each row's first min(Lc, Lr) scored positions (chosen rows above rejected ones). */
    public static NDArray sharedSums(NDArray logits, long[] labels) {
        int n = (int) logits.getShape().get(0);
        int len = (int) logits.getShape().get(1);
        float[] completion = completionMask(labels, logits);
        int[] tokens = new int[n];
        for (int i = 0; i < completion.length; i++) {
            tokens[i / (len - 1)] += (int) completion[i];
        }
        float[] shared = new float[completion.length];
        for (int r = 0; r < n; r++) {
            int keep = Math.min(tokens[r], tokens[(r + n / 2) % n]);
            for (int t = 0; t < len - 1 && keep > 0; t++) {
                if (completion[r * (len - 1) + t] == 1f) {
                    shared[r * (len - 1) + t] = 1f;
                    keep--;
                }
            }
        }
        return masked(logits, labels, shared);
    }

    private static float[] completionMask(long[] labels, NDArray logits) {
        int n = (int) logits.getShape().get(0);
        int len = (int) logits.getShape().get(1);
        float[] mask = new float[n * (len - 1)];
        for (int r = 0; r < n; r++) {
            for (int t = 1; t < len; t++) {
                mask[r * (len - 1) + t - 1] = labels[r * len + t] == Labels.IGNORE ? 0f : 1f;
            }
        }
        return mask;
    }

    private static NDArray masked(NDArray logits, long[] labels, float[] mask) {
        int n = (int) logits.getShape().get(0);
        int len = (int) logits.getShape().get(1);
        long[] index = new long[n * (len - 1)];
        for (int r = 0; r < n; r++) {
            for (int t = 1; t < len; t++) {
                index[r * (len - 1) + t - 1] = Math.max(labels[r * len + t], 0);
            }
        }
        NDManager m = logits.getManager();
        NDArray logp = logits.get(":, :-1, :").logSoftmax(2).gather(m.create(index, new Shape(n, len - 1, 1)), 2).squeeze(2);
        return logp.mul(m.create(mask, new Shape(n, len - 1)).toType(logits.getDataType(), false)).sum(new int[] {1});
    }
}
