package mpo4j.loss;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running-mean reward shift δ of {@code bco_pair} (MPO's quality loss): training state that the
 * trainer logs ({@code bco/delta}), checkpoints and restores.
 *
 * <p>Before the loss of micro-batch k, {@link #update(double)} receives {@code m_k} = the mean of
 * β·ℓ over the batch's 2B sequences, and δ becomes {@code (m_1 + … + m_k)/k}: step 1 uses its own
 * batch mean.
 *
 * <p>Mutable and not thread-safe: one instance per training run.
 */
public final class BcoDelta {
    private static final Gson GSON = new Gson();

    private double mean;
    private long count;
    private final boolean frozen;

    /** A fresh running mean (no batches seen, δ = 0). */
    public BcoDelta() {
        this.frozen = false;
    }

    private BcoDelta(double mean, long count) {
        this(mean, count, false);
    }

    private BcoDelta(double mean, long count, boolean frozen) {
        if (count < 0 || !Double.isFinite(mean)) {
            throw new IllegalArgumentException("invalid BCO delta state: mean=" + mean + " count=" + count);
        }
        this.mean = mean;
        this.count = count;
        this.frozen = frozen;
    }

    /** The current δ: mean of all batch means seen so far (0 before the first batch). */
    public double value() {
        return mean;
    }

    /** Number of batch means folded in. */
    public long count() {
        return count;
    }

    /** Folds in one batch mean and returns the updated δ (a {@link #frozenCopy()} returns its δ unchanged). */
    public double update(double batchMean) {
        if (!Double.isFinite(batchMean)) {
            throw new IllegalArgumentException("bco_pair: batch mean reward is " + batchMean + "; δ left unchanged");
        }
        if (frozen) {
            return mean;
        }
        count++;
        mean += (batchMean - mean) / count; // incremental mean: exact running average, no growing sum
        return mean;
    }

    /** An independent copy that keeps updating. */
    public BcoDelta copy() {
        return new BcoDelta(mean, count, frozen);
    }

    /** A copy whose δ never moves: evaluation batches use the training δ without changing it. */
    public BcoDelta frozenCopy() {
        return new BcoDelta(mean, count, true);
    }

    public boolean isFrozen() {
        return frozen;
    }

    /** {@code {"mean": δ, "count": k}} for checkpoints. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("mean", mean);
        map.put("count", count);
        return map;
    }

    /** Restores a state saved by {@link #toMap()}. */
    public static BcoDelta fromMap(Map<String, ?> map) {
        Object m = map.get("mean");
        Object c = map.get("count");
        if (!(m instanceof Number) || !(c instanceof Number)) {
            throw new IllegalArgumentException("BCO delta state needs numeric 'mean' and 'count', got " + map);
        }
        return new BcoDelta(((Number) m).doubleValue(), ((Number) c).longValue());
    }

    public String toJson() {
        return GSON.toJson(toMap());
    }

    public static BcoDelta fromJson(String json) {
        Map<String, Object> map = GSON.fromJson(json, new TypeToken<Map<String, Object>>() {}.getType());
        if (map == null) {
            throw new IllegalArgumentException("BCO delta state: empty JSON");
        }
        return fromMap(map);
    }

    @Override
    public String toString() {
        return "BcoDelta[δ=" + mean + ", batches=" + count + (frozen ? ", frozen" : "") + "]";
    }
}
