package mpo4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdamWTest {
    static {
        Mpo4jEngine.ensureOffline();
    }

    /** Sets the gradient of every parameter to the given constants via loss = Σ g_i·p_i. */
    private static void backward(NDManager m, List<NDArray> params, float... g) {
        Grads.zero(params);
        try (NDManager scope = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (int i = 0; i < params.size(); i++) {
                NDArray term = params.get(i).mul(g[i]).sum();
                term.attach(scope);
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    @Test
    void twoStepsMatchTheHandComputedUpdate() {
        try (NDManager m = NDManager.newBaseManager(); AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.0)) {
            NDArray p = m.create(new float[] {1f});
            p.setRequiresGradient(true);
            // step 1, g = 0.5: m̂ = 0.5, v̂ = 0.25 → p = 1 − 0.1·0.5/0.5 = 0.9
            backward(m, List.of(p), 0.5f);
            opt.update(Map.of("p", p), 0.1);
            assertEquals(0.900000002, p.getFloat(), 1e-6);
            assertEquals(0.05, opt.firstMoment("p").getFloat(), 1e-7);
            assertEquals(0.00025, opt.secondMoment("p").getFloat(), 1e-9);
            // step 2, g = −1: m = −0.055, v = 0.00124975, bc1 = 0.19, bc2 = 0.001999
            // p = 0.9 + 0.1·(0.055/0.19)/(√0.00124975/√0.001999) = 0.93661035
            backward(m, List.of(p), -1f);
            opt.update(Map.of("p", p), 0.1);
            assertEquals(0.93661035, p.getFloat(), 2e-6);
            assertEquals(2, opt.step());
        }
    }

    /** Sets the gradients to the given arrays (one per parameter) via loss = Σ sum(g_i·p_i). */
    private static void backward(NDManager m, List<NDArray> params, float[][] g) {
        Grads.zero(params);
        try (NDManager scope = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            for (int i = 0; i < params.size(); i++) {
                NDArray term = params.get(i).mul(scope.create(g[i], params.get(i).getShape())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            gc.backward(loss);
        }
    }

    /**
     * The fused update against a float64 replay of torch.optim.AdamW's documented algorithm (with
     * clip_grad_norm_ first): 8 steps of gradients that change sign, on a vector, a 2×2 matrix and a vector
     * whose gradients (~1e-8) are as small as ε, so that ε's bias correction shows; with weight decay off
     * and on, clipping inactive and active. Every step checks the weights, both moments and the gradient norm
     * the trainer logs.
     *
     * Tolerances (u = 2^-24 ≈ 6e-8, float32's unit roundoff). Each element's gradient magnitude stays within
     * [0.5, 1]·(1 + i/4)·scale (≤ 1.75) and clipping changes the scale by at most 2 between steps, so
     * |m̂|/(√v̂+ε) ≤ 4 (m̂ and v̂ are weighted means of g and g²). |p| stays ≤ 2.
     * (1) The native update runs in float32: ~10 roundings of the update, ≤ 10u·lr·4 per step, and 2
     *     roundings of p (decay, update), ≤ 2u·2.
     * (2) The first moment decays with b1 = β1 + 6.4e-7 (see AdamW: float32 cannot hold torch's 1−β2, and
     *     the gradient scale that repairs v costs m this): after t steps each weight of m̂ is off by at most
     *     δ·(t−1) relative, δ = 6.4e-7/0.9 = 7.1e-7, the update by ≤ lr·δ·(t−1)·4.
     * Summed over 8 steps: 8·(10u·lr·4 + 4u) + lr·δ·28·4 ≈ 2.9e-6 + 4.0e-6 → 1e-5 on the weights. The first
     * moment carries (2) as δ·7·1.75 ≈ 8.7e-6 plus ~(t+2)u·1.75 ≈ 1e-6 of roundings → 1e-5; the second only
     * roundings, ~(2t+4)u ≈ 1.2e-6 relative → 3e-6 relative. Mistakes these catch: the second moment without
     * the gradient scale is 1.3e-5 too small; ε not scaled by √(1−β2^t) moves the tiny vector's first
     * update by ~lr/3; a bias correction one step off moves an update by ≥ lr/20; decay or clipping
     * left out moves the weights by ≥ lr·wd·|p| = 2.5e-3 per step or changes the moments by half.
     */
    @Test
    void matchesAFloat64ReplayOfTorchAdamWWithClippingAndDecay() {
        double lr = 0.05;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        int steps = 8;
        float[][] init = {{1f, -2f, 0.3f}, {0.5f, -0.25f, 1.5f, -1f}, {0.7f, -0.1f}};
        double[] scale = {1, 1, 1e-8};
        String[] names = {"a", "b", "tiny"};
        for (double wd : new double[] {0.0, 0.1}) {
            for (double maxNorm : new double[] {-1, 1.0}) {
                try (NDManager m = NDManager.newBaseManager(); AdamW opt = new AdamW(beta1, beta2, eps, wd)) {
                    List<NDArray> arrays = List.of(m.create(init[0]), m.create(init[1], new ai.djl.ndarray.types.Shape(2, 2)), m.create(init[2]));
                    Map<String, NDArray> params = new java.util.LinkedHashMap<>();
                    for (int k = 0; k < 3; k++) {
                        arrays.get(k).setRequiresGradient(true);
                        params.put(names[k], arrays.get(k));
                    }
                    double[][] p = {toDoubles(init[0]), toDoubles(init[1]), toDoubles(init[2])};
                    double[][] mt = {new double[3], new double[4], new double[2]};
                    double[][] vt = {new double[3], new double[4], new double[2]};
                    String where = "wd " + wd + ", maxNorm " + maxNorm;
                    boolean clipped = false;
                    for (int t = 1; t <= steps; t++) {
                        float[][] g = new float[3][];
                        for (int k = 0; k < 3; k++) {
                            g[k] = new float[p[k].length];
                            for (int i = 0; i < g[k].length; i++) {
                                double sign = Math.sin(1.7 * t + 0.9 * i + 2.1 * k) >= 0 ? 1 : -1;
                                g[k][i] = (float) (sign * (0.5 + 0.5 * Math.abs(Math.cos(0.8 * t + i))) * (1 + i / 4.0) * scale[k]);
                            }
                        }
                        backward(m, arrays, g);
                        // reference: clip_grad_norm_, then AdamW, all in double
                        double sumSq = 0;
                        for (float[] gk : g) {
                            for (float x : gk) {
                                sumSq += (double) x * x;
                            }
                        }
                        double norm = Math.sqrt(sumSq);
                        double coef = maxNorm > 0 ? Math.min(1.0, maxNorm / (norm + 1e-6)) : 1.0;
                        clipped |= coef < 1;
                        double bc1 = 1 - Math.pow(beta1, t);
                        double bc2 = 1 - Math.pow(beta2, t);
                        for (int k = 0; k < 3; k++) {
                            for (int i = 0; i < p[k].length; i++) {
                                double gi = g[k][i] * coef;
                                p[k][i] *= 1 - lr * wd;
                                mt[k][i] = beta1 * mt[k][i] + (1 - beta1) * gi;
                                vt[k][i] = beta2 * vt[k][i] + (1 - beta2) * gi * gi;
                                p[k][i] -= lr / bc1 * mt[k][i] / (Math.sqrt(vt[k][i]) / Math.sqrt(bc2) + eps);
                            }
                        }
                        double logged = Grads.clipGlobalNorm(arrays, -1, m);     // measures only
                        assertEquals(norm, logged, 1e-6 * norm, where + ", step " + t + ": gradient norm");
                        opt.update(params, lr, Grads.clipCoefficient(logged, maxNorm));
                        for (int k = 0; k < 3; k++) {
                            float[] got = arrays.get(k).toFloatArray();
                            float[] gotM = opt.firstMoment(names[k]).toFloatArray();
                            float[] gotV = opt.secondMoment(names[k]).toFloatArray();
                            for (int i = 0; i < got.length; i++) {
                                String at = where + ", step " + t + ", " + names[k] + "[" + i + "]";
                                assertEquals(p[k][i], got[i], 1e-5, at);
                                assertEquals(mt[k][i], gotM[i], 1e-5 * scale[k], at + " first moment");
                                assertEquals(vt[k][i], gotV[i], 3e-6 * vt[k][i], at + " second moment");
                            }
                        }
                    }
                    assertEquals(maxNorm > 0, clipped, where + ": clipping took part iff it was on");
                }
            }
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void weightDecayIsDecoupled() {
        try (NDManager m = NDManager.newBaseManager(); AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.1)) {
            NDArray p = m.create(new float[] {1f});
            p.setRequiresGradient(true);
            backward(m, List.of(p), 0.5f);
            opt.update(Map.of("p", p), 0.1);
            // p·(1 − lr·wd) − lr·m̂/√v̂ = 0.99 − 0.1 = 0.89 (the decay never enters the moments)
            assertEquals(0.89, p.getFloat(), 1e-6);
            assertEquals(0.05, opt.firstMoment("p").getFloat(), 1e-7);
        }
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        try (NDManager m = NDManager.newBaseManager(); AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.1)) {
            NDArray used = m.create(new float[] {1f});
            NDArray unused = m.create(new float[] {3f});
            used.setRequiresGradient(true);
            unused.setRequiresGradient(true);
            backward(m, List.of(used), 2f);
            opt.update(Map.of("used", used, "unused", unused), 0.1);
            assertEquals(3f, unused.getFloat());
            assertNull(opt.firstMoment("unused"));
        }
    }

    @Test
    void globalNormClippingScalesAllGradientsTogether() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1f});
            NDArray b = m.create(new float[] {1f});
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            backward(m, List.of(a, b), 3f, 4f);                     // grads (3, 4): norm 5
            double norm = Grads.clipGlobalNorm(List.of(a, b), 1.0, m);
            assertEquals(5.0, norm, 1e-6);
            try (NDManager s = m.newSubManager()) {
                assertEquals(0.6f, Grads.of(a, s).getFloat(), 1e-6);   // 3·1/5
                assertEquals(0.8f, Grads.of(b, s).getFloat(), 1e-6);   // 4·1/5
            }
            // the coefficient the trainer hands to the fused update instead: 1/(5 + 1e-6); 1 when off or not binding
            assertEquals(1.0 / (5 + 1e-6), Grads.clipCoefficient(5.0, 1.0), 1e-15);
            assertEquals(1.0, Grads.clipCoefficient(5.0, 10.0));
            assertEquals(1.0, Grads.clipCoefficient(5.0, -1));
            assertEquals(1.0, Grads.clipCoefficient(5.0, Double.POSITIVE_INFINITY));
            assertEquals(5.0, Grads.globalNorm(new double[] {3, 4}));
            // below the cap nothing changes, the norm is still reported
            double again = Grads.clipGlobalNorm(List.of(a, b), 10.0, m);
            assertEquals(1.0, again, 1e-5);
            try (NDManager s = m.newSubManager()) {
                assertEquals(0.6f, Grads.of(a, s).getFloat(), 1e-6);
            }
        }
    }

    @Test
    void momentsRoundTripBitExactly(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.0);
             AdamW restored = new AdamW(0.9, 0.999, 1e-8, 0.0)) {
            NDArray p = m.create(new float[] {1f, -2f, 0.3f});
            p.setRequiresGradient(true);
            backward(m, List.of(p), 0.123f);
            opt.update(Map.of("p", p), 0.01);
            opt.save(dir.resolve("opt.safetensors"));
            restored.load(dir.resolve("opt.safetensors"), opt.step());
            assertArrayEquals(opt.firstMoment("p").toFloatArray(), restored.firstMoment("p").toFloatArray());
            assertArrayEquals(opt.secondMoment("p").toFloatArray(), restored.secondMoment("p").toFloatArray());
            assertEquals(1, restored.step());
        }
    }

    @Test
    void corruptOptimizerFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("opt.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        try (AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.0)) {
            Exception e = assertThrows(java.io.IOException.class, () -> opt.load(f, 1));
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("shorter than 8 bytes"), e.getMessage());
        }
    }

    @Test
    void badHyperParametersAreRejected() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> new AdamW(1.0, 0.999, 1e-8, 0));
        assertTrue(e.getMessage().contains("betas must lie in [0,1), got 1.0"), e.getMessage());
    }
}
