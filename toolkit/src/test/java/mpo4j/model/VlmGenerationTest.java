package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import org.junit.jupiter.api.Test;
import mpo4j.generate.Generator;
import mpo4j.generate.SamplingConfig;

class VlmGenerationTest {

    /** Greedy decoding without a cache: rerun the whole sequence and take the argmax of the last position. */
    private static long[] argmaxWithoutCache(TinyVlm model, long[] prompt, NDArray pixels, int steps) {
        long[] seq = prompt.clone();
        long[] out = new long[steps];
        for (int i = 0; i < steps; i++) {
            try (NDManager s = model.manager().newSubManager()) {
                SequenceBatch row = new SequenceBatch(1, seq.length, seq, seq.clone(), new int[] {seq.length}, 0);
                NDArray logits = model.forward(row.tokens(), pixels == null ? null : ImageInputs.single(pixels), s);
                out[i] = logits.get("0, -1, :").argMax().getLong();
            }
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = out[i];
        }
        return out;
    }

    @Test
    void kvCacheGreedyGenerationEqualsArgmaxDecodingWithoutCache() {
        TinyVlmConfig config = TestBatches.small().withText(TestBatches.small().text().withNumKeyValueHeads(2));
        PreferenceBatch batch = TestBatches.batch(config, 1, 2, 6, 1, 1, 21);
        SequenceBatch chosen = batch.chosen();
        long[] prompt = Arrays.copyOf(chosen.inputIds(), chosen.lengths()[0] - 2);   // the prompt part
        try (TinyVlm model = TinyVlm.builder(config).seed(17).build(); NDManager m = model.manager().newSubManager()) {
            NDArray pixels = batch.pixelValues(m);
            int before = model.manager().getManagedArrays().size();
            long[] cached = Generator.of(model).generate(prompt, pixels, SamplingConfig.greedy(6));
            assertEquals(before, model.manager().getManagedArrays().size(), "generation frees its cache");
            assertEquals(6, cached.length);
            assertArrayEquals(argmaxWithoutCache(model, prompt, pixels, 6), cached);
        }
    }

    @Test
    void batchedGenerationGivesEachPromptTheTokensItGetsAlone() {
        TinyVlmConfig config = TestBatches.small().withText(TestBatches.small().text().withNumKeyValueHeads(2));
        PreferenceBatch withImage = TestBatches.batch(config, 2, 1, 5, 1, 1, 22);
        long[] imagePrompt = Arrays.copyOf(withImage.chosen().inputIds(), withImage.chosen().lengths()[0] - 2);
        long[] shortText = {11, 12, 13};
        long[] longText = {21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33};
        try (TinyVlm model = TinyVlm.builder(config).seed(19).build(); NDManager m = model.manager().newSubManager()) {
            NDArray tile = withImage.pixelValues(m).get("0:1");
            SamplingConfig how = SamplingConfig.greedy(5);
            var batched = Generator.of(model).generate(java.util.List.of(shortText, imagePrompt, longText), java.util.Arrays.asList(null, tile, null), how);
            assertArrayEquals(Generator.of(model).generate(shortText, null, how), batched.get(0));
            assertArrayEquals(Generator.of(model).generate(imagePrompt, tile, how), batched.get(1));
            assertArrayEquals(Generator.of(model).generate(longText, null, how), batched.get(2));
        }
    }

    @Test
    void generationStopsAtTheEndToken() {
        TinyVlmConfig base = TestBatches.small().textOnly();
        long[] prompt = {5, 6, 7, 8};
        // Hot sampling, so that the untrained model does not just repeat one token.
        SamplingConfig how = hot(8);
        long[] free;
        try (TinyVlm model = TinyVlm.builder(base).seed(3).build()) {
            free = Generator.of(model).generate(prompt, null, how);
        }
        // Declare the first sampled token that is new (after the first) the end token: generation must stop right after it.
        int stop = firstNewToken(free);
        assertTrue(stop < free.length, "the random model repeats one token: " + Arrays.toString(free));
        TokenIds t = base.tokens();
        TinyVlmConfig withEnd = base.withTokenizerIds(t.imgContext(), t.imgStart(), t.imgEnd(), t.pad(), (int) free[stop]);
        try (TinyVlm stopping = TinyVlm.builder(withEnd).seed(3).build()) {
            assertArrayEquals(Arrays.copyOf(free, stop + 1), Generator.of(stopping).generate(prompt, null, how));
        }
    }

    /** The first position after 0 whose token did not occur before it (or the length if none). */
    private static int firstNewToken(long[] tokens) {
        for (int i = 1; i < tokens.length; i++) {
            long token = tokens[i];
            if (Arrays.stream(tokens, 0, i).noneMatch(t -> t == token)) {
                return i;
            }
        }
        return tokens.length;
    }

    @Test
    void samplingIsSeededAndTopKOneIsGreedy() {
        try (TinyVlm model = TinyVlm.builder(TestBatches.small().textOnly()).seed(3).build()) {
            long[] prompt = {5, 6, 7, 8};
            SamplingConfig hot = hot(6);
            long[] a = Generator.of(model).generate(prompt, null, hot);
            assertArrayEquals(a, Generator.of(model).generate(prompt, null, hot));
            assertFalse(Arrays.equals(a, Generator.of(model).generate(prompt, null, hot.seed(2))));
            assertArrayEquals(Generator.of(model).generate(prompt, null, SamplingConfig.greedy(6)), Generator.of(model).generate(prompt, null, hot.topK(1)));
        }
    }

    /** Hot sampling from the whole vocabulary (temperature 5, no top-k), seed 1. */
    private static SamplingConfig hot(int maxNewTokens) {
        return SamplingConfig.DEFAULT.doSample(true).topK(0).temperature(5.0).seed(1).maxNewTokens(maxNewTokens);
    }
}
