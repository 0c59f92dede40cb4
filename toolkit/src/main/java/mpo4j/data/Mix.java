package mpo4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Mixes datasets by ratio. Source {@code k} contributes {@code round(size · w_k / Σw)} records
 * (largest remainders, so the counts sum to {@code size}); a source asked for more records than it has
 * is repeated whole and topped up with a sample, otherwise it is sampled without replacement. The result
 * is shuffled. Without {@link #size(int)} the size is the largest that needs no repetition,
 * {@code floor(min_k n_k · Σw / w_k)}.
 */
public final class Mix<T> {
    private final List<Dataset<T>> parts = new ArrayList<>();
    private final List<Double> weights = new ArrayList<>();
    private Integer size;
    private long seed;

    Mix() {}

    /** Adds a source with a positive weight (weights need not sum to 1). */
    public Mix<T> add(Dataset<T> dataset, double weight) {
        if (!(weight > 0) || Double.isInfinite(weight)) throw new IllegalArgumentException("mix weight must be positive, got " + weight);
        parts.add(dataset);
        weights.add(weight);
        return this;
    }

    /** Total number of records in the mix. */
    public Mix<T> size(int size) {
        if (size < 0) throw new IllegalArgumentException("mix size must be >= 0, got " + size);
        this.size = size;
        return this;
    }

    public Mix<T> seed(long seed) {
        this.seed = seed;
        return this;
    }

    public Dataset<T> build() {
        if (parts.isEmpty()) throw new IllegalStateException("mix() needs at least one add(dataset, weight)");
        double total = weights.stream().mapToDouble(Double::doubleValue).sum();
        int n = size != null ? size : defaultSize(total);
        int[] counts = apportion(n, total);
        Random random = new Random(seed);
        List<Dataset<T>> picked = new ArrayList<>();
        for (int k = 0; k < parts.size(); k++) {
            Dataset<T> d = parts.get(k);
            if (counts[k] > 0 && d.size() == 0) throw new IllegalArgumentException("mix source " + k + " is empty");
            int[] idx = new int[counts[k]];
            int full = d.size() == 0 ? 0 : counts[k] / d.size();
            int at = 0;
            for (int t = 0; t < full; t++) for (int i = 0; i < d.size(); i++) idx[at++] = i;
            int[] perm = Dataset.permutation(d.size(), random);
            System.arraycopy(perm, 0, idx, at, counts[k] - at);
            picked.add(new Views.Indexed<>(d, idx, seed));
        }
        return new Views.Concat<>(picked, seed).shuffle(seed ^ 0x5DEECE66DL);
    }

    private int defaultSize(double total) {
        double n = Double.MAX_VALUE;
        for (int k = 0; k < parts.size(); k++) n = Math.min(n, parts.get(k).size() * total / weights.get(k));
        return (int) Math.floor(n + 1e-9);
    }

    /** Largest-remainder apportionment of {@code n} records by weight. */
    private int[] apportion(int n, double total) {
        int[] counts = new int[parts.size()];
        double[] rest = new double[parts.size()];
        int given = 0;
        for (int k = 0; k < counts.length; k++) {
            double exact = n * weights.get(k) / total;
            counts[k] = (int) Math.floor(exact + 1e-9);
            rest[k] = exact - counts[k];
            given += counts[k];
        }
        while (given < n) {
            int best = 0;
            for (int k = 1; k < counts.length; k++) if (rest[k] > rest[best]) best = k;
            counts[best]++;
            rest[best] = -1;
            given++;
        }
        return counts;
    }
}
