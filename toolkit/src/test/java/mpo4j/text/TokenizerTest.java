package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed sample tokenizer loads through DJL, keeps special tokens whole and round-trips text. */
class TokenizerTest {
    static final Path SAMPLE = Path.of("..", "datasets-sample", "tokenizer");
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        Mpo4jEngine.ensureOffline();
        tok = Tokenizer.load(SAMPLE);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void sampleTokenizerHas2048IdsAndSpecialsAtTheEnd() {
        assertEquals(2048, tok.vocabSize());
        assertEquals(Map.of("<|endoftext|>", 2042L, "<|im_start|>", 2043L, "<|im_end|>", 2044L,
                "<img>", 2045L, "</img>", 2046L, "<IMG_CONTEXT>", 2047L), tok.specialTokens());
        assertEquals(2042, tok.padId());
        assertEquals(2047, tok.imageContextId());
        assertTrue(tok.chatTemplate().isPresent());
    }

    @Test
    void specialTokensMapToSingleIdsInsideText() {
        long[] ids = tok.encode("<|im_start|>user\nHi<img><IMG_CONTEXT><IMG_CONTEXT></img><|im_end|>\n");
        assertEquals(2043, ids[0]);
        assertEquals(2044, ids[ids.length - 2]);
        long contexts = java.util.Arrays.stream(ids).filter(i -> i == 2047).count();
        assertEquals(2, contexts);
        assertEquals("<|im_start|>user\nHi<img><IMG_CONTEXT><IMG_CONTEXT></img><|im_end|>\n", tok.decode(ids));
    }

    @Test
    void domainWordsAreSingleTokens() {
        // merges learned from the shapes corpus: " circle" and " red" are whole tokens
        assertEquals(1, tok.encode(" circle").length);
        assertEquals(1, tok.encode("red").length);
        assertEquals(1, tok.count(" circle"));
        assertTrue(tok.encode("What color is the circle?").length <= 7, "domain question should be short");
    }

    @Test
    void arbitraryTextRoundTrips() {
        List<String> samples = List.of("", " ", "  leading and trailing  ", "Ünïcödé — ελληνικά, 中文, emoji 🎉!",
                "tabs\tand\nnewlines\r\n", "numbers 1234567890 and symbols <>{}[]#@$%^&*", "<notspecial> <|im_en d|>");
        for (String s : samples) {
            assertEquals(s, tok.decode(tok.encode(s)), "round trip of '" + s + "'");
        }
        Random r = new Random(7);
        for (int k = 0; k < 50; k++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 40; i++) sb.appendCodePoint(r.nextInt(3) == 0 ? 32 + r.nextInt(95) : 0x20 + r.nextInt(0x3000));
            String s = sb.toString();
            if (s.codePoints().anyMatch(c -> Character.getType(c) == Character.UNASSIGNED || Character.isSurrogate((char) c))) continue;
            assertEquals(s, tok.decode(tok.encode(s)));
        }
    }

    @Test
    void longTextIsNotTruncatedByDjlDefaults() {
        String s = "The circle is red. ".repeat(400);
        long[] ids = tok.encode(s);
        assertTrue(ids.length > 1000);
        assertEquals(s, tok.decode(ids));
    }

    @Test
    void missingFileNamesThePath(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void brokenJinjaTemplateFailsClearly() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new JinjaChatTemplate("{% for m in messages %}{{ m.content }}").render(List.of(), false));
        assertTrue(e.getMessage().contains("chat_template"), e.getMessage());
    }
}
