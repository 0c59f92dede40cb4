package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import mpo4j.collate.SequenceBatch;
import mpo4j.engine.Scalar;

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
 *   <li>mean raw logit over completion positions × vocabulary of the chosen and rejected halves (kept on
 *       the device as per-position sums until {@link #meanLogitChosen()} or the trainer's one transfer per
 *       step reads them).</li>
 * </ul>
 *
 * <p>Made from a model's hidden states by {@link CompletionLogps#pairs} (any vocabulary size: logits
 * only at the scored positions, in chunks), from logits a caller already has by {@link #fromLogits},
 * or by hand with {@link #of(NDArray, NDArray, int[])}.
 */
public final class SequenceLogps {
    private final NDArray sums;
    private final NDArray shared;
    private final int[] tokens;
    private final float[] weights;
    /** {@code [K]} per scored position (row-major, so row by row) Σ over the vocabulary of the logits; or null. */
    private final NDArray logitSums;
    private final long vocab;
    private double[] meanLogits;     // {chosen, rejected}, read from logitSums on first use

    private SequenceLogps(NDArray sums, NDArray shared, int[] tokens, float[] weights, NDArray logitSums, long vocab) {
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
        this.logitSums = logitSums;
        this.vocab = vocab;
    }

    /**
     * Hand-made or externally computed log-probs (no logits): {@code sums}/{@code shared} are
     * {@code [2B]} arrays (keep their gradient if you want one). Mean logits are NaN (unknown).
     */
    public static SequenceLogps of(NDArray sums, NDArray shared, int[] tokens) {
        return new SequenceLogps(sums, shared, tokens.clone(), null, null, 0);
    }

    /** The same log-probs with WPO weights {@code [2B]} attached (for hand-made inputs). */
    public SequenceLogps withWeights(float[] wpoWeights) {
        return new SequenceLogps(sums, shared, tokens, wpoWeights.clone(), logitSums, vocab);
    }

    /** From the logits of one forward pass over {@code rows} (chosen above rejected). */
    public static SequenceLogps fromLogits(NDArray logits, SequenceBatch rows, boolean withWeights) {
        return fromLogits(logits, rows.labels(), withWeights);
    }

    /** From logits {@code [2B, L, V]} and labels {@code [2B, L]} (aligned with input ids, −100 = ignore). */
    public static SequenceLogps fromLogits(NDArray logits, NDArray labels, boolean withWeights) {
        return fromLogits(logits, Nd.longs(labels), withWeights);
    }

    /**
     * From logits {@code [2B, L, V]} and row-major labels {@code [2B·L]} aligned with the input ids:
     * the logits at position t−1 score the label at t, labels equal to −100 are not scored.
     *
     * <p>The same code as {@link CompletionLogps#pairs} with the identity as output head: the scored
     * positions are gathered chunk by chunk, {@code log p(label) = logit[label] − logsumexp(logits)},
     * never a full log-softmax copy; with {@code withWeights}, {@code log Σ p² = logsumexp(2·logits) −
     * 2·logsumexp(logits)} is computed without gradient. The returned arrays are attached to the logits'
     * manager.
     */
    public static SequenceLogps fromLogits(NDArray logits, long[] labels, boolean withWeights) {
        return of(CompletionLogps.chunked().score(logits, "logits", UnaryOperator.identity(), labels, true, true, withWeights));
    }

    /** Pair log-probs, WPO weights and mean logits from the per-row totals of {@link CompletionLogps}. */
    static SequenceLogps of(CompletionLogps.Totals t) {
        int[] tokens = t.tokens();
        int n = tokens.length;
        float[] weights = null;
        if (t.wpoTotals() != null) {
            weights = new float[n];
            for (int r = 0; r < n; r++) {
                weights[r] = (float) Math.exp(t.wpoTotals()[r] / Math.max(tokens[r], 1));
            }
        }
        return new SequenceLogps(t.sums(), t.shared(), tokens, weights, t.logitSums(), t.vocab());
    }

    /** {@code [K]} per-position logit sums still on the device, or null when these log-probs have no logits. */
    NDArray logitSums() {
        return logitSums;
    }

    /**
     * {chosen, rejected} mean raw logits from the per-position sums (as copied from {@link #logitSums()}):
     * each row's positions are added in order into its total, then the totals of a half are divided by its
     * positions × vocabulary. NaN for a half without scored positions.
     */
    double[] meanLogits(double[] positionSums) {
        int n = tokens.length;
        double[] rowTotals = new double[n];
        int at = 0;
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < tokens[r]; j++) {
                rowTotals[r] += positionSums[at++];
            }
        }
        return new double[] {meanLogit(rowTotals, tokens, 0, n / 2, vocab), meanLogit(rowTotals, tokens, n / 2, n, vocab)};
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

    /** Mean raw logit over chosen completion positions and vocabulary (NaN if unknown); copies the sums to the host once. */
    public double meanLogitChosen() {
        return meanLogits()[0];
    }

    /** Mean raw logit over rejected completion positions and vocabulary (NaN if unknown); copies the sums to the host once. */
    public double meanLogitRejected() {
        return meanLogits()[1];
    }

    private double[] meanLogits() {
        if (meanLogits == null) {
            meanLogits = logitSums == null ? new double[] {Double.NaN, Double.NaN} : meanLogits(Nd.doubles(logitSums));
        }
        return meanLogits;
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
