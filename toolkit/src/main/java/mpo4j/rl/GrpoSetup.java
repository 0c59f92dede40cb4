package mpo4j.rl;

import java.util.List;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.generate.SamplingConfig;
import mpo4j.online.GrpoLossConfig;
import mpo4j.online.ScaleRewards;
import mpo4j.online.WeightedRewards;

/**
 * Everything a {@link GrpoObjective} needs, fixed when a run starts.
 *
 * @param sampling how completions are drawn (its seed is replaced per generation round)
 * @param seed the run seed; round {@code k} samples with a seed derived from it and {@code k}
 * @param decode token ids to text for reward functions and the completions table (null: empty texts)
 */
record GrpoSetup(
        SamplingConfig sampling,
        long seed,
        int numGenerations,
        GrpoLossConfig loss,
        ScaleRewards scaleRewards,
        int numIterations,
        boolean maskTruncatedCompletions,
        WeightedRewards rewards,
        Function<List<PreferencePair>, PreferenceBatch> collator,
        Function<long[], String> decode,
        int gradAccum) {

    /** The sampler seed of generation round {@code round}: a pure function of the run seed, so resuming needs only the round. */
    long roundSeed(long round) { return seed * 0x9E3779B97F4A7C15L + round; }
}
