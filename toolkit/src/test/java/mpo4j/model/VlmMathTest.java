package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.Arrays;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import org.junit.jupiter.api.Test;

/** Hand-checked pieces of the math and the properties the masks must have. */
class VlmMathTest {

    static {
        Mpo4jEngine.ensureOffline();
    }

    @Test
    void rmsNormDividesByTheRootMeanSquareAndScales() {
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.root(Weights.seeded(0), m, false);
            Nn.RmsNorm norm = new Nn.RmsNorm(w.at("norm"), 4, 1e-6);
            norm.weight.getArray().set(FloatBuffer.wrap(new float[] {1, 2, 3, 4}));
            // x = [3, 4, 0, 0]: mean(x^2) = 25/4, rms = 2.5 -> x/rms = [1.2, 1.6, 0, 0], times w = [1.2, 3.2, 0, 0]
            NDArray y = norm.apply(m.create(new float[] {3, 4, 0, 0}, new Shape(1, 4)));
            assertArrayEquals(new float[] {1.2f, 3.2f, 0, 0}, y.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void rotaryRotatesPairsByPositionTimesFrequency() {
        try (NDManager m = NDManager.newBaseManager()) {
            // head dim 4, theta 1e4: frequencies [1, 1e4^(-2/4) = 0.01]; positions 1 and 2.
            Decoder.Rotary rotary = new Decoder.Rotary(m, 1, 2, 4, 10000);
            NDArray x = m.create(new float[] {1, 0, 0, 0, 0, 1, 0, 0}, new Shape(1, 1, 2, 4));
            // rotate_half([a, b, c, d]) = [-c, -d, a, b]; out = x cos + rotate_half(x) sin
            // pos 1, x = e0: [cos 1, 0, sin 1, 0];  pos 2, x = e1: [0, cos 0.02, 0, sin 0.02]
            float[] expected = {0.5403023f, 0, 0.8414710f, 0, 0, 0.9998000f, 0, 0.0199987f};
            assertArrayEquals(expected, rotary.apply(x).toFloatArray(), 1e-6f);
            // e2 at position 1 rotates the other way: [-sin 1, 0, cos 1, 0]
            NDArray e2 = m.create(new float[] {0, 0, 1, 0}, new Shape(1, 1, 1, 4));
            assertArrayEquals(new float[] {-0.8414710f, 0, 0.5403023f, 0},
                    new Decoder.Rotary(m, 1, 1, 4, 10000).apply(e2).toFloatArray(), 1e-6f);
        }
    }

    private static float[] row(NDArray logits, int r, int positions) {
        return logits.get("{}, :{}, :", r, positions).toFloatArray();
    }

    private static SequenceBatch withToken(SequenceBatch b, int r, int t, long id) {
        long[] ids = b.inputIds().clone();
        ids[r * b.length() + t] = id;
        return new SequenceBatch(b.rows(), b.length(), ids, b.labels(), b.lengths(), b.padId());
    }

    @Test
    void futureAndPaddingTokensDoNotChangeEarlierLogits() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 2, 1, 5, 6, 3, 4);
        try (TinyVlm model = TinyVlm.builder(config).seed(5).build(); NDManager s = model.manager().newSubManager()) {
            ImageInputs images = batch.images(s);
            SequenceBatch rows = batch.concatenated();
            int r = 3;                                   // a rejected row, shorter than the longest
            int len = rows.lengths()[r];
            assertTrue(len < rows.length(), "row must be padded");
            NDArray base = model.forward(rows.tokens(), images, s);

            NDArray paddedChanged = model.forward(withToken(rows, r, len, 77).tokens(), images, s);
            assertArrayEquals(row(base, r, len), row(paddedChanged, r, len), 1e-5f);

            int t = len - 2;
            NDArray futureChanged = model.forward(withToken(rows, r, t, 1234).tokens(), images, s);
            assertArrayEquals(row(base, r, t), row(futureChanged, r, t), 1e-5f);
            assertFalse(Arrays.equals(row(base, r, t + 1), row(futureChanged, r, t + 1)), "position t itself must change");
        }
    }

