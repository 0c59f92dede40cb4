package mpo4j.text;

import com.hubspot.jinjava.tree.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.ChatMessage;

/**
 * A Hugging Face {@code chat_template} (Jinja), rendered exactly as transformers'
 * {@code apply_chat_template} renders it with Jinja2: {@code trim_blocks} and {@code lstrip_blocks}
 * on, one trailing newline of the template dropped, Python string methods and slices, {@code tojson}
 * as {@code json.dumps(ensure_ascii=False)}, {@code raise_exception} and {@code strftime_now}. The
 * template sees {@code messages}, {@code tools}, {@code documents}, {@code add_generation_prompt}, the
 * tokenizer's special tokens ({@code eos_token}, ...) and every extra variable of the {@link ChatInput}.
 * Jinja that mpo4j cannot render as Jinja2 would fails with a {@link ChatTemplateException}.
 *
 * <p>A checkpoint may name several templates ({@code default}, {@code tool_use}): as in transformers,
 * {@code tool_use} is taken when tools are passed and the checkpoint has one, else {@code default}.
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private final Map<String, String> sources;
    private final Map<String, Node> trees; // parsed once: parsing costs more than rendering a short conversation
    private final Map<String, Object> specialTokens;

    /** A single template, without special-token variables ({@code eos_token} etc. are undefined). */
    public JinjaChatTemplate(String source) {
        this(Map.of(TokenizerConfig.DEFAULT_TEMPLATE, source), Map.of());
    }

    /**
     * @param sources       template name to Jinja source ({@code default}, {@code tool_use}, ...)
     * @param specialTokens variables every render sees, as {@link TokenizerConfig#specialTokensMap()}
     * @throws ChatTemplateException naming the template and line that cannot be parsed
     */
    public JinjaChatTemplate(Map<String, String> sources, Map<String, Object> specialTokens) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no chat template given");
        }
        this.sources = Map.copyOf(sources);
        this.specialTokens = new LinkedHashMap<>(specialTokens);
        Map<String, Node> parsed = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            try {
                parsed.put(e.getKey(), JinjaEnvironment.parse(e.getValue()));
            } catch (ChatTemplateException x) {
                throw new ChatTemplateException("chat_template '" + e.getKey() + "': " + x.getMessage(), false);
            }
        }
        this.trees = parsed;
    }

    /**
     * The checkpoint's own templates and special tokens.
     *
     * @throws IllegalArgumentException naming tokenizer_config.json when the checkpoint has no chat template
     */
    public static JinjaChatTemplate of(Tokenizer tokenizer) {
        TokenizerConfig config = tokenizer.config();
        if (config.chatTemplates().isEmpty()) {
            throw new IllegalArgumentException(config.file() + " has no chat_template (nor is there a chat_template.jinja next to it)");
        }
        return new JinjaChatTemplate(config.chatTemplates(), config.specialTokensMap());
    }

    /** The default template's source. */
    public String source() { return sources.get(name(false)); }

    /** Every template's source by name. */
    public Map<String, String> sources() { return sources; }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(ChatInput.of(messages).addGenerationPrompt(addGenerationPrompt));
    }

    @Override
    public String render(ChatInput input) {
        return JinjaEnvironment.render(trees.get(name(input.tools() != null)), input.templateVariables(specialTokens));
    }

    private String name(boolean tools) {
        if (tools && trees.containsKey("tool_use")) return "tool_use";
        if (trees.containsKey(TokenizerConfig.DEFAULT_TEMPLATE)) return TokenizerConfig.DEFAULT_TEMPLATE;
        if (trees.size() == 1) return trees.keySet().iterator().next();
        throw new ChatTemplateException("the checkpoint has chat templates " + trees.keySet()
                + " and none named 'default'; pick one with JinjaChatTemplate(Map.of(name, source), ...)", false);
    }
}
