package mpo4j.rl;

import mpo4j.model.CausalLm;
import mpo4j.online.RlooConfig;

/**
 * RLOO of any {@link CausalLm}: {@code numGenerations} completions per prompt (TRL default 2), the
 * leave-one-out baseline, the KL to a frozen copy of the initial policy as a reward penalty
 * ({@code beta}, TRL default 0.05), a clipped ratio per completion ({@code epsilon} 0.2,
 * {@code epsilonHigh} = epsilon) and optional batch normalisation of the advantages
 * ({@code normalizeAdvantages}, default false): TRL's {@code RLOOConfig}, camelCased. The shared online
 * settings, data, rewards and run mechanics are those of {@link OnlineTrainer}; see {@link GrpoTrainer}.
 */
public final class RlooTrainer extends OnlineTrainer<RlooTrainer> {
    private RlooConfig config = RlooConfig.DEFAULT;

    private RlooTrainer(CausalLm model) { super(model, 2); }

    private RlooTrainer(RlooTrainer other) {
        super(other);
        this.config = other.config;
    }

    @Override
    protected RlooTrainer copy() { return new RlooTrainer(this); }

    /** RLOO of {@code model} (trained in place), with TRL's defaults. */
    public static RlooTrainer of(CausalLm model) { return new RlooTrainer(model); }

    /** Weight of the KL reward penalty (TRL default 0.05; 0 makes no reference). */
    public RlooTrainer beta(double v) {
        RlooConfig c = config.beta(v);
        return change(t -> t.config = c);
    }

    /** Lower clipping bound of the sequence ratio {@code 1 - epsilon} (TRL default 0.2). */
    public RlooTrainer epsilon(double v) {
        RlooConfig c = config.epsilon(v);
        return change(t -> t.config = c);
    }

    /** Upper clipping bound {@code 1 + epsilonHigh} (default: epsilon). */
    public RlooTrainer epsilonHigh(double v) {
        RlooConfig c = config.epsilonHigh(v);
        return change(t -> t.config = c);
    }

    /** Normalise the advantages over the batch (TRL default false). */
    public RlooTrainer normalizeAdvantages(boolean on) {
        RlooConfig c = config.normalizeAdvantages(on);
        return change(t -> t.config = c);
    }

    /** The loss settings in effect. */
    public RlooConfig rlooConfig() { return config; }

    @Override
    String methodSettings() { return config.toString(); }

    @Override
    boolean needsReference() { return config.beta() != 0; }

    @Override
    OnlineObjective<?> objective(OnlineSetup setup, CausalLm reference, CompletionLog log) {
        return new RlooObjective(model, reference, setup, config, log);
    }
}
