package mpo4j.text;

import java.util.Map;

/**
 * A tokenizer with its chat template: renders and tokenizes conversations as transformers'
 * {@code apply_chat_template(tokenize=True)} does (no special tokens added around the rendered text),
 * and splits a prompt from its answer as TRL's preference and SFT trainers do.
 *
 * @param tokenizer the checkpoint's tokenizer
 * @param template  usually {@link ChatTemplate#of(Tokenizer)}: the checkpoint's own Jinja template
 */
public record ChatEncoder(Tokenizer tokenizer, ChatTemplate template) {

    /** The tokenizer with the checkpoint's own chat template. */
    public static ChatEncoder of(Tokenizer tokenizer) {
        return new ChatEncoder(tokenizer, ChatTemplate.of(tokenizer));
    }

    /** The prompt text, as {@code apply_chat_template(..., tokenize=False)}. */
    public String render(ChatInput input) {
        return template.render(input);
    }

    /** The prompt's token ids, as {@code apply_chat_template(..., tokenize=True)}. */
    public long[] encode(ChatInput input) {
        return tokenizer.encode(render(input));
    }

    /** {@link #split(ChatInput, Map)} for a plain text answer. */
    public PromptCompletion split(ChatInput prompt, String answer) {
        return split(prompt, ChatInput.message("assistant", answer));
    }

    /**
     * Splits {@code prompt + [answer]} where the answer starts: the prompt is rendered with
     * {@code add_generation_prompt=True}, the whole conversation without, and the completion is the
     * text after the prompt (TRL's {@code prompt_chosen[len(prompt):]}).
     *
     * @param answer an assistant message dict; it may carry {@code tool_calls} or {@code reasoning_content}
     * @throws ChatTemplateException when the full rendering does not start with the prompt's
     */
    public PromptCompletion split(ChatInput prompt, Map<String, ?> answer) {
        String promptText = template.render(prompt.addGenerationPrompt(true));
        return complete(tokenizer, template, prompt, promptText, tokenizer.encode(promptText), answer);
    }

    /** The split once the prompt is rendered and tokenized (image placeholders may be expanded in its ids). */
    static PromptCompletion complete(Tokenizer tokenizer, ChatTemplate template, ChatInput prompt, String promptText, long[] promptIds,
            Map<String, ?> answer) {
        String fullText = template.render(prompt.append(answer).addGenerationPrompt(false));
        if (!fullText.startsWith(promptText)) {
            throw new ChatTemplateException("the chat template renders the conversation with its answer so that it does not "
                    + "start with the prompt rendered with add_generation_prompt=True; they differ at character "
                    + firstDifference(promptText, fullText), false);
        }
        String completion = fullText.substring(promptText.length());
        long[] completionIds = tokenizer.encode(completion);
        return new PromptCompletion(promptText, completion, promptIds, completionIds, trainedTokens(tokenizer, completionIds));
    }

    private static int firstDifference(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }

    /**
     * How many leading completion tokens are trained: through the last end-of-turn token (the
     * config's {@code eos_token}, else {@code <|im_end|>}), so the newline a ChatML template writes after
     * it is not; all of them when the completion has no such token.
     */
    static int trainedTokens(Tokenizer tokenizer, long[] completionIds) {
        String end = tokenizer.config().eosToken().orElse(Tokenizer.IM_END);
        Long endId = tokenizer.addedTokens().get(end);
        if (endId == null) {
            return completionIds.length;
        }
        for (int i = completionIds.length - 1; i >= 0; i--) {
            if (completionIds[i] == endId) return i + 1;
        }
        return completionIds.length;
    }
}
