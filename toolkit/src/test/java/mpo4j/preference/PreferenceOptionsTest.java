package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.text.Labels;
import mpo4j.text.Tokenizer;
import mpo4j.text.ToolFixtures;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TRL's {@code precompute_ref_batch_size}, {@code pad_token} and {@code disable_dropout} on the preference trainer. */
class PreferenceOptionsTest {
    private static final List<PreferencePair> TRAIN = VlmFixtures.pairs(8, 1);
    private static final List<PreferencePair> EVAL = VlmFixtures.pairs(5, 2);

    /** A fixture collator that records the number of pairs of every batch it makes. */
    private static PreferenceTrainer trainer(TinyVlm model, List<Integer> batchSizes) {
        return PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).data(TRAIN, EVAL)
                .collator(pairs -> {
                    batchSizes.add(pairs.size());
                    return VlmFixtures.collate(VlmFixtures.config(false), pairs);
                })
                .batchSize(2).evalBatchSize(5).lr(1e-2).constant().seed(42).progressBar(false);
    }

    @Test
    void defaultsAreTrls() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            PreferenceTrainer t = PreferenceTrainer.of(model);
            assertEquals(0, t.precomputeRefBatchSize(), "None: the train/eval batch sizes");
            assertNull(t.padToken(), "None: the tokenizer's pad token, else eos");
            assertTrue(t.disableDropout());
        }
    }

    @Test
    void referencePrePassUsesItsOwnBatchSize() {
        try (TinyVlm a = VlmFixtures.model(false, 3); TinyVlm b = VlmFixtures.model(false, 3)) {
            List<Integer> byDefault = new ArrayList<>();
            TrainRun first = trainer(a, byDefault).precomputedReference().maxSteps(1).fit();
            // pre-pass: 8 train pairs in batches of 2, 5 eval pairs in one batch of 5; then the training step's batch of 2
            assertEquals(List.of(2, 2, 2, 2, 5, 2), byDefault);
            List<Integer> sized = new ArrayList<>();
            TrainRun second = trainer(b, sized).precomputedReference().precomputeRefBatchSize(4).maxSteps(1).fit();
            // pre-pass: 8 train pairs as 4 + 4, 5 eval pairs as 4 + 1; the training batch stays 2
            assertEquals(List.of(4, 4, 4, 1, 2), sized);
            // the stored log-probs do not depend on how the pre-pass was batched
            Map<String, Double> r1 = first.trainRows().get(0);
            Map<String, Double> r2 = second.trainRows().get(0);
            for (String k : List.of("loss", "logps/chosen", "logps/rejected", "rewards/margins")) {
                assertEquals(r1.get(k), r2.get(k), 1e-5, k);
            }
            Exception e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(a).precomputeRefBatchSize(-1));
            assertEquals("precompute_ref_batch_size must be >= 1 (or 0 for the train/eval batch sizes), got -1", e.getMessage());
        }
    }

    @Test
    void padTokenIsLookedUpInTheVocabulary() {
        Tokenizer tok = Tokenizer.sample();
        long imEnd = tok.addedTokens().get("<|im_end|>");
        assertEquals(imEnd, PadTokens.id(tok, "<|im_end|>"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> PadTokens.id(tok, "no such token here"));
        assertTrue(e.getMessage().startsWith("pad_token 'no such token here' is not a token of the tokenizer"), e.getMessage());
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).padToken(""));
            assertTrue(e.getMessage().startsWith("pad_token must be a token of the tokenizer or null"), e.getMessage());
        }
    }

    @Test
    void padTokenRewritesOnlyPaddingPositions() {
        // two rows of width 3: row 0 is full, row 1 holds one real token; the collator padded with 0
        long i = Labels.IGNORE;
        SequenceBatch s = new SequenceBatch(2, 3, new long[] {5, 6, 7, 8, 0, 0}, new long[] {i, 6, 7, 8, i, i}, new int[] {3, 1}, 0);
        PreferenceBatch b = new PreferenceBatch(s, s, new float[0], 0, 1, new int[0], new int[] {0, 0, 0},
                List.of(new mpo4j.data.Source("x.jsonl", 1), new mpo4j.data.Source("x.jsonl", 2)), null, null);
        PairBatches.Collate repadded = PadTokens.repad((pairs, indices) -> b, 9);
        PreferenceBatch out = repadded.apply(List.of(), new int[] {0, 1});
        for (SequenceBatch rows : List.of(out.chosen(), out.rejected())) {
            assertArrayEquals(new long[] {5, 6, 7, 8, 9, 9}, rows.inputIds());
            assertArrayEquals(s.labels(), rows.labels());
            assertArrayEquals(new int[] {3, 1}, rows.lengths());
            assertEquals(9, rows.padId());
        }
        PairBatches.Collate kept = PadTokens.repad((pairs, indices) -> b, -1);
        assertTrue(kept.apply(List.of(), new int[] {0, 1}) == b, "no pad_token: the collator's batch as it is");
    }

    @Test
    void padTokenNeedsATokenizer() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> trainer(model, new ArrayList<>()).padToken("<|im_end|>").maxSteps(1).fit());
            assertEquals("pad_token '<|im_end|>' needs a tokenizer, but the collator is a custom function and the model has none",
                    e.getMessage());
        }
    }

    @Test
    void resumeWithDropoutSwitchedIsRefused(@TempDir Path tmp) {
        try (TinyVlm a = VlmFixtures.model(false, 3); TinyVlm b = VlmFixtures.model(false, 3)) {
            trainer(a, new ArrayList<>()).maxSteps(1).output(tmp).saveEvery(1).fit();
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> trainer(b, new ArrayList<>()).disableDropout(false).maxSteps(2).resume(tmp));
            assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        }
    }

    @Test
    void toolPairsTrainThroughATemplateThatTakesTools(@TempDir Path tmp) {
        List<PreferencePair> pairs = ToolFixtures.pairs(tmp, ToolFixtures.line("Paris", "Sunny, 21 C.", "Rome"),
                ToolFixtures.line("Oslo", "Cold, 2 C.", "Bergen"));
        try (Tokenizer tok = Tokenizer.sample(); TinyVlm model = VlmFixtures.model(false, 3)) {
            InternVlCollator collator = InternVlCollator.of(tok).template(ToolFixtures.chatMlWithTools());
            // the rows carry the tools and the rejected tool call (the exact layout is PairEncoderTest's)
            PreferenceBatch batch = collator.collate(pairs);
            String rejected = tok.decode(java.util.Arrays.stream(batch.rejected().labels(), 0, batch.rejected().length()).filter(id -> id != Labels.IGNORE).toArray());
            assertEquals("<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}</tool_call><|im_end|>", rejected);
            TrainRun run = PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).data(pairs).collator(collator)
                    .batchSize(2).lr(1e-2).constant().maxSteps(2).seed(42).progressBar(false).fit();
            // step 1: the policy is the reference, so every margin is 0 and the sigmoid loss is -log(sigmoid(0)) = ln 2
            assertEquals(Math.log(2), run.trainRows().get(0).get("loss"), 1e-6);
            assertEquals(2, run.steps());
            assertTrue(run.trainRows().get(1).get("loss") < Math.log(2), "one step of lr 1e-2 on the same batch lowers the loss");
        }
    }

    @Test
    void toolPairsThatTheTemplateCannotRenderStopTheRunNamingTheFields(@TempDir Path tmp) {
        List<PreferencePair> pairs = ToolFixtures.pairs(tmp, ToolFixtures.line("Paris", "Sunny.", "Rome"));
        try (Tokenizer tok = Tokenizer.sample(); TinyVlm model = VlmFixtures.model(false, 3)) {
            Exception e = assertThrows(mpo4j.train.TrainingFailedException.class, () -> PreferenceTrainer.of(model).data(pairs)
                    .collator(InternVlCollator.of(tok)).maxSteps(1).progressBar(false).fit());
            // the sample tokenizer's Jinja template prints role and content only
            assertTrue(e.getMessage().contains(pairs.get(0).source() + ": the pair's tool calling fields tools, rejected[0].tool_calls "
                    + "are ignored by the chat template (JinjaChatTemplate renders the same text without them)"), e.getMessage());
        }
    }
}
