package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.train.ToyTrainerTest;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each held-out pair's reward margin is kept at every evaluation (the histogram of issue 14). */
class EvalMarginsTest {
    private static final List<PreferencePair> TRAIN = VlmFixtures.pairs(8, 1);
    private static final List<PreferencePair> EVAL = VlmFixtures.pairs(3, 2);

    private static PreferenceTrainer dpo(TinyVlm model) {
        return PreferenceTrainer.of(model).loss(PreferenceLoss.dpo()).referenceFree().data(TRAIN, EVAL)
                .collator(VlmFixtures.collator(VlmFixtures.config(false))).batchSize(2).evalBatchSize(2).lr(1e-3)
                .constant().evalEvery(2).maxSteps(4).seed(42).progressBar(false);
    }

    @Test
    void everyEvaluationKeepsOneMarginPerHeldOutPairInOrder() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            TrainRun run = dpo(model).fit();
            SortedMap<Integer, float[]> margins = run.evalValues("rewards/margins");
            assertEquals(List.of(2, 4), List.copyOf(margins.keySet()));
            for (Map<String, Double> row : run.evalRows()) {
                float[] v = margins.get(row.get("step").intValue());
                assertEquals(3, v.length, "3 held-out pairs, in eval batches {0,1} and {2}");
                assertEquals(row.get("eval/rewards/margins"), (v[0] + v[1] + v[2]) / 3.0, 1e-6, "the logged margin is their mean");
            }
            // Pair by pair, on the trained model: reference-free rewards are β·logp, so the margin of pair i
            // is 0.1·(logp chosen − logp rejected) of that pair evaluated alone.
            float[] last = margins.get(4);
            for (int i = 0; i < 3; i++) {
                Map<String, Double> alone = dpo(model).data(TRAIN, List.of(EVAL.get(i))).evaluate();
                double byHand = 0.1 * (alone.get("eval/logps/chosen") - alone.get("eval/logps/rejected"));
                assertEquals(byHand, last[i], 1e-5, "pair " + i);
            }
            assertTrue(run.curves().names().contains(TrainRun.MARGIN_DISTRIBUTION));
        }
    }

    @Test
    void aResumedRunKeepsTheMarginsOfEvaluationsBeforeTheInterrupt(@TempDir Path tmp) {
        try (TinyVlm full = VlmFixtures.model(false, 3); TinyVlm cut = VlmFixtures.model(false, 3)) {
            TrainRun reference = dpo(full).fit();
            TrainRun stopped = dpo(cut).output(tmp).saveEvery(2).listener(ToyTrainerTest.interruptAt(3)).fit();
            assertTrue(stopped.interrupted());
            TrainRun resumed = dpo(cut).output(tmp).saveEvery(2).resume(tmp);
            assertEquals(List.of(2, 4), List.copyOf(resumed.evalValues("rewards/margins").keySet()));
            assertArrayEquals(reference.evalValues("rewards/margins").get(2), resumed.evalValues("rewards/margins").get(2));
            assertArrayEquals(reference.evalValues("rewards/margins").get(4), resumed.evalValues("rewards/margins").get(4));
        }
    }
}
