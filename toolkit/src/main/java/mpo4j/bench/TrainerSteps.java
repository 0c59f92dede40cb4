package mpo4j.bench;

import java.util.List;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.loss.PreferenceLoss;
import mpo4j.model.CausalLm;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.preference.Reference;
import mpo4j.train.TrainListener;

/**
 * The seam between the bench and the trainer: {@code steps} optimizer steps of the real
 * {@link PreferenceTrainer} (policy forward + backward, reference log-probs from its frozen copy or
 * precomputed, loss, global-norm clipping, AdamW) on {@code pairs}, all of them in one batch per
 * step, each step reported to {@code listener}; the two flags are the trainer's {@code visionOncePerPair}
 * and {@code promptOncePerPair}. The model is trained in place.
 */
final class TrainerSteps {
    private TrainerSteps() {}

    static void fit(CausalLm policy, boolean visionOncePerPair, boolean promptOncePerPair, Reference reference, PreferenceLoss loss, double lr, List<PreferencePair> pairs,
            Function<List<PreferencePair>, PreferenceBatch> collator, int steps, TrainListener listener) {
        PreferenceTrainer trainer = PreferenceTrainer.of(policy).loss(loss).data(pairs).collator(collator)
                .batchSize(pairs.size()).lr(lr).constant().maxSteps(steps).seed(42).progressBar(false).listener(listener)
                .visionOncePerPair(visionOncePerPair).promptOncePerPair(promptOncePerPair);
        trainer.reference(reference).fit();
    }
}
