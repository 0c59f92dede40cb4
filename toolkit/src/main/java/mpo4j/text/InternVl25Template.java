package mpo4j.text;

import java.util.List;
import mpo4j.data.ChatMessage;

/**
 * InternVL's {@code internvl2_5} template (ChatML): every turn is
 * {@code <|im_start|>role\ncontent<|im_end|>\n}; a system turn with {@link #systemMessage()} is put
 * first when the conversation has none (none at all when the system message is {@code null}).
 *
 * @param systemMessage the default system message, or {@code null} for none. InternVL's own default is
 *                      a long Chinese introduction; mpo4j defaults to a short English one.
 */
public record InternVl25Template(String systemMessage) implements ChatTemplate {
    public static final String DEFAULT_SYSTEM = "You are a helpful assistant.";
    public static final InternVl25Template DEFAULT = new InternVl25Template(DEFAULT_SYSTEM);

    public InternVl25Template withSystem(String system) { return new InternVl25Template(system); }

    public InternVl25Template withoutSystem() { return new InternVl25Template(null); }

    /**
     * @throws ChatTemplateException naming the message when a turn carries {@code tool_calls}, {@code name} or
     *         {@code tool_call_id}, which InternVL's template has no place for (they are never dropped silently)
     */
    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            String field = m.hasToolCalls() ? "tool_calls" : m.name() != null ? "name" : m.toolCallId() != null ? "tool_call_id" : null;
            if (field != null) {
                throw new ChatTemplateException("InternVl25Template renders role/content turns only; messages[" + i + "] has " + field
                        + ", which needs the checkpoint's Jinja chat_template", false);
            }
        }
        StringBuilder sb = new StringBuilder();
        if (systemMessage != null && (messages.isEmpty() || !messages.get(0).role().equals("system"))) {
            turn(sb, "system", systemMessage);
        }
        for (ChatMessage m : messages) {
            turn(sb, m.role(), m.content());
        }
        if (addGenerationPrompt) {
            sb.append(Tokenizer.IM_START).append("assistant\n");
        }
        return sb.toString();
    }

    private static void turn(StringBuilder sb, String role, String content) {
        sb.append(Tokenizer.IM_START).append(role).append('\n').append(content).append(Tokenizer.IM_END).append('\n');
    }
}
