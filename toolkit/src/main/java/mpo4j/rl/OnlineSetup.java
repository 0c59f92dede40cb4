package mpo4j.rl;

import java.util.List;
import java.util.function.Function;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.generate.SamplingConfig;
import mpo4j.online.WeightedRewards;

/**
 * What every online objective needs to sample and score, fixed when a run starts.
 *
 * @param sampling how completions are drawn (its seed is replaced per generation round); its temperature
 *     also divides the logits of every log-prob the losses use, as in TRL's GRPO and RLOO trainers
 * @param seed the run seed; round {@code k} samples with a seed derived from it and {@code k}
 * @param numIterations optimizer passes over each sampled micro-batch (TRL's {@code num_iterations})
 * @param stepsPerGeneration micro-batches each generation round is split into (TRL's {@code steps_per_generation})
 * @param decode token ids to text for reward functions and the completions table (null: empty texts)
 * @param gradAccum micro-batches per optimizer step (to number the completions table by step)
 */
record OnlineSetup(
        SamplingConfig sampling,
        long seed,
        int numGenerations,
        int numIterations,
        int stepsPerGeneration,
        boolean maskTruncatedCompletions,
        WeightedRewards rewards,
        Function<List<PreferencePair>, PreferenceBatch> collator,
        Function<long[], String> decode,
        int gradAccum) {

    /** The sampler seed of generation round {@code round}: a pure function of the run seed, so resuming needs only the round. */
    long roundSeed(long round) { return seed * 0x9E3779B97F4A7C15L + round; }

    /** Micro-batches trained on one generation round: TRL's {@code generate_every}. */
    int generateEvery() { return numIterations * stepsPerGeneration; }

    /**
     * Whether a round is trained on across optimizer steps, so the policy moves between sampling and
     * training and the sampling policy's log-probs must be kept (TRL's condition
     * {@code gradient_accumulation_steps % generate_every != 0}); otherwise they equal the current policy's.
     */
    boolean needsOldLogps() { return gradAccum % generateEvery() != 0; }

    /** The temperature the losses divide logits by. */
    double temperature() { return sampling.temperature(); }
}
