package mpo4j.generate;

import java.util.Arrays;
import java.util.Objects;

/**
 * One generated completion.
 *
 * <p>Two log-probabilities per token. {@code logprobs}: under the distribution the token was drawn from
 * (after repetition penalty, temperature, top-k, top-p and min-p; 0 for greedy, a point mass): what vLLM
 * calls processed log-probs, useful to check sampling. {@code modelLogprobs}: {@code log_softmax(logits /
 * temperature)} of the unprocessed logits (temperature 1 when greedy): what TRL's GRPO and RLOO trainers
 * recompute as the old policy's log-probs, so with one iteration per batch these equal the
 * {@code old_per_token_logps} up to the numerics of a cached versus a full forward.
 *
 * @param promptKey the key of the prompt it answers
 * @param generationIndex which of the prompt's {@code numGenerations} completions it is, from 0
 * @param tokenIds the new tokens, the eos token included when it ended on one
 * @param text the decoded tokens (the caller's decode function; empty when none was given)
 * @param logprobs per token, the log-probability under the sampling distribution
 * @param modelLogprobs per token, the log-probability under the model at the sampling temperature
 * @param finishReason why it ended
 */
public record SampledCompletion(
        long promptKey,
        int generationIndex,
        long[] tokenIds,
        String text,
        double[] logprobs,
        double[] modelLogprobs,
        FinishReason finishReason) {

    /** Copies the arrays, so the record stays immutable. */
    public SampledCompletion {
        tokenIds = tokenIds.clone();
        logprobs = logprobs.clone();
        modelLogprobs = modelLogprobs.clone();
        if (logprobs.length != tokenIds.length || modelLogprobs.length != tokenIds.length) {
            throw new IllegalArgumentException("one log-prob per token expected: " + tokenIds.length + " tokens, "
                    + logprobs.length + " logprobs, " + modelLogprobs.length + " modelLogprobs");
        }
    }

    @Override
    public long[] tokenIds() { return tokenIds.clone(); }

    @Override
    public double[] logprobs() { return logprobs.clone(); }

    @Override
    public double[] modelLogprobs() { return modelLogprobs.clone(); }

    /** The number of new tokens. */
    public int length() { return tokenIds.length; }

    /** True when it hit {@code maxNewTokens} without an eos token or stop string. */
    public boolean truncated() { return finishReason.truncated(); }

    /** Equal when every component is, the arrays compared by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SampledCompletion c && promptKey == c.promptKey && generationIndex == c.generationIndex
                && Arrays.equals(tokenIds, c.tokenIds) && text.equals(c.text) && Arrays.equals(logprobs, c.logprobs)
                && Arrays.equals(modelLogprobs, c.modelLogprobs) && finishReason == c.finishReason;
    }

    @Override
    public int hashCode() {
        return Objects.hash(promptKey, generationIndex, Arrays.hashCode(tokenIds), text, finishReason);
    }

    @Override
    public String toString() {
        return "SampledCompletion[prompt " + promptKey + " #" + generationIndex + ", " + tokenIds.length + " tokens, "
                + finishReason + ", text=" + text + "]";
    }
}
