package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.data.Datasets;
import mpo4j.data.PreferencePair;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tool-calling TRL line (tool call and tool turn in the prompt, a tools column, a tool call as the
 * rejected answer) read from JSONL into a pair and rendered through the real Qwen3 template, against
 * the text derived by hand from the template (the derivation is in the comments).
 */
class ToolCallingPairTest {
    static Tokenizer tok;
    static ChatEncoder encoder;

    @BeforeAll
    static void load() {
        Mpo4jEngine.ensureOffline();
        tok = Tokenizer.load(Qwen3Tokenizer.folder());
        encoder = new ChatEncoder(tok, JinjaChatTemplate.of(tok));
    }

    @AfterAll
    static void close() {
        if (tok != null) tok.close();
    }

    /** The TRL line (shared with the collator and trainer tests of tool pairs). */
    static final String LINE = "{\"prompt\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, "
            + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"type\": \"function\", \"function\": "
            + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]}, "
            + "{\"role\": \"tool\", \"name\": \"get_weather\", \"tool_call_id\": \"call_1\", \"content\": \"{\\\"temp\\\": 21}\"}], "
            + "\"chosen\": [{\"role\": \"assistant\", \"content\": \"It is 21 °C in Paris.\"}], "
            + "\"rejected\": [{\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"type\": \"function\", \"function\": "
            + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}}]}], "
            + "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather\", "
            + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}]}";

    /*
     * The prompt text of LINE, derived by hand from the Qwen3 template:
     * tools given: the system block lists the schema as json.dumps (", " / ": ", keys in file order).
     * last_query_index = 0 (the only user turn not wrapped in <tool_response>). Assistant at index 1 > 0 is
     * neither last nor reasoning: "<|im_start|>assistant\n" + '' and its first call has no leading "\n" (content
     * ''), arguments|tojson. The tool turn opens a user turn (previous role is assistant) and, being last in the
     * prompt, closes it. add_generation_prompt adds "<|im_start|>assistant\n".
     */
    static final String PROMPT = "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather\", "
            + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n"
            + "</tools>\n\nFor each function call, return a json object with function name and arguments within "
            + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
            + "</tool_call><|im_end|>\n"
            + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n";

    /** The chosen answer at index 3 > 0 is last: the empty think block, then its content. */
    static final String CHOSEN_COMPLETION = "<think>\n\n</think>\n\nIt is 21 °C in Paris.<|im_end|>\n";

    /** The rejected answer only calls a tool: think block, content '', its first call without a leading "\n". */
    static final String REJECTED_COMPLETION = "<think>\n\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", "
            + "\"arguments\": {\"city\": \"Rome\"}}\n</tool_call><|im_end|>\n";

    @Test
    void aToolCallingPairRendersAsTransformersWould(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("tools.jsonl"), LINE + "\n");
        PreferencePair pair = Datasets.load(file).get(0);
        ChatInput prompt = ChatInput.prompt(pair);
        // the tool turn keeps name and tool_call_id (Qwen3 does not print them, other templates do)
        assertEquals(Map.of("role", "tool", "content", "{\"temp\": 21}", "name", "get_weather", "tool_call_id", "call_1"),
                prompt.messages().get(2));

        PromptCompletion chosen = encoder.split(prompt, ChatInput.message(pair.chosenMessage()));
        assertEquals(PROMPT, chosen.promptText());
        assertEquals(CHOSEN_COMPLETION, chosen.completionText());

        PromptCompletion rejected = encoder.split(prompt, ChatInput.message(pair.rejectedMessage()));
        assertEquals(PROMPT, rejected.promptText());
        assertEquals(REJECTED_COMPLETION, rejected.completionText());

        // the pair encoder's ChatInput path (what a collator calls for tool pairs) gives the same sequences
        List<EncodedSequence> both = new PairEncoder(tok, JinjaChatTemplate.of(tok), 256, 0, Truncation.KEEP_START)
                .encode(prompt, List.of(ChatInput.message(pair.chosenMessage()), ChatInput.message(pair.rejectedMessage())),
                        new int[0], pair.source());
        assertArrayEquals(chosen.toSequence().ids(), both.get(0).ids());
        assertArrayEquals(rejected.toSequence().labels(), both.get(1).labels());
    }
}
