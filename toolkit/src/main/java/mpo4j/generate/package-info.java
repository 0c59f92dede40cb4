/**
 * Sampling completions for online RL, model-agnostic: {@link mpo4j.generate.SamplingConfig} (transformers'
 * generation settings), {@link mpo4j.generate.LogitsProcessors} (transformers' processors in transformers'
 * order), {@link mpo4j.generate.TokenSampler} (one host copy per step, per-row seeded draws),
 * {@link mpo4j.generate.StopCriteria}, and the batched driver {@link mpo4j.generate.CompletionGenerator}
 * over any {@link mpo4j.generate.NextTokenLogits} model, producing {@link mpo4j.generate.SampledCompletion}s.
 */
package mpo4j.generate;
