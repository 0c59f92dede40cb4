package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.Test;

/** InternViT's math against hand-derived numbers and against {@link InternVitReference}. */
class InternVitTest {

    static {
        Mpo4jEngine.ensureOffline();
    }

    /** 4 px tiles, patch 2 (2x2 grid), width 4 in 2 heads, one layer, projector into width 3. */
    static final InternVitConfig TINY = new InternVitConfig(4, 2, 4, 1, 2, 6, true, false, InternVitConfig.LAYER_NORM,
            1e-6, "gelu", 0.0, false, 0, 0.5, -1, "v2", 3);

    /**
     * Weights chosen by formula: every tensor {@code 0.5 sin(0.37 (i+1) + |name|)}, norm weights
     * {@code 1 + 0.3 sin(..)}, and the layer scales set per channel to distinct values, far from 1, so
     * that dropping or misplacing one shows.
     */
    static Weights.Source chosen() {
        Map<String, float[]> layerScales = Map.of("ls1", new float[] {0.5f, -1f, 2f, 0.25f}, "ls2", new float[] {1.5f, 0.1f, -0.3f, 3f});
        return (name, shape, init, m) -> {
            int size = Math.toIntExact(shape.size());
            String last = name.substring(name.lastIndexOf('.') + 1);
            if (layerScales.containsKey(last) && size == 4) {
                return m.create(layerScales.get(last), shape);
            }
            boolean normWeight = init == Weights.Init.ONES;
            float[] v = new float[size];
            for (int i = 0; i < size; i++) {
                double s = Math.sin(0.37 * (i + 1) + name.length());
                v[i] = (float) (normWeight ? 1 + 0.3 * s : 0.5 * s);
            }
            return m.create(v, shape);
        };
    }

    static InternVit tower(InternVitConfig c, NDManager m) {
        return new InternVit(Weights.root(chosen(), m, false), c);
    }

    static float[] pixels(int tiles, int size) {
        float[] v = new float[tiles * 3 * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.cos(0.7 * i + 0.3);
        }
        return v;
    }

    private static void assertClose(double[][][] expected, NDArray actual, double tolerance) {
        float[] got = actual.toFloatArray();
        int at = 0;
        for (double[][] tile : expected) {
            for (double[] token : tile) {
                for (double value : token) {
                    assertEquals(value, got[at], tolerance, "element " + at);
                    at++;
                }
            }
        }
        assertEquals(got.length, at, "element count");
    }

