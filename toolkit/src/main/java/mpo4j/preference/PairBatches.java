package mpo4j.preference;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.OnError;
import mpo4j.data.PreferencePair;
import mpo4j.loss.ReferenceLogps;
import mpo4j.train.Batches;
import mpo4j.train.SkippingBatches;

/**
 * Preference pairs collated on demand ({@link SkippingBatches}: a pair that fails to collate stops the
 * run naming its file and line, or under {@link OnError#SKIP} is dropped, logged once and counted in
 * {@code skipped_pairs}), with optional per-pair precomputed reference log-probs.
 */
final class PairBatches implements Batches<PairBatch> {
    private final SkippingBatches<PreferencePair, PreferenceBatch> pairs;
    private double[][] reference;   // chosen, rejected, chosenShared, rejectedShared: one entry per pair, in the policy's precision

    /** Makes a batch from pairs; also given the pairs' indices (e.g. to seed augmentation reproducibly). */
    @FunctionalInterface
    interface Collate {
        PreferenceBatch apply(List<PreferencePair> pairs, int[] indices);
    }

    PairBatches(List<PreferencePair> pairs, Collate collate) {
        this(pairs, collate, OnError.FAIL);
    }

    PairBatches(List<PreferencePair> pairs, Collate collate, OnError onError) {
        this.pairs = new SkippingBatches<>(pairs, (chosen, indices) -> {
            PreferenceBatch batch = collate.apply(chosen, indices);
            if (batch.pairs() != indices.length) {
                throw new IllegalStateException("the collator returned " + batch.pairs() + " pairs for " + indices.length + " examples");
            }
            return batch;
        }, p -> String.valueOf(p.source()), onError == OnError.SKIP, "pair");
    }

    @Override public int size() { return pairs.size(); }

    @Override
    public PairBatch batch(int[] indices) {
        SkippingBatches.Collated<PreferenceBatch> c = pairs.collate(indices);
        if (c == null) {
            return null;
        }
        if (reference == null) {
            return new PairBatch(c.batch(), null);
        }
        double[][] picked = new double[4][c.indices().length];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < c.indices().length; i++) {
                picked[k][i] = reference[k][c.indices()[i]];
            }
        }
        ReferenceLogps ref = ReferenceLogps.sumsAndShared(picked[0], picked[1], picked[2], picked[3]);
        // the batch's own copy is float (the collator's type); the objective reads ref, in full precision
        return new PairBatch(c.batch().withReference(floats(picked[0]), floats(picked[1])), ref);
    }

    @Override
    public Map<String, Double> skipped() { return pairs.skipped(); }

    boolean hasReference() { return reference != null; }

    double[][] referenceArrays() { return reference; }

    void referenceArrays(double[][] stored) { reference = stored; }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * Stores reference log-probs for every pair, computed batch by batch in index order (a pair dropped
     * under the skip policy keeps NaN: it is never trained on).
     */
    void precompute(int batchSize, Function<PreferenceBatch, ReferenceLogps> score) {
        int n = pairs.size();
        double[][] store = new double[4][n];
        for (double[] row : store) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        for (int from = 0; from < n; from += batchSize) {
            SkippingBatches.Collated<PreferenceBatch> c = pairs.collate(java.util.stream.IntStream.range(from, Math.min(n, from + batchSize)).toArray());
            if (c == null) {
                continue;
            }
            ReferenceLogps r = score.apply(c.batch());
            for (int j = 0; j < c.indices().length; j++) {
                int i = c.indices()[j];
                store[0][i] = r.chosen()[j];
                store[1][i] = r.rejected()[j];
                store[2][i] = r.chosenShared()[j];
                store[3][i] = r.rejectedShared()[j];
            }
        }
        reference = store;
    }
}
