package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.ChatMessage;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairEncoderTest {
    static Tokenizer tok;
    static final Source SRC = new Source("shapes.jsonl", 12);
    static final List<ChatMessage> PROMPT = List.of(ChatMessage.user("<image>\nWhat color is the circle?"));

    @BeforeAll
    static void load() {
        Mpo4jEngine.ensureOffline();
        tok = Tokenizer.load(TokenizerTest.SAMPLE);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static PairEncoder encoder(int maxLen, Truncation t) {
        return new PairEncoder(tok, ChatTemplate.internVl25(), 16, maxLen, t);
    }

    static long[] concat(long[]... parts) {
        return Arrays.stream(parts).flatMapToLong(LongStream::of).toArray();
    }

    static long[] repeat(long id, int n) {
        long[] a = new long[n];
        Arrays.fill(a, id);
        return a;
    }

    @Test
    void exactTokenAndLabelLayoutOfAnImagePair() {
        EncodedSequence s = encoder(0, Truncation.KEEP_START).encode(PROMPT, "The circle is red.", new int[] {3}, SRC);
        long[] head = tok.encode("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n");
        long[] question = tok.encode("\nWhat color is the circle?<|im_end|>\n<|im_start|>assistant\n");
        long[] answer = tok.encode("The circle is red.");
        long[] expected = concat(head, new long[] {2045}, repeat(2047, 48), new long[] {2046}, question, answer, new long[] {2044},
                tok.encode("\n"));
        assertArrayEquals(expected, s.ids());
        assertEquals(48, Arrays.stream(s.ids()).filter(i -> i == 2047).count()); // 16 tokens x 3 tiles

        int promptLen = head.length + 50 + question.length;
        assertEquals(promptLen, s.promptLength());
        assertEquals(2043, s.ids()[promptLen - 3]);                     // <|im_start|> of the assistant prefix
        for (int t = 0; t < s.length(); t++) {
            boolean trained = t >= promptLen && t < promptLen + answer.length + 1;
            assertEquals(trained ? s.ids()[t] : Labels.IGNORE, s.labels()[t], "label at " + t);
        }
        assertEquals(answer.length + 1, s.trainedTokens());
        long[] trainedIds = Arrays.copyOfRange(s.ids(), promptLen, promptLen + answer.length + 1);
        assertEquals("The circle is red.<|im_end|>", tok.decode(trainedIds));
        assertEquals("\n", tok.decode(new long[] {s.ids()[s.length() - 1]}));
        assertEquals(Labels.IGNORE, s.labels()[s.length() - 1]);
    }

    @Test
    void singleImageWithoutPlaceholderGetsOneInFront() {
        var enc = encoder(0, Truncation.KEEP_START);
        EncodedSequence with = enc.encode(PROMPT, "red", new int[] {1}, SRC);
        EncodedSequence without = enc.encode(List.of(ChatMessage.user("What color is the circle?")), "red", new int[] {1}, SRC);
        assertArrayEquals(with.ids(), without.ids());
    }

    @Test
    void multiImageAndTextOnly() {
        var enc = encoder(0, Truncation.KEEP_START);
        EncodedSequence two = enc.encode(List.of(ChatMessage.user("Image-1: <image>\nImage-2: <image>\nSame?")), "no",
                new int[] {3, 1}, SRC);
        assertEquals(64, Arrays.stream(two.ids()).filter(i -> i == 2047).count());
        assertEquals(2, Arrays.stream(two.ids()).filter(i -> i == 2045).count());
        EncodedSequence text = enc.encode(List.of(ChatMessage.user("Say hi")), "hi", new int[0], SRC);
        assertEquals(0, Arrays.stream(text.ids()).filter(i -> i >= 2045).count());
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nSay hi<|im_end|>\n"
                + "<|im_start|>assistant\nhi<|im_end|>\n", tok.decode(text.ids()));
    }

    @Test
    void placeholderCountMismatchNamesTheSource() {
        var e = assertThrows(IllegalArgumentException.class, () -> encoder(0, Truncation.KEEP_START)
                .encode(List.of(ChatMessage.user("<image> and <image>")), "x", new int[] {1, 1, 1}, SRC));
        assertTrue(e.getMessage().contains("shapes.jsonl:12") && e.getMessage().contains("2 <image> placeholders")
                && e.getMessage().contains("3 images"), e.getMessage());
    }

    @Test
    void truncationFromTheRightKeepsPartOfTheAnswer() {
        EncodedSequence full = encoder(0, Truncation.KEEP_START).encode(PROMPT, "The circle is red.", new int[] {1}, SRC);
        int max = full.promptLength() + 2;
        EncodedSequence cut = encoder(max, Truncation.KEEP_START).encode(PROMPT, "The circle is red.", new int[] {1}, SRC);
        assertEquals(max, cut.length());
        assertEquals(2, cut.trainedTokens());
        assertArrayEquals(Arrays.copyOf(full.ids(), max), cut.ids());
    }

    @Test
    void truncationToNoAnswerIsAnError() {
        EncodedSequence full = encoder(0, Truncation.KEEP_START).encode(PROMPT, "red", new int[] {1}, SRC);
        var e = assertThrows(IllegalArgumentException.class,
                () -> encoder(full.promptLength(), Truncation.KEEP_START).encode(PROMPT, "red", new int[] {1}, SRC));
        assertTrue(e.getMessage().contains("shapes.jsonl:12") && e.getMessage().contains("no answer token"), e.getMessage());
    }

    @Test
    void truncationThroughImageTokensIsAnError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> encoder(30, Truncation.KEEP_START).encode(PROMPT, "red", new int[] {3}, SRC));
        assertTrue(e.getMessage().contains("shapes.jsonl:12") && e.getMessage().contains("image tokens"), e.getMessage());
        var end = assertThrows(IllegalArgumentException.class,
                () -> encoder(30, Truncation.KEEP_END).encode(PROMPT, "red", new int[] {3}, SRC));
        assertTrue(end.getMessage().contains("KEEP_END"), end.getMessage());
    }

    @Test
    void keepEndDropsThePromptStart() {
        List<ChatMessage> text = List.of(ChatMessage.user("How many squares are there?"));
        EncodedSequence full = encoder(0, Truncation.KEEP_START).encode(text, "3", new int[0], SRC);
        EncodedSequence end = encoder(10, Truncation.KEEP_END).encode(text, "3", new int[0], SRC);
        assertArrayEquals(Arrays.copyOfRange(full.ids(), full.length() - 10, full.length()), end.ids());
        assertEquals(full.trainedTokens(), end.trainedTokens());
        assertEquals(full.promptLength() - (full.length() - 10), end.promptLength());
    }

    @Test
    void jinjaTemplateFromTheSampleConfigMatchesTheNativeOne() {
        ChatTemplate jinja = ChatTemplate.of(tok);
        assertTrue(jinja instanceof JinjaChatTemplate);
        List<List<ChatMessage>> conversations = List.of(
                PROMPT,
                List.of(ChatMessage.system("Answer briefly."), ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                        ChatMessage.user("<image>\nIs the star on the left or the right?")),
                List.of(ChatMessage.user("quotes ' \" and {{ braces }} and \\n stay literal")));
        for (List<ChatMessage> c : conversations) {
            for (boolean gen : new boolean[] {true, false}) {
                assertEquals(ChatTemplate.internVl25().render(c, gen), jinja.render(c, gen));
            }
        }
        // and so the encoder gives identical rows with either
        var nativeRow = encoder(0, Truncation.KEEP_START).encode(PROMPT, "red", new int[] {2}, SRC);
        var jinjaRow = new PairEncoder(tok, jinja, 16, 0, Truncation.KEEP_START).encode(PROMPT, "red", new int[] {2}, SRC);
        assertArrayEquals(nativeRow.ids(), jinjaRow.ids());
        assertArrayEquals(nativeRow.labels(), jinjaRow.labels());
    }

    @Test
    void templateWithoutSystemMessage() {
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                InternVl25Template.DEFAULT.withoutSystem().render(List.of(ChatMessage.user("Hi")), true));
        assertEquals("<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
                InternVl25Template.DEFAULT.withSystem("Be terse.").render(List.of(ChatMessage.user("Hi")), false));
    }

    /** Ids of {@code prompt} (not trained), then {@code trained} (trained), then {@code after} (not trained). */
    private static EncodedSequence row(String prompt, String trained, String after) {
        long[] p = tok.encode(prompt), t = tok.encode(trained), a = tok.encode(after);
        long[] labels = concat(repeat(Labels.IGNORE, p.length), t, repeat(Labels.IGNORE, a.length));
        return new EncodedSequence(concat(p, t, a), labels, p.length);
    }

    @Test
    void aToolPairIsRenderedWithItsToolsAndToolCalls(@TempDir Path dir) {
        PreferencePair pair = ToolFixtures.pairs(dir, ToolFixtures.line("Paris", "Sunny, 21 C.", "Rome")).get(0);
        List<EncodedSequence> rows = new PairEncoder(tok, ToolFixtures.chatMlWithTools(), 16, 0, Truncation.KEEP_START).encode(pair, new int[0]);
        // tools given: a system turn with the schema as json.dumps (", " and ": ", keys in file order), the user turn,
        // then add_generation_prompt's header
        String prompt = "<|im_start|>system\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}\n<|im_end|>\n"
                + "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n";
        // chosen: its content, trained through <|im_end|>; the "\n" after it is not trained
        EncodedSequence chosen = row(prompt, "Sunny, 21 C.<|im_end|>", "\n");
        // rejected: content "" then its call's function dict as tojson (name, then arguments, as in the file)
        EncodedSequence rejected = row(prompt, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}"
                + "</tool_call><|im_end|>", "\n");
        for (int k = 0; k < 2; k++) {
            EncodedSequence expected = k == 0 ? chosen : rejected;
            assertArrayEquals(expected.ids(), rows.get(k).ids());
            assertArrayEquals(expected.labels(), rows.get(k).labels());
            assertEquals(expected.promptLength(), rows.get(k).promptLength());
        }
    }

    @Test
    void aPairWithoutToolsEncodesAsItsPromptAndAnswers() {
        // one image and no placeholder: InternVL's rule puts "<image>\n" before the question, as for the message path
        PreferencePair pair = PreferencePair.of("What color is the circle?", "red", "blue", List.of(Path.of("c.png")), SRC);
        List<EncodedSequence> rows = encoder(0, Truncation.KEEP_START).encode(pair, new int[] {3});
        assertArrayEquals(encoder(0, Truncation.KEEP_START).encode(PROMPT, "red", new int[] {3}, SRC).ids(), rows.get(0).ids());
        assertArrayEquals(encoder(0, Truncation.KEEP_START).encode(PROMPT, "blue", new int[] {3}, SRC).labels(), rows.get(1).labels());
        PreferencePair prompt = new PreferencePair(PROMPT, "red", null, List.of(), SRC, null);
        var e = assertThrows(IllegalArgumentException.class, () -> encoder(0, Truncation.KEEP_START).encode(prompt, new int[] {3}));
        assertEquals("shapes.jsonl:12: pair has no rejected answer (a generation prompt cannot be collated)", e.getMessage());
    }

    @Test
    void internVlTemplateRefusesToolFieldsOfMessages() {
        var call = ChatMessage.assistant("", List.of(Map.of("function", Map.of("name", "f"))));
        var e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.internVl25().render(List.of(ChatMessage.user("Hi"), call), false));
        assertEquals("InternVl25Template renders role/content turns only; messages[1] has tool_calls, which needs the checkpoint's "
                + "Jinja chat_template", e.getMessage());
        e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.internVl25().render(List.of(ChatMessage.user("Hi"), ChatMessage.tool("21", null, "call_1")), false));
        assertTrue(e.getMessage().contains("messages[1] has tool_call_id"), e.getMessage());
        // a tool turn with role and content only has nothing to lose: ChatML prints it like any turn
        assertEquals("<|im_start|>tool\n21<|im_end|>\n", InternVl25Template.DEFAULT.withoutSystem()
                .render(List.of(ChatMessage.tool("21", null, null)), false));
    }

    @Test
    void aTemplateWithoutToolsNamesThePairAndItsToolFields(@TempDir Path dir) {
        PreferencePair pair = ToolFixtures.pairs(dir, ToolFixtures.line("Paris", "Sunny.", "Rome")).get(0);
        var e = assertThrows(IllegalArgumentException.class, () -> encoder(0, Truncation.KEEP_START).encode(pair, new int[0]));
        assertEquals(pair.source() + ": the pair's tool calling fields tools, rejected[0].tool_calls cannot be rendered by "
                + "InternVl25Template (InternVl25Template renders role/content turns only; the input has tools (1 schemas), which need "
                + "the checkpoint's Jinja chat_template); train tool calling with a checkpoint whose tokenizer has a Jinja chat_template "
                + "that takes tools (e.g. Qwen3), or remove these fields", e.getMessage());

        // a Jinja template that prints role and content only (the sample tokenizer's own) renders without them
        var ignoring = new PairEncoder(tok, JinjaChatTemplate.of(tok), 16, 0, Truncation.KEEP_START);
        e = assertThrows(IllegalArgumentException.class, () -> ignoring.encode(pair, new int[0]));
        assertEquals(pair.source() + ": the pair's tool calling fields tools, rejected[0].tool_calls are ignored by the chat template "
                + "(JinjaChatTemplate renders the same text without them); train tool calling with a chat template that renders tools "
                + "and tool calls (e.g. Qwen3's), or remove these fields", e.getMessage());

        // no tools column: the prompt renders, the answer's tool call does not; a tool turn's name is named too
        PreferencePair calls = new PreferencePair(List.of(ChatMessage.user("Weather?"), ChatMessage.tool("21", "get_weather", null)),
                "Sunny.", "", List.of(), SRC, null, null, List.of(), List.of(Map.of("function", Map.of("name", "get_weather"))));
        e = assertThrows(IllegalArgumentException.class, () -> encoder(0, Truncation.KEEP_START).encode(calls, new int[0]));
        assertTrue(e.getMessage().startsWith("shapes.jsonl:12: the pair's tool calling fields prompt[1].name, rejected[0].tool_calls "
                + "cannot be rendered by InternVl25Template (InternVl25Template renders role/content turns only; messages[1] has "), e.getMessage());
    }
}