    @Test
    void pixelShuffleV2ConcatenatesEach2x2BlockRowMajor() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 4x4 grid of 2-channel tokens; token (a, b) channel c holds 100a + 10b + c
            float[] grid = new float[16 * 2];
            double[][] tokens = new double[16][2];
            for (int a = 0; a < 4; a++) {
                for (int b = 0; b < 4; b++) {
                    for (int c = 0; c < 2; c++) {
                        grid[(a * 4 + b) * 2 + c] = 100 * a + 10 * b + c;
                        tokens[a * 4 + b][c] = 100 * a + 10 * b + c;
                    }
                }
            }
            NDArray out = InternVitProjector.pixelShuffle(m.create(grid, new Shape(1, 16, 2)), 0.5, "v2");
            assertEquals(new Shape(1, 4, 8), out.getShape());
            float[] got = out.toFloatArray();
            // By hand: output token (0, 1) = tokens (0,2), (0,3), (1,2), (1,3), channels 0 and 1 each
            assertArrayEquals(new float[] {20, 21, 30, 31, 120, 121, 130, 131}, java.util.Arrays.copyOfRange(got, 8, 16));
            // token (1, 0) = tokens (2,0), (2,1), (3,0), (3,1)
            assertArrayEquals(new float[] {200, 201, 210, 211, 300, 301, 310, 311}, java.util.Arrays.copyOfRange(got, 16, 24));
            // Every element against the reference's index arithmetic:
            // out[i][j][m] = x[2i + m / 4][2j + (m mod 4) / 2][m mod 2]  (f = 2, C = 2, see InternVitReference)
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    for (int mm = 0; mm < 8; mm++) {
                        int a = 2 * i + mm / 4;
                        int b = 2 * j + (mm % 4) / 2;
                        assertEquals(100 * a + 10 * b + mm % 2, got[(i * 2 + j) * 8 + mm], "token " + i + "," + j + " channel " + mm);
                    }
                }
            }
            double[][] reference = InternVitReference.pixelShuffle(tokens, 2, "v2");
            for (int t = 0; t < 4; t++) {
                for (int mm = 0; mm < 8; mm++) {
                    assertEquals(reference[t][mm], got[t * 8 + mm]);
                }
            }
        }
    }

    @Test
    void pixelShuffleV1LeavesTheGridTransposed() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] grid = new float[16];
            for (int i = 0; i < 16; i++) {
                grid[i] = 10 * (i / 4) + i % 4;   // one channel: token (a, b) holds 10a + b
            }
            float[] got = InternVitProjector.pixelShuffle(m.create(grid, new Shape(1, 16, 1)), 0.5, "v1").toFloatArray();
            // v1 skips the last permute, so flat token 1 (row 0, column 1) holds v2's block (1, 0):
            // tokens (2,0), (2,1), (3,0), (3,1); and flat token 2 holds block (0, 1)
            assertArrayEquals(new float[] {20, 21, 30, 31}, java.util.Arrays.copyOfRange(got, 4, 8));
            assertArrayEquals(new float[] {2, 3, 12, 13}, java.util.Arrays.copyOfRange(got, 8, 12));
            // a quarter-ratio shuffle of the same grid is one token: the whole grid, rows in order
            float[] whole = InternVitProjector.pixelShuffle(m.create(grid, new Shape(1, 16, 1)), 0.25, "v2").toFloatArray();
            assertArrayEquals(grid, whole);
        }
    }

    @Test
    void geluIsTheExactErfForm() {
        try (NDManager m = NDManager.newBaseManager()) {
            // x Phi(x): GELU(1) = 0.8413447, GELU(-2) = -2 * 0.0227501 = -0.0455003
            // (the tanh approximation gives 0.8411920 and -0.0454023)
            float[] got = Activation.gelu(m.create(new float[] {1f, -2f})).toFloatArray();
            assertArrayEquals(new float[] {0.8413447f, -0.0455003f}, got, 2e-7f);
            assertEquals(0.8413447, InternVitReference.gelu(1), 1e-7);
        }
    }

    @Test
    void oneLayerTowerMatchesThePlainJavaComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVit vit = tower(TINY, m);
            InternVitReference reference = new InternVitReference(vit);
            float[] px = pixels(2, 4);
            NDArray input = m.create(px, new Shape(2, 3, 4, 4));
            // features: 2 tiles x 4 patches (class token dropped) x width 4
            NDArray features = vit.features(input);
            assertEquals(new Shape(2, 4, 4), features.getShape());
            assertClose(reference.features(px, 2, 4, 1), features, 2e-5);
            // encode: 4 patches shuffle into 1 token of width 16, projected to 3
            NDArray tokens = vit.encode(input);
            assertEquals(new Shape(2, 1, 3), tokens.getShape());
            assertClose(reference.encode(px, 2, 4), tokens, 2e-5);
        }
    }

    @Test
    void layerScaleAndClassTokenAreWhatTheNumbersDependOn() {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVit vit = tower(TINY, m);
            float[] px = pixels(1, 4);
            float[] before = vit.features(m.create(px, new Shape(1, 3, 4, 4))).toFloatArray();
            // the class token takes part in attention: changing it changes every patch's output
            vit.parameters().get("vision_model.embeddings.class_embedding").getArray().muli(3);
            float[] withOtherClass = vit.features(m.create(px, new Shape(1, 3, 4, 4))).toFloatArray();
            // layer scale 0 turns the layer into the identity: features = embeddings without the class token
            vit.parameters().get("vision_model.encoder.layers.0.ls1").getArray().muli(0);
            vit.parameters().get("vision_model.encoder.layers.0.ls2").getArray().muli(0);
            float[] identity = vit.features(m.create(px, new Shape(1, 3, 4, 4))).toFloatArray();
            double[][][] embeddings = new InternVitReference(vit).features(px, 1, 4, 0);
            for (int i = 0; i < 16; i++) {
                assertTrue(Math.abs(before[i] - withOtherClass[i]) > 1e-4, "patch output " + i + " ignores the class token");
                assertEquals(embeddings[0][i / 4][i % 4], identity[i], 1e-5);
            }
        }
    }

    @Test
    void selectLayerPicksAnEarlierHiddenState() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] px = pixels(1, 4);
            NDArray input = m.create(px, new Shape(1, 3, 4, 4));
            InternVitConfig two = TINY.numHiddenLayers(2);
            InternVit last = tower(two, m);
            InternVit secondToLast = tower(two.selectLayer(-2), m);
            InternVit embeddingsOnly = tower(two.selectLayer(-3), m);
            InternVit afterOne = tower(two.selectLayer(1), m);
            InternVitReference reference = new InternVitReference(last);
            assertClose(reference.features(px, 1, 4, 2), last.features(input), 2e-5);
            // hidden_states[-2] of 3 states is the first layer's output; [-3] and [0] the embeddings
            assertClose(reference.features(px, 1, 4, 1), secondToLast.features(input), 2e-5);
            assertClose(reference.features(px, 1, 4, 1), afterOne.features(input), 2e-5);
            assertClose(reference.features(px, 1, 4, 0), embeddingsOnly.features(input), 2e-5);
            assertEquals(2, two.layersUsed());
            assertEquals(1, two.selectLayer(-2).layersUsed());
        }
    }

    @Test
    void qkNormalizationWithRmsNormMatchesThePlainJavaComputation() {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVitConfig sixB = TINY.qkNormalization(true).normType(InternVitConfig.RMS_NORM).qkvBias(false);
            InternVit vit = tower(sixB, m);
            // InternViT-6B's names: RMSNorms have weights only; q_norm/k_norm exist; qkv has no bias
            assertTrue(vit.parameters().containsKey("vision_model.encoder.layers.0.attn.q_norm.weight"));
            assertTrue(vit.parameters().containsKey("vision_model.encoder.layers.0.attn.k_norm.weight"));
            assertTrue(!vit.parameters().containsKey("vision_model.encoder.layers.0.norm1.bias"));
            assertTrue(!vit.parameters().containsKey("vision_model.encoder.layers.0.attn.qkv.bias"));
            float[] px = pixels(2, 4);
            NDArray input = m.create(px, new Shape(2, 3, 4, 4));
            InternVitReference reference = new InternVitReference(vit);
            assertClose(reference.encode(px, 2, 4), vit.encode(input), 2e-5);
            // The reference normalises q over all 4 channels (both heads) at once; a norm per head (over
            // d = 2) would disagree with it above. Changing q_norm's weight must reach the output.
            float[] before = vit.encode(input).toFloatArray();
            vit.parameters().get("vision_model.encoder.layers.0.attn.q_norm.weight").getArray().muli(2);
            float[] after = vit.encode(input).toFloatArray();
            assertTrue(Math.abs(before[0] - after[0]) > 1e-5);
            assertClose(new InternVitReference(vit).encode(px, 2, 4), vit.encode(input), 2e-5);
        }
    }

    @Test
    void positionEmbeddingResizeIsTheIdentityAtTheStoredSize() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] values = new float[9 * 2];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.sin(i + 0.5);
            }
            NDArray same = InternVitEmbeddings.resizePositions(m.create(values, new Shape(1, 9, 2)), 3, 3, 3);
            assertArrayEquals(values, same.toFloatArray(), 0f);
        }
    }

    @Test
    void positionEmbeddingResizesBicubicallyLikeTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            // One channel [[1, 2], [4, 8]] (and its negation as channel 1), 2x2 -> 3x3, align_corners=False:
            // source x = (dst + 0.5) * 2/3 - 0.5 = -1/6, 1/2, 7/6 -> floor -1, 0, 1 and t = 5/6, 1/2, 1/6.
            // Keys' weights (A = -0.75) for taps floor-1..floor+2, taps clamped to [0, 1]:
            //   t = 1/2: [-3/32, 19/32, 19/32, -3/32] -> input 0: 1/2, input 1: 1/2
            //   t = 5/6: taps -2,-1,0,1 -> input 0 gets all but the last weight, cubicFar(7/6) = -25/288:
            //            input 0: 313/288, input 1: -25/288;   t = 1/6: the mirror image.
            // Rows first: [1, 2] -> [263/288, 3/2, 601/288]; [4, 8] -> [1052/288, 6, 2404/288];
            // then columns with the same weights, e.g. out[0][0] = (313 * 263 - 25 * 1052) / 288^2.
            double d = 288.0 * 288.0;
            double[] expected = {
                (313 * 263 - 25 * 1052) / d, (313 * 1.5 - 25 * 6) / 288, (313 * 601 - 25 * 2404) / d,
                (263 + 1052) / 576.0, 3.75, (601 + 2404) / 576.0,
                (-25 * 263 + 313 * 1052) / d, (-25 * 1.5 + 313 * 6) / 288, (-25 * 601 + 313 * 2404) / d};
            float[] positions = {1, -1, 2, -2, 4, -4, 8, -8};       // [1, 4, 2]: row-major grid, 2 channels
            float[] got = InternVitEmbeddings.resizePositions(m.create(positions, new Shape(1, 4, 2)), 2, 3, 3).toFloatArray();
            double[][] javaResize = InternVitReference.bicubic(new double[][] {{1, 2}, {4, 8}}, 3, 3);
            for (int i = 0; i < 9; i++) {
                // float32 weights as in PyTorch (scale 2/3 is rounded): a few ulps from the exact fractions
                assertEquals(expected[i], got[2 * i], 3e-6, "channel 0, position " + i);
                assertEquals(-expected[i], got[2 * i + 1], 3e-6, "channel 1, position " + i);
                assertEquals(expected[i], javaResize[i / 3][i % 3], 1e-12, "plain-Java bicubic, position " + i);
            }
        }
    }

    @Test
    void positionEmbeddingDoublingMatchesTheKnownTorchCorner() {
        try (NDManager m = NDManager.newBaseManager()) {
            // [[1, 2], [3, 4]] 2x2 -> 4x4: source x = (0 + 0.5) / 2 - 0.5 = -1/4, floor -1, t = 3/4; the only
            // weight on input 1 is cubicFar(5/4) = ((-0.9375 + 3.75) 1.25 - 6) 1.25 + 3 = -0.10546875, so
            // rows give 1.10546875 - 0.2109375 = 0.89453125 and 3.31640625 - 0.421875 = 2.89453125, and
            // out[0][0] = 1.10546875 * 0.89453125 - 0.10546875 * 2.89453125 = 0.68359375 (exact in binary).
            float[] got = InternVitEmbeddings.resizePositions(m.create(new float[] {1, 2, 3, 4}, new Shape(1, 4, 1)), 2, 4, 4)
                    .toFloatArray();
            assertEquals(0.68359375f, got[0], 1e-7f);
            // the mirror corner: 5 - 0.68359375 (the image is 5 - its point reflection)
            assertEquals(4.31640625f, got[15], 1e-6f);
        }
    }

    @Test
    void tilesLargerThanTheStoredGridUseInterpolatedPositions() {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVit vit = tower(TINY, m);
            // 8 px tiles: a 4x4 grid against the stored 2x2 position grid
            float[] px = pixels(1, 8);
            NDArray input = m.create(px, new Shape(1, 3, 8, 8));
            InternVitReference reference = new InternVitReference(vit);
            assertClose(reference.features(px, 1, 8, 1), vit.features(input), 2e-5);
            NDArray tokens = vit.encode(input);
            assertEquals(new Shape(1, 4, 3), tokens.getShape());
            assertClose(reference.encode(px, 1, 8), tokens, 2e-5);
        }
    }

    @Test
    void gradientsReachEveryParameterThroughTheResizedPositions() {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVit vit = new InternVit(Weights.root(chosen(), m, true), TINY);
            float[] px = pixels(1, 8);                               // 4x4 grid: positions resized from 2x2
            float[] lossWeights = {1f, -2f, 0.5f, 3f, -1f, 0.25f, 2f, -0.5f, 1.5f, -3f, 0.75f, 1f};
            try (NDManager scope = m.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray tokens = vit.encode(scope.create(px, new Shape(1, 3, 8, 8)));   // [1, 4, 3]
                collector.backward(tokens.mul(scope.create(lossWeights, new Shape(1, 4, 3))).sum());
            }
            for (Map.Entry<String, ai.djl.nn.Parameter> e : vit.parameters().entrySet()) {
                assertTrue(e.getValue().getArray().getGradient().abs().sum().getFloat() > 0, e.getKey() + " gets no gradient");
            }
            // d loss / d position_embedding[0, 1 + 3, 2] (patch row 3 of the stored grid, channel 2) against a
            // central difference of the double-precision reference: loss = sum_k lossWeights[k] * token[k]
            String name = "vision_model.embeddings.position_embedding";
            int element = 4 * 4 + 2;
            float autograd = vit.parameters().get(name).getArray().getGradient().toFloatArray()[element];
            InternVitReference reference = new InternVitReference(vit);
            float step = 1e-3f;
            double up = weightedSum(reference.perturbed(name, element, step).encode(px, 1, 8), lossWeights);
            double down = weightedSum(reference.perturbed(name, element, -step).encode(px, 1, 8), lossWeights);
            // (about 0.1925 here, so the 1e-4 tolerance is a real check)
            assertEquals((up - down) / (2 * step), autograd, 1e-4);
            assertTrue(Math.abs(autograd) > 0.05);
        }
    }

    private static double weightedSum(double[][][] tokens, float[] weights) {
        double sum = 0;
        int at = 0;
        for (double[] token : tokens[0]) {
            for (double v : token) {
                sum += weights[at++] * v;
            }
        }
        return sum;
    }

    @Test
    void numImageTokenIsTheShuffledGrid() {
        InternVitConfig real = InternVitConfig.internVit300m(896);
        // (448 / 14)^2 * 0.5^2 = 32^2 / 4 = 256; mlp1 input 1024 * 2^2 = 4096
        assertEquals(256, real.numImageToken());
        assertEquals(4096, real.projectorInputSize());
        assertEquals(1025, real.numPositions());
        // force_image_size wins over image_size: 224 stored, 448 fed
        assertEquals(256, real.imageSize(224).numImageToken());
        assertEquals(257, real.imageSize(224).numPositions());
        // without force_image_size: (224 / 14)^2 / 4 = 64
        assertEquals(64, real.imageSize(224).forceImageSize(0).numImageToken());
        // ratio 0.25: 32^2 / 16 = 64 tokens of 1024 * 16
        assertEquals(64, real.downsampleRatio(0.25).numImageToken());
        assertEquals(16384, real.downsampleRatio(0.25).projectorInputSize());
        assertEquals(new CausalLm.VisionInput(448, 256), real.visionInput());
    }

    @Test
    void badPixelValuesAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            InternVit vit = tower(TINY, m);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vit.encode(m.zeros(new Shape(1, 4, 4, 4))));
            assertEquals("pixelValues must be [tiles, 3, S, S] with S >= patch_size (2), got (1, 4, 4, 4)", e.getMessage());
            // a 6 px tile has a 3x3 grid, which a 2x2 shuffle cannot merge
            e = assertThrows(IllegalArgumentException.class, () -> vit.encode(m.zeros(new Shape(1, 3, 6, 6))));
            assertEquals("pixel shuffle needs a square grid whose side is a multiple of 2 (1 / downsample_ratio), got 9 tokens",
                    e.getMessage());
        }
    }
}
