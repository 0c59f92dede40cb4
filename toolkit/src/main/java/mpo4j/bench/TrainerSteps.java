package mpo4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.loss.BcoDelta;
import mpo4j.loss.LossResult;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import mpo4j.model.Vlm;
import mpo4j.train.Batches;
import mpo4j.train.CustomTrainer;
import mpo4j.train.Objective;
import mpo4j.train.StepOutput;
import mpo4j.train.TrainListener;
import mpo4j.train.Trainable;

/**
 * THE seam between the bench and the trainer: runs {@code steps} MPO optimizer steps on {@code pairs}
 * (one batch of all of them per step) and reports every step to {@code listener}.
 *
 * <p>INTERIM: the preference trainer is not on this branch yet, so this drives the trainer's own
 * loop ({@link CustomTrainer}: gradient collector, backward, global-norm clipping, AdamW, schedule,
 * metrics) with an objective that does what the preference trainer's does (policy forward →
 * {@link SequenceLogps} → reference log-probs from a frozen copy or precomputed → MPO loss). When
 * {@code PreferenceTrainer} lands, only {@link #fit} changes, to
 * {@code PreferenceTrainer.of(policy).loss(mpo()).data(pairs).collator(collator)...fit()}.
 */
final class TrainerSteps {
    /** Where the reference log-probs come from. */
    enum Reference { FROZEN_COPY, PRECOMPUTED }

    private TrainerSteps() {}

    static void fit(Vlm policy, Reference reference, PreferenceLoss loss, double lr, List<PreferencePair> pairs,
            Function<List<PreferencePair>, PreferenceBatch> collator, int steps, TrainListener listener) {
        try (Vlm frozen = policy.frozenCopy()) {
            Batches<PreferenceBatch> data = new PairData(pairs, collator,
                    reference == Reference.PRECOMPUTED ? precompute(frozen, collator.apply(pairs)) : null);
            Vlm scoring = reference == Reference.FROZEN_COPY ? frozen : null;
            Trainable trainable = () -> {
                Map<String, NDArray> out = new LinkedHashMap<>();
                policy.parameters().forEach((name, p) -> out.put(name, p.getArray()));
                return out;
            };
            CustomTrainer.of(trainable, new MpoObjective(policy, loss, scoring), data)
                    .batchSize(pairs.size()).lr(lr).constant().maxSteps(steps).seed(42)
                    .progressBar(false).listener(listener).fit();
        }
    }

    /** Reference log-probs of every pair, in pair order. */
    private static ReferenceLogps precompute(Vlm frozen, PreferenceBatch all) {
        try (NDManager scope = frozen.manager().newSubManager()) {
            return score(frozen, all, scope);
        }
    }

    private static ReferenceLogps score(Vlm frozen, PreferenceBatch batch, NDManager parent) {
        try (NDManager s = parent.newSubManager()) {
            NDArray logits = frozen.forward(batch, s).stopGradient();
            return ReferenceLogps.from(SequenceLogps.fromLogits(logits, batch.concatenated(), false));
        }
    }

    /** The pairs collated on demand, with their precomputed reference log-probs picked in batch order. */
    private record PairData(List<PreferencePair> pairs, Function<List<PreferencePair>, PreferenceBatch> collator,
            ReferenceLogps reference) implements Batches<PreferenceBatch> {
        @Override public int size() { return pairs.size(); }

        @Override
        public PreferenceBatch batch(int[] indices) {
            List<PreferencePair> picked = new ArrayList<>();
            for (int i : indices) {
                picked.add(pairs.get(i));
            }
            PreferenceBatch batch = collator.apply(picked);
            if (reference == null) {
                return batch;
            }
            float[] chosen = new float[indices.length];
            float[] rejected = new float[indices.length];
            for (int i = 0; i < indices.length; i++) {
                chosen[i] = reference.chosen()[indices[i]];
                rejected[i] = reference.rejected()[indices[i]];
            }
            return batch.withReference(chosen, rejected);
        }
    }

    /** What the preference trainer's objective does for MPO (kept minimal; replaced by the real one). */
    private static final class MpoObjective implements Objective<PreferenceBatch> {
        private final Vlm policy;
        private final PreferenceLoss loss;
        private final Vlm reference;
        private final BcoDelta delta = new BcoDelta();

        MpoObjective(Vlm policy, PreferenceLoss loss, Vlm reference) {
            this.policy = policy;
            this.loss = loss.validate();
            this.reference = reference;
        }

        @Override
        public StepOutput compute(PreferenceBatch batch, NDManager scope, boolean training) {
            SequenceBatch rows = batch.concatenated();
            SequenceLogps logps = SequenceLogps.fromLogits(policy.forward(batch, scope), rows, loss.isWeighted());
            ReferenceLogps ref = reference != null ? score(reference, batch, scope) : ReferenceLogps.of(batch);
            LossResult result = loss.compute(logps, ref, delta);
            long tokens = 0;
            for (int len : rows.lengths()) {
                tokens += len;
            }
            // The loss comes out float64 and this branch's loop reads a float32 scalar; DJL's toType drops the graph, so
            // cast by type promotion (a 1-element float32 array wins over a 0-d float64 one) until the trainer lands.
            NDArray loss32 = scope.zeros(new ai.djl.ndarray.types.Shape(1)).add(result.loss()).reshape(new ai.djl.ndarray.types.Shape());
            return new StepOutput(loss32, result.metrics(), tokens);
        }
    }
}
