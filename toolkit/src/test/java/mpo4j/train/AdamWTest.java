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
