package mpo4j.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.model.ImageInputs;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.model.TokenIds;
import org.junit.jupiter.api.Test;

/** Sampling through a real model's KV cache: greedy equals the existing greedy generator, sampling is seeded. */
class CausalLmLogitsTest {
    static {
        Mpo4jEngine.ensureOffline();
    }

    /** The tiny model with 2 decoder layers and a 1-layer vision tower (fast on a shared machine). */
    private static TinyVlmConfig config() {
        TinyVlmConfig tiny = TinyVlmConfig.tinyVlm();
        return tiny.withVision(tiny.vision().withLayers(1).withWidth(32, 2, 64)).withText(tiny.text().withLayers(2).withSize(64, 2, 128));
    }

    private static long[] imagePrompt(TinyVlmConfig config) {
        TokenIds ids = config.tokens();
        List<Long> p = new ArrayList<>(List.of(101L, (long) ids.imgStart()));
        for (int i = 0; i < config.tokensPerTile(); i++) {
            p.add((long) ids.imgContext());
        }
        p.addAll(List.of((long) ids.imgEnd(), 102L, 103L));
        return p.stream().mapToLong(Long::longValue).toArray();
    }

    private static NDArray tile(TinyVlmConfig config, NDManager m) {
        int s = config.vision().tileSize();
        float[] pixels = new float[3 * s * s];
        Random r = new Random(5);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        return m.create(pixels, new Shape(1, 3, s, s));
    }

