package mpo4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer_config.json and chat_template files read as transformers reads them, on the sample tokenizer.json. */
class TokenizerConfigTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        Mpo4jEngine.ensureOffline();
    }

    private Tokenizer load(String config) throws IOException {
        Files.copy(TokenizerTest.SAMPLE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), config);
        return Tokenizer.load(dir);
    }

    @Test
    void eosAsAnAddedTokenObjectAndPadFallingBackToEos() throws IOException {
        // sample ids: <|endoftext|> 2042, <|im_end|> 2044; no pad_token -> TRL uses eos
        try (Tokenizer t = load("{\"eos_token\": {\"content\": \"<|im_end|>\", \"__type\": \"AddedToken\"}, \"model_max_length\": 1e30}")) {
            assertEquals(2044, t.eosId());
            assertEquals(2044, t.padId());
            assertTrue(t.config().modelMaxLength().isEmpty()); // 1e30 is transformers' "no limit"
            assertTrue(t.chatTemplate().isEmpty());
            assertTrue(ChatTemplate.of(t) instanceof InternVl25Template);
        }
    }

    @Test
    void namedTemplatesJinjaFileAndAdditionalTemplates() throws IOException {
        Files.createDirectories(dir.resolve("additional_chat_templates"));
        Files.writeString(dir.resolve("additional_chat_templates/rag.jinja"), "R");
        Files.writeString(dir.resolve("chat_template.jinja"), "J{{ eos_token }}\n");
        try (Tokenizer t = load("{\"eos_token\": \"<|im_end|>\", \"chat_template\": [{\"name\": \"default\", \"template\": \"D\"},"
                + " {\"name\": \"tool_use\", \"template\": \"T\"}]}")) {
            // chat_template.jinja replaces the config's default; the named ones stay
            assertEquals(List.of("default", "tool_use", "rag"), List.copyOf(t.config().chatTemplates().keySet()));
            assertEquals("J{{ eos_token }}\n", t.chatTemplate().orElseThrow());
            JinjaChatTemplate template = JinjaChatTemplate.of(t);
            // the template sees eos_token; its one trailing newline is dropped as Jinja2 does
            assertEquals("J<|im_end|>", template.render(ChatInput.ofMessages(List.of())));
            assertEquals("T", template.render(ChatInput.ofMessages(List.of()).toolsJson("[]")));
        }
    }

    @Test
    void addedTokensDecoderAddsTokensTheTextSplitsOn() throws IOException {
        // id 2048 exists only in tokenizer_config.json: it is still one token inside text
        try (Tokenizer t = load("{\"added_tokens_decoder\": {\"2048\": {\"content\": \"<extra>\", \"special\": false}}}")) {
            assertEquals(2048, t.id("<extra>"));
            assertEquals(2049, t.vocabSize());
            long[] ids = t.encode("<|im_start|><extra>");
            assertArrayEquals(new long[] {2043, 2048}, ids);
            assertTrue(t.isAdded(2048) && !t.isSpecial(2048));
        }
    }

    private Tokenizer load(String config, String specialTokensMap) throws IOException {
        Files.writeString(dir.resolve("special_tokens_map.json"), specialTokensMap);
        return load(config);
    }

    @Test
    void padOnlyInSpecialTokensMapIsUsed() throws IOException {
        // sample ids: <|endoftext|> 2042, <|im_end|> 2044; without the map pad would fall back to eos (2044)
        try (Tokenizer t = load("{\"eos_token\": \"<|im_end|>\"}", "{\"pad_token\": \"<|endoftext|>\"}")) {
            assertEquals(2042, t.padId());
            assertEquals(2044, t.eosId());
            assertEquals(Optional.of("<|endoftext|>"), t.config().padToken());
            assertEquals(Map.of("eos_token", dir.resolve("tokenizer_config.json"), "pad_token", dir.resolve("special_tokens_map.json")),
                    t.config().specialTokenSources());
            // the chat template sees it too (transformers' special_tokens_map)
            assertEquals(Map.of("eos_token", "<|im_end|>", "pad_token", "<|endoftext|>"), t.config().specialTokensMap());
        }
    }

    @Test
    void specialTokensMapWinsOverALegacyConfigAndIsIgnoredBesideAddedTokensDecoder() throws IOException {
        // transformers' legacy branch assigns init_kwargs[key] = value from the map over the config's value
        String map = "{\"eos_token\": \"<|endoftext|>\", \"additional_special_tokens\": [\"<img>\", \"<|im_start|>\"]}";
        try (Tokenizer t = load("{\"eos_token\": \"<|im_end|>\", \"additional_special_tokens\": [\"<|im_start|>\"]}", map)) {
            assertEquals(2042, t.eosId());
            // the config's list first, then the map's tokens not yet listed
            assertEquals(List.of("<|im_start|>", "<img>"), t.config().additionalSpecialTokens());
        }
        Files.delete(dir.resolve("tokenizer.json"));
        // a config with added_tokens_decoder (transformers >= 4.34 writes it) is complete: the map is not read
        try (Tokenizer t = load("{\"eos_token\": \"<|im_end|>\", \"added_tokens_decoder\": {\"2044\": {\"content\": \"<|im_end|>\","
                + " \"special\": true}}}", map)) {
            assertEquals(2044, t.eosId());
            assertEquals(List.of(), t.config().additionalSpecialTokens());
            assertEquals(Map.of("eos_token", dir.resolve("tokenizer_config.json")), t.config().specialTokenSources());
        }
    }

    @Test
    void specialTokensMapEntriesMayBeAddedTokenObjects() throws IOException {
        // the form transformers' save_pretrained writes: AddedToken's fields, "content" the token
        String map = "{\"pad_token\": {\"content\": \"<|endoftext|>\", \"lstrip\": false, \"normalized\": false, \"rstrip\": false,"
                + " \"single_word\": false}, \"additional_special_tokens\": [{\"content\": \"<img>\", \"special\": true}, \"</img>\"]}";
        try (Tokenizer t = load("{}", map)) {
            assertEquals(2042, t.padId());
            assertEquals(List.of("<img>", "</img>"), t.config().additionalSpecialTokens());
        }
    }

    @Test
    void malformedSpecialTokensMapEntriesNameTheFileAndField() throws IOException {
        Files.copy(TokenizerTest.SAMPLE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\"}");
        Path map = dir.resolve("special_tokens_map.json");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"pad_token\": 5}", map + ": pad_token must be a string or an AddedToken object {\"content\": \"...\"} (or null), got 5");
        cases.put("{\"eos_token\": {\"text\": \"<|im_end|>\"}}",
                map + ": eos_token must be a string or an AddedToken object {\"content\": \"...\"} (or null), got {\"text\":\"<|im_end|>\"}");
        cases.put("{\"additional_special_tokens\": \"<img>\"}",
                map + ": additional_special_tokens must be a list of strings or AddedToken objects, got \"<img>\"");
        cases.put("{\"additional_special_tokens\": [\"<img>\", [1]]}",
                map + ": additional_special_tokens[1] must be a string or an AddedToken object {\"content\": \"...\"} (or null), got [1]");
        cases.put("[\"<pad>\"]", map + ": must be a JSON object of special-token fields, got [\"<pad>\"]");
        cases.put("{\"pad_token\": \"<nope>\"}", map + ": pad_token <nope> is not an added token of " + dir.resolve("tokenizer.json"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.writeString(map, c.getKey());
            assertEquals(c.getValue(), assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir)).getMessage(), c.getKey());
        }
        Files.writeString(map, "{\"pad_token\": ");
        var broken = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(broken.getMessage().startsWith(map + ": not valid JSON"), broken.getMessage());
    }

    @Test
    void badConfigsNameTheFileAndField() throws IOException {
        Files.copy(TokenizerTest.SAMPLE.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"pad_token\": \"<nope>\"}");
        var pad = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(pad.getMessage().contains("tokenizer_config.json") && pad.getMessage().contains("pad_token <nope>"), pad.getMessage());
        Files.writeString(config, "{\"chat_template\": 3}");
        var template = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(template.getMessage().contains("tokenizer_config.json: chat_template must be"), template.getMessage());
        Files.writeString(config, "{\"chat_template\": [{\"name\": \"default\"}]}");
        var entry = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(entry.getMessage().contains("chat_template[0]"), entry.getMessage());
        Files.writeString(config, "{\"added_tokens_decoder\": {\"7\": {\"content\": \"<|im_end|>\"}}}");
        var clash = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(clash.getMessage().contains("id 7") && clash.getMessage().contains("2044"), clash.getMessage());
        Files.writeString(config, "{\"eos_token\": [1]}");
        var eos = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(dir));
        assertTrue(eos.getMessage().contains("eos_token must be a string"), eos.getMessage());
    }

    @Test
    void javaTemplatesRejectWhatTheyCannotRender() {
        ChatTemplate internVl = ChatTemplate.internVl25();
        ChatInput plain = ChatInput.ofMessages(List.of(ChatInput.message("user", "Hi"))).addGenerationPrompt(true);
        // internvl2_5: default system block, the user turn, the assistant header
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                internVl.render(plain));
        var tools = assertThrows(ChatTemplateException.class, () -> internVl.render(plain.toolsJson("[]")));
        assertTrue(tools.getMessage().contains("InternVl25Template") && tools.getMessage().contains("tools"), tools.getMessage());
        var call = assertThrows(ChatTemplateException.class, () -> internVl.render(ChatInput.fromJson(
                "[{\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": []}]")));
        assertTrue(call.getMessage().contains("messages[0]") && call.getMessage().contains("tool_calls"), call.getMessage());
    }

    @Test
    void chatInputValidatesItsValues() {
        var role = assertThrows(IllegalArgumentException.class, () -> ChatInput.fromJson("[{\"content\": \"x\"}]"));
        assertTrue(role.getMessage().contains("messages[0]") && role.getMessage().contains("role"), role.getMessage());
        var json = assertThrows(IllegalArgumentException.class, () -> ChatInput.fromJson("[{\"role\": "));
        assertTrue(json.getMessage().contains("not valid JSON"), json.getMessage());
        var reserved = assertThrows(IllegalArgumentException.class, () -> ChatInput.ofMessages(List.of()).variable("tools", 1));
        assertTrue(reserved.getMessage().contains("tools"), reserved.getMessage());
        var odd = assertThrows(IllegalArgumentException.class, () -> ChatInput.ofMessages(List.of()).variable("x", new Object()));
        assertTrue(odd.getMessage().contains("variables.x"), odd.getMessage());
        // JSON numbers keep Python's int/float distinction: 1 -> 1, 1.0 -> 1.0
        assertEquals("1 1.0", new JinjaChatTemplate("{{ messages[0].n }} {{ messages[0].f }}")
                .render(ChatInput.fromJson("[{\"role\": \"user\", \"n\": 1, \"f\": 1.0}]")));
    }
}
