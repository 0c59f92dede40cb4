package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.collate.InternVlCollator;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.Test;
import mpo4j.train.TrainRun;

/** The trainer on the embedded shapes sample with the real tokenizer and InternVL collator. */
class SampleDataTrainerTest {
    private static final Path SAMPLE = Path.of("..", "datasets-sample");

    @Test
    void mpoOnShapesPairsStartsAtTheAnalyticLossAndEvaluates() {
        List<PreferencePair> pairs = Datasets.load(SAMPLE.resolve("shapes/meta.json")).seed(42).shuffle().take(12).toList();
        try (Tokenizer tokenizer = Tokenizer.load(SAMPLE.resolve("tokenizer"))) {
            TinyVlmConfig base = VlmFixtures.config(true);
            TinyVlmConfig config = base.withTokenizerIds((int) tokenizer.imageContextId(), (int) tokenizer.imageStartId(),
                    (int) tokenizer.imageEndId(), (int) tokenizer.padId(), (int) tokenizer.imEndId());
            InternVlCollator collator = InternVlCollator.of(tokenizer).tileSize(config.vision().tileSize())
                    .tokensPerTile(config.tokensPerTile()).maxTiles(1).thumbnail(false).maxSeqLength(512);
            try (TinyVlm model = TinyVlm.builder(config).seed(5).build()) {
                TrainRun run = PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).data(pairs.subList(0, 8), pairs.subList(8, 12))
                        .collator(collator).batchSize(4).lr(1e-3).constant().maxSteps(2).evalEvery(2).progressBar(false).fit();
                Map<String, Double> first = run.trainRows().get(0);
                assertEquals(Math.log(2), first.get("loss/sigmoid"), 1e-6);
                assertEquals(2 * Math.log(2), first.get("loss/bco_pair"), 1e-6);
                assertTrue(first.get("tokens_per_s") > 0);
                Map<String, Double> eval = run.evalRows().get(0);
                assertEquals(2.0, eval.get("step"));
                assertTrue(eval.get("eval/rewards/accuracies") >= 0 && eval.get("eval/rewards/accuracies") <= 1);
                double answers = AnswerCheck.greedy(model, collator, pairs.subList(8, 10)).accuracy();
                assertTrue(answers >= 0 && answers <= 1, "answer accuracy " + answers);
            }
        }
    }
}
