package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import mpo4j.collate.PreferenceBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VlmCheckpointTest {
    @TempDir
    Path tmp;

    private static void assertSameModel(TinyVlm a, TinyVlm b, PreferenceBatch batch) {
        assertEquals(a.config(), b.config());
        assertEquals(List.copyOf(a.parameters().keySet()), List.copyOf(b.parameters().keySet()));
        a.parameters().forEach((name, p) -> assertArrayEquals(p.getArray().toFloatArray(),
                b.parameters().get(name).getArray().toFloatArray(), 0f, name));
        try (NDManager s1 = a.manager().newSubManager(); NDManager s2 = b.manager().newSubManager()) {
            assertArrayEquals(a.forward(batch.concatenated().tokens(), batch.images(s1), s1).toFloatArray(), b.forward(batch.concatenated().tokens(), batch.images(s2), s2).toFloatArray(), 0f);
        }
    }

    @Test
    void aTruncatedWeightsFileAndABrokenConfigAreNamedPrecisely() throws IOException {
        Path dir = tmp.resolve("broken");
        try (TinyVlm model = TinyVlm.builder(TestBatches.small().textOnly()).seed(9).build()) {
            model.save(dir);
        }
        Path weights = dir.resolve("model.safetensors");
        long size = Files.size(weights);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 100));
        Exception e = assertThrows(RuntimeException.class, () -> TinyVlm.load(dir));
        assertTrue(e.getMessage().contains("truncated: expected " + size + " bytes, found " + (size - 100)), e.getMessage());

        Files.write(weights, bytes);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\"rope_theta\"\\s*:\\s*[0-9.eE+-]+,?", ""));
        Exception c = assertThrows(RuntimeException.class, () -> TinyVlm.load(dir));
        // a text-only model's config is a Qwen2 config: its fields are at the top level
        assertTrue(c.getMessage().contains("missing field 'rope_theta'"), c.getMessage());
    }

    @Test
    void saveThenLoadIsBitwiseExact() throws IOException {
        TinyVlmConfig config = TestBatches.small().withTokenizerIds(2000, 2001, 2002, 3, 2003);
        PreferenceBatch batch = TestBatches.batch(config, 2, 1, 3, 3, 2, 7);
        Path tokenizer = Files.writeString(tmp.resolve("tok.json"), "{\"model\":{}}");
        Path dir = tmp.resolve("ckpt");
        try (TinyVlm model = TinyVlm.builder(config).seed(9).build()) {
            model.save(dir, SaveOptions.defaults().withTokenizer(tokenizer));
            assertTrue(Files.exists(dir.resolve("config.json")));
            assertTrue(Files.exists(dir.resolve("model.safetensors")));
            assertEquals("{\"model\":{}}", Files.readString(dir.resolve("tokenizer.json")));
            // safetensors header: 8-byte little-endian length, then JSON naming our tensors
            byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
            long headerLength = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(header.contains("\"model.layers.0.self_attn.q_proj.weight\":{\"dtype\":\"F32\",\"shape\":[256,256]"), header.substring(0, 200));
            assertEquals(8 + headerLength + 4 * model.parameterCount(), bytes.length);
            try (TinyVlm loaded = TinyVlm.load(dir)) {
                assertSameModel(model, loaded, batch);
            }
        }
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of("ckpt", "tok.json"), siblings.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary directories left behind");
        }
    }

    @Test
    void tokenizerIdsAndFilesTravelWithTheCheckpoint() throws IOException {
        Path sample = Path.of("..", "datasets-sample", "tokenizer");
        try (mpo4j.text.Tokenizer tok = mpo4j.text.Tokenizer.load(sample);
                TinyVlm model = TinyVlm.builder(TestBatches.small().textOnly()).tokenizer(tok).build()) {
            TokenIds ids = model.config().tokens();
            assertEquals(tok.imageContextId(), ids.imgContext());
            assertEquals(tok.imEndId(), ids.eos());
            assertEquals(tok.padId(), ids.pad());
            Path dir = tmp.resolve("with-tokenizer");
            model.save(dir, SaveOptions.defaults().withTokenizer(sample));
            assertArrayEquals(Files.readAllBytes(sample.resolve("tokenizer.json")), Files.readAllBytes(dir.resolve("tokenizer.json")));
            assertTrue(Files.exists(dir.resolve("tokenizer_config.json")));
            try (TinyVlm loaded = TinyVlm.load(dir); mpo4j.text.Tokenizer again = mpo4j.text.Tokenizer.load(dir)) {
                assertEquals(ids, loaded.config().tokens());
                assertEquals(tok.imageContextId(), again.imageContextId());
            }
        }
    }

    @Test
    void shardedSaveRoundTripsAndOverwritesAtomically() throws IOException {
        TinyVlmConfig config = TestBatches.small().withText(TestBatches.small().text().withNumKeyValueHeads(2));
        PreferenceBatch batch = TestBatches.batch(config, 1, 2, 3, 3, 2, 8);
        Path dir = tmp.resolve("sharded");
        try (TinyVlm first = TinyVlm.builder(config).seed(1).build(); TinyVlm model = TinyVlm.builder(config).seed(2).build()) {
            first.save(dir);
            model.save(dir, SaveOptions.defaults().withMaxShardBytes(1L << 20));   // 1 MiB shards
            assertFalse(Files.exists(dir.resolve("model.safetensors")), "the old single file is replaced");
            assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
            long shards;
            try (Stream<Path> files = Files.list(dir)) {
                shards = files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
            }
            assertTrue(shards >= 5, "~10 MB of float32 in 1 MiB shards: " + shards);
            try (TinyVlm loaded = TinyVlm.load(dir)) {
                assertSameModel(model, loaded, batch);
            }
        }
    }

    @Test
    void loadingAMismatchedCheckpointNamesTheTensor() throws IOException {
        Path dir = tmp.resolve("text");
        try (TinyVlm model = TinyVlm.builder(TestBatches.small()).build()) {
            model.save(dir);
        }
        Path config = dir.resolve("config.json");
        String original = Files.readString(config);

        Files.writeString(config, original.replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 2"));
        Exception shape = assertThrows(IllegalArgumentException.class, () -> TinyVlm.load(dir));
        assertEquals(dir + ": tensor model.layers.0.self_attn.k_proj.weight has shape (256, 256) but config.json implies (128, 256)",
                shape.getMessage());

        Files.writeString(config, original.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        Exception missing = assertThrows(IllegalArgumentException.class, () -> TinyVlm.load(dir));
        assertEquals(dir + ": checkpoint has no tensor model.layers.2.input_layernorm.weight", missing.getMessage());

        Files.writeString(config, original.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        Exception extra = assertThrows(IllegalArgumentException.class, () -> TinyVlm.load(dir));
        assertTrue(extra.getMessage().startsWith(dir + ": checkpoint has tensors the model does not know: [model.layers.1."),
                extra.getMessage());

        Exception noConfig = assertThrows(java.io.UncheckedIOException.class, () -> TinyVlm.load(tmp.resolve("nowhere")));
        assertEquals("cannot load model from " + tmp.resolve("nowhere") + ": no config.json in " + tmp.resolve("nowhere"),
                noConfig.getMessage());

        Files.writeString(config, original);
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(Files.readAllBytes(dir.resolve("model.safetensors")), 1000));
        Exception truncated = assertThrows(java.io.UncheckedIOException.class, () -> TinyVlm.load(dir));
        assertTrue(truncated.getMessage().contains("model.safetensors"), truncated.getMessage());
    }
}
