/**
 * Scalar reward models (LightRFT-style SRM) on the toolkit's (vision-)language backbone.
 *
 * <p>{@link mpo4j.reward.RewardModel} puts named heads on a {@link mpo4j.model.TinyVlm};
 * {@link mpo4j.reward.RewardCollator} turns {@link mpo4j.data.RewardPair}s into batches with the
 * pipeline's InternVL collator (images tiled once per pair); {@link mpo4j.reward.RewardTrainer} trains
 * with {@code sigmoid} (Bradley–Terry with margin), {@code logexp} or {@code hps} on the shared loop;
 * {@link mpo4j.reward.RewardEvaluation} holds held-out accuracy and writes
 * {@code evals/eval_results_{step}.jsonl}.
 */
package mpo4j.reward;
