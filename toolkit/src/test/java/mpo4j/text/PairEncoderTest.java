package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.ChatMessage;
import mpo4j.data.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
}
