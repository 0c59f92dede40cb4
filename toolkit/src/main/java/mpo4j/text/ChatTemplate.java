package mpo4j.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;

/** Turns a conversation into the text a model is trained on (transformers' {@code apply_chat_template}). */
public interface ChatTemplate {

    /**
     * @param messages            the conversation
     * @param addGenerationPrompt append the assistant header, so the text ends where an answer starts
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /**
     * Renders a full {@link ChatInput}. Templates written in Java take plain role/content turns
     * only; the default implementation rejects tools, tool calls and extra variables by name rather
     * than dropping them.
     */
    default String render(ChatInput input) {
        List<String> extras = new ArrayList<>();
        if (input.tools() != null) extras.add("tools (" + input.tools().size() + " schemas)");
        if (input.documents() != null) extras.add("documents");
        if (!input.variables().isEmpty()) extras.add("extra variables " + input.variables().keySet());
        if (!extras.isEmpty()) {
            throw new ChatTemplateException(getClass().getSimpleName() + " renders role/content turns only; the input has "
                    + String.join(", ", extras) + ", which need the checkpoint's Jinja chat_template", false);
        }
        List<ChatMessage> turns = new ArrayList<>();
        for (int i = 0; i < input.messages().size(); i++) {
            Map<String, Object> m = input.messages().get(i);
            if (!(m.get("content") instanceof String content) || m.keySet().stream().anyMatch(k -> !k.equals("role") && !k.equals("content"))) {
                throw new ChatTemplateException(getClass().getSimpleName() + " renders role/content turns only; messages[" + i
                        + "] has " + m.keySet() + (m.get("content") instanceof String ? "" : " and non-text content"), false);
            }
            turns.add(new ChatMessage((String) m.get("role"), content));
        }
        return render(turns, input.addGenerationPrompt());
    }

    /** InternVL's {@code internvl2_5} ChatML template with the default short system message. */
    static ChatTemplate internVl25() {
        return InternVl25Template.DEFAULT;
    }

    /** The tokenizer's Jinja {@code chat_template} (with its special tokens) if it has one, else {@link #internVl25()}. */
    static ChatTemplate of(Tokenizer tokenizer) {
        return tokenizer.config().chatTemplates().isEmpty() ? InternVl25Template.DEFAULT : JinjaChatTemplate.of(tokenizer);
    }
}
