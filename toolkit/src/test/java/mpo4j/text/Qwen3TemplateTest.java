package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real Qwen3 tokenizer and chat template. Every expected prompt is derived by hand from the
 * template text in tokenizer_config.json (the derivation is in the comment above it); all of them
 * were also checked once against Python Jinja2 3.1.6 in transformers' configuration.
 */
class Qwen3TemplateTest {
    static Tokenizer tok;
    static JinjaChatTemplate template;

    @BeforeAll
    static void load() {
        Mpo4jEngine.ensureOffline();
        tok = Tokenizer.load(Qwen3Tokenizer.folder());
        template = JinjaChatTemplate.of(tok);
    }

    @AfterAll
    static void close() {
        if (tok != null) tok.close();
    }

    @Test
    void configAndSpecialTokenIdsAreTheFilesOnes() {
        // tokenizer.json added_tokens: <|endoftext|> 151643, <|im_start|> 151644, <|im_end|> 151645,
        // <tool_call> 151657 and <think> 151667 (both "special": false); vocab ids end at 151642
        assertEquals(151644, tok.imStartId());
        assertEquals(151645, tok.imEndId());
        assertEquals(151645, tok.eosId());          // eos_token "<|im_end|>"
        assertEquals(151643, tok.padId());          // pad_token "<|endoftext|>"
        assertEquals(151667, tok.id("<think>"));
        assertEquals(151657, tok.id("<tool_call>"));
        assertTrue(tok.isSpecial(151644));
        assertFalse(tok.isSpecial(151667));
        assertEquals(151669, tok.vocabSize());      // highest id 151668 (</think>) + 1
        assertEquals(131072, tok.config().modelMaxLength().getAsLong());
        assertTrue(tok.config().bosToken().isEmpty());
        assertEquals(13, tok.config().additionalSpecialTokens().size());
        assertEquals(Map.of("eos_token", "<|im_end|>", "pad_token", "<|endoftext|>", "additional_special_tokens",
                tok.config().additionalSpecialTokens()), tok.config().specialTokensMap());
    }

