package mpo4j.preference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.OnError;
import mpo4j.data.PreferencePair;
import mpo4j.loss.ReferenceLogps;
import mpo4j.train.Batches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preference pairs collated on demand, with optional per-pair precomputed reference log-probs.
 *
 * <p>A pair that fails to collate (a truncated image, say: loading and {@code validate()} read only
 * image headers) is handled by the error policy: {@link OnError#FAIL} stops with an error naming the
 * pair's file and line; {@link OnError#SKIP} drops it from every batch it falls in, logs it once
 * (file:line and the problem) and counts it in the {@code skipped_pairs} metric.
 */
final class PairBatches implements Batches<PairBatch> {
    /** Metric: distinct pairs dropped so far because they failed to collate. */
    static final String SKIPPED_PAIRS = "skipped_pairs";
    private static final Logger LOG = LoggerFactory.getLogger(PairBatches.class);

    private final List<PreferencePair> pairs;
    private final Collate collate;
    private final OnError onError;
    private final Map<Integer, String> bad = new TreeMap<>();   // pair index -> why it was dropped
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
        this.pairs = List.copyOf(pairs);
        this.collate = collate;
        this.onError = onError;
    }

    @Override public int size() { return pairs.size(); }

    @Override
    public PairBatch batch(int[] indices) {
        Collated c = collate(indices);
        if (c == null) {
            return null;
        }
        if (reference == null) {
            return new PairBatch(c.batch, null);
        }
        double[][] picked = new double[4][c.indices.length];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < c.indices.length; i++) {
                picked[k][i] = reference[k][c.indices[i]];
            }
        }
        ReferenceLogps ref = ReferenceLogps.sumsAndShared(picked[0], picked[1], picked[2], picked[3]);
        // the batch's own copy is float (the collator's type); the objective reads ref, in full precision
        return new PairBatch(c.batch.withReference(floats(picked[0]), floats(picked[1])), ref);
    }

    @Override
    public Map<String, Double> skipped() {
        return onError == OnError.SKIP ? Map.of(SKIPPED_PAIRS, (double) bad.size()) : Map.of();
    }

    /** Indices of the pairs dropped so far and why (file:line: problem). */
    Map<Integer, String> skippedPairs() { return new LinkedHashMap<>(bad); }

    /** A batch and the pair indices it holds (fewer than asked when pairs were skipped). */
    private record Collated(PreferenceBatch batch, int[] indices) {}

    /** Collates {@code indices} under the error policy; {@code null} when every pair was dropped. */
    private Collated collate(int[] indices) {
        int[] keep = indices;
        if (!bad.isEmpty()) {
            keep = java.util.Arrays.stream(indices).filter(i -> !bad.containsKey(i)).toArray();
            if (keep.length == 0) {
                return null;
            }
        }
        try {
            return new Collated(collateExactly(keep), keep);
        } catch (RuntimeException whole) {
            List<Integer> good = new ArrayList<>();
            for (int i : keep) {
                try {
                    collateExactly(new int[] {i});
                    good.add(i);
                } catch (RuntimeException single) {
                    String why = describe(i, single);
                    if (onError == OnError.FAIL) {
                        throw new IllegalArgumentException("pair " + why + " (skip such pairs with onError(OnError.SKIP))", single);
                    }
                    bad.put(i, why);
                    LOG.warn("skipping pair {} (onError SKIP)", why);
                }
            }
            if (good.size() == keep.length) {
                throw whole;                   // no single pair is at fault: a problem of the batch itself
            }
            if (good.isEmpty()) {
                return null;
            }
            int[] kept = good.stream().mapToInt(Integer::intValue).toArray();
            return new Collated(collateExactly(kept), kept);
        }
    }

    private PreferenceBatch collateExactly(int[] indices) {
        List<PreferencePair> chosen = new ArrayList<>(indices.length);
        for (int i : indices) {
            chosen.add(pairs.get(i));
        }
        PreferenceBatch batch = collate.apply(chosen, indices);
        if (batch.pairs() != indices.length) {
            throw new IllegalStateException("the collator returned " + batch.pairs() + " pairs for " + indices.length + " examples");
        }
        return batch;
    }

    /** "file:line: problem" (a data error already starts with its source). */
    private String describe(int index, RuntimeException e) {
        String source = String.valueOf(pairs.get(index).source());
        String message = String.valueOf(e.getMessage());
        return message.startsWith(source) ? message : source + ": " + message;
    }

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
            int to = Math.min(n, from + batchSize);
            Collated c = collate(java.util.stream.IntStream.range(from, to).toArray());
            if (c == null) {
                continue;
            }
            ReferenceLogps r = score.apply(c.batch);
            for (int j = 0; j < c.indices.length; j++) {
                int i = c.indices[j];
                store[0][i] = r.chosen()[j];
                store[1][i] = r.rejected()[j];
                store[2][i] = r.chosenShared()[j];
                store[3][i] = r.rejectedShared()[j];
            }
        }
        reference = store;
    }
}
