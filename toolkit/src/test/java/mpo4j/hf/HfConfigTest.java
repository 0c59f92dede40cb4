package mpo4j.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {
    @TempDir
    Path dir;

    private static final String INTERNVL = """
            {"architectures": ["InternVLChatModel"], "downsample_ratio": 0.5, "select_layer": -1,
             "llm_config": {"hidden_size": 896, "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "sliding_window": null,
                            "use_sliding_window": false, "eos_token_id": 151645, "rope_scaling": {"type": "dynamic", "factor": 2.0}},
             "vision_config": {"image_size": 448, "patch_size": 14, "qkv_bias": true, "layer_norm_eps": 1e-06}}
            """;

    private static String message(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    @Test
    void readsTypedFieldsIncludingNestedSections() throws IOException {
        HfConfig config = HfConfig.parse("config.json", INTERNVL);
        HfConfig llm = config.section("llm_config");
        assertEquals(896, llm.getInt("hidden_size"));
        assertEquals(1e6, llm.getDouble("rope_theta"));
        assertEquals(1e-6, llm.getDouble("rms_norm_eps"));
        assertFalse(llm.getBoolean("use_sliding_window"));
        assertEquals(4096, llm.getInt("sliding_window", 4096)); // null counts as absent
        assertFalse(llm.has("sliding_window"));
        assertEquals(List.of(151645), llm.getIntList("eos_token_id"));
        assertEquals("dynamic", llm.section("rope_scaling").getString("type"));
        assertEquals(-1, config.getInt("select_layer"));
        assertEquals(0.5, config.getDouble("downsample_ratio"));
        assertEquals(List.of("InternVLChatModel"), config.getStringList("architectures"));
        assertEquals(448, config.section("vision_config").getInt("image_size"));
        assertEquals(32768, llm.getInt("max_position_embeddings", 32768));
        assertEquals(List.of(1, 2), HfConfig.parse("generation_config.json", "{\"eos_token_id\": [1, 2]}").getIntList("eos_token_id"));
    }

    @Test
    void errorsNameTheFileAndTheField() throws IOException {
        HfConfig config = HfConfig.parse("config.json", "{\"rope_theta\": \"abc\", \"num_hidden_layers\": 2.5, \"tie_word_embeddings\": \"true\","
                + " \"sliding_window\": null, \"llm_config\": {\"vocab_size\": 10}, \"vision_config\": 3}");
        assertEquals("config.json: missing field 'hidden_size'", message(() -> config.getInt("hidden_size")));
        assertEquals("config.json: field 'rope_theta' must be a number, got \"abc\"", message(() -> config.getDouble("rope_theta")));
        assertEquals("config.json: field 'num_hidden_layers' must be an integer, got 2.5", message(() -> config.getInt("num_hidden_layers")));
        assertEquals("config.json: field 'tie_word_embeddings' must be true or false, got \"true\"",
                message(() -> config.getBoolean("tie_word_embeddings", false)));
        assertEquals("config.json: missing field 'sliding_window' (it is null)", message(() -> config.getInt("sliding_window")));
        assertEquals("config.json: missing field 'llm_config.hidden_size'", message(() -> config.section("llm_config").getInt("hidden_size")));
        assertEquals("config.json: field 'vision_config' must be an object, got 3", message(() -> config.section("vision_config")));
        assertEquals("config.json: field 'llm_config.vocab_size' must be a string, got 10",
                message(() -> config.section("llm_config").getString("vocab_size")));
    }

    @Test
    void writesConfigsAsTransformersDoesAndKeepsNumberSpelling() throws IOException {
        HfConfig config = HfConfig.parse("config.json", "{\"vocab_size\": 151936, \"rms_norm_eps\": 1e-06, \"architectures\": [\"Qwen2ForCausalLM\"],"
                + " \"rope_theta\": 1000000.0, \"sliding_window\": null, \"tie_word_embeddings\": true, \"name\": \"\u00e9\", \"empty\": {}, \"list\": []}");
        // json.dumps(config, indent=2, sort_keys=True) + "\n", written out by hand (ensure_ascii escapes the e-acute)
        String expected = """
                {
                  "architectures": [
                    "Qwen2ForCausalLM"
                  ],
                  "empty": {},
                  "list": [],
                  "name": "\\u00e9",
                  "rms_norm_eps": 1e-06,
                  "rope_theta": 1000000.0,
                  "sliding_window": null,
                  "tie_word_embeddings": true,
                  "vocab_size": 151936
                }
                """;
        assertEquals(expected, config.toJsonString());
        Path file = dir.resolve("config.json");
        config.with("torch_dtype", "bfloat16").with("rms_norm_eps", 1e-5).without("empty").write(file);
        HfConfig back = HfConfig.read(file);
        assertEquals("bfloat16", back.getString("torch_dtype"));
        assertTrue(Files.readString(file).contains("  \"rms_norm_eps\": 1e-05,\n"));
        assertFalse(back.has("empty"));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("config.json"), files.map(p -> p.getFileName().toString()).toList()); // no temporaries
        }
        // Python's repr(float): scientific below 1e-4 and from 1e16, always a '.0' or exponent
        assertEquals("1.5e-07", PythonJson.floatRepr(1.5e-7));
        assertEquals("0.0001", PythonJson.floatRepr(1e-4));
        assertEquals("100.0", PythonJson.floatRepr(100));
        assertEquals("1234567890123456.0", PythonJson.floatRepr(1234567890123456.0));
        assertEquals("1.2345678901234568e+16", PythonJson.floatRepr(12345678901234567.0));
        assertEquals("1e+22", PythonJson.floatRepr(1e22));
        assertEquals("-0.02", PythonJson.floatRepr(-0.02));
    }

    @Test
    void brokenFilesSayWhereTheJsonBreaks() throws IOException {
        Path file = Files.writeString(dir.resolve("config.json"), "{\n  \"hidden_size\": 896,\n  \"rope_theta\": \n");
        IOException e = assertThrows(IOException.class, () -> HfConfig.read(file));
        assertTrue(e.getMessage().startsWith("config.json: not valid JSON ("), e.getMessage());
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
        e = assertThrows(IOException.class, () -> HfConfig.parse("config.json", "[1, 2]"));
        assertEquals("config.json: must be a JSON object, got [1,2]", e.getMessage());
    }
}
