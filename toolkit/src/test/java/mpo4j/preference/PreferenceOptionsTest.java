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
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.text.Labels;
import mpo4j.text.Tokenizer;
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
    void toolSchemasAreNotDroppedSilentlyByTheInternVlCollator() {
        PreferencePair withTools = new PreferencePair(List.of(mpo4j.data.ChatMessage.user("Weather?")), "Sunny.", "Rainy.", List.of(),
                new mpo4j.data.Source("tools.jsonl", 3), null, List.of(Map.of("type", "function")), List.of(), List.of());
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> PreferenceTrainer.of(model).data(List.of(withTools))
                    .collator(mpo4j.collate.InternVlCollator.of(Tokenizer.sample())).maxSteps(1).progressBar(false).fit());
            assertTrue(e.getMessage().startsWith("tools.jsonl:3: the pair has a tools column or tool calls in its answers, which the "
                    + "InternVL collator does not render"), e.getMessage());
        }
    }
}
