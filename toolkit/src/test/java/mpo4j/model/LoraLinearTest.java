package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Map;
import java.util.SplittableRandom;
import mpo4j.peft.LoraLayer;
import org.junit.jupiter.api.Test;

/** The adapter hook of {@link Nn.Linear} on a layer small enough to check by hand. */
class LoraLinearTest {

    /** W = [[1, 2, 3], [0, -1, 1]], b = [0.5, -0.5]: a 3 -> 2 layer registered as {@code proj}. */
    private static Nn.Linear layer(NDManager manager) {
        Map<String, NDArray> values = Map.of(
                "proj.weight", manager.create(new float[] {1, 2, 3, 0, -1, 1}, new Shape(2, 3)),
                "proj.bias", manager.create(new float[] {0.5f, -0.5f}));
        Weights root = Weights.root(Weights.copyOf(values), manager, false);
        Nn.Linear linear = new Nn.Linear(root.at("proj"), 3, 2, true);
        assertEquals(Map.of("proj", linear), root.linears());
        return linear;
    }

    /** A rank-1 adapter with A = [[1, -1, 0.5]], B = [[2], [-3]] and the given scaling. */
    private static LoraLayer adapter(Nn.Linear linear, double scaling, NDManager manager) {
        LoraLayer lora = LoraLayer.create(linear, 1, scaling, 0, manager, new SplittableRandom(1));
        lora.loraA().getArray().set(new float[] {1, -1, 0.5f});
        lora.loraB().getArray().set(new float[] {2, -3});
        return lora;
    }

    @Test
    void adapterAddsScaledLowRankTermOnlyInsideItsScope() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Nn.Linear linear = layer(manager);
            // lora_alpha 2, r 1: scaling 2
            LoraLayer lora = adapter(linear, 2.0, manager);
            NDArray x = manager.create(new float[] {1, 0, 2}, new Shape(1, 3));
            // x W^T + b = [1*1 + 0*2 + 2*3, 1*0 + 0*(-1) + 2*1] + [0.5, -0.5] = [7.5, 1.5]
            assertArrayEquals(new float[] {7.5f, 1.5f}, linear.apply(x).toFloatArray());
            try (AdapterScope on = AdapterScope.open(Map.of(linear, lora))) {
                // A x = 1 - 0 + 0.5*2 = 2; B (A x) = [4, -6]; times scaling 2 = [8, -12]; y = [15.5, -10.5]
                assertArrayEquals(new float[] {15.5f, -10.5f}, linear.apply(x).toFloatArray());
                try (AdapterScope off = AdapterScope.open(Map.of())) {
                    assertArrayEquals(new float[] {7.5f, 1.5f}, linear.apply(x).toFloatArray());
                }
                assertArrayEquals(new float[] {15.5f, -10.5f}, linear.apply(x).toFloatArray());
            }
            assertArrayEquals(new float[] {7.5f, 1.5f}, linear.apply(x).toFloatArray());
        }
    }

    @Test
    void gradientsOfTheAdapterFollowTheChainRule() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Nn.Linear linear = layer(manager);
            LoraLayer lora = adapter(linear, 2.0, manager);
            NDArray x = manager.create(new float[] {1, 0, 2}, new Shape(1, 3));
            try (AdapterScope on = AdapterScope.open(Map.of(linear, lora));
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(linear.apply(x).sum());
            }
            // L = sum(y), dL/dy = [1, 1].
            // dL/dB[o] = scaling * (A x) * dy[o] = 2 * 2 * 1 = 4 for both outputs
            assertArrayEquals(new float[] {4, 4}, lora.loraB().getArray().getGradient().toFloatArray());
            // dL/dA = scaling * (B^T dy) x^T = 2 * (2 - 3) * [1, 0, 2] = [-2, 0, -4]
            assertArrayEquals(new float[] {-2, 0, -4}, lora.loraA().getArray().getGradient().toFloatArray());
            assertFalse(linear.weight.getArray().hasGradient(), "the base weight was built frozen");
        }
    }

    @Test
    void freshAdapterIsKaimingUniformAWithZeroB() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Nn.Linear linear = layer(manager);
            LoraLayer lora = LoraLayer.create(linear, 4, 1.0, 0, manager, new SplittableRandom(7));
            assertEquals(new Shape(4, 3), lora.loraA().getArray().getShape());
            assertEquals(new Shape(2, 4), lora.loraB().getArray().getShape());
            // kaiming_uniform_(a=sqrt(5)): bound = sqrt(2 / (1 + 5)) * sqrt(3 / fan_in) = 1 / sqrt(3) for fan_in 3
            double bound = 1 / Math.sqrt(3);
            float[] a = lora.loraA().getArray().toFloatArray();
            for (float v : a) {
                assertTrue(Math.abs(v) <= bound, "A value " + v + " outside +-" + bound);
            }
            assertTrue(java.util.stream.IntStream.range(0, a.length).anyMatch(i -> Math.abs(a[i]) > bound / 4), "A is not degenerate");
            assertArrayEquals(new float[8], lora.loraB().getArray().toFloatArray());
            assertTrue(ai.djl.pytorch.jni.JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) lora.loraA().getArray()));
        }
    }
}
