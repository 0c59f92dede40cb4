package mpo4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay and bias correction, as {@code torch.optim.AdamW}:
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
 *   p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
 * </pre>
 * Each parameter is updated by one native call (DJL's fused {@code adamUpdate}, in place, on a copy
 * of the gradient) instead of a dozen, which is most of the optimizer's cost on a small model. Its state
 * (step count and both moments per parameter name, in torch's units) is public so that checkpoints can
 * restore it bit-exactly; DJL's own optimizers keep theirs private. Parameters without a gradient are
 * skipped (they took no part in the backward pass). Defaults follow Hugging Face / TRL: β1 0.9,
 * β2 0.999, ε 1e-8, weight decay 0 (DJL's AdamW defaults to 0.01).
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    /*
     * The fused native update computes, in float32, with scalars it takes as float32:
     *   g' = rescale·g;  p ← p − (p·lr)·wd  (adamw)  or  g' ← g' + wd·p  (not adamw)
     *   m ← b1·m + (1−b1)·g';  v ← b2·v + (1−b2)·g'²;  p ← p − c·m / (√v + e)
     * Its 1−b is computed in float32: 1 − 0.999f = 0.00099998713, 1.3e-5 below the 0.001 torch's kernel
     * applies, and no float32 b2 comes closer. So the gradient is scaled by s = √(w2/(1−b2)), w2 being torch's
     * coefficient (float32 of 1−β2): then (1−b2)·s² = w2 and v is torch's v. The first moment then gets
     * (1−b1)·s·g, so b1 is moved (by ~6.4e-7 for β1 0.9) until (1−b1)·s is torch's w1: m equals torch's m
     * at the first step and stays within 6.4e-6 (relative) of it later (its weights sum to s, not 1, in the
     * long run).
     * Bias correction makes that exact where it matters: dividing m by the total weight its gradients got,
     * bc1 = (1−b1)·s·(1−b1^t)/(1−b1) (torch's 1−β1^t, up to that drift), and with bc2 = 1−β2^t
     *   lr/bc1 · m / (√v/√bc2 + ε) = (lr·√bc2/bc1) · m / (√v + ε·√bc2)
     * (multiply numerator and denominator by √bc2), so c = lr·√bc2/bc1 and e = ε·√bc2. What is left is the
     * slightly slower decay of m (b1 vs β1): a relative difference of at most ~1e-5 in the update when the
     * gradient changes sign from step to step, none for a constant gradient (AdamWTest checks all this
     * against a float64 replay of torch's formula). Global-norm clipping is the rescale too: s·coef.
     */
    private final float nativeBeta1;
    private final float nativeBeta2;
    private final double gradScale;
    private final NDManager manager = NDManager.newBaseManager();
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long step;

    /**
     * An optimizer with torch's hyper-parameters ({@code betas=(beta1, beta2), eps, weight_decay}).
     *
     * @throws IllegalArgumentException for betas outside [0, 1) (or so close to 1 that float32 holds 1),
     *     {@code eps <= 0} or a negative weight decay
     */
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
        this.nativeBeta2 = (float) beta2;
        this.gradScale = Math.sqrt((float) (1 - beta2) / (double) (1f - nativeBeta2));
        this.nativeBeta1 = (float) (1 - (float) (1 - beta1) / gradScale);
        if (!(nativeBeta1 < 1f) || !(nativeBeta2 < 1f)) {
            throw new IllegalArgumentException("AdamW betas must stay below 1 in float32 (at most 0.99999994), got "
                    + beta1 + ", " + beta2);
        }
    }

    /** Number of updates applied so far ({@code t} of the bias correction). */
    public long step() { return step; }

    /** First moment of a parameter ({@code exp_avg} in torch), or {@code null} before its first update. */
    public NDArray firstMoment(String name) { return m.get(name); }

    /** Second moment of a parameter ({@code exp_avg_sq} in torch), or {@code null} before its first update. */
    public NDArray secondMoment(String name) { return v.get(name); }

    /** Applies one update with learning rate {@code lr} from the gradients held by the parameters. */
    public void update(Map<String, NDArray> params, double lr) {
        update(params, lr, 1.0);
    }

    /**
     * Applies one update with learning rate {@code lr} from the gradients held by the parameters, each
     * multiplied by {@code gradScale} first (a global-norm clipping coefficient, {@link Grads#clipCoefficient}):
     * the same update as scaling the gradients and then calling {@link #update(Map, double)}, without
     * touching the stored gradients and without a native call per gradient to scale it.
     */
    public void update(Map<String, NDArray> params, double lr, double gradScale) {
        if (!(gradScale > 0) || !Double.isFinite(gradScale)) {
            throw new IllegalArgumentException("AdamW gradScale must be finite and > 0, got " + gradScale);
        }
        step++;
        double b1 = nativeBeta1;
        double bc1 = (1f - nativeBeta1) * this.gradScale * (1 - Math.pow(b1, step)) / (1 - b1);
        double rootBc2 = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr * rootBc2 / bc1);
        float epsilon = (float) (eps * rootBc2);
        float rescale = (float) (gradScale * this.gradScale);
        // without decay the non-decoupled form adds 0·p to the gradient: one native op instead of three
        boolean decoupled = weightDecay != 0;
        try (NDManager scope = manager.newSubManager()) {       // holds the step's gradient wrappers
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                NDArray g = Grads.of(p, scope);
                if (g == null) {
                    continue;
                }
                NDArray mt = m.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
                NDArray vt = v.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), p.getDataType()));
                JniUtils.adamUpdate((PtNDArray) p, (PtNDArray) g, (PtNDArray) mt, (PtNDArray) vt, (float) lr, stepSize,
                        (float) weightDecay, rescale, -1f, nativeBeta1, nativeBeta2, epsilon, decoupled);
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
