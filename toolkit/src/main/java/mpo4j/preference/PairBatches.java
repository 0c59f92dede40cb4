package mpo4j.preference;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.loss.ReferenceLogps;
import mpo4j.train.Batches;

/** Preference pairs collated on demand, with optional per-pair precomputed reference log-probs. */
final class PairBatches implements Batches<PairBatch> {
    private final List<PreferencePair> pairs;
    private final Collate collate;
    private float[][] reference;   // chosen, rejected, chosenShared, rejectedShared: one entry per pair

    /** Makes a batch from pairs; also given the pairs' indices (e.g. to seed augmentation reproducibly). */
    @FunctionalInterface
    interface Collate {
        PreferenceBatch apply(List<PreferencePair> pairs, int[] indices);
    }

    PairBatches(List<PreferencePair> pairs, Collate collate) {
        this.pairs = List.copyOf(pairs);
        this.collate = collate;
    }

    @Override public int size() { return pairs.size(); }

    @Override
    public PairBatch batch(int[] indices) {
        List<PreferencePair> chosen = new ArrayList<>(indices.length);
        for (int i : indices) {
            chosen.add(pairs.get(i));
        }
        PreferenceBatch batch = collate.apply(chosen, indices);
        if (batch.pairs() != indices.length) {
            throw new IllegalStateException("the collator returned " + batch.pairs() + " pairs for " + indices.length + " examples");
        }
        if (reference == null) {
            return new PairBatch(batch, null);
        }
        float[][] picked = new float[4][indices.length];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < indices.length; i++) {
                picked[k][i] = reference[k][indices[i]];
            }
        }
        ReferenceLogps ref = new ReferenceLogps(picked[0], picked[1], picked[2], picked[3]);
        return new PairBatch(batch.withReference(ref.chosen(), ref.rejected()), ref);
    }

    boolean hasReference() { return reference != null; }

    float[][] referenceArrays() { return reference; }

    void referenceArrays(float[][] stored) { reference = stored; }

    /** Stores reference log-probs for every pair, computed batch by batch in index order. */
    void precompute(int batchSize, Function<PreferenceBatch, ReferenceLogps> score) {
        int n = pairs.size();
        float[][] store = new float[4][n];
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            int[] idx = java.util.stream.IntStream.range(from, to).toArray();
            ReferenceLogps r = score.apply(collate.apply(pairs.subList(from, to), idx));
            for (int i = from; i < to; i++) {
                store[0][i] = r.chosen()[i - from];
                store[1][i] = r.rejected()[i - from];
                store[2][i] = r.chosenShared()[i - from];
                store[3][i] = r.rejectedShared()[i - from];
            }
        }
        reference = store;
    }
}
