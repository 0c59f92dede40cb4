package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import mpo4j.collate.PreferenceBatch;
import org.junit.jupiter.api.Test;

class VlmForwardTest {

    @Test
    void forwardOverAPreferenceBatchGivesLogitsForChosenThenRejectedRows() {
        TinyVlmConfig config = TinyVlmConfig.tinyVlm();
        PreferenceBatch batch = TestBatches.batch(config, 2, 2, 6, 5, 4, 1);
        try (TinyVlm model = TinyVlm.builder(config).seed(42).build(); NDManager scope = model.manager().newSubManager()) {
            NDArray logits = model.forward(batch.concatenated().tokens(), batch.images(scope), scope);
            int len = batch.concatenated().length();
            assertEquals(new Shape(4, len, 2048), logits.getShape());
            assertEquals(new Shape(4, len, 256), model.hidden(batch.concatenated().tokens(), batch.images(scope), scope).getShape());
            float[] values = logits.toFloatArray();
            for (float v : values) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void textOnlyModelRunsWithoutImages() {
        TinyVlmConfig config = TinyVlmConfig.tinyVlm().textOnly();
        PreferenceBatch batch = TestBatches.batch(config, 3, 0, 7, 5, 4, 2);
        try (TinyVlm model = TinyVlm.builder(config).seed(1).build(); NDManager scope = model.manager().newSubManager()) {
            assertEquals(new Shape(6, batch.concatenated().length(), 2048), model.forward(batch.concatenated().tokens(), batch.images(scope), scope).getShape());
            assertTrue(model.parameters().keySet().stream().noneMatch(n -> n.startsWith("vision_model") || n.startsWith("mlp1")));
        }
    }

    @Test
    void parametersCarryHuggingFaceNames() {
        try (TinyVlm model = TinyVlm.builder(TinyVlmConfig.tinyVlm()).build()) {
            // vision: patch 192*192+192, positions 64*192, 4 x (2 LN 768 + qkv 576*193 + proj 192*193 + fc1 768*193
            //         + fc2 192*769), post LN 384; mlp1: LN 1536 + 768*256+256 + 256*256+256      = 2,093,376
            // text:   embed 2048*256, 4 x (q,k,v 3*256*257 + o 256*256 + SwiGLU 3*256*688 + 2 norms 512) + norm 256
            //                                                                                      = 3,691,776
            assertEquals(2_093_376 + 3_691_776, model.parameterCount());
            var p = model.parameters();
            assertEquals(new Shape(2048, 256), p.get("model.embed_tokens.weight").getShape());
            assertEquals(new Shape(256, 256), p.get("model.layers.3.self_attn.q_proj.weight").getShape());
            assertEquals(new Shape(256), p.get("model.layers.0.self_attn.k_proj.bias").getShape());
            assertTrue(!p.containsKey("model.layers.0.self_attn.o_proj.bias"));
            assertEquals(new Shape(688, 256), p.get("model.layers.1.mlp.gate_proj.weight").getShape());
            assertEquals(new Shape(256, 688), p.get("model.layers.1.mlp.down_proj.weight").getShape());
            assertEquals(new Shape(256), p.get("model.norm.weight").getShape());
            assertEquals(new Shape(192, 3, 8, 8), p.get("vision_model.embeddings.patch_embedding.weight").getShape());
            assertEquals(new Shape(1, 64, 192), p.get("vision_model.embeddings.position_embedding").getShape());
            assertEquals(new Shape(576, 192), p.get("vision_model.encoder.layers.3.attn.qkv.weight").getShape());
            assertEquals(new Shape(768), p.get("mlp1.0.weight").getShape());
            assertEquals(new Shape(256, 768), p.get("mlp1.1.weight").getShape());
            assertEquals(new Shape(256, 256), p.get("mlp1.3.weight").getShape());
            assertTrue(!p.containsKey("lm_head.weight"), "the output head is tied to the embedding");
        }
    }

    @Test
    void forwardScopeFreesEveryIntermediate() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 2, 1, 4, 3, 3, 3);
        try (TinyVlm model = TinyVlm.builder(config).build()) {
            int before = model.manager().getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager scope = model.manager().newSubManager()) {
                    model.forward(batch.concatenated().tokens(), batch.images(scope), scope).sum().getFloat();
                }
            }
            assertEquals(before, model.manager().getManagedArrays().size());
        }
    }
}
