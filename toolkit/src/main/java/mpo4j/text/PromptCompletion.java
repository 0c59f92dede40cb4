package mpo4j.text;

import java.util.Arrays;

/**
 * A conversation split where the assistant's answer starts, as TRL splits it: the prompt rendered with
 * {@code add_generation_prompt=True}, and the rest of the full conversation's rendering (for Qwen3:
 * {@code <think>\n\n</think>\n\nANSWER<|im_end|>\n}). Both parts are tokenized on their own.
 *
 * @param trainedTokens leading completion tokens a collator labels: through the template's end-of-turn
 *                      token ({@code eos_token}), not the newline the template writes after it
 */
public record PromptCompletion(String promptText, String completionText, long[] promptIds, long[] completionIds, int trainedTokens) {

    public PromptCompletion {
        if (trainedTokens < 0 || trainedTokens > completionIds.length) {
            throw new IllegalArgumentException("trainedTokens must be in [0, " + completionIds.length + "], got " + trainedTokens);
        }
    }

    /**
     * Prompt then completion ids, labelled {@link Labels#IGNORE} on the prompt and after the trained
     * completion tokens, and with the completion ids where trained.
     */
    public EncodedSequence toSequence() {
        int n = promptIds.length + completionIds.length;
        long[] ids = Arrays.copyOf(promptIds, n);
        System.arraycopy(completionIds, 0, ids, promptIds.length, completionIds.length);
        long[] labels = new long[n];
        Arrays.fill(labels, Labels.IGNORE);
        System.arraycopy(completionIds, 0, labels, promptIds.length, trainedTokens);
        return new EncodedSequence(ids, labels, promptIds.length);
    }
}
