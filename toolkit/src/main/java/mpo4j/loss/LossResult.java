package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One evaluation of a {@link PreferenceLoss} on a batch.
 *
 * <ul>
 *   <li>{@link #loss()}: the total as a scalar NDArray carrying the gradient (call {@code backward} on it);</li>
 *   <li>{@link #value()}: the same as a double;</li>
 *   <li>{@link #components()}: each loss type's mean over the batch (before its mixing weight);</li>
 *   <li>{@link #perPair(LossType)}: each type's per-pair losses (WPO weight applied; for {@code aot*} entry i
 *       is the i-th sorted difference, not pair i); {@link #pairLosses()}: Σ_k w_k·loss_k[i];</li>
 *   <li>{@link #chosenRewards()}/{@link #rejectedRewards()}: β·(π − r) per pair;</li>
 *   <li>{@link #metrics()}: TRL's metric names, {@code loss}, {@code loss/<type>}, {@code bco/delta}.</li>
 * </ul>
 *
 * <p>Every number above is computed on the device and packed into one float64 vector,
 * {@link #deviceValues()}; the host accessors copy it once, on first use. A trainer instead ships the
 * vector with the rest of its optimizer step in one transfer and hands the copied values to
 * {@link #metrics(double[])}, after which every accessor answers without another copy. The checks of
 * {@link PreferenceLoss#compute} (NaN inputs, non-finite components) run where the values reach the host.
 */
public final class LossResult {
    private final NDArray loss;
    private final PreferenceLoss config;
    private final Layout layout;
    private final NDArray values;
    private final SequenceLogps policy;
    private final BcoDelta delta;
    private final long deltaId;
    private Host host;

    /** Where each number sits in the packed vector: πs, per-pair losses, means, total, references, δ, logit sums. */
    record Layout(int pairs, int types, boolean hasDelta, int logitPositions) {
        int perPair(int k) { return 2 * pairs + k * pairs; }
        int mean(int k) { return 2 * pairs + types * pairs + k; }
        int total() { return 2 * pairs + types * pairs + types; }
        int ref() { return total() + 1; }
        int delta() { return ref() + 2 * pairs; }
        int logits() { return delta() + (hasDelta ? 1 : 0); }
        int size() { return logits() + logitPositions; }
    }

    /** The numbers on the host. */
    private record Host(double value, Map<LossType, Double> components, Map<LossType, float[]> perPair,
                        float[] chosenRewards, float[] rejectedRewards, Double bcoDelta, Map<String, Double> metrics) {}

    LossResult(NDArray loss, PreferenceLoss config, Layout layout, NDArray values, SequenceLogps policy, BcoDelta delta, long deltaId) {
        this.loss = loss;
        this.config = config;
        this.layout = layout;
        this.values = values;
        this.policy = policy;
        this.delta = delta;
        this.deltaId = deltaId;
    }

    private LossResult(LossResult graphless) {
        this(null, graphless.config, graphless.layout, null, graphless.policy, null, 0);
        this.host = graphless.host();
    }

    /** The same numbers without the gradient graph (what the plain-array {@code compute} returns); copies them now. */
    LossResult withoutGraph() {
        return new LossResult(this);
    }

    /**
     * Every number of this result in one float64 vector on the device, without gradient (for a trainer
     * that copies it to the host with the rest of its step; then give the copy to {@link #metrics(double[])}).
     *
     * @throws IllegalStateException if this result came from plain arrays (its numbers are on the host already)
     */
    public NDArray deviceValues() {
        if (values == null) {
            throw new IllegalStateException("this LossResult was computed from plain arrays: its numbers are on the host already");
        }
        return values;
    }

    /**
     * The metrics ({@link #metrics()}) from the values of {@link #deviceValues()} copied to the host;
     * from then on every accessor answers from them. The first call runs the checks of
     * {@link PreferenceLoss#compute} and settles the BCO δ state.
     *
     * @throws IllegalArgumentException if a log-prob is NaN (naming the loss, the sequence and the pair)
     * @throws IllegalStateException    if a component's per-pair loss is not finite
     */
    public Map<String, Double> metrics(double[] copiedValues) {
        if (host == null) {
            if (copiedValues.length != layout.size()) {
                throw new IllegalArgumentException("expected the " + layout.size() + " values of deviceValues(), got " + copiedValues.length);
            }
            host = fromHost(copiedValues);
        }
        return host.metrics();
    }

    /** The metric names of {@link #metrics()}, in order, known without copying anything to the host. */
    public List<String> metricNames() {
        List<String> names = new ArrayList<>(List.of("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                "logps/chosen", "logps/rejected"));
        if (hasLogitMeans()) {
            names.add("logits/chosen");
            names.add("logits/rejected");
        }
        names.add("loss");
        config.types().forEach(t -> names.add("loss/" + t.trlName()));
        if (layout.hasDelta()) {
            names.add("bco/delta");
        }
        return names;
    }

    /** Logit means are reported when the policy log-probs came from logits and the chosen half scored a token. */
    private boolean hasLogitMeans() {
        if (layout.logitPositions() == 0) {
            return false;
        }
        int[] tokens = policy.tokens();
        long chosen = 0;
        for (int i = 0; i < layout.pairs(); i++) {
            chosen += tokens[i];
        }
        return chosen > 0;
    }

    private Host host() {
        if (host == null) {
            metrics(Nd.doubles(values));
        }
        return host;
    }

    /** The host numbers from the copied vector, with the same arithmetic and checks as before the copy moved. */
    private Host fromHost(double[] v) {
        int b = layout.pairs();
        double[] pi = Arrays.copyOfRange(v, 0, 2 * b);
        double[] ref = Arrays.copyOfRange(v, layout.ref(), layout.ref() + 2 * b);
        try {
            requireNoNaN(pi, "policy", b);
            requireNoNaN(ref, "reference", b);
        } catch (IllegalArgumentException e) {
            settleDelta(Double.NaN);
            throw e;
        }
        double[] ell = new double[2 * b];
        for (int i = 0; i < 2 * b; i++) {
            ell[i] = pi[i] - ref[i];
        }
        Double deltaUsed = null;
        if (layout.hasDelta()) {
            if (delta != null) {
                double batchMean = config.beta() * Arrays.stream(ell).average().orElse(0);
                if (!Double.isFinite(batchMean)) {
                    settleDelta(Double.NaN);
                    throw new IllegalArgumentException("bco_pair: batch mean reward is " + batchMean + "; δ left unchanged");
                }
            }
            deltaUsed = v[layout.delta()];
            settleDelta(deltaUsed);
        }
        List<LossType> types = config.types();
        Map<LossType, Double> components = new LinkedHashMap<>();
        Map<LossType, float[]> perPair = new LinkedHashMap<>();
        for (int k = 0; k < types.size(); k++) {
            double[] losses = Arrays.copyOfRange(v, layout.perPair(k), layout.perPair(k) + b);
            for (int i = 0; i < losses.length; i++) {
                if (!Double.isFinite(losses[i])) {
                    throw new IllegalStateException("loss '" + config.name() + "': component " + types.get(k) + " is " + losses[i]
                            + " at entry " + i + " (πc=" + pi[i] + ", πr=" + pi[b + i] + ", rc=" + ref[i] + ", rr=" + ref[b + i] + ")");
                }
            }
            perPair.put(types.get(k), Nd.floats(losses));
            components.put(types.get(k), v[layout.mean(k)]);
        }
        double value = v[layout.total()];
        float[] rewardsC = new float[b];
        float[] rewardsR = new float[b];
        for (int i = 0; i < b; i++) {
            rewardsC[i] = (float) (config.beta() * ell[i]);
            rewardsR[i] = (float) (config.beta() * ell[b + i]);
        }
        double[] logitMeans = hasLogitMeans()
                ? policy.meanLogits(Arrays.copyOfRange(v, layout.logits(), layout.logits() + layout.logitPositions()))
                : null;
        Map<String, Double> metrics = metrics(pi, ell, b, logitMeans, value, components, deltaUsed);
        return new Host(value, Collections.unmodifiableMap(components), Collections.unmodifiableMap(perPair), rewardsC, rewardsR,
                deltaUsed, Collections.unmodifiableMap(metrics));
    }

    private void settleDelta(double value) {
        if (delta != null) {
            delta.settle(deltaId, value);
        }
    }

    private Map<String, Double> metrics(double[] pi, double[] ell, int b, double[] logitMeans, double value,
                                        Map<LossType, Double> means, Double deltaUsed) {
        double beta = config.beta();
        double rc = 0, rr = 0, acc = 0, lpc = 0, lpr = 0;
        for (int i = 0; i < b; i++) {
            double c = beta * ell[i];
            double r = beta * ell[b + i];
            rc += c;
            rr += r;
            acc += c > r ? 1 : 0;
            lpc += pi[i];
            lpr += pi[b + i];
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rewards/chosen", rc / b);
        m.put("rewards/rejected", rr / b);
        m.put("rewards/margins", (rc - rr) / b);
        m.put("rewards/accuracies", acc / b);
        m.put("logps/chosen", lpc / b);
        m.put("logps/rejected", lpr / b);
        if (logitMeans != null) {
            m.put("logits/chosen", logitMeans[0]);
            m.put("logits/rejected", logitMeans[1]);
        }
        m.put("loss", value);
        means.forEach((type, x) -> m.put("loss/" + type.trlName(), x));
        if (deltaUsed != null) {
            m.put("bco/delta", deltaUsed);
        }
        return m;
    }

    private void requireNoNaN(double[] logps, String what, int b) {
        for (int i = 0; i < logps.length; i++) {
            if (Double.isNaN(logps[i])) {
                throw new IllegalArgumentException("loss '" + config.name() + "': NaN in the " + what + " log-prob of the "
                        + (i < b ? "chosen" : "rejected") + " sequence of pair " + (i % b));
            }
        }
    }

    /**
     * The total loss, a scalar NDArray with gradient, attached to the manager of the policy log-probs.
     *
     * @throws IllegalStateException if this result came from plain arrays (no graph); use {@link #value()}
     */
    public NDArray loss() {
        if (loss == null) {
            throw new IllegalStateException("this LossResult was computed from plain arrays and has no gradient graph; use value()");
        }
        return loss;
    }

    public boolean hasGraph() {
        return loss != null;
    }

    /** The total loss as a number. */
    public double value() {
        return host().value();
    }

    public PreferenceLoss config() {
        return config;
    }

    /** Mean loss of each type, in configuration order (WPO-weighted when enabled, not mixing-weighted). */
    public Map<LossType, Double> components() {
        return host().components();
    }

    public double component(LossType type) {
        Double v = host().components().get(type);
        if (v == null) {
            throw new IllegalArgumentException("loss type " + type + " is not part of " + config.name());
        }
        return v;
    }

    public float[] perPair(LossType type) {
        float[] v = host().perPair().get(type);
        if (v == null) {
            throw new IllegalArgumentException("loss type " + type + " is not part of " + config.name());
        }
        return v.clone();
    }

    /** Σ_k w_k·loss_k[i] for each entry i (the batch loss is the mean of these). */
    public float[] pairLosses() {
        List<Double> weights = config.weights();
        float[] out = null;
        int k = 0;
        for (float[] v : host().perPair().values()) {
            if (out == null) {
                out = new float[v.length];
            }
            double w = weights.get(k++);
            for (int i = 0; i < v.length; i++) {
                out[i] += (float) (w * v[i]);
            }
        }
        return out == null ? new float[0] : out;
    }

    public float[] chosenRewards() {
        return host().chosenRewards().clone();
    }

    public float[] rejectedRewards() {
        return host().rejectedRewards().clone();
    }

    /** δ used by {@code bco_pair} in this evaluation, or {@code null} when bco_pair is not configured. */
    public Double bcoDelta() {
        return host().bcoDelta();
    }

    /** Ordered metric map with TRL's names (logits/* only when computed from logits). */
    public Map<String, Double> metrics() {
        return host().metrics();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        Host h = host();
        sb.append(String.format("LossResult  loss = %.6f   (%s)%n", h.value(), config));
        int k = 0;
        List<Double> weights = config.weights();
        for (Map.Entry<LossType, Double> e : h.components().entrySet()) {
            sb.append(String.format("  %-22s %12.6f   x %s%n", "loss/" + e.getKey().trlName(), e.getValue(), weights.get(k++)));
        }
        for (Map.Entry<String, Double> e : h.metrics().entrySet()) {
            if (!e.getKey().startsWith("loss")) {
                sb.append(String.format("  %-22s %12.6f%n", e.getKey(), e.getValue()));
            }
        }
        return sb.toString().stripTrailing();
    }
}
