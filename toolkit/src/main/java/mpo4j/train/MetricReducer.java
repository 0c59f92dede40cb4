package mpo4j.train;

import mpo4j.engine.HostCopy;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Combines metrics of several batches into one row: each metric's weighted mean
 * {@code Σ w·v / Σ w}, with the weights the objective gave ({@link StepOutput#weights()}). Used for the
 * micro-batches of an optimizer step and for the batches of an evaluation alike, so that logged values
 * are exact means over the examples (pairs, tokens) they cover — not means of batch means, which weigh
 * a short last batch as much as a full one. A metric a batch did not report (or reported with weight 0)
 * does not count for that batch.
 *
 * <p>Values still on the device ({@link DeviceMetric}, and whatever else the loop needs from the step,
 * {@link #await}) are queued, detached, and reach the host together in one {@link #transfer()}: one
 * device-to-host copy per optimizer step instead of one per metric and micro-batch. Each metric is
 * accumulated in the order it was added, so the means equal those of reading every value at once.
 */
public final class MetricReducer {
    private static final AtomicLong TRANSFERS = new AtomicLong();

    private final Map<String, double[]> sums = new LinkedHashMap<>();   // name -> {Σ w·v, Σ w}
    private final List<NDArray> queued = new ArrayList<>();
    /** Each array queued so far (by identity) → its slot in {@link #queued}: metrics that share one array copy it once. */
    private final Map<NDArray, Integer> slots = new IdentityHashMap<>();
    private final List<Consumer<double[]>> receivers = new ArrayList<>();
    private final List<Integer> receiverSlots = new ArrayList<>();

    /** Adds one value with its weight. */
    public MetricReducer add(String name, double value, double weight) {
        if (weight > 0 && !Double.isNaN(value)) {
            double[] s = sums.computeIfAbsent(name, k -> new double[2]);
            s[0] += weight * value;
            s[1] += weight;
        } else {
            sums.putIfAbsent(name, new double[2]);
        }
        return this;
    }

    /**
     * Adds a metric still on the device with its weight: it takes its place in the row now and its value
     * at the next {@link #transfer()}. The detached values are kept in {@code keep} until then.
     */
    public MetricReducer add(String name, DeviceMetric metric, double weight, NDManager keep) {
        sums.putIfAbsent(name, new double[2]);
        await(metric.values(), keep, v -> add(name, metric.value().applyAsDouble(v), weight));
        return this;
    }

    /**
     * Adds every metric of a batch with its weight: host metrics now, device metrics (kept in
     * {@code keep}) at the next {@link #transfer()}.
     */
    public MetricReducer add(StepOutput out, NDManager keep) {
        out.metrics().forEach((k, v) -> add(k, v, out.weight(k)));
        out.deviceMetrics().forEach((k, m) -> add(k, m, out.weight(k), keep));
        return this;
    }

    /** Adds the host metrics of a batch with their weights (a batch without device metrics). */
    public MetricReducer add(StepOutput out) {
        if (!out.deviceMetrics().isEmpty()) {
            throw new IllegalArgumentException("the batch has device metrics " + out.deviceMetrics().keySet()
                    + ": add it with a manager that keeps them until transfer()");
        }
        out.metrics().forEach((k, v) -> add(k, v, out.weight(k)));
        return this;
    }

    /**
     * Queues {@code values} (detached, kept in {@code keep}) for the next {@link #transfer()}, which hands
     * them to {@code receiver} flattened, as doubles. Receivers run in the order they were queued. The same
     * array queued again (e.g. one packed vector several metrics read) is copied once.
     */
    public void await(NDArray values, NDManager keep, Consumer<double[]> receiver) {
        Integer slot = slots.get(values);
        if (slot == null) {
            NDArray detached = values.stopGradient();
            detached.attach(keep);
            slot = queued.size();
            queued.add(detached);
            slots.put(values, slot);
        }
        receivers.add(receiver);
        receiverSlots.add(slot);
    }

    /**
     * Copies every queued array to the host in one transfer and hands each receiver its values (a
     * receiver may throw, e.g. on a non-finite loss; the later ones then do not run). Nothing is copied
     * when nothing is queued.
     */
    public void transfer() {
        if (queued.isEmpty()) {
            return;
        }
        NDList flat = new NDList(queued.size());
        long[] sizes = new long[queued.size()];
        for (int i = 0; i < queued.size(); i++) {
            NDArray a = queued.get(i);
            sizes[i] = a.size();
            flat.add(a.reshape(a.size()).toType(DataType.FLOAT64, false));      // float32 widens exactly
        }
        NDArray all = flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat);
        double[] values = HostCopy.doubles(all);
        TRANSFERS.incrementAndGet();
        int[] starts = new int[sizes.length + 1];
        for (int i = 0; i < sizes.length; i++) {
            starts[i + 1] = starts[i] + Math.toIntExact(sizes[i]);
        }
        List<Consumer<double[]>> todo = new ArrayList<>(receivers);
        List<Integer> todoSlots = new ArrayList<>(receiverSlots);
        queued.clear();
        slots.clear();
        receivers.clear();
        receiverSlots.clear();
        for (int i = 0; i < todo.size(); i++) {
            int slot = todoSlots.get(i);
            todo.get(i).accept(java.util.Arrays.copyOfRange(values, starts[slot], starts[slot + 1]));
        }
    }

    /** The weighted means in first-seen order (NaN for a metric that never had weight); device values must have been {@link #transfer() transferred}. */
    public Map<String, Double> means() {
        if (!queued.isEmpty()) {
            throw new IllegalStateException(queued.size() + " device values are not transferred yet: call transfer() first");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[1] == 0 ? Double.NaN : s[0] / s[1]));
        return out;
    }

    /**
     * Device-to-host transfers made by every reducer in this process so far (one per {@link #transfer()}
     * that had values), so tests and profilers can check the one-copy-per-step rule.
     */
    public static long hostTransfers() {
        return TRANSFERS.get();
    }
}
