package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.TinyVlm;
import mpo4j.engine.HostCopy;
import mpo4j.train.MetricReducer;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;

/**
 * One device-to-host copy per optimizer step (issue 16): the loss of every micro-batch, the objective's
 * metrics and the gradient norm's pieces travel together in the loop's {@link MetricReducer#transfer()}.
 * Every copy the training packages make goes through the counted {@link HostCopy} ({@code HostCopiesTest}
 * checks that nothing bypasses it), so counting between two step ends sees every copy of a step.
 */
class MetricTransfersTest {
    private static final List<PreferencePair> TRAIN = VlmFixtures.pairs(12, 7);

    /** Copies and reducer transfers counted at the start and at the end of every step. */
    private static final class Counts implements TrainListener {
        final List<long[]> ends = new ArrayList<>();

        Counts() {
            ends.add(now());
        }

        static long[] now() {
            return new long[] {HostCopy.count(), MetricReducer.hostTransfers()};
        }

        @Override
        public void onStep(Progress progress) {
            ends.add(now());
        }

        /** {copies, transfers} of step {@code s} (1-based), from the end of the previous one. */
        long[] step(int s) {
            return new long[] {ends.get(s)[0] - ends.get(s - 1)[0], ends.get(s)[1] - ends.get(s - 1)[1]};
        }
    }

    private static PreferenceTrainer mpo(TinyVlm model) {
        // 12 pairs, batch 2, accumulation 2: 3 optimizer steps of 2 micro-batches each
        return PreferenceTrainer.of(model).loss(PreferenceLoss.mpo()).data(TRAIN)
                .collator(VlmFixtures.collator(VlmFixtures.config(false))).batchSize(2).gradAccum(2).lr(1e-3)
                .epochs(1).seed(42).progressBar(false);
    }

    /** Each of the 3 steps made exactly one copy, the reducer's transfer. */
    private static void oneCopyPerStep(Counts counts, TrainRun run, int fromStep) {
        assertEquals(3, run.trainRows().size());
        assertEquals(4, counts.ends.size());
        for (int s = fromStep; s <= 3; s++) {
            assertEquals(List.of(1L, 1L), List.of(counts.step(s)[0], counts.step(s)[1]), "step " + s + ": {copies, transfers}");
        }
    }

    @Test
    void mpoWithAFrozenReferenceCopiesOncePerOptimizerStepWithGradientAccumulation() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Counts counts = new Counts();
            TrainRun run = mpo(model).listener(counts).fit();
            oneCopyPerStep(counts, run, 2);
            // the first step also pays for nothing else: from before fit() to its end, still one copy
            assertEquals(List.of(1L, 1L), List.of(counts.step(1)[0], counts.step(1)[1]));
        }
    }

    @Test
    void mpoWithAPrecomputedReferenceCopiesOncePerOptimizerStep() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Counts counts = new Counts();
            TrainRun run = mpo(model).precomputedReference().listener(counts).fit();
            // the first step's count would include precomputing the reference (before training): steps 2 and 3 only
            oneCopyPerStep(counts, run, 2);
        }
    }

    @Test
    void referenceFreeDpoCopiesOncePerOptimizerStep() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Counts counts = new Counts();
            TrainRun run = mpo(model).loss(PreferenceLoss.dpo().referenceFree()).listener(counts).fit();
            oneCopyPerStep(counts, run, 1);
        }
    }

    @Test
    void sftCopiesOncePerOptimizerStepAndAnEvaluationCostsOneTransfer() {
        try (TinyVlm model = VlmFixtures.model(false, 3)) {
            Counts counts = new Counts();
            long before = MetricReducer.hostTransfers();
            TrainRun run = PreferenceTrainer.sft(model).data(TRAIN, VlmFixtures.pairs(5, 8))
                    .collator(VlmFixtures.collator(VlmFixtures.config(false))).batchSize(2).evalBatchSize(2).gradAccum(2).lr(1e-3)
                    .epochs(1).seed(42).evalEvery(3).progressBar(false).listener(counts).fit();
            oneCopyPerStep(counts, run, 1);
            // 3 steps + 1 evaluation at step 3 over 3 batches (5 pairs by 2)
            assertEquals(4, MetricReducer.hostTransfers() - before);
            // loss and loss/sft are the same device value, reduced with the same weights
            assertEquals(run.trainRows().get(0).get("loss"), run.trainRows().get(0).get("loss/sft"), 0);
        }
    }
}
