package mpo4j.generate;

/**
 * A prompt to complete.
 *
 * @param key identifies the prompt across batches (e.g. its dataset row); with the seed it fixes the
 *     random streams of the prompt's completions, so the same key must not appear twice in one call
 * @param tokenIds the prompt's token ids (image placeholders included for a vision-language model)
 */
public record PromptTokens(long key, long[] tokenIds) {
    /** Copies the ids; an empty prompt is rejected (there is no position to predict from). */
    public PromptTokens {
        if (tokenIds.length == 0) {
            throw new IllegalArgumentException("prompt " + key + " has no tokens");
        }
        tokenIds = tokenIds.clone();
    }

    @Override
    public long[] tokenIds() { return tokenIds.clone(); }
}
