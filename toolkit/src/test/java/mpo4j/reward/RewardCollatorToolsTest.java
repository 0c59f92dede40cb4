package mpo4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.ChatMessage;
import mpo4j.data.RewardPair;
import mpo4j.data.Source;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.text.Tokenizer;
import mpo4j.text.ToolFixtures;
import org.junit.jupiter.api.Test;

/** A reward pair's prompt keeps its tool calls and tool turns through the reward collator. */
class RewardCollatorToolsTest {
    static {
        Mpo4jEngine.ensureOffline();
    }

    /** user asks, assistant calls get_weather(city=Paris), the tool answers. */
    private static RewardPair pair() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("city", "Paris");
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("arguments", arguments);
        List<ChatMessage> prompt = List.of(ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant("", List.of(Map.of("type", "function", "function", function))), ChatMessage.tool("21", null, null));
        return new RewardPair(prompt, "It is 21.", "It is 12.", List.of(), Map.of("overall", "A"), new Source("rm.jsonl", 4));
    }

    @Test
    void promptToolCallsAreRendered() {
        try (Tokenizer tok = Tokenizer.sample()) {
            RewardBatch batch = RewardCollator.of(InternVlCollator.of(tok).template(ToolFixtures.chatMlWithTools())).collate(List.of(pair()));
            // no tools column, so no system turn; the assistant turn prints its call's function as tojson after content ''
            long[] prompt = tok.encode("<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n<tool_call>{\"name\": "
                    + "\"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call><|im_end|>\n<|im_start|>tool\n21<|im_end|>\n"
                    + "<|im_start|>assistant\n");
            SequenceBatch first = batch.sides().chosen();
            assertArrayEquals(prompt, Arrays.copyOf(first.inputIds(), prompt.length));
        }
    }

    @Test
    void aTemplateWithoutToolCallsNamesTheField() {
        try (Tokenizer tok = Tokenizer.sample()) {
            var e = assertThrows(IllegalArgumentException.class, () -> RewardCollator.of(InternVlCollator.of(tok)).collate(List.of(pair())));
            assertTrue(e.getMessage().startsWith("rm.jsonl:4: the pair's tool calling fields prompt[1].tool_calls are ignored by the chat "
                    + "template"), e.getMessage());
        }
    }
}
