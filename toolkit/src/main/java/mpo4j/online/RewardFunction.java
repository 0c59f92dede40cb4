package mpo4j.online;

import java.util.List;

/**
 * A rule-based reward in the spirit of TRL's {@code reward_funcs}: scores every completion of a batch.
 * A null (or NaN) entry means "not applicable to this completion": it does not count in the function's
 * statistics, and a completion that no function scores is left out of the advantages
 * ({@link WeightedRewards}).
 */
@FunctionalInterface
public interface RewardFunction {
    /** One score per completion of {@code inputs}, in order. */
    List<Double> score(RewardInputs inputs);
}
