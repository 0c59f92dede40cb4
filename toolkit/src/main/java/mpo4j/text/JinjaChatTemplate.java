package mpo4j.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;

/**
 * A Hugging Face {@code chat_template} (Jinja) rendered with Jinjava. The template sees
 * {@code messages} (maps with {@code role} and {@code content}) and {@code add_generation_prompt}.
 *
 * <pre>{@code
 * var t = new JinjaChatTemplate(tokenizer.chatTemplate().orElseThrow());
 * t.render(List.of(ChatMessage.user("Hi")), true);
 * }</pre>
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private final String source;
    // Message text must come out verbatim: no re-interpretation of "{{ }}" inside it (Jinjava's
    // default), Python-like operator precedence and whitespace control as in Hugging Face's Jinja2.
    private static final JinjavaConfig CONFIG = JinjavaConfig.newBuilder()
            .withNestedInterpretationEnabled(false)
            .withLegacyOverrides(LegacyOverrides.newBuilder()
                    .withUseNaturalOperatorPrecedence(true)
                    .withParseWhitespaceControlStrictly(true)
                    .withUsePyishObjectMapper(true)
                    .build())
            .build();
    private final Jinjava jinjava = new Jinjava(CONFIG);

    public JinjaChatTemplate(String source) {
        this.source = source;
    }

    public String source() { return source; }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = jinjava.renderForResult(source, context);
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty()) {
            throw new IllegalArgumentException("chat_template failed: " + fatal.get(0).getMessage());
        }
        return result.getOutput();
    }
}
