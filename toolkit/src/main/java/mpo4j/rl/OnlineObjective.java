package mpo4j.rl;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import mpo4j.model.CausalLm;
import mpo4j.train.Objective;
import mpo4j.train.StepOutput;
import mpo4j.engine.GradMode;

/**
 * The part every online objective shares: when to sample (every {@code numIterations * stepsPerGeneration}
 * micro-batches, the rollout reused in between, one slice of it per micro-batch), which seed a round samples with, the completions table, and the state a
 * checkpoint needs (the micro-batch counter). A subclass turns a rollout into advantages ({@link #prepare},
 * once per round, with autograd off) and a loss ({@link #loss}, once per micro-batch).
 *
 * <p>Randomness: round {@code k} samples with a seed derived from the run seed and {@code k}, and each
 * prompt's random streams are keyed by its dataset index, so a resumed run samples exactly what the
 * uninterrupted one did (with {@code numIterations > 1}, when it resumes at the start of a round).
 *
 * @param <P> what {@link #prepare} computes once per round
 */
abstract class OnlineObjective<P> implements Objective<PromptBatch> {
    private static final String CALLS = "online/micro_batches";

    final CausalLm policy;
    final OnlineSetup setup;
    private final CompletionLog log;
    private long calls;
    private Rollout rollout;
    private P prepared;

    OnlineObjective(CausalLm policy, OnlineSetup setup, CompletionLog log) {
        this.policy = policy;
        this.setup = setup;
        this.log = log;
    }

    /** Advantages (and whatever else is fixed for the round) of a fresh rollout; runs with autograd on, so use GradMode for forwards. */
    abstract P prepare(Rollout rollout, NDManager scope);

    /** The advantage of every completion, for the completions table. */
    abstract double[] advantages(P prepared);

    /** The loss and metrics of one pass over the rollout, or over one slice of it ({@link Rollout#slice}). */
    abstract StepOutput loss(Rollout rollout, P prepared, NDManager scope);

    @Override
    public final StepOutput compute(PromptBatch batch, NDManager scope, boolean training) {
        if (!training) {
            throw new UnsupportedOperationException("online training has no held-out loss; evaluate the model's answers instead");
        }
        int every = setup.generateEvery();
        int slices = setup.stepsPerGeneration();
        long call = calls;
        if (rollout == null || call % every == 0) {
            rollout = Rollout.sample(policy, setup, batch, call / every, scope);
            prepared = prepare(rollout, scope);
            rollout.record(log, (int) (call / setup.gradAccum()) + 1, advantages(prepared), setup.decode() != null);
        }
        calls++;
        // TRL's buffer order: slice (step % steps_per_generation), so each iteration passes over every slice
        return loss(slices == 1 ? rollout : rollout.slice((int) (call % slices), slices), prepared, scope);
    }

    /** Training state of the method itself (e.g. MPO's BCO running mean), for checkpoints. */
    Map<String, Double> methodState() { return Map.of(); }

    /** Restores what {@link #methodState()} returned. */
    void restoreMethodState(Map<String, Double> state) {}

    @Override
    public final Map<String, Double> state() {
        Map<String, Double> out = new java.util.LinkedHashMap<>(methodState());
        out.put(CALLS, (double) calls);
        return out;
    }

    @Override
    public final void restore(Map<String, Double> state) {
        calls = state.getOrDefault(CALLS, 0.0).longValue();
        restoreMethodState(state);
        // A rollout being reused (numIterations > 1) is not checkpointed: a resume in the middle of its
        // iterations samples the round again, with the same seed but from the current policy.
        rollout = null;
        prepared = null;
    }
}
