package mpo4j.rl;

import mpo4j.loss.PreferenceLoss;
import mpo4j.model.CausalLm;

/**
 * Online DPO of any {@link CausalLm}: two completions sampled per prompt, ranked by the reward functions
 * or a {@link PairJudge}, then any preference loss on the on-policy pair ({@code loss(mpo())} for MPO);
 * TRL's {@code OnlineDPOConfig} defaults: DPO's sigmoid loss with beta 0.1 and a frozen copy of the initial
 * policy as reference, {@code missingEosPenalty} off, {@code temperature} 0.9 (the logits of the loss are
 * not divided by it), {@code maxCompletionLength} 64 (TRL's {@code max_new_tokens}). The shared online settings and run mechanics are those of {@link OnlineTrainer}.
 */
public final class OnlineDpoTrainer extends OnlineTrainer<OnlineDpoTrainer> {
    private PreferenceLoss loss = PreferenceLoss.dpo();
    private Double missingEosPenalty;

    private OnlineDpoTrainer(CausalLm model) { super(model, 2); }

    private OnlineDpoTrainer(OnlineDpoTrainer other) {
        super(other);
        this.loss = other.loss;
        this.missingEosPenalty = other.missingEosPenalty;
    }

    @Override
    protected OnlineDpoTrainer copy() { return new OnlineDpoTrainer(this); }

    /** Online DPO of {@code model} (trained in place), with TRL's defaults. */
    public static OnlineDpoTrainer of(CausalLm model) { return new OnlineDpoTrainer(model).temperature(0.9).maxCompletionLength(64); }

    /** The preference loss on the ranked pair (default DPO sigmoid, beta 0.1); any mix, MPO included. */
    public OnlineDpoTrainer loss(PreferenceLoss l) {
        PreferenceLoss valid = l.validate();
        return change(t -> t.loss = valid);
    }

    /** Ranks each pair with {@code judge} (added as the reward function "judge": 1 for the preferred completion, 0 for the other). */
    public OnlineDpoTrainer judge(PairJudge judge) { return rewardFunc("judge", judge.asReward()); }

    /** Subtracted from the score of a completion that did not end with eos, before ranking (TRL default none). */
    public OnlineDpoTrainer missingEosPenalty(double penalty) {
        if (!Double.isFinite(penalty)) {
            throw new IllegalArgumentException("missing_eos_penalty must be finite, got " + penalty);
        }
        return change(t -> t.missingEosPenalty = penalty);
    }

    /** The preference loss in effect. */
    public PreferenceLoss preferenceLoss() { return loss; }

    @Override
    public OnlineDpoTrainer numGenerations(int n) {
        if (n != 2) {
            throw new IllegalArgumentException("Online DPO samples exactly 2 completions per prompt, got num_generations = " + n);
        }
        return super.numGenerations(n);
    }

    @Override
    String methodSettings() { return loss.toString(); }

    @Override
    boolean needsReference() { return loss.needsReference(); }

    @Override
    OnlineObjective<?> objective(OnlineSetup setup, CausalLm reference, CompletionLog log) {
        return new OnlineDpoObjective(model, reference, setup, loss, missingEosPenalty, log);
    }
}
