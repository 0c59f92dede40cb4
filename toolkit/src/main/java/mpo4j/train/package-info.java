/**
 * Training: a fluent trainer for preference optimisation (DPO, MPO, every TRL loss) and SFT of the
 * tiny VLM, on a generic loop that also trains any {@link mpo4j.train.Trainable} with your own
 * {@link mpo4j.train.Objective} ({@link mpo4j.train.CustomTrainer}).
 *
 * <p>What the loop guarantees: AdamW with public state ({@link mpo4j.train.AdamW}), Hugging Face
 * schedules ({@link mpo4j.train.Schedule}), global-norm clipping, gradient accumulation with
 * averaged metrics, one gradient collector at a time, every per-step array in a closed scope,
 * cooperative cancellation ({@link java.lang.Thread#interrupt()}), atomic checkpoints and exact
 * resume, identical metrics for identical seeds on the same machine.
 */
package mpo4j.train;
