package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.train.MetricReducer;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;

/**
 * The training loop copies metric values to the host once per optimizer step (issue 16): the loss of
 * every micro-batch, the objective's device metrics and the gradient norm's pieces travel together.
 * Counted through {@link MetricReducer#hostTransfers()}, the one path the loop reads device values by.
 */
class MetricTransfersTest {
    private static final List<PreferencePair> TRAIN = VlmFixtures.pairs(12, 7);

    @Test
    void oneTransferPerOptimizerStepWithGradientAccumulation() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            long before = MetricReducer.hostTransfers();
            // 12 pairs, batch 2, accumulation 2: 3 optimizer steps of 2 micro-batches each
            TrainRun run = PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).data(TRAIN)
                    .collator(VlmFixtures.collator(VlmFixtures.config(false))).batchSize(2).gradAccum(2).lr(1e-3)
                    .epochs(1).seed(42).progressBar(false).fit();
            assertEquals(3, run.trainRows().size());
            assertEquals(3, MetricReducer.hostTransfers() - before);
        }
    }

    @Test
    void sftKeepsItsMetricsOnTheDeviceAndAnEvaluationCostsOneTransfer() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            long before = MetricReducer.hostTransfers();
            TrainRun run = PreferenceTrainer.sft(model).data(TRAIN, VlmFixtures.pairs(5, 8))
                    .collator(VlmFixtures.collator(VlmFixtures.config(false))).batchSize(2).evalBatchSize(2).gradAccum(2).lr(1e-3)
                    .epochs(1).seed(42).evalEvery(3).progressBar(false).fit();
            assertEquals(3, run.trainRows().size());
            // 3 steps + 1 evaluation at step 3 over 3 batches (5 pairs by 2)
            assertEquals(4, MetricReducer.hostTransfers() - before);
            // loss and loss/sft are the same device value, reduced with the same weights
            assertEquals(run.trainRows().get(0).get("loss"), run.trainRows().get(0).get("loss/sft"), 0);
        }
    }
}
