package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

/**
 * Reference-model log-probs as plain arrays, one entry per pair: what the trainer precomputes once
 * per dataset (or per batch from a frozen copy) and stores. Values are doubles, so a float64 policy's
 * reference keeps its precision (a float32 reference is stored exactly too).
 *
 * <p>{@code chosenShared}/{@code rejectedShared} are the sums over the pair's first
 * {@code min(Lc, Lr)} completion tokens; only {@code ldAlpha} reads them. Say what you have by the
 * factory: {@link #from(SequenceLogps)} (a reference forward pass: both), {@link #sumsAndShared}
 * (both, known), {@link #sums} (full sums only: the shared parts are unknown, stored as NaN, and a loss
 * with {@code ldAlpha} refuses them instead of silently leaving the reference unweighted).
 */
public record ReferenceLogps(double[] chosen, double[] rejected, double[] chosenShared, double[] rejectedShared) {

    public ReferenceLogps {
        int b = chosen.length;
        if (rejected.length != b || chosenShared.length != b || rejectedShared.length != b) {
            throw new IllegalArgumentException("reference log-probs disagree on the number of pairs: chosen " + b
                    + ", rejected " + rejected.length + ", chosenShared " + chosenShared.length + ", rejectedShared " + rejectedShared.length);
        }
        chosen = chosen.clone();
        rejected = rejected.clone();
        chosenShared = chosenShared.clone();
        rejectedShared = rejectedShared.clone();
    }

    /**
     * Full sums only; the shared-prefix sums are unknown, so {@code ldAlpha} cannot use these (it
     * throws, naming {@link #sumsAndShared} and {@link #from(SequenceLogps)}).
     */
    public static ReferenceLogps sums(double[] chosen, double[] rejected) {
        double[] unknown = new double[chosen.length];
        Arrays.fill(unknown, Double.NaN);
        return new ReferenceLogps(chosen, rejected, unknown, unknown);
    }

    /** Full sums only, from float32 values (exact); see {@link #sums(double[], double[])}. */
    public static ReferenceLogps sums(float[] chosen, float[] rejected) {
        return sums(doubles(chosen), doubles(rejected));
    }

    /** Full sums and the sums over each pair's first {@code min(Lc, Lr)} completion tokens. */
    public static ReferenceLogps sumsAndShared(double[] chosen, double[] rejected, double[] chosenShared, double[] rejectedShared) {
        return new ReferenceLogps(chosen, rejected, chosenShared, rejectedShared);
    }

    /**
     * Full sums only, as {@link #sums(float[], float[])} (no longer pretends the shared parts equal the
     * sums).
     *
     * @deprecated say what you have: {@link #sums} or {@link #sumsAndShared}
     */
    @Deprecated
    public static ReferenceLogps of(float[] chosen, float[] rejected) {
        return sums(chosen, rejected);
    }

    /**
     * The full-sum reference log-probs a collated batch carries ({@code refChosenLogps}/{@code refRejectedLogps}).
     *
     * @throws IllegalArgumentException if the batch has no precomputed reference
     */
    public static ReferenceLogps sums(mpo4j.collate.PreferenceBatch batch) {
        if (!batch.hasPrecomputedReference()) {
            throw new IllegalArgumentException("this batch carries no precomputed reference log-probs"
                    + " (attach them with PreferenceBatch.withReference, or run the reference model)");
        }
        return sums(batch.refChosenLogps(), batch.refRejectedLogps());
    }

    /** Copies a reference forward pass's log-probs out of native memory (no gradient kept), in full precision, in one copy. */
    public static ReferenceLogps from(SequenceLogps reference) {
        double[] both;
        try (NDManager m = reference.sums().getManager().newSubManager()) {
            both = Nd.doubles(widened(reference.sums(), m).concat(widened(reference.shared(), m)));
        }
        int b = reference.pairs();
        return new ReferenceLogps(Arrays.copyOfRange(both, 0, b), Arrays.copyOfRange(both, b, 2 * b),
                Arrays.copyOfRange(both, 2 * b, 3 * b), Arrays.copyOfRange(both, 3 * b, 4 * b));
    }

    /** A float64 copy of {@code a} without gradient, in {@code m} (float32 widens exactly). */
    private static NDArray widened(NDArray a, NDManager m) {
        NDArray detached = a.stopGradient();
        detached.attach(m);
        return detached.toType(DataType.FLOAT64, false);
    }

    public int pairs() {
        return chosen.length;
    }

    /** True when the shared-prefix sums are known (not made by {@link #sums}). */
    public boolean hasShared() {
        for (int i = 0; i < chosen.length; i++) {
            if (Double.isNaN(chosenShared[i]) || Double.isNaN(rejectedShared[i])) {
                return false;
            }
        }
        return true;
    }

    /** {@code [2B]} (chosen then rejected) with {@code ldAlpha} applied to the tail. */
    double[] logps(Double ldAlpha) {
        if (ldAlpha != null && !hasShared()) {
            throw new IllegalArgumentException("ldAlpha needs the reference's shared-prefix sums, but these reference log-probs"
                    + " hold full sums only (ReferenceLogps.sums): build them with ReferenceLogps.from(SequenceLogps) or sumsAndShared(...)");
        }
        int b = pairs();
        double[] out = new double[2 * b];
        for (int i = 0; i < b; i++) {
            out[i] = apply(chosen[i], chosenShared[i], ldAlpha);
            out[b + i] = apply(rejected[i], rejectedShared[i], ldAlpha);
        }
        return out;
    }

    private static double apply(double sum, double shared, Double ldAlpha) {
        return ldAlpha == null ? sum : shared + ldAlpha * (sum - shared);
    }

    private static double[] doubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Override
    public String toString() {
        return "ReferenceLogps[chosen=" + Arrays.toString(chosen) + ", rejected=" + Arrays.toString(rejected) + "]";
    }
}
