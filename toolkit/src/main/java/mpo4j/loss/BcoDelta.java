package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
 * <p>In a training step the batch mean is still on the device: {@link #update(NDArray)} folds it in
 * there, so the next micro-batch sees the new δ without a device-to-host copy, and the host state follows
 * when the step's values reach the host together ({@link LossResult} settles it). Reading the state
 * before that ({@link #value()}, {@link #toMap()}) copies the pending δ itself.
 *
 * <p>Mutable and not thread-safe: one instance per training run.
 */
public final class BcoDelta {
    private static final Gson GSON = new Gson();

    private double mean;
    private long count;
    private final boolean frozen;
    /** δ after device updates the host has not seen yet (detached, owned here), or null. */
    private NDArray pending;
    /** Identifies the latest device update; a settle for an older one is superseded. */
    private long pendingId;
    /** {@link #count} as of the last host-known state, for a rollback. */
    private long settledCount;

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
        this.settledCount = count;
        this.frozen = frozen;
    }

    /** The current δ: mean of all batch means seen so far (0 before the first batch). */
    public double value() {
        settlePending();
        return mean;
    }

    /** Number of batch means folded in. */
    public long count() {
        settlePending();
        return count;
    }

    /** Folds in one batch mean and returns the updated δ (a {@link #frozenCopy()} returns its δ unchanged). */
    public double update(double batchMean) {
        settlePending();
        if (!Double.isFinite(batchMean)) {
            throw new IllegalArgumentException("bco_pair: batch mean reward is " + batchMean + "; δ left unchanged");
        }
        if (frozen) {
            return mean;
        }
        count++;
        settledCount = count;
        mean += (batchMean - mean) / count; // incremental mean: exact running average, no growing sum
        return mean;
    }

    /**
     * Folds in one batch mean that is still on the device and returns the updated δ as a 0-d float64
     * array in {@code batchMean}'s manager: the same arithmetic as {@link #update(double)}, in float64 on
     * the device. The host state catches up when {@link #settle} receives that δ (a frozen copy returns
     * its δ unchanged). A non-finite batch mean is detected at the settle, which then leaves δ unchanged.
     *
     * @param batchMean a 0-d array, any float type, no gradient needed
     */
    public NDArray update(NDArray batchMean) {
        NDManager m = batchMean.getManager();
        if (frozen) {
            return m.create(value());
        }
        count++;
        NDArray b = batchMean.stopGradient().toType(DataType.FLOAT64, false);
        NDArray current = pending != null ? pending : m.create(mean);
        // (batchMean − mean)/count + mean, computed from b so that the result lives in the caller's manager
        NDArray next = b.sub(current).div((double) count).add(current);
        if (pending != null) {
            pending.close();
        }
        pending = next.duplicate();
        pending.detach();
        pendingId++;
        return next;
    }

    /** The identifier of the latest {@link #update(NDArray)}, for {@link #settle}. */
    long pendingId() {
        return pendingId;
    }

    /**
     * The host value of the δ that device update {@code id} returned. Only the latest update counts (an
     * older one is superseded by it); a non-finite δ (a NaN or infinite batch mean) rolls the state back
     * to the last one the host knew, as {@link #update(double)} leaves δ unchanged for such a batch.
     */
    void settle(long id, double value) {
        if (pending == null || id != pendingId) {
            return;
        }
        pending.close();
        pending = null;
        if (Double.isFinite(value)) {
            mean = value;
            settledCount = count;
        } else {
            count = settledCount;
            pendingId++;       // later updates were built on the bad value: none of them may settle
        }
    }

    /** Brings the host state up to date with a device update nobody settled yet (one copy). */
    private void settlePending() {
        if (pending != null) {
            settle(pendingId, Nd.scalar(pending));
        }
    }

    /** An independent copy that keeps updating. */
    public BcoDelta copy() {
        settlePending();
        return new BcoDelta(mean, count, frozen);
    }

    /** A copy whose δ never moves: evaluation batches use the training δ without changing it. */
    public BcoDelta frozenCopy() {
        settlePending();
        return new BcoDelta(mean, count, true);
    }

    public boolean isFrozen() {
        return frozen;
    }

    /** {@code {"mean": δ, "count": k}} for checkpoints. */
    public Map<String, Object> toMap() {
        settlePending();
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
        settlePending();
        return "BcoDelta[δ=" + mean + ", batches=" + count + (frozen ? ", frozen" : "") + "]";
    }
}
