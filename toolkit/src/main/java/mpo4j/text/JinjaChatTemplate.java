package mpo4j.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;

/**
 * A Hugging Face {@code chat_template} (Jinja) rendered with Jinjava. The template sees
 * {@code messages} (maps with {@code role} and {@code content}) and {@code add_generation_prompt}.
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
    private static final Jinjava JINJAVA = new Jinjava(CONFIG);
    private final Node tree; // parsed once: parsing costs more than rendering these short templates

    public JinjaChatTemplate(String source) {
        this.source = source;
        JinjavaInterpreter parser = JINJAVA.newInterpreter();
        this.tree = parser.parse(source);
        throwOnFatal(parser.getErrors(), "cannot parse chat_template");
    }

    private static void throwOnFatal(List<TemplateError> errors, String what) {
        for (TemplateError e : errors) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException(what + ": " + e.getMessage()
                        + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : ""));
            }
        }
    }

    public String source() { return source; }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(m -> Map.of("role", m.role(), "content", m.content())).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        JinjavaInterpreter interpreter = JINJAVA.newInterpreter();
        interpreter.getContext().putAll(context);
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            String out = interpreter.render(tree);
            throwOnFatal(interpreter.getErrors(), "chat_template failed");
            return out;
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }
}
