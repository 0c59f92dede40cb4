package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import mpo4j.collate.PreferenceBatch;
import org.junit.jupiter.api.Test;

class VlmGradientTest {

    private static double gradientNorm(TinyVlm model, String name) {
        NDArray array = model.parameters().get(name).getArray();
        return array.getGradient().norm().getFloat();
    }

    @Test
    void gradientReachesVisionProjectorAndDecoderButNeverTheFrozenReference() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 2, 2, 4, 4, 3, 5);
        try (TinyVlm policy = TinyVlm.builder(config).seed(3).build(); TinyVlm reference = policy.frozenCopy();
                NDManager scope = policy.manager().newSubManager()) {
            assertTrue(policy.isTrainable());
            assertFalse(reference.isTrainable());
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logp = policy.forward(batch.concatenated().tokens(), batch.images(scope), scope).logSoftmax(-1);
                NDArray refLogp = reference.forward(batch.concatenated().tokens(), batch.images(scope), scope).logSoftmax(-1);
                // A loss that depends on both models, as DPO does.
                collector.backward(logp.sub(refLogp).square().sum().add(logp.mean()));
            }
            for (String name : new String[] {"vision_model.embeddings.patch_embedding.weight",
                    "vision_model.encoder.layers.0.attn.qkv.weight", "mlp1.1.weight", "model.embed_tokens.weight",
                    "model.layers.0.self_attn.q_proj.bias", "model.layers.1.mlp.down_proj.weight", "model.norm.weight"}) {
                assertTrue(gradientNorm(policy, name) > 0, name + " must receive a gradient");
                NDArray frozen = reference.parameters().get(name).getArray();
                assertFalse(frozen.hasGradient(), "reference " + name + " must not have a gradient");
            }
        }
    }

    @Test
    void repeatedTrainingStepsKeepNativeMemoryFlat() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 1, 1, 3, 3, 2, 6);
        try (TinyVlm policy = TinyVlm.builder(config).seed(3).build()) {
            int before = policy.manager().getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager scope = policy.manager().newSubManager();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(policy.forward(batch.concatenated().tokens(), batch.images(scope), scope).mean());
                }
                // getGradient() returns a new handle in the parameters' manager: the caller closes it
                try (NDArray g = policy.parameters().get("mlp1.1.weight").getArray().getGradient()) {
                    float[] values = g.toFloatArray();
                    assertTrue(java.util.stream.IntStream.range(0, values.length).anyMatch(k -> values[k] != 0));
                }
            }
            assertEquals(before, policy.manager().getManagedArrays().size());
        }
    }

    @Test
    void frozenCopyHasItsOwnMemory() {
        try (TinyVlm policy = TinyVlm.builder(TestBatches.small().textOnly()).seed(3).build(); TinyVlm reference = policy.frozenCopy()) {
            NDArray w = policy.parameters().get("model.norm.weight").getArray();
            float before = reference.parameters().get("model.norm.weight").getArray().getFloat(0);
            w.set(new ai.djl.ndarray.index.NDIndex("0"), 5f);
            assertEquals(1f, before);
            assertEquals(1f, reference.parameters().get("model.norm.weight").getArray().getFloat(0));
        }
    }
}
