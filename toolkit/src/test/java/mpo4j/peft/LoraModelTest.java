package mpo4j.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import mpo4j.model.AdaptableLinear;
import mpo4j.model.CausalLm;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import org.junit.jupiter.api.Test;

class LoraModelTest {
    private static final TinyVlmConfig CONFIG = TinyModels.small();

    private static boolean requiresGrad(Parameter p) { return JniUtils.requiresGrad((PtNDArray) p.getArray()); }

    @Test
    void registryNamesEveryLinearLayerByItsModuleName() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).build()) {
            Map<String, AdaptableLinear> linears = base.linearLayers();
            // vision layer: qkv, proj, fc1, fc2; projector: mlp1.1, mlp1.3; 2 decoder layers x 7
            assertEquals(4 + 2 + 2 * 7, linears.size());
            AdaptableLinear q = linears.get("model.layers.1.self_attn.q_proj");
            assertEquals(256, q.inFeatures());
            assertEquals(256, q.outFeatures());
            assertSame(base.parameters().get("model.layers.1.self_attn.q_proj.weight"), q.weight());
            assertTrue(q.bias().isPresent());
            assertTrue(linears.get("model.layers.0.self_attn.o_proj").bias().isEmpty());
            assertTrue(linears.containsKey("vision_model.encoder.layers.0.attn.qkv"));
            assertTrue(linears.containsKey("mlp1.3"));
            // every registered layer's weight is the parameter <module>.weight
            linears.forEach((name, l) -> assertSame(base.parameters().get(name + ".weight"), l.weight(), name));
        }
    }

    @Test
    void freshAdaptersLeaveTheLogitsBitwiseUnchanged() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build()) {
            float[] expected = TinyModels.logits(base, CONFIG);
            try (LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().targetModulesRegex(".*"))) {
                assertEquals(base.linearLayers().size(), lora.adapters().size(), "'.*' targets every linear layer");
                assertArrayEquals(expected, TinyModels.logits(lora, CONFIG));
            }
            try (LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().targetModules("q_proj", "v_proj"))) {
                assertArrayEquals(expected, TinyModels.logits(lora, CONFIG));
            }
        }
    }

    /**
     * With B = 0 at step 0: dL/dB = scaling * (dL/dy)^T (A x) is nonzero, while
     * dL/dA = scaling * B^T (dL/dy) x^T is exactly zero, so only B moves in the first step (PEFT's design).
     * The base weights require no gradient and get none.
     */
    @Test
    void firstBackwardReachesOnlyTheAdaptersAndOnlyB() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build();
                LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().targetModules("q_proj", "v_proj", "qkv", "mlp1.1"))) {
            try (NDManager scope = lora.manager().newSubManager(); GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                int size = CONFIG.vision().tileSize();
                NDArray pixels = scope.randomNormal(new ai.djl.ndarray.types.Shape(1, 3, size, size));
                NDArray logits = lora.forward(TinyModels.imageRow(CONFIG), mpo4j.model.ImageInputs.single(pixels), scope);
                collector.backward(logits.logSoftmax(-1).get(":, :, 7").sum());
            }
            assertEquals(2 * 2 + 1 + 1, lora.adapters().size());
            for (LoraLayer layer : lora.adapters().values()) {
                try (NDArray gA = layer.loraA().getArray().getGradient(); NDArray gB = layer.loraB().getArray().getGradient()) {
                    assertEquals(0f, gA.abs().max().getFloat(), layer + ": A's gradient is exactly zero while B = 0");
                    assertTrue(gB.abs().max().getFloat() > 0, layer + ": B gets a gradient");
                }
            }
            for (Map.Entry<String, Parameter> e : base.parameters().entrySet()) {
                assertFalse(requiresGrad(e.getValue()), e.getKey() + " is frozen");
                assertFalse(e.getValue().getArray().hasGradient(), e.getKey() + " has no gradient");
            }
        }
    }

    @Test
    void parametersAreOnlyTheTrainableOnesAndTheSwitchesSelectParts() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).build()) {
            try (LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults())) {
                // q_proj and v_proj of 2 layers, each 256 -> 256 (4 kv heads of 64): r * (in + out) per adapter
                assertEquals(2L * 2 * 8 * (256 + 256), lora.parameterCount());
                assertEquals(Set.of("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                        "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                        "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
                        "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
                        "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
                        "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
                        "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight",
                        "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"), lora.parameters().keySet());
            }
            assertSwitch(base, LoraConfig.defaults().freezeMlp(false), "mlp1.");
            assertSwitch(base, LoraConfig.defaults().freezeBackbone(false), "vision_model.");
            assertSwitch(base, LoraConfig.defaults().freezeLlm(false), "model.");
        }
    }

    /** Exactly the base parameters under {@code prefix} join the adapters, and only they require gradients. */
    private static void assertSwitch(TinyVlm base, LoraConfig config, String prefix) {
        try (LoraModel lora = LoraModel.wrap(base, config)) {
            Set<String> expected = base.parameters().keySet().stream().filter(n -> n.startsWith(prefix))
                    .map(n -> LoraModel.KEY_PREFIX + n).collect(Collectors.toCollection(LinkedHashSet::new));
            assertFalse(expected.isEmpty());
            Set<String> baseKeys = lora.parameters().keySet().stream().filter(k -> !k.contains(".lora_"))
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            assertEquals(expected, baseKeys, prefix);
            base.parameters().forEach((name, p) -> assertEquals(name.startsWith(prefix), requiresGrad(p), name));
            for (String key : baseKeys) {
                assertSame(base.parameters().get(key.substring(LoraModel.KEY_PREFIX.length())), lora.parameters().get(key),
                        "unfrozen base parameters are shared, not copied");
            }
        }
    }

    @Test
    void referenceIsTheBaseWithAdaptersOffSharingItsWeights() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).seed(3).build()) {
            float[] baseLogits = TinyModels.logits(base, CONFIG);
            try (LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().targetModulesRegex(".*_proj"))) {
                TinyModels.trainB(lora, 5);
                float[] adapted = TinyModels.logits(lora, CONFIG);
                assertFalse(java.util.Arrays.equals(baseLogits, adapted), "trained adapters change the logits");
                CausalLm reference = lora.frozenCopy();
                assertFalse(reference.isTrainable());
                assertSame(base.parameters(), reference.parameters(), "no copy of the base weights");
                assertArrayEquals(baseLogits, TinyModels.logits(reference, CONFIG));
                assertArrayEquals(baseLogits, TinyModels.logits(lora.withAdaptersDisabled(), CONFIG));
                assertArrayEquals(baseLogits, TinyModels.logits(base, CONFIG), "the base called directly has no adapters");
                reference.close();      // frees nothing
                assertArrayEquals(adapted, TinyModels.logits(lora, CONFIG));
            }
            // with an unfrozen part the trainer changes base weights in place: the reference must be a copy
            try (LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().freezeMlp(false)); CausalLm reference = lora.frozenCopy()) {
                assertNotSame(base.parameters().get("mlp1.1.weight"), reference.parameters().get("mlp1.1.weight"));
                assertArrayEquals(baseLogits, TinyModels.logits(reference, CONFIG));
            }
        }
    }

    /** Generation's incremental path applies the adapters too: decoding a prompt at once equals the full forward. */
    @Test
    void decodeRunsWithTheAdapters() {
        TinyVlmConfig text = CONFIG.textOnly();
        try (TinyVlm base = TinyVlm.builder(text).seed(3).build();
                LoraModel lora = LoraModel.wrap(base, LoraConfig.defaults().targetModulesAllLinear());
                NDManager scope = lora.manager().newSubManager()) {
            assertEquals(2 * 7, lora.adapters().size(), "all-linear: every decoder projection (the tied head is no Linear)");
            TinyModels.trainB(lora, 5);
            mpo4j.model.TokenRows row = mpo4j.model.TokenRows.of(5, 7, 9, 11);
            float[] full = lora.hidden(row, null, scope).toFloatArray();
            float[] decoded = lora.decode(row, new int[] {0}, null, lora.newCache(scope), scope).toFloatArray();
            assertArrayEquals(full, decoded);
            float[] plain = base.decode(row, new int[] {0}, null, base.newCache(scope), scope).toFloatArray();
            assertFalse(java.util.Arrays.equals(full, plain), "the adapters change the decoded states");
        }
    }

    @Test
    void wrappingAModelWithoutMatchingLayersFailsNamingTheTargets() {
        try (TinyVlm base = TinyVlm.builder(CONFIG).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LoraModel.wrap(base, LoraConfig.defaults().targetModules("query", "value")));
            assertTrue(e.getMessage().startsWith("target_modules [query, value] match none of the model's 20 linear layers"), e.getMessage());
        }
    }

    /** Dropout acts only while gradients are recorded (a training step), never in evaluation. */
    @Test
    void dropoutOnlyWhileTraining() {
        try (TinyVlm base = TinyVlm.builder(CONFIG.textOnly()).seed(3).build();
                LoraModel plain = LoraModel.wrap(base, LoraConfig.defaults(), 9);
                LoraModel dropped = LoraModel.wrap(base, LoraConfig.defaults().loraDropout(0.5), 9)) {
            TinyModels.trainB(plain, 5);
            TinyModels.trainB(dropped, 5);
            mpo4j.model.TokenRows row = mpo4j.model.TokenRows.of(5, 7, 9, 11);
            try (NDManager scope = base.manager().newSubManager()) {
                float[] eval = plain.forward(row, null, scope).toFloatArray();
                assertArrayEquals(eval, dropped.forward(row, null, scope).toFloatArray());
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray train = dropped.forward(row, null, scope);
                    assertFalse(java.util.Arrays.equals(eval, train.toFloatArray()), "dropout changes a training forward");
                    collector.backward(train.sum());
                }
            }
        }
    }
}
