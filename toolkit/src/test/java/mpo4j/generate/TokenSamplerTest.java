package mpo4j.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {
    private static final int DRAWS = 4000;
    private static NDManager manager;

    @BeforeAll
    static void open() {
        Mpo4jEngine.ensureOffline();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() { manager.close(); }

    /** {@code rows} copies of logits whose softmax is {0.5, 0.3, 0.15, 0.05}. */
    private static NDArray fourProbs(int rows) {
        float[] one = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        float[] data = new float[rows * 4];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(one, 0, data, r * 4, 4);
        }
        return manager.create(data, new Shape(rows, 4));
    }

    /** One step for {@code DRAWS} rows of the same prompt, generation indices 0..DRAWS-1. */
    private static SampledTokens draw(SamplingConfig config) {
        long[] keys = new long[DRAWS];
        int[] generations = new int[DRAWS];
        Arrays.setAll(generations, i -> i);
        try (NDArray logits = fourProbs(DRAWS)) {
            return new TokenSampler(config).sample(logits, new long[DRAWS][0], keys, generations, 0);
        }
    }

    @Test
    void greedyTakesTheFirstArgmaxWithLogprobZeroAndTheModelLogprob() {
        NDArray logits = manager.create(new float[] {1f, 3f, 3f, 0f}, new Shape(1, 4));
        SampledTokens t = new TokenSampler(SamplingConfig.DEFAULT).sample(logits, new long[1][0], new long[1], new int[1], 0);
        assertArrayEquals(new long[] {1}, t.ids());
        assertEquals(0.0, t.logprobs()[0]);
        // log softmax at index 1: 3 - log(e^1 + 2 e^3 + e^0)
        double expected = 3 - Math.log(Math.exp(1) + 2 * Math.exp(3) + 1);
        assertEquals(expected, t.modelLogprobs()[0], 1e-6);
    }

    @Test
    void samplingFrequenciesMatchTheProbabilities() {
        SampledTokens t = draw(SamplingConfig.trlDefaults());
        double[] freq = new double[4];
        for (long id : t.ids()) {
            freq[(int) id] += 1.0 / DRAWS;
        }
        // binomial standard deviation at p = 0.5 and n = 4000 is 0.0079; 0.03 is almost 4 of them.
        assertArrayEquals(new double[] {0.5, 0.3, 0.15, 0.05}, freq, 0.03);
        for (int i = 0; i < DRAWS; i++) {
            double p = new double[] {0.5, 0.3, 0.15, 0.05}[(int) t.ids()[i]];
            assertEquals(Math.log(p), t.logprobs()[i], 1e-5);
            assertEquals(Math.log(p), t.modelLogprobs()[i], 1e-5);
        }
    }

    @Test
    void topKAndTopPNeverEmitRemovedTokensAndReportBothDistributions() {
        // top_k 2 keeps {0, 1}: sampled probabilities 0.5/0.8 = 0.625 and 0.375; the model's stay 0.5 and 0.3.
        SampledTokens k = draw(SamplingConfig.trlDefaults().topK(2));
        for (int i = 0; i < DRAWS; i++) {
            long id = k.ids()[i];
            assertTrue(id == 0 || id == 1, "top_k=2 emitted token " + id);
            assertEquals(Math.log(id == 0 ? 0.625 : 0.375), k.logprobs()[i], 1e-5);
            assertEquals(Math.log(id == 0 ? 0.5 : 0.3), k.modelLogprobs()[i], 1e-5);
        }
        // top_p 0.9 keeps {0, 1, 2} (ascending cumulative 0.05 <= 0.1 removes token 3 only).
        SampledTokens p = draw(SamplingConfig.trlDefaults().topP(0.9));
        long twos = Arrays.stream(p.ids()).filter(id -> id == 2).count();
        assertTrue(Arrays.stream(p.ids()).noneMatch(id -> id == 3), "top_p=0.9 emitted token 3");
        // token 2 keeps its share 0.15/0.95 = 0.158 of the draws
        assertEquals(0.158, (double) twos / DRAWS, 0.03);
    }

    @Test
    void temperatureSharpensAndTheModelLogprobUsesTheTemperature() {
        // temperature 0.5 squares the probabilities: 0.25, 0.09, 0.0225, 0.0025 over 0.365.
        SampledTokens t = draw(SamplingConfig.trlDefaults().temperature(0.5));
        double zeros = Arrays.stream(t.ids()).filter(id -> id == 0).count() / (double) DRAWS;
        assertEquals(0.25 / 0.365, zeros, 0.03);
        for (int i = 0; i < 10; i++) {
            double sq = Math.pow(new double[] {0.5, 0.3, 0.15, 0.05}[(int) t.ids()[i]], 2) / 0.365;
            assertEquals(Math.log(sq), t.modelLogprobs()[i], 1e-5);
            assertEquals(Math.log(sq), t.logprobs()[i], 1e-5);
        }
    }

    @Test
    void aRowsDrawDependsOnlyOnSeedKeyGenerationAndStep() {
        SamplingConfig config = SamplingConfig.trlDefaults().seed(11);
        TokenSampler sampler = new TokenSampler(config);
        SampledTokens many = sampler.sample(fourProbs(3), new long[3][0], new long[] {5, 6, 7}, new int[] {0, 1, 2}, 4);
        SampledTokens alone = sampler.sample(fourProbs(1), new long[1][0], new long[] {6}, new int[] {1}, 4);
        assertEquals(many.ids()[1], alone.ids()[0]);
    }
}
