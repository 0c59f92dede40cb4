package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import mpo4j.collate.SequenceBatch;
import mpo4j.engine.Scalar;
import mpo4j.text.Labels;

/**
 * Per-sequence policy log-probs of the completion tokens: what every preference loss consumes.
 *
 * <p>Rows {@code 0..B-1} are chosen, rows {@code B..2B-1} rejected, row {@code r} belongs to pair
 * {@code r % B} (the layout of {@code PreferenceBatch.concatenated()}). For every row it holds
 * <ul>
 *   <li>{@link #sums()}: Σ over completion tokens of log p(token) — carries the gradient;</li>
 *   <li>{@link #shared()}: the same sum over the pair's first {@code min(Lc, Lr)} completion tokens,
 *       so {@code ldAlpha} can weight the tail ({@code shared + α·(sum − shared)});</li>
 *   <li>{@link #tokens()}: number of completion tokens;</li>
 *   <li>{@link #weights()}: WPO weights {@code exp(mean_t(log p_t − log Σ_v p_v²))} (constants), if asked;</li>
 *   <li>mean raw logit over completion positions × vocabulary of the chosen and rejected halves.</li>
 * </ul>
 */
public final class SequenceLogps {
    private final NDArray sums;
    private final NDArray shared;
    private final int[] tokens;
    private final float[] weights;
    private final double meanLogitChosen;
    private final double meanLogitRejected;

    private SequenceLogps(NDArray sums, NDArray shared, int[] tokens, float[] weights,
                          double meanLogitChosen, double meanLogitRejected) {
        long n = sums.getShape().size();
        if (sums.getShape().dimension() != 1 || n % 2 != 0 || n == 0) {
            throw new IllegalArgumentException("log-probs must be a vector of 2B rows (chosen then rejected), got shape " + sums.getShape());
        }
        if (!shared.getShape().equals(sums.getShape()) || tokens.length != n || (weights != null && weights.length != n)) {
            throw new IllegalArgumentException("sums " + sums.getShape() + ", shared " + shared.getShape()
                    + ", tokens " + tokens.length + (weights == null ? "" : ", weights " + weights.length) + " disagree on 2B = " + n);
        }
        this.sums = sums;
        this.shared = shared;
        this.tokens = tokens;
        this.weights = weights;
        this.meanLogitChosen = meanLogitChosen;
        this.meanLogitRejected = meanLogitRejected;
    }

    /**
     * Hand-made or externally computed log-probs (no logits): {@code sums}/{@code shared} are
     * {@code [2B]} arrays (keep their gradient if you want one). Mean logits are NaN (unknown).
     */
    public static SequenceLogps of(NDArray sums, NDArray shared, int[] tokens) {
        return new SequenceLogps(sums, shared, tokens.clone(), null, Double.NaN, Double.NaN);
    }

    /** The same log-probs with WPO weights {@code [2B]} attached (for hand-made inputs). */
    public SequenceLogps withWeights(float[] wpoWeights) {
        return new SequenceLogps(sums, shared, tokens, wpoWeights.clone(), meanLogitChosen, meanLogitRejected);
    }

    /** From the logits of one forward pass over {@code rows} (chosen above rejected). */
    public static SequenceLogps fromLogits(NDArray logits, SequenceBatch rows, boolean withWeights) {
        return fromLogits(logits, rows.labels(), withWeights);
    }

    /** From logits {@code [2B, L, V]} and labels {@code [2B, L]} (aligned with input ids, −100 = ignore). */
    public static SequenceLogps fromLogits(NDArray logits, NDArray labels, boolean withWeights) {
        if (labels.getDataType() == DataType.INT64) {
            return fromLogits(logits, labels.toLongArray(), withWeights);
        }
        try (NDArray asLong = labels.toType(DataType.INT64, true)) {
            return fromLogits(logits, asLong.toLongArray(), withWeights);
        }
    }

