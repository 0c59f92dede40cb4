package mpo4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's merges follow the BPE rule by hand, and its files load through the toolkit's Tokenizer. */
class BpeTrainerTest {

    @BeforeAll
    static void offline() {
        Mpo4jEngine.ensureOffline();
    }

    @Test
    void trainerOutputLoadsAndRoundTrips(@TempDir Path dir) throws Exception {
        var trainer = new BpeTrainer(300, BpeTrainer.CHATML_SPECIALS)
                .train(List.of("the red circle", "the blue circle", "the red square"));
        trainer.write(dir);
        // counts: "t h" 3, "h e" 3, "r e" 3 (red x2, square), "e d" 2 ... ; the tie at 3 goes to the smallest text
        assertEquals(List.of("h e", "r e", "t he"), trainer.merges().subList(0, 3));
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertEquals(282, t.vocabSize()); // 256 bytes + 20 merges (every word fully merged) + 6 specials
            assertEquals(276, t.padId());
            assertEquals("the red triangle?", t.decode(t.encode("the red triangle?")));
            assertEquals(2, t.encode("the red").length); // "the" and " red" were merged whole
        }
        assertTrue(Files.readString(dir.resolve("tokenizer_config.json")).contains("chat_template"));
    }

    @Test
    void padTokenComesFromTheConfig(@TempDir Path dir) throws Exception {
        // "abc" and "Ġabc" allow only 3 merges (a b, ab c, Ġ abc), so the vocab stops at 256 + 3 + 3 specials
        var trainer = new BpeTrainer(270, List.of("<pad>", "<|im_start|>", "<|im_end|>")).train(List.of("abc abc"));
        assertEquals(List.of("a b", "ab c", "Ġ abc"), trainer.merges());
        assertEquals(262, trainer.size());
        trainer.write(dir);
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertEquals(259, t.padId());
            assertEquals(1, t.encode(" abc").length);
        }
        Files.delete(dir.resolve("tokenizer_config.json"));
        try (Tokenizer t = Tokenizer.load(dir)) {
            assertEquals(259, t.padId()); // falls back to <pad>
            assertTrue(t.chatTemplate().isEmpty());
        }
    }

    @Test
    void trainerReadsJsonlStringsAndNamesMalformedLines(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("a.jsonl");
        Files.writeString(ok, "{\"question\":\"What color?\",\"chosen\":\"red\",\"n\":3,\"images\":[\"x.png\"]}\n\n");
        assertEquals(List.of("What color?", "red", "x.png"), BpeTrainer.readCorpus(ok));
        Path bad = dir.resolve("b.jsonl");
        Files.writeString(bad, "{\"a\":\"b\"}\n{oops\n");
        var e = assertThrows(IllegalArgumentException.class, () -> BpeTrainer.readCorpus(bad));
        assertTrue(e.getMessage().contains("b.jsonl:2"), e.getMessage());
    }
}
