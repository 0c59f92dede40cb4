package mpo4j.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each processor against numbers worked out by hand from transformers' definitions. */
class LogitsProcessorsTest {
    private static final float NEG = Float.NEGATIVE_INFINITY;
    private static NDManager manager;

    @BeforeAll
    static void open() {
        Mpo4jEngine.ensureOffline();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() { manager.close(); }

    private static NDArray row(float... x) { return manager.create(x, new Shape(1, x.length)); }

    /** Logits whose softmax is exactly {0.5, 0.3, 0.15, 0.05} (up to float rounding). */
    private static NDArray fourProbs() {
        return row((float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokensOnce() {
        // penalty 2, seen {0, 1, 0} (token 0 twice: penalised once): 2 -> 2/2 = 1, -1 -> -1*2 = -2;
        // unseen 0.5 and 3 unchanged.
        NDArray out = LogitsProcessors.repetitionPenalty(row(2f, -1f, 0.5f, 3f), new long[][] {{0, 1, 0}}, 2.0);
        assertArrayEquals(new float[] {1f, -2f, 0.5f, 3f}, out.toFloatArray(), 1e-6f);
    }

    @Test
    void repetitionPenaltyLeavesRowsWithoutIdsAlone() {
        NDArray two = manager.create(new float[] {2f, -1f, 0.5f, 3f, 2f, -1f, 0.5f, 3f}, new Shape(2, 4));
        // row 0 seen {3}: 3 -> 1.5; row 1 has no ids: unchanged.
        NDArray out = LogitsProcessors.repetitionPenalty(two, new long[][] {{3}, {}}, 2.0);
        assertArrayEquals(new float[] {2f, -1f, 0.5f, 1.5f, 2f, -1f, 0.5f, 3f}, out.toFloatArray(), 1e-6f);
    }

    @Test
    void topPMatchesTransformersDefinitionOnRandomRowsWiderThanThePartialSort() {
        // 600 tokens: the first partial sort (256) cannot hold top_p of a flat row, so it must widen.
        // Reference: transformers' rule in double precision: sort ascending, remove a token when the
        // cumulative probability up to and including it is <= 1 - top_p; keep the most likely token.
        java.util.Random random = new java.util.Random(3);
        int vocab = 600;
        for (double scale : new double[] {0.01, 1.0, 4.0}) {
            for (double topP : new double[] {0.3, 0.9}) {
                float[] x = new float[vocab];
                for (int i = 0; i < vocab; i++) {
                    x[i] = (float) (random.nextGaussian() * scale);
                }
                float[] out = LogitsProcessors.topP(row(x), topP).toFloatArray();
                boolean[] expected = transformersTopP(x, topP);
                for (int i = 0; i < vocab; i++) {
                    assertEquals(expected[i], out[i] != NEG, "scale " + scale + " top_p " + topP + " token " + i);
                }
            }
        }
    }

    private static boolean[] transformersTopP(float[] x, double topP) {
        int n = x.length;
        Integer[] order = new Integer[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            order[i] = i;
            max = Math.max(max, x[i]);
        }
        double total = 0;
        for (float v : x) {
            total += Math.exp(v - max);
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(x[a], x[b]));
        boolean[] keep = new boolean[n];
        double cumulative = 0;
        for (int j = 0; j < n; j++) {
            cumulative += Math.exp(x[order[j]] - max) / total;
            keep[order[j]] = cumulative > 1 - topP || j == n - 1;
        }
        return keep;
    }

    @Test
    void temperatureDividesLogits() {
        assertArrayEquals(new float[] {1f, 2f}, LogitsProcessors.temperature(row(2f, 4f), 2.0).toFloatArray(), 1e-6f);
    }

    @Test
    void topKKeepsTiesWithTheKthLogit() {
        // [1, 3, 2, 3]: the 2 largest are 3, 3 -> k-th = 3 -> keep indices 1, 3.
        assertArrayEquals(new float[] {NEG, 3f, NEG, 3f}, LogitsProcessors.topK(row(1f, 3f, 2f, 3f), 2).toFloatArray());
        // k = 3: 3, 3, 2 -> k-th = 2 -> keep 1, 2, 3.
        assertArrayEquals(new float[] {NEG, 3f, 2f, 3f}, LogitsProcessors.topK(row(1f, 3f, 2f, 3f), 3).toFloatArray());
        // k beyond the vocabulary keeps everything.
        assertArrayEquals(new float[] {1f, 3f, 2f, 3f}, LogitsProcessors.topK(row(1f, 3f, 2f, 3f), 10).toFloatArray());
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probs 0.5, 0.3, 0.15, 0.05; ascending cumulative 0.05, 0.20, 0.50, 1.00.
        // top_p 0.7: remove cumulative <= 0.3 -> tokens 3 (0.05) and 2 (0.20); keep {0, 1}: 0.8 >= 0.7.
        assertKept(LogitsProcessors.topP(fourProbs(), 0.7), true, true, false, false);
        // top_p 0.4: remove <= 0.6 -> tokens 3, 2, 1; keep {0}: 0.5 >= 0.4.
        assertKept(LogitsProcessors.topP(fourProbs(), 0.4), true, false, false, false);
        // top_p 0.9: remove <= 0.1 -> token 3 only.
        assertKept(LogitsProcessors.topP(fourProbs(), 0.9), true, true, true, false);
        // top_p 0.01: every cumulative <= 0.99 except the last -> min_tokens_to_keep keeps the top token.
        assertKept(LogitsProcessors.topP(fourProbs(), 0.01), true, false, false, false);
        // Token order in the vocabulary does not matter: same probabilities shuffled to 0.15, 0.5, 0.05, 0.3.
        NDArray shuffled = row((float) Math.log(0.15), (float) Math.log(0.5), (float) Math.log(0.05), (float) Math.log(0.3));
        assertKept(LogitsProcessors.topP(shuffled, 0.7), false, true, false, true);
    }

    @Test
    void minPScalesTheThresholdByTheTopProbability() {
        // min_p 0.2: threshold 0.2 * 0.5 = 0.1 -> drop 0.05 only.
        assertKept(LogitsProcessors.minP(fourProbs(), 0.2), true, true, true, false);
        // min_p 0.7: threshold 0.35 -> keep only 0.5.
        assertKept(LogitsProcessors.minP(fourProbs(), 0.7), true, false, false, false);
    }

    @Test
    void processAppliesRepetitionPenaltyBeforeTemperatureAndSkipsWarpersWhenGreedy() {
        SamplingConfig sampling = SamplingConfig.trlDefaults().repetitionPenalty(2.0).temperature(2.0);
        // token 0 seen: 4 -> 4/2 (penalty) = 2 -> 2/2 (temperature) = 1; token 1 unseen: -2 -> -1.
        // (temperature first would give the same here: scaling commutes with division for positives;
        // for the negative seen logit -2 at index 2: -2*2 = -4 -> -2.)
        NDArray out = LogitsProcessors.process(row(4f, -2f, -2f), new long[][] {{0, 2}}, sampling);
        assertArrayEquals(new float[] {1f, -1f, -2f}, out.toFloatArray(), 1e-6f);
        // Greedy: only the penalty; top_k=1 would otherwise remove everything but token 0.
        SamplingConfig greedy = SamplingConfig.DEFAULT.repetitionPenalty(2.0).topK(1);
        out = LogitsProcessors.process(row(4f, -2f, 3f), new long[][] {{0}}, greedy);
        assertArrayEquals(new float[] {2f, -2f, 3f}, out.toFloatArray(), 1e-6f);
    }

    @Test
    void warpersRunInTransformersOrder() {
        // temperature before top-p: T = 0.5 squares the probabilities: 0.25, 0.09, 0.0225, 0.0025 over 0.365
        // = 0.685, 0.247, 0.062, 0.007; ascending cumulative 0.007, 0.068, 0.315 <= 1 - 0.6 = 0.4 -> keep {0}.
        // (top-p first would keep {0, 1}: ascending cumulative 0.05, 0.2 <= 0.4 but 0.5 > 0.4.)
        SamplingConfig tempered = SamplingConfig.trlDefaults().temperature(0.5).topP(0.6);
        assertKept(LogitsProcessors.process(fourProbs(), null, tempered), true, false, false, false);
        // top-k before top-p: top-k 2 leaves 0.5, 0.3 -> renormalised 0.625, 0.375; 0.375 <= 1 - 0.55 -> keep {0}.
        // (top-p 0.55 first would keep {0, 1}: ascending cumulative 0.05, 0.2 <= 0.45 < 0.5, and top-k 2 keeps both.)
        SamplingConfig kThenP = SamplingConfig.trlDefaults().topK(2).topP(0.55);
        assertKept(LogitsProcessors.process(fourProbs(), null, kThenP), true, false, false, false);
    }

    @Test
    void rowsAreProcessedIndependently() {
        NDArray two = manager.create(new float[] {1f, 3f, 2f, 0f, 0f, 5f, 4f, 1f}, new Shape(2, 4));
        // top_k 2 per row: row 0 keeps 3, 2; row 1 keeps 5, 4.
        assertArrayEquals(new float[] {NEG, 3f, 2f, NEG, NEG, 5f, 4f, NEG}, LogitsProcessors.topK(two, 2).toFloatArray());
    }

    @Test
    void badArgumentsAreNamed() {
        assertEquals("top_p must be in (0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> LogitsProcessors.topP(row(1f), 1.5)).getMessage());
        assertEquals("token id 7 in row 0 is outside the vocabulary [0, 2)",
                assertThrows(IllegalArgumentException.class,
                        () -> LogitsProcessors.repetitionPenalty(row(1f, 2f), new long[][] {{7}}, 1.2)).getMessage());
    }

    private static void assertKept(NDArray out, boolean... kept) {
        float[] x = out.toFloatArray();
        for (int i = 0; i < kept.length; i++) {
            assertEquals(kept[i], x[i] != NEG, "token " + i + " kept?");
        }
    }
}