    /**
     * From logits {@code [2B, L, V]} and row-major labels {@code [2B·L]} aligned with the input ids:
     * the logits at position t−1 score the label at t, labels equal to −100 are not scored.
     *
     * <p>One pass: {@code log p(label) = logit[label] − logsumexp(logits)} by gather, never a full
     * log-softmax copy; with {@code withWeights}, {@code log Σ p² = logsumexp(2·logits) − 2·logsumexp(logits)}
     * is computed without gradient. Intermediates live in a sub-manager; the returned arrays are
     * attached to the logits' manager.
     */
    public static SequenceLogps fromLogits(NDArray logits, long[] labels, boolean withWeights) {
        Shape shape = logits.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException("logits must be [2B, L, V], got " + shape);
        }
        int n = (int) shape.get(0);
        int len = (int) shape.get(1);
        long vocab = shape.get(2);
        if (n % 2 != 0 || labels.length != (long) n * len) {
            throw new IllegalArgumentException("logits " + shape + " need 2B rows and labels of 2B·L = "
                    + ((long) n * len) + " entries, got " + labels.length);
        }
        Masks masks = Masks.of(labels, n, len, vocab);
        NDManager parent = logits.getManager();
        {
            // No sub-scope that closes before backward: arrays DJL builds from Java memory (create(float[]),
            // the scalar behind mul(Number)) may be saved by autograd and must live in the caller's step
            // scope until backward has run. Vocabulary-sized temporaries are closed explicitly instead.
            NDManager scope = parent;
            NDArray x = logits.get(":, :-1, :");
            if (x.getDataType() != DataType.FLOAT32 && x.getDataType() != DataType.FLOAT64) {
                x = x.toType(DataType.FLOAT32, false);
            }
            DataType dt = x.getDataType();
            NDArray mask = scope.create(masks.completion, new Shape(n, len - 1)).toType(dt, false);
            NDArray sharedMask = scope.create(masks.shared, new Shape(n, len - 1)).toType(dt, false);
            NDArray index = scope.create(masks.index, new Shape(n, len - 1, 1));

            NDArray lse = logSumExp(x);                                    // [n, L-1]
            NDArray tokenLogp = x.gather(index, 2).squeeze(2).sub(lse);     // [n, L-1]
            NDArray sums = tokenLogp.mul(mask).sum(new int[] {1});
            NDArray shared = tokenLogp.mul(sharedMask).sum(new int[] {1});

            NDArray detached = x.stopGradient();
            float[] weights = null;
            if (withWeights) {
                NDArray lseD = lse.stopGradient();
                NDArray logSumP2;
                try (NDArray doubled = detached.mul(2)) {
                    logSumP2 = logSumExp(doubled).sub(lseD.mul(2));
                }
                NDArray perToken = tokenLogp.stopGradient().sub(logSumP2).mul(mask).sum(new int[] {1});
                double[] total = Nd.doubles(perToken);
                weights = new float[n];
                for (int r = 0; r < n; r++) {
                    weights[r] = (float) Math.exp(total[r] / Math.max(masks.tokens[r], 1));
                }
            }
            double[] logitRowSums = Nd.doubles(detached.sum(new int[] {2}).mul(mask).sum(new int[] {1}));
            int b = n / 2;
            double meanChosen = meanLogit(logitRowSums, masks.tokens, 0, b, vocab);
            double meanRejected = meanLogit(logitRowSums, masks.tokens, b, n, vocab);
            // PyTorch-owned views of the logits: closing the handles is safe, autograd keeps its own references
            detached.close();
            x.close();
            return new SequenceLogps(sums, shared, masks.tokens, weights, meanChosen, meanRejected);
        }
    }

    /**
     * Stable log Σ exp over the last axis; the max shift carries no gradient (it cancels exactly).
     * The two vocabulary-sized temporaries are released as soon as they are reduced (autograd keeps
     * what backward needs on its own).
     */
    private static NDArray logSumExp(NDArray x) {
        NDArray max = x.max(new int[] {2}, true).stopGradient();
        NDArray sumExp;
        try (NDArray shifted = x.sub(max); NDArray exp = shifted.exp()) {
            sumExp = exp.sum(new int[] {2});
        }
        return sumExp.log().add(max.squeeze(2));
    }

    private static double meanLogit(double[] rowSums, int[] tokens, int from, int to, long vocab) {
        double sum = 0;
        long count = 0;
        for (int r = from; r < to; r++) {
            sum += rowSums[r];
            count += tokens[r];
        }
        return count == 0 ? Double.NaN : sum / (count * (double) vocab);
    }

    /** Java-side masks from the (small) label matrix, shifted by one. */
    private record Masks(float[] completion, float[] shared, long[] index, int[] tokens) {
        static Masks of(long[] labels, int n, int len, long vocab) {
            int b = n / 2;
            int w = len - 1;
            float[] completion = new float[n * w];
            long[] index = new long[n * w];
            int[] tokens = new int[n];
            for (int r = 0; r < n; r++) {
                for (int t = 1; t < len; t++) {
                    long label = labels[r * len + t];
                    if (label == Labels.IGNORE) {
                        continue;
                    }
                    if (label < 0 || label >= vocab) {
                        throw new IllegalArgumentException("label " + label + " at row " + r + ", position " + t
                                + " is outside the vocabulary [0, " + vocab + ")");
                    }
                    completion[r * w + t - 1] = 1f;
                    index[r * w + t - 1] = label;
                    tokens[r]++;
                }
            }
            float[] shared = new float[n * w];
            for (int r = 0; r < n; r++) {
                int keep = Math.min(tokens[r], tokens[(r + b) % n]);
                int seen = 0;
                for (int t = 0; t < w && seen < keep; t++) {
                    if (completion[r * w + t] == 1f) {
                        shared[r * w + t] = 1f;
                        seen++;
                    }
                }
            }
            return new Masks(completion, shared, index, tokens);
        }
    }

    /** Number of pairs B. */
    public int pairs() {
        return tokens.length / 2;
    }

    /** {@code [2B]} summed completion log-probs (with gradient). */
    public NDArray sums() {
        return sums;
    }

    /** {@code [2B]} sums over the pair's shared first {@code min(Lc, Lr)} completion tokens. */
    public NDArray shared() {
        return shared;
    }

    /** {@code [2B]} completion token counts. */
    public int[] tokens() {
        return tokens.clone();
    }

    /** {@code [2B]} WPO weights, or {@code null} if not computed. */
    public float[] weights() {
        return weights == null ? null : weights.clone();
    }

    public boolean hasWeights() {
        return weights != null;
    }

    /** Mean raw logit over chosen completion positions and vocabulary (NaN if unknown). */
    public double meanLogitChosen() {
        return meanLogitChosen;
    }

    /** Mean raw logit over rejected completion positions and vocabulary (NaN if unknown). */
    public double meanLogitRejected() {
        return meanLogitRejected;
    }

    /** {@code shared + α·(sum − shared)}, or {@link #sums()} itself when {@code ldAlpha} is null (do not close it). */
    NDArray logps(Double ldAlpha) {
        return ldAlpha == null ? sums : shared.add(Scalar.mul(sums.sub(shared), ldAlpha));
    }

    @Override
    public String toString() {
        return "SequenceLogps[pairs=" + pairs() + ", sums=" + Arrays.toString(Nd.doubles(sums))
                + ", tokens=" + Arrays.toString(tokens) + (weights == null ? "" : ", weights=" + Arrays.toString(weights)) + "]";
    }
}