    @Test
    void aPaddedRowScoresLikeTheSameRowAlone() {
        TinyVlmConfig config = TestBatches.small().textOnly();
        PreferenceBatch batch = TestBatches.batch(config, 3, 0, 4, 6, 3, 6);
        try (TinyVlm model = TinyVlm.builder(config).seed(5).build(); NDManager s = model.manager().newSubManager()) {
            SequenceBatch rows = batch.concatenated();
            int r = 5;
            int len = rows.lengths()[r];
            long[] alone = Arrays.copyOfRange(rows.inputIds(), r * rows.length(), r * rows.length() + len);
            SequenceBatch single = new SequenceBatch(1, len, alone, alone.clone(), new int[] {len}, rows.padId());
            assertArrayEquals(row(model.forward(single.tokens(), null, s), 0, len), row(model.forward(rows.tokens(), null, s), r, len), 1e-5f);
        }
    }

    @Test
    void groupedQueryAttentionEqualsFullAttentionWithRepeatedKeyValueHeads() {
        TinyVlmConfig mhaConfig = TestBatches.small().textOnly();
        TinyVlmConfig gqaConfig = mhaConfig.withText(mhaConfig.text().withNumKeyValueHeads(2));
        PreferenceBatch batch = TestBatches.batch(gqaConfig, 2, 0, 4, 5, 3, 7);
        try (TinyVlm gqa = TinyVlm.builder(gqaConfig).seed(8).build(); TinyVlm mha = TinyVlm.builder(mhaConfig).seed(9).build();
                NDManager s = gqa.manager().newSubManager()) {
            assertEquals(new Shape(128, 256), gqa.parameters().get("model.layers.0.self_attn.k_proj.weight").getShape());
            for (var e : mha.parameters().entrySet()) {
                float[] source = gqa.parameters().get(e.getKey()).getArray().toFloatArray();
                boolean kv = e.getKey().matches(".*self_attn\\.[kv]_proj\\..*");
                // query head h reads key/value head h / 2: duplicate each 64-row head block
                e.getValue().getArray().set(FloatBuffer.wrap(kv ? repeatHeads(source, 2, 64 * (e.getKey().endsWith("weight") ? 256 : 1)) : source));
            }
            assertArrayEquals(mha.forward(batch.concatenated().tokens(), batch.images(s), s).toFloatArray(), gqa.forward(batch.concatenated().tokens(), batch.images(s), s).toFloatArray(), 1e-5f);
        }
    }

    private static float[] repeatHeads(float[] values, int groups, int blockSize) {
        float[] out = new float[values.length * groups];
        int blocks = values.length / blockSize;
        for (int b = 0; b < blocks; b++) {
            for (int g = 0; g < groups; g++) {
                System.arraycopy(values, b * blockSize, out, (b * groups + g) * blockSize, blockSize);
            }
        }
        return out;
    }

