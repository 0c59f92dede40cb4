package mpo4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.engine.GradMode;
import mpo4j.model.CausalLm;
import mpo4j.online.Advantages;
import mpo4j.online.CompletionTensors;
import mpo4j.online.Entropy;
import mpo4j.online.GroupAdvantages;
import mpo4j.online.GrpoLoss;
import mpo4j.online.GrpoLossConfig;
import mpo4j.online.PolicyLossResult;
import mpo4j.online.ScaleRewards;
import mpo4j.train.StepOutput;

/**
 * One GRPO/GSPO micro-batch, as TRL's {@code GRPOTrainer} does it: group advantages of the rollout's
 * rewards, then the policy's per-token log-probs of the completions (one forward over prompt + completion
 * rows) into {@link GrpoLoss}, with the reference's log-probs when {@code beta > 0} and the sampling
 * policy's when a round is trained on across optimizer steps ({@code numIterations} or
 * {@code stepsPerGeneration} beyond the accumulation steps; recomputed by a full forward, as TRL does, so
 * the first micro-batch's ratio is exactly 1). With {@code stepsPerGeneration > 1} each micro-batch is one
 * slice of the round; advantages are computed over the whole round.
 */
final class GrpoObjective extends OnlineObjective<GrpoObjective.Prepared> {
    private final CausalLm reference;
    private final GrpoLoss loss;
    private final ScaleRewards scaleRewards;

    /**
     * Advantages of the whole round and, when the round spans optimizer steps, the sampling policy's per-token
     * log-probs of each slice.
     */
    record Prepared(Advantages advantages, float[][] oldLogps) {}

    GrpoObjective(CausalLm policy, CausalLm reference, OnlineSetup setup, GrpoLossConfig config, ScaleRewards scaleRewards,
            CompletionLog log) {
        super(policy, setup, log);
        if (config.beta() != 0 && reference == null) {
            throw new IllegalArgumentException("beta = " + config.beta() + " needs a reference model");
        }
        this.reference = reference;
        this.loss = new GrpoLoss(config);
        this.scaleRewards = scaleRewards;
    }

    @Override
    Prepared prepare(Rollout rollout, NDManager scope) {
        Advantages advantages = GroupAdvantages.compute(rollout.scores().rewards(), setup.numGenerations(), scaleRewards);
        float[][] old = null;
        if (setup.needsOldLogps()) {
            int slices = setup.stepsPerGeneration();
            old = new float[slices][];
            for (int s = 0; s < slices; s++) {
                Rollout slice = slices == 1 ? rollout : rollout.slice(s, slices);
                old[s] = slice.detachedLogps(policy, setup.temperature(), scope);
            }
        }
        return new Prepared(advantages, old);
    }

    @Override
    double[] advantages(Prepared prepared) { return prepared.advantages().values(); }

    @Override
    StepOutput loss(Rollout r, Prepared p, NDManager scope) {
        int rows = r.rows();
        CompletionTensors tensors = r.tensors(policy, setup.maskTruncatedCompletions(), scope);
        NDArray mask = tensors.mask();
        TokenLogpsAndEntropy current = r.logps(policy, tensors, setup.temperature(), true, scope);
        NDArray old = p.oldLogps() == null ? null : scope.create(p.oldLogps()[r.firstRow() / rows], mask.getShape());
        NDArray ref = reference == null ? null
                : GradMode.off(() -> r.logps(reference, tensors, setup.temperature(), false, scope).logps());
        NDArray advantages = scope.create(Floats.of(r.ofRows(p.advantages().values())), new Shape(rows));
        double maskedTokens = Floats.sum(mask.toFloatArray());
        PolicyLossResult result = loss.compute(current.logps(), old, ref, advantages, mask, maskedTokens, 1);

        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> weights = new HashMap<>();
        Metrics.perCompletion(metrics, weights, r.scores().metrics(), rows);
        Metrics.perCompletion(metrics, weights, Map.of("frac_reward_zero_std", p.advantages().fracRewardZeroStd()), rows);
        Metrics.perCompletion(metrics, weights, r.stats(), rows);
        Metrics.perToken(metrics, weights, Map.of("entropy", Entropy.maskedMean(current.entropies(), mask)), maskedTokens);
        Metrics.lossMetrics(metrics, weights, result.metrics(), maskedTokens);
        return new StepOutput(result.loss(), metrics, r.tokens(), weights);
    }
}
