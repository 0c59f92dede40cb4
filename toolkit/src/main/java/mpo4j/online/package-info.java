/**
 * The math of TRL's online trainers, as pure functions on arrays: rewards from
 * {@link mpo4j.online.RewardFunction}s combined by {@link mpo4j.online.WeightedRewards}; GRPO's
 * {@link mpo4j.online.GroupAdvantages} and RLOO's {@link mpo4j.online.LeaveOneOutAdvantages}; the
 * differentiable losses {@link mpo4j.online.GrpoLoss} (GRPO and GSPO, loss types grpo, bnpo, dr_grpo,
 * dapo), {@link mpo4j.online.RlooLoss} and {@link mpo4j.online.OnlineDpoLoss}; and the logged statistics
 * ({@link mpo4j.online.Entropy}, {@link mpo4j.online.CompletionStats}) under TRL's metric names.
 */
package mpo4j.online;