    @Test
    void visionOncePerPairEqualsEncodingEveryRowsTilesAgain() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 3, 2, 4, 5, 3, 10);
        try (TinyVlm once = TinyVlm.builder(config).seed(4).build(); NDManager s = once.manager().newSubManager()) {
            assertEquals(3, batch.images(s).pixelValues().getShape().get(0) / 2);
            assertEquals(12, batch.imagesPerRow(s).pixelValues().getShape().get(0));
            assertArrayEquals(once.forward(batch.concatenated().tokens(), batch.imagesPerRow(s), s).toFloatArray(),
                    once.forward(batch.concatenated().tokens(), batch.images(s), s).toFloatArray(), 1e-5f);
        }
    }

    @Test
    void chosenRowsAloneScoreLikeTheirHalfOfThePreferenceForward() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 2, 1, 4, 5, 2, 14);
        try (TinyVlm model = TinyVlm.builder(config).seed(4).build(); NDManager s = model.manager().newSubManager()) {
            NDArray both = model.forward(batch.concatenated().tokens(), batch.images(s), s);
            NDArray chosen = model.forward(batch.chosen().tokens(), batch.chosenImages(s), s);
            int len = batch.chosen().length();     // chosen rows are the longer ones here
            assertEquals(len, batch.concatenated().length());
            for (int r = 0; r < 2; r++) {
                assertArrayEquals(row(both, r, len), row(chosen, r, len), 1e-5f);
            }
        }
    }

    @Test
    void imagesActuallyReachTheLogits() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 2, 1, 4, 3, 3, 12);
        float[] brighter = batch.pixelValues().clone();
        for (int i = 0; i < brighter.length / 2; i++) {       // only pair 0's tile
            brighter[i] += 1;
        }
        PreferenceBatch changed = new PreferenceBatch(batch.chosen(), batch.rejected(), brighter, batch.tiles(), batch.tileSize(),
                batch.imageFlags(), batch.tileOffsets(), batch.sources(), null, null);
        try (TinyVlm model = TinyVlm.builder(config).seed(4).build(); NDManager s = model.manager().newSubManager()) {
            NDArray a = model.forward(batch.concatenated().tokens(), batch.images(s), s);
            NDArray b = model.forward(changed.concatenated().tokens(), changed.images(s), s);
            int len = batch.concatenated().length();
            assertFalse(Arrays.equals(row(a, 0, len), row(b, 0, len)), "pair 0's chosen row sees its tile");
            assertFalse(Arrays.equals(row(a, 2, len), row(b, 2, len)), "pair 0's rejected row sees its tile");
            assertArrayEquals(row(a, 1, len), row(b, 1, len), 0f, "pair 1 does not see pair 0's tile");
        }
    }

    @Test
    void wrongImageTokenCountsAreClearErrors() {
        TinyVlmConfig config = TestBatches.small();
        PreferenceBatch batch = TestBatches.batch(config, 2, 2, 4, 3, 3, 13);
        int[] fewerTiles = {0, 1, 4};      // pair 0 gets 1 tile but its rows hold 32 <IMG_CONTEXT>
        PreferenceBatch wrong = new PreferenceBatch(batch.chosen(), batch.rejected(), batch.pixelValues(), batch.tiles(),
                batch.tileSize(), batch.imageFlags(), fewerTiles, batch.sources(), null, null);
        try (TinyVlm model = TinyVlm.builder(config).build(); TinyVlm text = TinyVlm.builder(config.textOnly()).build();
                NDManager s = model.manager().newSubManager()) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> model.forward(wrong.concatenated().tokens(), wrong.images(s), s));
            assertEquals("row 0 has more <IMG_CONTEXT> tokens than its 1 tiles provide (16)", e.getMessage());
            Exception e2 = assertThrows(IllegalArgumentException.class, () -> text.forward(batch.concatenated().tokens(), null, s));
            assertEquals("row 0 contains <IMG_CONTEXT> (id 2047) but the model has no vision tower", e2.getMessage());
        }
        Exception e3 = assertThrows(IllegalArgumentException.class, () -> config.withTokenizerIds(4096, 1, 2, 0, 3));
        assertTrue(e3.getMessage().startsWith("special token id 4096 is outside the vocabulary of 2048"), e3.getMessage());
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        TinyVlmConfig config = TestBatches.small();
        try (TinyVlm a = TinyVlm.builder(config).seed(42).build(); TinyVlm b = TinyVlm.builder(config).seed(42).build();
                TinyVlm c = TinyVlm.builder(config).seed(43).build()) {
            for (String name : a.parameters().keySet()) {
                assertArrayEquals(a.parameters().get(name).getArray().toFloatArray(), b.parameters().get(name).getArray().toFloatArray(), 0f, name);
            }
            Parameter q = a.parameters().get("model.layers.0.self_attn.q_proj.weight");
            float[] qa = q.getArray().toFloatArray();
            assertFalse(Arrays.equals(qa, c.parameters().get(q.getName()).getArray().toFloatArray()));
            double sd = Math.sqrt(Arrays.stream(toDoubles(qa)).map(v -> v * v).average().orElseThrow());
            assertEquals(0.02, sd, 0.001, "normal init with std 0.02");
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
