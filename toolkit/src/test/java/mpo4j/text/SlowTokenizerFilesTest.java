package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow Qwen2 tokenizer's files ({@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json})
 * converted as transformers converts them must tokenize exactly as the fast {@code tokenizer.json} they
 * come from. The slow files are derived here from the real Qwen3 {@code tokenizer.json} the way
 * transformers' {@code save_pretrained} relates them: {@code vocab.json} is {@code model.vocab},
 * {@code merges.txt} is {@code #version: 0.2} and one {@code "a b"} line per {@code model.merges} entry,
 * in order, and {@code tokenizer_config.json} (with its {@code added_tokens_decoder}) is unchanged.
 */
class SlowTokenizerFilesTest {

    /** English, Chinese, emojis, code with tabs and runs of spaces, numbers, contractions, NFC, CRLF, chat markup. */
    static final List<String> CORPUS = List.of(
            "Hello, world! The quick brown fox jumps over the lazy dog.",
            "I'M sure they'LL say it's fine, we've done what you'd do.",
            "机器学习是人工智能的一个分支。我们今天讨论偏好优化（DPO/MPO）。",
            "Emojis: 😀🎉👍🏽 👨‍👩‍👧‍👦 and flags 🇨🇭🇯🇵 — done…",
            "def f(x):\n\tif x  >  0:\n\t\treturn x ** 2   # square\n    return -x\n\n\n",
            "Numbers: 3.14159, 1,000,000, 2024-11-30, 0x1F, 12345678901234567890 and ½.",
            "café vs cafe\u0301 (composed and decomposed é), Ångström, naïve, ﬁ ligature",
            "line one\r\nline two\r\n\r\n   trailing spaces   ",
            "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                    + "<|im_start|>assistant\n<think>\n2+2 is 4.\n</think>\n\nThe answer is 4.<|im_end|>\n",
            "<|endoftext|><|im_start|>assistant\n<tool_call>\n{\"name\": \"f\"}\n</tool_call><|im_end|>",
            "   leading spaces and a\u00a0no-break space, tabs\t\tend\t",
            "Привет, мир! مرحبا بالعالم! नमस्ते दुनिया! こんにちは世界、カタカナ。한국어 텍스트.",
            "");

    @Test
    void slowFilesDerivedFromQwen3TokenizeAsTheFastFile(@TempDir Path dir) throws IOException {
        Path real = Qwen3Tokenizer.folder();
        JsonObject fast = JsonParser.parseString(Files.readString(real.resolve("tokenizer.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        writeSlowFiles(fast, dir);
        Files.copy(real.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        assertFalse(Files.exists(dir.resolve("tokenizer.json")));

        // the converted document has the real file's normalizer, pre-tokenizer regex and model settings
        JsonObject converted = SlowTokenizerFiles.tokenizerJson(dir);
        assertEquals(fast.get("normalizer"), converted.get("normalizer"));
        assertEquals(fast.get("pre_tokenizer"), converted.get("pre_tokenizer"));
        assertEquals(fast.get("post_processor"), converted.get("post_processor"));
        assertEquals(fast.get("decoder"), converted.get("decoder"));
        for (String field : List.of("type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix", "fuse_unk", "byte_fallback")) {
            assertEquals(fast.getAsJsonObject("model").get(field), converted.getAsJsonObject("model").get(field), field);
        }
        assertEquals(fast.get("added_tokens"), converted.get("added_tokens"));

        try (Tokenizer original = Tokenizer.load(real); Tokenizer slow = Tokenizer.load(dir)) {
            assertEquals(dir.resolve("vocab.json"), slow.file());
            assertEquals(151669, slow.vocabSize()); // 151643 BPE tokens + 26 added (151643..151668)
            assertEquals(original.vocabSize(), slow.vocabSize());
            assertEquals(original.addedTokens(), slow.addedTokens());
            assertEquals(original.specialTokens(), slow.specialTokens());
            assertEquals(original.padId(), slow.padId());
            assertEquals(151645, slow.eosId()); // <|im_end|>
            int tokens = 0;
            for (String text : CORPUS) {
                long[] ids = original.encode(text);
                assertArrayEquals(ids, slow.encode(text), text);
                // straight through the converted tokenizer, added tokens matched by tokenizers itself
                assertArrayEquals(original.encode(text, true), slow.encode(text, true), text);
                assertEquals(original.decode(ids), slow.decode(ids), text);
                assertEquals(original.decode(ids, true), slow.decode(ids, true), text);
                tokens += ids.length;
            }
            assertTrue(tokens > 300, "the corpus exercises many merges: " + tokens);
            // hand check: each digit is its own pre-token in Qwen2 ("\p{N}"), so 12345 is five ids
            assertEquals(5, slow.encode("12345").length);
            assertEquals(List.of(slow.id("<think>")), List.of(slow.encode("<think>")[0]));
        }
    }

    /** vocab.json and merges.txt as save_pretrained writes them for the BPE model of {@code fast}. */
    static void writeSlowFiles(JsonObject fast, Path dir) throws IOException {
        JsonObject model = fast.getAsJsonObject("model");
        Files.writeString(dir.resolve("vocab.json"), model.getAsJsonObject("vocab").toString(), StandardCharsets.UTF_8);
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (JsonElement m : model.getAsJsonArray("merges")) {
            // merges are "a b" strings in older tokenizer.json files and [a, b] pairs in newer ones
            merges.append(m.isJsonArray() ? m.getAsJsonArray().get(0).getAsString() + " " + m.getAsJsonArray().get(1).getAsString() : m.getAsString())
                    .append('\n');
        }
        Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
    }

    @Test
    void legacyAddedTokensJsonGivesTheSameAddedTokens(@TempDir Path dir) throws IOException {
        JsonObject fast = sampleJson();
        writeSlowFiles(fast, dir);
        // legacy layout: no added_tokens_decoder; added_tokens.json plus special_tokens_map.json
        StringBuilder added = new StringBuilder("{");
        for (JsonElement e : fast.getAsJsonArray("added_tokens")) {
            JsonObject t = e.getAsJsonObject();
            added.append(added.length() > 1 ? ", " : "").append(new com.google.gson.JsonPrimitive(t.get("content").getAsString())).append(": ").append(t.get("id"));
        }
        Files.writeString(dir.resolve("added_tokens.json"), added.append("}"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"Qwen2Tokenizer\", \"eos_token\": \"<|im_end|>\"}");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"<|endoftext|>\", \"additional_special_tokens\": "
                + "[\"<|im_start|>\", \"<img>\", \"</img>\", \"<IMG_CONTEXT>\"]}");
        JsonObject converted = SlowTokenizerFiles.tokenizerJson(dir);
        List<String> specials = new ArrayList<>();
        for (JsonElement e : converted.getAsJsonArray("added_tokens")) {
            JsonObject t = e.getAsJsonObject();
            // transformers' legacy rule: special iff a special-token field names it, then normalized = not special
            assertEquals(!t.get("special").getAsBoolean(), t.get("normalized").getAsBoolean(), t.toString());
            if (t.get("special").getAsBoolean()) specials.add(t.get("content").getAsString());
        }
        // eos (config), pad (map), the four additional ones (map); "<|endoftext|>" is also Qwen2's unk default
        assertEquals(List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>"), specials);
        try (Tokenizer sample = Tokenizer.sample(); Tokenizer slow = Tokenizer.load(dir)) {
            assertEquals(sample.addedTokens(), slow.addedTokens());
            assertEquals(2048, slow.vocabSize());
            // pad_token comes from special_tokens_map.json (the folder is legacy: no added_tokens_decoder): <|endoftext|>
            assertEquals(sample.id("<|endoftext|>"), slow.padId());
            // lowercase words without digits or contractions split alike under GPT-2's and Qwen2's regexes
            String text = "<|im_start|>user\nthe cat sat on the mat<img><IMG_CONTEXT></img><|im_end|>";
            assertArrayEquals(sample.encode(text), slow.encode(text));
            assertEquals(text, slow.decode(slow.encode(text)));
            assertEquals("user\nthe cat sat on the mat", slow.decode(slow.encode(text), true));
        }
    }

    @Test
    void namedSpecialTokenMissingFromTheFilesGetsTheNextId(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\n\na b\n"); // blank line skipped, repeat kept once
        // <x> right after the 3-entry vocabulary; eos/pad/unk default to <|endoftext|> (Qwen2Tokenizer's defaults)
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {\"3\": {\"content\": \"<x>\", \"special\": false}},"
                + " \"additional_special_tokens\": [\"<y>\"]}");
        JsonObject converted = SlowTokenizerFiles.tokenizerJson(dir);
        assertEquals(1, converted.getAsJsonObject("model").getAsJsonArray("merges").size());
        Map<String, Long> ids = new java.util.LinkedHashMap<>();
        for (JsonElement e : converted.getAsJsonArray("added_tokens")) {
            ids.put(e.getAsJsonObject().get("content").getAsString(), e.getAsJsonObject().get("id").getAsLong());
        }
        // <x> keeps 3; the next free ids are 4 for <|endoftext|>, then 5 for <y>
        assertEquals(Map.of("<x>", 3L, "<|endoftext|>", 4L, "<y>", 5L), ids);
        try (Tokenizer tok = Tokenizer.load(dir)) {
            assertArrayEquals(new long[] {2, 0, 3, 5, 2}, tok.encode("aba<x><y>ab"));
            assertFalse(tok.isSpecial(3));
            assertTrue(tok.isSpecial(5));
        }
        // an id tokenizers would not give (a gap after the vocabulary) is named, not renumbered silently
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"added_tokens_decoder\": {\"5\": {\"content\": \"<x>\"}}}");
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json") + ": added token <x> has id 5 but converting the slow tokenizer gives it id 3 "
                + "(the next id after the 3-entry vocab.json and the added tokens before it)", gap.getMessage());
    }

    @Test
    void errorsNameTheFolderFileAndLine(@TempDir Path dir) throws IOException {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertEquals(dir + " holds no tokenizer: looked for tokenizer.json, or vocab.json with merges.txt (a slow Qwen2 tokenizer)",
                none.getMessage());
        assertFalse(Tokenizer.present(dir));

        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\nab\n");
        assertTrue(Tokenizer.present(dir));
        IllegalArgumentException line = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertEquals(dir.resolve("merges.txt") + " line 3: a merge is two tokens separated by a space, got \"ab\"", line.getMessage());

        Files.writeString(dir.resolve("merges.txt"), "a b\n");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizer\"}");
        IllegalArgumentException cls = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(cls.getMessage().startsWith(dir.resolve("tokenizer_config.json") + ": field 'tokenizer_class' is \"LlamaTokenizer\""),
                cls.getMessage());
    }

    private static JsonObject sampleJson() throws IOException {
        try (InputStream in = Tokenizer.class.getResourceAsStream("/mpo4j/text/sample-tokenizer/tokenizer.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }
}
