package mpo4j.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CompletionGeneratorTest {
    private static final int VOCAB = 8;
    private static final Function<long[], String> LETTERS = ids -> {
        StringBuilder s = new StringBuilder();
        for (long id : ids) {
            s.append((char) ('a' + id));
        }
        return s.toString();
    };
    private static NDManager manager;

    @BeforeAll
    static void open() {
        Mpo4jEngine.ensureOffline();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() { manager.close(); }

    private static List<SampledCompletion> run(SamplingConfig config, int generations, PromptTokens... prompts) {
        TableModel model = new TableModel(manager, TableModel.successorTable(VOCAB));
        return new CompletionGenerator(config, LETTERS).generate(model, List.of(prompts), generations);
    }

    private static PromptTokens prompt(long key, long... ids) { return new PromptTokens(key, ids); }

    @Test
    void greedyFollowsTheTableAndRowsFinishIndependently() {
        SamplingConfig config = SamplingConfig.DEFAULT.maxNewTokens(4).eosTokenIds(List.of(5L));
        TableModel model = new TableModel(manager, TableModel.successorTable(VOCAB));
        List<SampledCompletion> out = new CompletionGenerator(config, LETTERS)
                .generate(model, List.of(prompt(0, 7, 2), prompt(1, 6)), 1);
        // after 2 the favourite is 3, then 4, then 5 = eos: [3, 4, 5], finished by eos, not truncated.
        assertArrayEquals(new long[] {3, 4, 5}, out.get(0).tokenIds());
        assertEquals(FinishReason.EOS_TOKEN, out.get(0).finishReason());
        assertFalse(out.get(0).truncated());
        assertEquals("def", out.get(0).text());
        // greedy logprobs: 0 (a point mass); model logprobs: log_softmax of the table row of the previous
        // token at the chosen one, step by step (rows 2, 3, 4 of the table).
        float[][] table = TableModel.successorTable(VOCAB);
        for (int step = 0; step < 3; step++) {
            float[] row = table[2 + step];
            double z = 0;
            for (float v : row) {
                z += Math.exp(v);
            }
            assertEquals(row[3 + step] - Math.log(z), out.get(0).modelLogprobs()[step], 1e-6);
            assertEquals(0.0, out.get(0).logprobs()[step]);
        }
        // after 6: 7, 0, 1, 2 -> 4 tokens without eos: truncated.
        assertArrayEquals(new long[] {7, 0, 1, 2}, out.get(1).tokenIds());
        assertTrue(out.get(1).truncated());
        // row 0 left after its third token: calls were start [0,1], steps [0,1], [0,1], then [1].
        assertEquals(4, model.calls.size());
        assertArrayEquals(new int[] {1}, model.calls.get(3));
    }

    @Test
    void stopStringsEndARowAndKeepTheTokens() {
        SamplingConfig config = SamplingConfig.DEFAULT.maxNewTokens(6).stopStrings(List.of("cd"));
        SampledCompletion c = run(config, 1, prompt(0, 0)).get(0);
        // 0 -> 1 (b), 2 (c), 3 (d): "bcd" contains "cd".
        assertEquals("bcd", c.text());
        assertEquals(FinishReason.STOP_STRING, c.finishReason());
        assertFalse(c.truncated());
    }

    @Test
    void repetitionPenaltyChangesTheGreedyPath() {
        // Table: after token 0 logits [0, 0, 2, 1.5, ...]: greedy picks 2. Penalty 2 with 2 in the prompt:
        // 2 -> 1 < 1.5, so it picks 3.
        float[][] table = new float[4][4];
        table[0] = new float[] {0f, 0f, 2f, 1.5f};
        SamplingConfig config = SamplingConfig.DEFAULT.maxNewTokens(1);
        TableModel model = new TableModel(manager, table);
        assertEquals(2, new CompletionGenerator(config, null).generate(model, List.of(prompt(0, 0)), 1).get(0).tokenIds()[0]);
        model = new TableModel(manager, table);
        assertEquals(3, new CompletionGenerator(config.repetitionPenalty(2.0), null)
                .generate(model, List.of(prompt(0, 2, 0)), 1).get(0).tokenIds()[0]);
    }

    @Test
    void sameSeedSameCompletionsAndOtherSeedOthers() {
        SamplingConfig config = SamplingConfig.trlDefaults().maxNewTokens(12).temperature(3.0).seed(42);
        List<SampledCompletion> a = run(config, 4, prompt(10, 1), prompt(11, 3));
        List<SampledCompletion> b = run(config, 4, prompt(10, 1), prompt(11, 3));
        assertEquals(texts(a), texts(b));
        assertEquals(a, b);
        assertNotEquals(texts(a), texts(run(config.seed(43), 4, prompt(10, 1), prompt(11, 3))));
        // the 4 completions of one prompt differ from each other (temperature 3 spreads the table)
        assertEquals(4, texts(a).subList(0, 4).stream().distinct().count());
    }

    @Test
    void completionsDoNotDependOnTheRestOfTheBatchOrItsOrder() {
        SamplingConfig config = SamplingConfig.trlDefaults().maxNewTokens(10).temperature(2.0).topP(0.9)
                .eosTokenIds(List.of(0L)).seed(5);
        List<SampledCompletion> ab = run(config, 3, prompt(1, 4), prompt(2, 6));
        List<SampledCompletion> ba = run(config, 3, prompt(2, 6), prompt(1, 4));
        List<SampledCompletion> bAlone = run(config, 3, prompt(2, 6));
        assertEquals(texts(ab).subList(3, 6), texts(ba).subList(0, 3));
        assertEquals(texts(ab).subList(3, 6), texts(bAlone));
        assertEquals(texts(ab).subList(0, 3), texts(ba).subList(3, 6));
        for (int g = 0; g < 3; g++) {
            assertArrayEquals(ab.get(3 + g).logprobs(), bAlone.get(g).logprobs());
        }
    }

    @Test
    void temperatureZeroEqualsGreedy() {
        SamplingConfig greedy = SamplingConfig.DEFAULT.maxNewTokens(6);
        SamplingConfig zero = SamplingConfig.trlDefaults().temperature(0).topK(3).maxNewTokens(6).seed(9);
        assertEquals(texts(run(greedy, 2, prompt(0, 3))), texts(run(zero, 2, prompt(0, 3))));
        assertEquals("efghab", run(zero, 1, prompt(0, 3)).get(0).text());
    }

    @Test
    void topKNeverEmitsATokenOutsideTheKeptSet() {
        // Table rows favour (t+1) with 3 and give the others 0..0.4: with top_k 1 only the successor can
        // follow, whatever the temperature and seed.
        SamplingConfig config = SamplingConfig.trlDefaults().topK(1).temperature(5.0).maxNewTokens(20);
        for (long seed = 0; seed < 20; seed++) {
            SampledCompletion c = run(config.seed(seed), 1, prompt(0, 0)).get(0);
            long[] ids = c.tokenIds();
            for (int i = 0; i < ids.length; i++) {
                long before = i == 0 ? 0 : ids[i - 1];
                assertEquals((before + 1) % VOCAB, ids[i], "seed " + seed + " step " + i);
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheReason() {
        TableModel model = new TableModel(manager, TableModel.successorTable(VOCAB));
        CompletionGenerator generator = new CompletionGenerator(SamplingConfig.DEFAULT, null);
        assertEquals("prompt key 3 appears twice; keys identify random streams",
                assertThrows(IllegalArgumentException.class,
                        () -> generator.generate(model, List.of(prompt(3, 1), prompt(3, 2)), 1)).getMessage());
        assertEquals("num_generations must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> generator.generate(model, List.of(prompt(3, 1)), 0)).getMessage());
        assertEquals("stop_strings [x] need a decode function",
                assertThrows(IllegalArgumentException.class,
                        () -> new CompletionGenerator(SamplingConfig.DEFAULT.stopStrings(List.of("x")), null)).getMessage());
    }

    @Test
    void aModelReturningTheWrongRowsIsReported() {
        NextTokenLogits broken = new NextTokenLogits() {
            @Override
            public ai.djl.ndarray.NDArray start(List<long[]> rowPrompts) { return manager.zeros(new ai.djl.ndarray.types.Shape(1, VOCAB)); }

            @Override
            public ai.djl.ndarray.NDArray next(int[] activeRows, long[] tokens) { throw new AssertionError(); }
        };
        assertEquals("the model returned logits of shape (1, 8) for 2 active rows; expected [2, vocab]",
                assertThrows(IllegalStateException.class,
                        () -> new CompletionGenerator(SamplingConfig.DEFAULT, null).generate(broken, List.of(prompt(0, 1)), 2)).getMessage());
    }

    private static List<String> texts(List<SampledCompletion> cs) {
        List<String> out = new ArrayList<>();
        for (SampledCompletion c : cs) {
            out.add(c.text());
        }
        return out;
    }
}
