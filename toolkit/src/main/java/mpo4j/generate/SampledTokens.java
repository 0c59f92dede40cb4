package mpo4j.generate;

/**
 * The tokens chosen at one step, one per row, with their log-probabilities (see {@link SampledCompletion}
 * for the two kinds).
 *
 * @param ids the chosen token of each row
 * @param logprobs each token's log-probability under the distribution it was drawn from
 * @param modelLogprobs each token's log-probability under {@code log_softmax(logits / temperature)}
 */
public record SampledTokens(long[] ids, double[] logprobs, double[] modelLogprobs) {}
