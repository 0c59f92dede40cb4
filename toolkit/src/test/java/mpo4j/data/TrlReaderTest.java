package mpo4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static mpo4j.data.Files4Test.png;
import static mpo4j.data.Files4Test.write;
import static org.junit.jupiter.api.Assertions.*;

class TrlReaderTest {
    @TempDir
    Path dir;

    @Test
    void extractPromptFollowsTrl() {
        // TRL: the space before the first difference goes to the answers
        assertArrayEquals(new String[] {"The sky is", " blue", " green"}, TrlReader.extractPrompt("The sky is blue", "The sky is green"));
        // a difference inside a word keeps the shared letters in the prompt
        assertArrayEquals(new String[] {"Answer: gr", "een", "ay"}, TrlReader.extractPrompt("Answer: green", "Answer: gray"));
    }

    @Test
    void standardImplicitPrompt() {
        Path f = write(dir.resolve("s.jsonl"), "{\"chosen\": \"What is 2+2? 4\", \"rejected\": \"What is 2+2? 5\"}");
        PreferencePair p = Datasets.load(f).get(0);
        assertEquals(List.of(ChatMessage.user("What is 2+2?")), p.prompt());
        assertEquals(" 4", p.chosen());
        assertEquals(" 5", p.rejected());
    }

    @Test
    void standardExplicitWithImageGetsPlaceholder() {
        png(dir.resolve("img/a.png"), 2, 2);
        Path f = write(dir.resolve("s.jsonl"), "{\"image\": \"img/a.png\", \"prompt\": \"Color?\", \"chosen\": \"red\", \"rejected\": \"blue\"}");
        PreferencePair p = Datasets.load(f).get(0);
        assertEquals("<image>\nColor?", p.question());
        assertEquals(List.of(dir.resolve("img/a.png")), p.images());
    }

    @Test
    void conversationalImplicitPromptIsTheCommonLeadingMessages() {
        Path f = write(dir.resolve("c.jsonl"), """
                {"chosen": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}], \
                "rejected": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "5"}]}""");
        PreferencePair p = Datasets.load(f).get(0);
        assertEquals(List.of(ChatMessage.system("Be brief."), ChatMessage.user("2+2?")), p.prompt());
        assertEquals("4", p.chosen());
        assertEquals("5", p.rejected());
    }

    @Test
    void conversationalExplicitWithImageParts() {
        png(dir.resolve("a.png"), 2, 2);
        png(dir.resolve("b.png"), 2, 2);
        Path f = write(dir.resolve("c.jsonl"), """
                {"images": ["a.png", "b.png"], "prompt": [{"role": "user", "content": [{"type": "text", "text": "First: "}, {"type": "image"}, \
                {"type": "text", "text": "Second: "}, {"type": "image"}, {"type": "text", "text": "Which is bigger?"}]}], \
                "chosen": [{"role": "assistant", "content": [{"type": "text", "text": "first"}]}], "rejected": [{"role": "assistant", "content": "second"}]}""");
        PreferencePair p = Datasets.load(f).get(0);
        assertEquals("First: <image>\nSecond: <image>\nWhich is bigger?", p.question());
        assertEquals(2, p.images().size());
        assertEquals("first", p.chosen());
        assertEquals("second", p.rejected());
    }

    @Test
    void conversationalErrorsNameTheField() {
        Path f = write(dir.resolve("c.jsonl"),
                "{\"chosen\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"more\"}], "
                        + "\"rejected\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}",
                "{\"prompt\": [{\"content\": \"q\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}",
                "{\"chosen\": [{\"role\": \"user\", \"content\": \"q\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"other\"}]}");
        Dataset<PreferencePair> d = Datasets.load(f);
        assertEquals(f + ":1: field \"chosen\": expected exactly one assistant message after the prompt, found 2 messages",
                assertThrows(DatasetException.class, () -> d.get(0)).getMessage());
        assertEquals(f + ":2: field \"prompt[0].role\": missing",
                assertThrows(DatasetException.class, () -> d.get(1)).getMessage());
        assertEquals(f + ":3: field \"chosen\": implicit prompt: chosen and rejected share no leading message",
                assertThrows(DatasetException.class, () -> d.get(2)).getMessage());
    }

    @Test
    void placeholderMismatchInPrompt() {
        png(dir.resolve("a.png"), 2, 2);
        Path f = write(dir.resolve("s.jsonl"), "{\"images\": [\"a.png\", \"a.png\"], \"prompt\": \"<image> q\", \"chosen\": \"c\", \"rejected\": \"r\"}");
        assertEquals(f + ":1: field \"prompt\": has 1 <image> placeholder but the line has 2 images",
                assertThrows(DatasetException.class, () -> Datasets.load(f).get(0)).getMessage());
    }
}