    @Test
    void aMissingTokenIsNamedWithTheFile() {
        var e = assertThrows(IllegalArgumentException.class, tok::imageContextId);
        assertTrue(e.getMessage().contains("<IMG_CONTEXT>") && e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void promptTokenIdsAndDecoding() {
        // "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n": ids of "user" 872, "\n" 198 (Ċ), "Hi" 13048,
        // "assistant" 77091, read from tokenizer.json's vocab; nothing added before or after
        long[] ids = new ChatEncoder(tok, template).encode(ChatInput.ofMessages(List.of(ChatInput.message("user", "Hi"))).addGenerationPrompt(true));
        assertArrayEquals(new long[] {151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198}, ids);
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", tok.decode(ids));
        assertEquals("user\nHi\nassistant\n", tok.decode(ids, true));
        // Qwen's post-processor (ByteLevel) adds nothing even when asked to add special tokens
        assertArrayEquals(new long[] {13048}, tok.encode("Hi", true));
    }

    @Test
    void systemUserAssistant() {
        // no tools, messages[0] is system: "<|im_start|>system\n" + content + "<|im_end|>\n". last_query_index: the
        // reverse scan stops at the user (index 1). User turn as is. The assistant (index 2 > 1, loop.last) has
        // no </think>, so reasoning_content is '' and it gets "<think>\n" + '' + "\n</think>\n\n" + content.
        String out = template.render(ChatInput.fromJson("""
                [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"},
                 {"role": "assistant", "content": "Hello!"}]"""));
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n", out);
    }

    @Test
    void earlierThinkingIsStrippedAndTheLastAnswerKeepsIt() {
        // last_query_index = 2 (the second user). Assistant 1 (index 1 < 2): content = split('</think>')[-1]
        // .lstrip('\n') = "4", printed without a think block. Assistant 3 (index 3 > 2, loop.last): reasoning =
        // split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') = "add again", content "6".
        String chat = """
                [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\\nadd\\n</think>\\n\\n4"},
                 {"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "<think>\\nadd again\\n</think>\\n\\n6"}]""";
        assertEquals("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nadd again\n</think>\n\n6<|im_end|>\n", template.render(ChatInput.fromJson(chat)));
    }

    @Test
    void generationPromptWithAndWithoutThinking() {
        // add_generation_prompt=True appends "<|im_start|>assistant\n"; the earlier answer loses its think part;
        // with add_generation_prompt=False nothing follows the last user turn
        ChatInput chat = ChatInput.fromJson("""
                [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>\\nadd\\n</think>\\n\\n4"},
                 {"role": "user", "content": "3+3?"}]""");
        String turns = "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n";
        assertEquals(turns + "<|im_start|>assistant\n", template.render(chat.addGenerationPrompt(true)));
        assertEquals(turns, template.render(chat));
        // enable_thinking is defined and false: "<think>\n\n</think>\n\n" after the header; true adds nothing
        assertEquals(turns + "<|im_start|>assistant\n<think>\n\n</think>\n\n", template.render(chat.addGenerationPrompt(true).enableThinking(false)));
        assertEquals(turns + "<|im_start|>assistant\n", template.render(chat.addGenerationPrompt(true).enableThinking(true)));
    }

    static final String WEATHER_TOOL = """
            [{"type": "function", "function": {"name": "get_weather", "description": "Current weather",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}]""";

    @Test
    void toolCallingConversation() {
        // tools: the system block lists each tool as json.dumps (", " / ": " separators, keys in the given order)
        // between <tools> lines. last_query_index = 0 (the only user). Assistant 1 (index 1 > 0, not last, no
        // reasoning): "<|im_start|>assistant\n" + '' ; its tool call (first, content '' -> no "\n") prints
        // name and arguments|tojson. The tool message opens a user turn (previous role is not tool) and closes
        // it (next is not tool). The last assistant gets the empty think block.
        ChatInput chat = ChatInput.fromJson("""
                [{"role": "user", "content": "Weather in Paris?"},
                 {"role": "assistant", "content": "", "tool_calls": [{"type": "function",
                   "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
                 {"role": "tool", "content": "{\\"temp\\": 21}"},
                 {"role": "assistant", "content": "It is 21 °C in Paris."}]""").toolsJson(WEATHER_TOOL);
        String expected = "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}, "
                + "\"unit\": {\"type\": \"string\", \"enum\": [\"celsius\", \"fahrenheit\"]}}, \"required\": [\"city\"]}}}\n</tools>\n\n"
                + "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
                + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\nIt is 21 °C in Paris.<|im_end|>\n";
        assertEquals(expected, template.render(chat));
    }

    @Test
    void toolCallArgumentsGivenAsAStringArePrintedVerbatim() {
        // "arguments is string" -> printed as is (no tojson); the system message goes before "# Tools";
        // two consecutive tool messages share one user turn
        ChatInput chat = ChatInput.fromJson("""
                [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Paris and Rome?"},
                 {"role": "assistant", "content": "Checking.", "tool_calls": [
                   {"function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}},
                   {"function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Rome\\"}"}}]},
                 {"role": "tool", "content": "21"}, {"role": "tool", "content": "25"}]""").toolsJson(WEATHER_TOOL).addGenerationPrompt(true);
        String out = template.render(chat);
        assertTrue(out.startsWith("<|im_start|>system\nBe brief.\n\n# Tools\n\n"), out);
        // the assistant is at index 2 > last_query_index 1 but neither last nor reasoning: no think block; its
        // content "Checking." is non-empty, so each call starts with "\n"
        assertTrue(out.endsWith("<|im_start|>user\nParis and Rome?<|im_end|>\n<|im_start|>assistant\nChecking.\n<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call>\n<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Rome\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n21\n</tool_response>\n<tool_response>\n25\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n"), out);
    }

    @Test
    void promptCompletionSplitIncludesTheThinkBlock() {
        // prompt = "...<|im_start|>assistant\n"; the full rendering adds "<think>\n\n</think>\n\nHello!<|im_end|>\n".
        // Ids: <think> 151667, "\n\n" 271 (ĊĊ), </think> 151668, 271, "Hello" 9707, "!" 0, <|im_end|> 151645, "\n" 198;
        // trained through <|im_end|> (eos_token): 7 of 8
        PromptCompletion pc = new ChatEncoder(tok, template).split(ChatInput.ofMessages(List.of(ChatInput.message("user", "Hi"))), "Hello!");
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", pc.promptText());
        assertEquals("<think>\n\n</think>\n\nHello!<|im_end|>\n", pc.completionText());
        assertArrayEquals(new long[] {151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198}, pc.promptIds());
        assertArrayEquals(new long[] {151667, 271, 151668, 271, 9707, 0, 151645, 198}, pc.completionIds());
        assertEquals(7, pc.trainedTokens());
        EncodedSequence s = pc.toSequence();
        assertEquals(9, s.promptLength());
        assertEquals(7, s.trainedTokens());
        assertEquals(Labels.IGNORE, s.labels()[8]);
        assertEquals(151667, s.labels()[9]);
        assertEquals(Labels.IGNORE, s.labels()[16]);
        assertArrayEquals(Arrays.copyOfRange(s.ids(), 9, 16), Arrays.copyOfRange(s.labels(), 9, 16));
    }

    @Test
    void pairEncoderTrainsQwen3CompletionsToo() {
        // text-only pair through PairEncoder: same ids and labels as the ChatEncoder split
        var encoder = new PairEncoder(tok, template, 256, 0, Truncation.KEEP_START);
        EncodedSequence s = encoder.encode(List.of(mpo4j.data.ChatMessage.user("Hi")), "Hello!", new int[0], null);
        EncodedSequence expected = new ChatEncoder(tok, template).split(ChatInput.ofMessages(List.of(ChatInput.message("user", "Hi"))), "Hello!").toSequence();
        assertArrayEquals(expected.ids(), s.ids());
        assertArrayEquals(expected.labels(), s.labels());
    }

    @Test
    void anImagePairNeedsInternVlImageTokens() {
        // Qwen3's tokenizer has no <img>: expanding an <image> placeholder fails naming the token and file
        var encoder = new PairEncoder(tok, template, 256, 0, Truncation.KEEP_START);
        var e = assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(List.of(mpo4j.data.ChatMessage.user("<image>\nWhat is it?")), "A cat.", new int[] {1}, null));
        assertTrue(e.getMessage().contains("no added token <img>") && e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void aToolCallAnswerIsTheCompletion() {
        // prompt: the tools system block, then the user turn and "<|im_start|>assistant\n". The answer (index 1 >
        // last_query_index 0, loop.last) gets the empty think block, content '' adds nothing, the first call has
        // no leading "\n": "<think>\n\n</think>\n\n<tool_call>\n{...}\n</tool_call><|im_end|>\n"
        ChatInput prompt = ChatInput.fromJson("[{\"role\": \"user\", \"content\": \"Weather in Paris?\"}]").toolsJson(WEATHER_TOOL);
        Map<String, Object> call = ChatInput.fromJson("""
                [{"role": "assistant", "content": "", "tool_calls": [{"type": "function",
                  "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]}]""").messages().get(0);
        PromptCompletion pc = new ChatEncoder(tok, template).split(prompt, call);
        assertTrue(pc.promptText().endsWith("<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n"), pc.promptText());
        assertEquals("<think>\n\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n",
                pc.completionText());
        long[] c = pc.completionIds();
        // <think> 151667, "\n\n" 271, </think> 151668, 271, <tool_call> 151657 ... </tool_call> 151658, <|im_end|>, "\n"
        assertArrayEquals(new long[] {151667, 271, 151668, 271, 151657}, Arrays.copyOf(c, 5));
        assertArrayEquals(new long[] {151658, 151645, 198}, Arrays.copyOfRange(c, c.length - 3, c.length));
        assertEquals(c.length - 1, pc.trainedTokens());
        // the pair encoder's ChatInput path gives the same sequence
        EncodedSequence viaPair = new PairEncoder(tok, template, 256, 0, Truncation.KEEP_START).encode(prompt, List.of(call), new int[0], null).get(0);
        assertArrayEquals(pc.toSequence().ids(), viaPair.ids());
        assertArrayEquals(pc.toSequence().labels(), viaPair.labels());
    }

    @Test
    void rendersTheSameFromManyThreads() throws Exception {
        // collators encode on several threads: each render has its own interpreter and thread-local state
        ChatInput chat = ChatInput.fromJson("[{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"}]");
        String expected = template.render(chat);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<String>>();
            for (int i = 0; i < 64; i++) {
                ChatInput input = i % 2 == 0 ? chat : chat.toolsJson(WEATHER_TOOL); // interleave two kinds of render
                futures.add(pool.submit(() -> template.render(input)));
            }
            for (int i = 0; i < futures.size(); i += 2) {
                assertEquals(expected, futures.get(i).get());
                assertTrue(futures.get(i + 1).get().startsWith("<|im_start|>system\n# Tools"));
            }
        } finally {
            pool.shutdown();
        }
    }
}
