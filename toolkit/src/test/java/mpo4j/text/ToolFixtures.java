package mpo4j.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;

/**
 * A small ChatML chat template that renders tools and tool calls, for the sample tokenizer (which has no
 * template of its own), and tool-calling TRL lines to train on. The texts it renders are derived by hand
 * in the tests that use it.
 */
public final class ToolFixtures {
    private ToolFixtures() {}

    /**
     * With tools, a system turn lists each schema as {@code tojson} on its own line; every turn is
     * {@code <|im_start|>role\ncontent}, then each tool call as {@code <tool_call>} + the call's
     * {@code function | tojson} + {@code </tool_call>}, then {@code <|im_end|>\n}.
     */
    public static final String CHATML_WITH_TOOLS = "{%- if tools %}{{ '<|im_start|>system\\n' }}{% for t in tools %}{{ t | tojson }}"
            + "{{ '\\n' }}{% endfor %}{{ '<|im_end|>\\n' }}{% endif %}"
            + "{%- for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content }}{% if m.tool_calls %}{% for c in m.tool_calls %}"
            + "{{ '<tool_call>' + (c.function | tojson) + '</tool_call>' }}{% endfor %}{% endif %}{{ '<|im_end|>\\n' }}{% endfor %}"
            + "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** The template as mpo4j renders it. */
    public static ChatTemplate chatMlWithTools() {
        return new JinjaChatTemplate(CHATML_WITH_TOOLS);
    }

    /**
     * A TRL conversational line whose {@code tools} column holds one schema and whose rejected answer
     * calls it for the wrong {@code city} (the chosen one answers in text).
     */
    public static String line(String city, String chosen, String rejectedCity) {
        return "{\"prompt\": [{\"role\": \"user\", \"content\": \"Weather in " + city + "?\"}], "
                + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"" + chosen + "\"}], "
                + "\"rejected\": [{\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"type\": \"function\", \"function\": "
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"" + rejectedCity + "\"}}}]}], "
                + "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}]}";
    }

    /** The pairs of {@code lines}, read through the TRL reader from {@code dir/tools.jsonl}. */
    public static List<PreferencePair> pairs(Path dir, String... lines) {
        try {
            Path file = Files.writeString(dir.resolve("tools.jsonl"), String.join("\n", lines) + "\n");
            return Datasets.load(file).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
