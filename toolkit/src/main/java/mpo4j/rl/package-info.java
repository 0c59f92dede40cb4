/**
 * Online training of any {@link mpo4j.model.CausalLm}: the policy samples completions of dataset prompts
 * (text or image), reward functions or a judge score them, and the model learns from its own samples.
 * {@link mpo4j.rl.GrpoTrainer} (GRPO, GSPO), {@link mpo4j.rl.RlooTrainer} and
 * {@link mpo4j.rl.OnlineDpoTrainer} (any preference loss, MPO included) share the settings, sampling,
 * scoring, checkpointing and completions table of {@link mpo4j.rl.OnlineTrainer}; their losses come from
 * {@code mpo4j.online} (and {@code mpo4j.loss} for Online DPO), their loop from {@code mpo4j.train}.
 */
package mpo4j.rl;
