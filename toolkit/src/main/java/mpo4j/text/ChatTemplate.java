package mpo4j.text;

import java.util.List;
import mpo4j.data.ChatMessage;

/**
 * Turns a conversation into the text a model is trained on.
 */
public interface ChatTemplate {

    /**
     * @param messages            the conversation
     * @param addGenerationPrompt append the assistant header, so the text ends where an answer starts
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** InternVL's {@code internvl2_5} ChatML template with the default short system message. */
    static ChatTemplate internVl25() {
        return InternVl25Template.DEFAULT;
    }

    /** The tokenizer's Jinja {@code chat_template} if it has one, else {@link #internVl25()}. */
    static ChatTemplate of(Tokenizer tokenizer) {
        return tokenizer.chatTemplate().<ChatTemplate>map(JinjaChatTemplate::new).orElse(InternVl25Template.DEFAULT);
    }
}
