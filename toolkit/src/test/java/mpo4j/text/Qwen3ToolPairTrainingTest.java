package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool-calling pairs through the collators and the preference trainer with the real Qwen3 tokenizer and
 * chat template (TRL's "Tool Calling with DPO"): the prompt is rendered with the pair's {@code tools},
 * each answer is the text the template writes after it. Expected texts are {@link ToolCallingPairTest}'s,
 * derived by hand from the template; the ids are the tokenizer's for those texts.
 */
class Qwen3ToolPairTrainingTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        Mpo4jEngine.ensureOffline();
        tok = Tokenizer.load(Qwen3Tokenizer.folder());
    }

    @AfterAll
    static void close() {
        if (tok != null) tok.close();
    }

    /** Row {@code r} of {@code rows}: its ids up to its length, and its trained labels. */
    private static long[] ids(SequenceBatch rows, int r) {
        return Arrays.copyOfRange(rows.inputIds(), r * rows.length(), r * rows.length() + rows.lengths()[r]);
    }

    private static long[] trained(SequenceBatch rows, int r) {
        return Arrays.stream(rows.labels(), r * rows.length(), (r + 1) * rows.length()).filter(id -> id != Labels.IGNORE).toArray();
    }

    /** {@code text} without its final "\n": mpo4j trains a completion through its eos_token (Qwen3: <|im_end|>). */
    private static String throughEos(String text) {
        assertTrue(text.endsWith("<|im_end|>\n"), text);
        return text.substring(0, text.length() - 1);
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void trlCollatorEncodesAToolPairAsTrlTokenizesIt(@TempDir Path dir) {
        PreferencePair pair = ToolFixtures.pairs(dir, ToolCallingPairTest.LINE).get(0);
        PreferenceBatch batch = InternVlCollator.of(tok).trl().collate(List.of(pair));
        long[] prompt = tok.encode(ToolCallingPairTest.PROMPT);
        // row = tokenizer(prompt) + tokenizer(completion), tokenized apart as TRL does; the trained span is the
        // completion through <|im_end|>
        assertArrayEquals(concat(prompt, tok.encode(ToolCallingPairTest.CHOSEN_COMPLETION)), ids(batch.chosen(), 0));
        assertArrayEquals(tok.encode(throughEos(ToolCallingPairTest.CHOSEN_COMPLETION)), trained(batch.chosen(), 0));
        assertArrayEquals(concat(prompt, tok.encode(ToolCallingPairTest.REJECTED_COMPLETION)), ids(batch.rejected(), 0));
        assertArrayEquals(tok.encode(throughEos(ToolCallingPairTest.REJECTED_COMPLETION)), trained(batch.rejected(), 0));
        // the tool call is in the trained ids: <tool_call> is an added token of Qwen3 (id 151657)
        assertTrue(Arrays.stream(trained(batch.rejected(), 0)).anyMatch(id -> id == 151657));
        assertEquals(prompt.length + tok.encode(ToolCallingPairTest.REJECTED_COMPLETION).length, batch.rejected().lengths()[0]);
    }

    @Test
    void aDpoRunOnToolPairsStartsAtLn2(@TempDir Path dir) {
        List<PreferencePair> pairs = ToolFixtures.pairs(dir, ToolCallingPairTest.LINE, ToolFixtures.line("Oslo", "Cold, 2 C.", "Bergen"));
        TinyVlmConfig base = TinyVlmConfig.tinyVlm();
        // a one-layer decoder of width 32 over Qwen3's whole vocabulary; Qwen3's own vision and pad/eos ids
        TinyVlmConfig config = base.withText(base.text().withVocabSize(tok.vocabSize()).withLayers(1).withSize(32, 2, 64)).textOnly()
                .withTokenizerIds(Math.toIntExact(tok.id("<|image_pad|>")), Math.toIntExact(tok.id("<|vision_start|>")),
                        Math.toIntExact(tok.id("<|vision_end|>")), Math.toIntExact(tok.padId()), Math.toIntExact(tok.eosId()));
        try (TinyVlm model = TinyVlm.builder(config).seed(7).build()) {
            TrainRun run = PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).data(pairs).collator(InternVlCollator.of(tok))
                    .batchSize(2).lr(1e-2).constant().maxSteps(2).seed(42).progressBar(false).fit();
            assertEquals(2, run.steps());
            // step 1: policy = reference, so both margins are 0 and the loss is -log(sigmoid(0)) = ln 2
            assertEquals(Math.log(2), run.trainRows().get(0).get("loss"), 1e-6);
            assertEquals(0.0, run.trainRows().get(0).get("rewards/margins"), 1e-6);
            assertTrue(run.trainRows().get(1).get("loss") < Math.log(2), "a step on the same two pairs lowers their loss");
        }
    }
}
