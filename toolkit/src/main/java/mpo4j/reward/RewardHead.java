package mpo4j.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import mpo4j.engine.Scalar;
import mpo4j.engine.HostCopy;

/**
 * One named scoring head on the backbone's final hidden states:
 * pool → Linear(H,H) → RMSNorm → SiLU → Linear(H,1, no bias) → sigmoid.
 *
 * <p>Parameters ({@code heads.<name>.…}): {@code pool.query} (attention pooling only),
 * {@code dense.weight}, {@code dense.bias}, {@code norm.weight}, {@code out.weight} and
 * {@code log_scale} (HPS scale only). Every activation is the receiver of its operation so results
 * live in the caller's scope, never in the model's manager.
 */
final class RewardHead {
    static final double INIT_STD = 0.02;
    static final float RMS_EPS = 1e-6f;
    /** HPS's initial temperature: the scale starts at {@code 1/0.07}. */
    static final double HPS_INIT = Math.log(1 / 0.07);
    private static final float MASKED = -1e9f;

    final String name;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final NDArray query;
    private final NDArray denseWeight;
    private final NDArray denseBias;
    private final NDArray normWeight;
    private final NDArray outWeight;
    private final NDArray logScale;

    RewardHead(String name, int hidden, boolean attentionPooling, boolean hpsScale, long seed, NDManager manager) {
        this.name = name;
        query = attentionPooling ? normal("pool.query", seed, manager, hidden, 1) : null;   // [H, 1]: no reshape per step
        denseWeight = normal("dense.weight", seed, manager, hidden, hidden);
        denseBias = constant("dense.bias", 0f, manager, hidden);
        normWeight = constant("norm.weight", 1f, manager, hidden);
        outWeight = normal("out.weight", seed, manager, 1, hidden);
        logScale = hpsScale ? constant("log_scale", (float) HPS_INIT, manager) : null;
    }

    /** Parameters under their full names ({@code heads.<name>.…}), in a fixed order. */
    Map<String, NDArray> parameters() { return parameters; }

    boolean hasScale() { return logScale != null; }

    /** The learnable HPS log-scale {@code s_h} (NaN without one). */
    double logScale() { return logScale == null ? Double.NaN : HostCopy.doubles(logScale)[0]; }

    /**
     * Scores {@code [N]} in (0,1) from hidden states {@code [N, L, H]} of rows with {@code lengths}
     * real tokens (right padding).
     */
    NDArray score(NDArray hidden, int[] lengths, NDManager scope) {
        NDArray x = pool(hidden, lengths, scope);
        x = x.getNDArrayInternal().linear(x, denseWeight, denseBias).singletonOrThrow();
        x = x.mul(Scalar.pow(x.square().mean(new int[] {-1}, true).add(RMS_EPS), -0.5)).mul(normWeight);
        x = x.mul(Activation.sigmoid(x));                                                    // SiLU
        x = x.getNDArrayInternal().linear(x, outWeight, null).singletonOrThrow();
        return Activation.sigmoid(x.reshape(-1));
    }

    /** HPS train-time scaling {@code score · exp(s_h)}; the identity without a scale. */
    NDArray scaled(NDArray scores, NDManager scope) {
        if (logScale == null) {
            return scores;
        }
        NDArray factor = logScale.exp();   // created next to the parameter: move it into the step's scope
        factor.attach(scope);
        return scores.mul(factor);
    }

    /** Last real token of each row, or attention pooling over the real tokens with the learnable query. */
    private NDArray pool(NDArray hidden, int[] lengths, NDManager scope) {
        int n = lengths.length;
        int len = Math.toIntExact(hidden.getShape().get(1));
        if (query == null) {
            float[] pick = new float[n * len];
            for (int r = 0; r < n; r++) {
                pick[r * len + lengths[r] - 1] = 1f;
            }
            return hidden.mul(scope.create(pick, new Shape(n, len, 1))).sum(new int[] {1});
        }
        float[] mask = new float[n * len];
        for (int r = 0; r < n; r++) {
            java.util.Arrays.fill(mask, r * len + lengths[r], (r + 1) * len, MASKED);
        }
        long h = hidden.getShape().get(2);
        NDArray logits = Scalar.mul(hidden.matMul(query), 1 / Math.sqrt(h))
                .add(scope.create(mask, new Shape(n, len, 1)));
        return hidden.mul(logits.softmax(1)).sum(new int[] {1});
    }

    private NDArray normal(String local, long seed, NDManager manager, long... shape) {
        String full = "heads." + name + "." + local;
        float[] v = new float[Math.toIntExact(new Shape(shape).size())];
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + full.hashCode());
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * INIT_STD);
        }
        return register(full, manager.create(v, new Shape(shape)));
    }

    private NDArray constant(String local, float value, NDManager manager, long... shape) {
        float[] v = new float[Math.toIntExact(new Shape(shape).size())];
        java.util.Arrays.fill(v, value);
        return register("heads." + name + "." + local, manager.create(v, new Shape(shape)));
    }

    private NDArray register(String full, NDArray array) {
        array.setName(full);
        array.setRequiresGradient(true);
        parameters.put(full, array);
        return array;
    }
}