    @Test
    void greedyCompletionsOfAMixedBatchEqualEachPromptAloneOnTextAndImagePrompts() {
        TinyVlmConfig config = config();
        long[] shortText = {11, 12, 13};
        long[] image = imagePrompt(config);
        long[] longText = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33};
        try (TinyVlm model = TinyVlm.builder(config).seed(19).build(); NDManager m = model.manager().newSubManager()) {
            NDArray tile = tile(config, m);
            // each prompt decoded alone (no padding, one row) is what its rows of the mixed batch must get
            List<long[]> expected = List.of(Generator.of(model).generate(shortText, null, SamplingConfig.greedy(6)),
                    Generator.of(model).generate(image, tile, SamplingConfig.greedy(6)),
                    Generator.of(model).generate(longText, null, SamplingConfig.greedy(6)));
            int before = model.manager().getManagedArrays().size();
            // one group per prompt: empty, the tile, empty
            ImageInputs groups = new ImageInputs(tile, new int[] {0, 0, 1, 1}, new int[] {1}, new int[] {0, 1, 2});
            SamplingConfig greedy = SamplingConfig.DEFAULT.maxNewTokens(6).eosTokenIds(List.of((long) config.tokens().eos()));
            List<SampledCompletion> out;
            try (CausalLmLogits logits = CausalLmLogits.of(model, groups)) {
                out = new CompletionGenerator(greedy, null).generate(logits,
                        List.of(new PromptTokens(0, shortText), new PromptTokens(1, image), new PromptTokens(2, longText)), 2);
            }
            assertEquals(before, model.manager().getManagedArrays().size(), "closing frees the cache");
            assertEquals(6, out.size());
            for (int r = 0; r < 6; r++) {
                assertArrayEquals(expected.get(r / 2), out.get(r).tokenIds(), "row " + r);
            }
        }
    }

    @Test
    void sameSeedSameCompletionsWhateverTheBatch() {
        TinyVlmConfig config = config().textOnly();
        long[] a = {5, 6, 7, 8};
        long[] b = {9, 10, 11, 12, 13, 14};
        SamplingConfig hot = SamplingConfig.trlDefaults().temperature(3.0).maxNewTokens(6).seed(7);
        try (TinyVlm model = TinyVlm.builder(config).seed(3).build()) {
            List<SampledCompletion> both = sample(model, hot, List.of(new PromptTokens(0, a), new PromptTokens(1, b)));
            assertEquals(both, sample(model, hot, List.of(new PromptTokens(0, a), new PromptTokens(1, b))));
            // prompt 1 alone gets the tokens it got beside prompt 0 (log-probs equal up to the float noise of padding)
            List<SampledCompletion> alone = sample(model, hot, List.of(new PromptTokens(1, b)));
            for (int g = 0; g < 3; g++) {
                assertArrayEquals(both.get(3 + g).tokenIds(), alone.get(g).tokenIds(), "generation " + g);
                assertArrayEquals(both.get(3 + g).modelLogprobs(), alone.get(g).modelLogprobs(), 1e-5);
            }
            assertFalse(Arrays.equals(both.get(0).tokenIds(), both.get(1).tokenIds())
                    && Arrays.equals(both.get(1).tokenIds(), both.get(2).tokenIds()), "three hot samples of one prompt differ");
            List<SampledCompletion> other = sample(model, hot.seed(8), List.of(new PromptTokens(0, a), new PromptTokens(1, b)));
            assertNotEquals(both, other);
            // the recorded model log-probs are the model's: log_softmax(logits / T) of the sampled token over every token
            // but <IMG_CONTEXT> (never sampled), from a full forward
            SampledCompletion c = both.get(0);
            double[] full = fullForwardLogprobs(model, a, c.tokenIds(), 3.0);
            for (int t = 0; t < full.length; t++) {
                assertEquals(full[t], c.modelLogprobs()[t], 1e-4, "token " + t);
            }
        }
    }

    /**
     * A text-only model has no {@code <IMG_CONTEXT>} (id -1): every vocabulary id, the last one included,
     * keeps its probability. The recorded log-probs equal a full forward's log_softmax over all 2048 ids;
     * at temperature 3 leaving the last id out would shift each by about -log(1 - 1/2048) = 4.9e-4.
     */
    @Test
    void aModelWithoutImageTokensCanSampleEveryId() {
        TokenIds none = new TokenIds(-1, -1, -1, 2042, 2044);
        SamplingConfig hot = SamplingConfig.trlDefaults().temperature(3.0).maxNewTokens(6).seed(7);
        try (TinyVlm model = TinyVlm.builder(config().textOnly().withTokenizerIds(none)).seed(3).build()) {
            long[] prompt = {5, 6, 7, 8};
            SampledCompletion c = sample(model, hot, List.of(new PromptTokens(0, prompt))).get(0);
            double[] full = fullForwardLogprobs(model, prompt, c.tokenIds(), 3.0);
            for (int t = 0; t < full.length; t++) {
                assertEquals(full[t], c.modelLogprobs()[t], 1e-4, "token " + t);
            }
        }
    }

    /**
     * Every id of a list-valued eos_token_id ends a row (transformers' generate), not only the first. A seeded
     * hot sample draws the same tokens whatever the end ids, so the row with two end ids is the free row cut
     * after the second id's first appearance.
     */
    @Test
    void generationStopsAtEveryEosIdOfTheModel() {
        TinyVlmConfig config = config().textOnly();
        long[] prompt = {5, 6, 7, 8};
        SamplingConfig hot = SamplingConfig.trlDefaults().temperature(3.0).maxNewTokens(6).seed(11);
        long[] free;
        try (TinyVlm model = TinyVlm.builder(config).seed(3).build()) {
            free = Generator.of(model).generate(prompt, null, hot);
        }
        assertEquals(6, free.length, "the sample must not end early for this check");
        // the first position k >= 1 whose token the row has not emitted before: made an end id, it must end the row there
        int k = 1;
        while (k < free.length && Arrays.stream(free, 0, k).boxed().toList().contains(free[k])) {
            k++;
        }
        assertTrue(k < free.length, "the sample repeats one token; pick another seed");
        int second = (int) free[k];
        assertNotEquals(config.tokens().eos(), second);
        TokenIds twoEnds = config.tokens().eosIds(List.of(config.tokens().eos(), second));
        try (TinyVlm model = TinyVlm.builder(config.withTokenizerIds(twoEnds)).seed(3).build()) {
            long[] stopped = Generator.of(model).generate(prompt, null, hot);
            assertArrayEquals(Arrays.copyOf(free, k + 1), stopped, "stops after the second eos id, which it keeps");
        }
    }

    @Test
    void imageGroupsMustMatchThePrompts() {
        TinyVlmConfig config = config();
        try (TinyVlm model = TinyVlm.builder(config).seed(1).build(); NDManager m = model.manager().newSubManager()) {
            ImageInputs oneGroup = ImageInputs.single(tile(config, m));
            try (CausalLmLogits logits = CausalLmLogits.of(model, oneGroup)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new CompletionGenerator(SamplingConfig.DEFAULT.maxNewTokens(2), null).generate(logits,
                                List.of(new PromptTokens(0, imagePrompt(config)), new PromptTokens(1, new long[] {4, 5})), 1));
                assertTrue(e.getMessage().contains("2 distinct prompts but 1 image groups"), e.getMessage());
            }
        }
    }

    private static List<SampledCompletion> sample(TinyVlm model, SamplingConfig how, List<PromptTokens> prompts) {
        try (CausalLmLogits logits = CausalLmLogits.of(model)) {
            return new CompletionGenerator(how, null).generate(logits, prompts, 3);
        }
    }

    /** Slow exact check: one uncached forward over prompt + completion, log_softmax(logits / T) without {@code <IMG_CONTEXT>} at each sampled token. */
    private static double[] fullForwardLogprobs(TinyVlm model, long[] prompt, long[] completion, double temperature) {
        long[] all = new long[prompt.length + completion.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(completion, 0, all, prompt.length, completion.length);
        try (NDManager s = model.manager().newSubManager()) {
            float[] logits = model.forward(mpo4j.model.TokenRows.of(all), null, s).toFloatArray();
            int vocab = model.vocabSize();
            int banned = model.tokens().imgContext();
            double[] out = new double[completion.length];
            for (int t = 0; t < completion.length; t++) {
                int pos = prompt.length - 1 + t;
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, logits[pos * vocab + v] / temperature);
                }
                double sum = 0;
                for (int v = 0; v < vocab; v++) {
                    sum += v == banned ? 0 : Math.exp(logits[pos * vocab + v] / temperature - max);
                }
                out[t] = logits[pos * vocab + (int) completion[t]] / temperature - max - Math.log(sum);
            }
            return out;
        }
    }
}
