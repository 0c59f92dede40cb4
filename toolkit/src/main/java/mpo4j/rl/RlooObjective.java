package mpo4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.model.CausalLm;
import mpo4j.online.Advantages;
import mpo4j.online.CompletionTensors;
import mpo4j.online.Entropy;
import mpo4j.online.LeaveOneOutAdvantages;
import mpo4j.online.PolicyLossResult;
import mpo4j.online.RlooConfig;
import mpo4j.online.RlooLoss;
import mpo4j.train.StepOutput;

/**
 * One RLOO micro-batch, as TRL's {@code RLOOTrainer} does it: the KL to the reference enters the reward
 * ({@code r - beta * sum_t (old - ref)}, with the sampling policy's and the reference's per-token log-probs
 * computed once per round, autograd off), the leave-one-out baseline gives the advantages, and
 * {@link RlooLoss} clips one ratio per completion from the summed log-probs. No KL term in the loss.
 */
final class RlooObjective extends OnlineObjective<RlooObjective.Prepared> {
    private final CausalLm reference;
    private final RlooConfig config;
    private final RlooLoss loss;

    /**
     * @param oldSums the sampling policy's summed log-probs per completion, when {@code numIterations > 1}
     * @param kl the mean over completions of {@code sum_t (old - ref)}, NaN without a reference
     */
    record Prepared(Advantages advantages, float[] oldSums, double kl) {}

    RlooObjective(CausalLm policy, CausalLm reference, OnlineSetup setup, RlooConfig config, CompletionLog log) {
        super(policy, setup, log);
        if (config.beta() != 0 && reference == null) {
            throw new IllegalArgumentException("beta = " + config.beta() + " needs a reference model");
        }
        this.reference = reference;
        this.config = config;
        this.loss = new RlooLoss(config);
    }

    @Override
    Prepared prepare(Rollout r, NDManager scope) {
        double[] rewards = r.scores().rewards();
        boolean needOld = config.beta() != 0 || setup.numIterations() > 1;
        float[] old = needOld ? r.detachedLogps(policy, setup.temperature(), scope) : null;
        double kl = Double.NaN;
        float[] oldSums = null;
        try (NDManager sub = scope.newSubManager()) {
            NDArray mask = r.tensors(policy, setup.maskTruncatedCompletions(), sub).mask();
            if (config.beta() != 0) {
                NDArray oldArray = sub.create(old, mask.getShape());
                NDArray refArray = sub.create(r.detachedLogps(reference, setup.temperature(), sub), mask.getShape());
                double[] perSequence = LeaveOneOutAdvantages.sequenceKl(oldArray, refArray, mask);
                kl = java.util.Arrays.stream(perSequence).average().orElse(Double.NaN);
                rewards = LeaveOneOutAdvantages.penalize(rewards, oldArray, refArray, mask, config.beta());
            }
            if (setup.numIterations() > 1) {
                oldSums = sub.create(old, mask.getShape()).mul(mask).sum(new int[] {1}).toFloatArray();
            }
        }
        Advantages advantages = LeaveOneOutAdvantages.compute(rewards, setup.numGenerations(), config.normalizeAdvantages());
        return new Prepared(advantages, oldSums, kl);
    }

    @Override
    double[] advantages(Prepared prepared) { return prepared.advantages().values(); }

    @Override
    StepOutput loss(Rollout r, Prepared p, NDManager scope) {
        int rows = r.rows();
        CompletionTensors tensors = r.tensors(policy, setup.maskTruncatedCompletions(), scope);
        NDArray mask = tensors.mask();
        TokenLogpsAndEntropy current = r.logps(policy, tensors, setup.temperature(), true, scope);
        NDArray old = p.oldSums() == null ? null : scope.create(p.oldSums(), new Shape(rows));
        NDArray advantages = scope.create(Floats.of(p.advantages().values()), new Shape(rows));
        PolicyLossResult result = loss.compute(current.logps(), mask, old, advantages);

        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> weights = new HashMap<>();
        Metrics.perCompletion(metrics, weights, r.scores().metrics(), rows);
        Metrics.perCompletion(metrics, weights, Map.of("frac_reward_zero_std", p.advantages().fracRewardZeroStd()), rows);
        Metrics.perCompletion(metrics, weights, r.stats(), rows);
        if (!Double.isNaN(p.kl())) {
            Metrics.perCompletion(metrics, weights, Map.of("kl", p.kl()), rows);
        }
        double tokens = Floats.sum(mask.toFloatArray());
        Metrics.perToken(metrics, weights, Map.of("entropy", Entropy.maskedMean(current.entropies(), mask)), tokens);
        // RLOO's clip ratios are shares of completions
        result.metrics().forEach((k, v) -> {
            metrics.put(k, v);
            if (k.endsWith("_mean")) {
                weights.put(k, (double) rows);
            }
        });
        return new StepOutput(result.loss(), metrics, r.tokens(), weights);
    }
}
