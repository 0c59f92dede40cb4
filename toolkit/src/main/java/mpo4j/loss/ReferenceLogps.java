package mpo4j.loss;

import java.util.Arrays;

/**
 * Reference-model log-probs as plain arrays, one entry per pair: what the trainer precomputes once
 * per dataset (or per batch from a frozen copy) and stores.
 *
 * <p>{@code chosenShared}/{@code rejectedShared} are the sums over the pair's first
 * {@code min(Lc, Lr)} completion tokens; only {@code ldAlpha} reads them. {@link #of(float[], float[])}
 * sets them equal to the full sums (no tail), so store them with {@link #from(SequenceLogps)} when
 * you train with {@code ldAlpha}.
 */
public record ReferenceLogps(float[] chosen, float[] rejected, float[] chosenShared, float[] rejectedShared) {

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

    /** Full sums only (the shared parts equal the sums: {@code ldAlpha} leaves the reference unchanged). */
    public static ReferenceLogps of(float[] chosen, float[] rejected) {
        return new ReferenceLogps(chosen, rejected, chosen, rejected);
    }

    /**
     * The reference log-probs a collated batch carries ({@code refChosenLogps}/{@code refRejectedLogps},
     * full sums: {@code ldAlpha} leaves them unchanged).
     *
     * @throws IllegalArgumentException if the batch has no precomputed reference
     */
    public static ReferenceLogps of(mpo4j.collate.PreferenceBatch batch) {
        if (!batch.hasPrecomputedReference()) {
            throw new IllegalArgumentException("this batch carries no precomputed reference log-probs"
                    + " (attach them with PreferenceBatch.withReference, or run the reference model)");
        }
        return of(batch.refChosenLogps(), batch.refRejectedLogps());
    }

    /** Copies a reference forward pass's log-probs out of native memory (no gradient kept). */
    public static ReferenceLogps from(SequenceLogps reference) {
        float[] sums = Nd.floats(Nd.doubles(reference.sums()));
        float[] shared = Nd.floats(Nd.doubles(reference.shared()));
        int b = reference.pairs();
        return new ReferenceLogps(Arrays.copyOfRange(sums, 0, b), Arrays.copyOfRange(sums, b, 2 * b),
                Arrays.copyOfRange(shared, 0, b), Arrays.copyOfRange(shared, b, 2 * b));
    }

    public int pairs() {
        return chosen.length;
    }

    /** {@code [2B]} (chosen then rejected) with {@code ldAlpha} applied to the tail. */
    double[] logps(Double ldAlpha) {
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

    @Override
    public String toString() {
        return "ReferenceLogps[chosen=" + Arrays.toString(chosen) + ", rejected=" + Arrays.toString(rejected) + "]";
    }
}
