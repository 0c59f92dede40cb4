package mpo4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay and bias correction, exactly as {@code torch.optim.AdamW}:
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
 *   p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
 * </pre>
 * Its state (step count and both moments per parameter name) is public so that checkpoints can
 * restore it bit-exactly; DJL's own optimizers keep theirs private. Parameters without a gradient
 * are skipped (they took no part in the backward pass). Defaults follow Hugging Face / TRL:
 * β1 0.9, β2 0.999, ε 1e-8, weight decay 0 (DJL's AdamW defaults to 0.01).
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager manager = NDManager.newBaseManager();
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long step;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must lie in [0,1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("AdamW needs eps > 0 and weightDecay >= 0, got " + eps + ", " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Number of updates applied so far ({@code t} of the bias correction). */
    public long step() { return step; }

    /** First moment of a parameter, or {@code null} before its first update. */
    public NDArray firstMoment(String name) { return m.get(name); }

    /** Second moment of a parameter, or {@code null} before its first update. */
    public NDArray secondMoment(String name) { return v.get(name); }

    /** Applies one update with learning rate {@code lr} from the gradients held by the parameters. */
    public void update(Map<String, NDArray> params, double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        try (NDManager stepScope = manager.newSubManager()) {
            // The step's constants as 0-d float64 arrays, made once and shared by every parameter. DJL's
            // x.mul(Number) makes exactly such an array (and frees it) on every call: ~8 per parameter
            // per step, which cost more than the arithmetic on a small model. Same arrays, same results.
            NDArray b1 = stepScope.create(beta1);
            NDArray oneMinusB1 = stepScope.create(1 - beta1);
            NDArray b2 = stepScope.create(beta2);
            NDArray oneMinusB2 = stepScope.create(1 - beta2);
            NDArray bc2 = stepScope.create(bc2Sqrt);
            NDArray epsilon = stepScope.create(eps);
            NDArray decay = stepScope.create(1 - lr * weightDecay);
            NDArray stepSize = stepScope.create(lr / bc1);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                try (NDManager scope = stepScope.newSubManager()) {
                    NDArray g = Grads.of(p, scope);
                    if (g == null) {
                        continue;
                    }
                    NDArray mt = m.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
                    NDArray vt = v.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
                    // Borrow the long-lived arrays so that every temporary lands in (and dies with) the scope.
                    scope.tempAttachAll(mt, vt, p);
                    mt.muli(b1).addi(g.mul(oneMinusB1));
                    vt.muli(b2).addi(g.square().muli(oneMinusB2));
                    NDArray denom = vt.sqrt().divi(bc2).addi(epsilon);
                    if (weightDecay != 0) {
                        p.muli(decay);
                    }
                    p.subi(mt.div(denom).muli(stepSize));
                }
            }
        }
    }

    /** Writes both moments to a safetensors file ({@code m/<name>}, {@code v/<name>}). */
    public void save(Path file) throws IOException {
        Map<String, NDArray> all = new LinkedHashMap<>();
        m.forEach((k, a) -> all.put("m/" + k, a));
        v.forEach((k, a) -> all.put("v/" + k, a));
        TensorFile.write(file, all);
    }

    /** Restores the moments written by {@link #save} and the step count. */
    public void load(Path file, long savedStep) throws IOException {
        Map<String, TensorFile.Entry> stored = TensorFile.read(file);
        m.values().forEach(NDArray::close);
        v.values().forEach(NDArray::close);
        m.clear();
        v.clear();
        for (Map.Entry<String, TensorFile.Entry> e : stored.entrySet()) {
            String key = e.getKey();
            TensorFile.Entry t = e.getValue();
            ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(t.shape());
            NDArray a = t.float64() ? manager.create(t.values(), shape) : manager.create(t.floats(), shape);
            if (key.startsWith("m/")) {
                m.put(key.substring(2), a);
            } else if (key.startsWith("v/")) {
                v.put(key.substring(2), a);
            } else {
                a.close();
                throw new IOException(file + ": unexpected optimizer tensor '" + key + "'");
            }
        }
        this.step = savedStep;
    }

    @Override
    public void close() { manager.close(); }
}
