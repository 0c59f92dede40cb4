package mpo4j.online;

import ai.djl.ndarray.NDArray;

/**
 * Per-token Shannon entropy (nats) of the policy, TRL's {@code entropy_from_logits}, and its logged
 * batch mean. Pass {@code logits / temperature} as TRL's GRPO and RLOO trainers do.
 */
public final class Entropy {
    private Entropy() {}

    /** {@code -sum_v p log p} over the last axis of {@code logits} {@code [..., V]}. */
    public static NDArray fromLogits(NDArray logits) {
        int last = logits.getShape().dimension() - 1;
        NDArray logp = logits.logSoftmax(last);
        return logp.exp().mul(logp).sum(new int[] {last}).neg();
    }

    /** TRL's {@code entropy} metric: token-weighted mean of {@code entropies [B, T]} over {@code mask}. */
    public static double maskedMean(NDArray entropies, NDArray mask) {
        return GrpoLoss.maskedMean(HostArrays.doubles(entropies), HostArrays.doubles(mask));
    }
}
