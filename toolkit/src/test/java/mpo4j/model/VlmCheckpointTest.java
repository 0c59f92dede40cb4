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
import java.util.List;
import java.util.stream.Stream;
import mpo4j.collate.PreferenceBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VlmCheckpointTest {
    @TempDir
    Path tmp;

    private static void assertSameModel(Vlm a, Vlm b, PreferenceBatch batch) {
        assertEquals(a.config(), b.config());
        assertEquals(List.copyOf(a.parameters().keySet()), List.copyOf(b.parameters().keySet()));
        a.parameters().forEach((name, p) -> assertArrayEquals(p.getArray().toFloatArray(),
                b.parameters().get(name).getArray().toFloatArray(), 0f, name));
        try (NDManager s1 = a.manager().newSubManager(); NDManager s2 = b.manager().newSubManager()) {
            assertArrayEquals(a.forward(batch, s1).toFloatArray(), b.forward(batch, s2).toFloatArray(), 0f);
        }
    }

    @Test
    void saveThenLoadIsBitwiseExact() throws IOException {
        VlmConfig config = TestBatches.small().withTokenizerIds(2000, 2001, 2002, 3, 2003);
        PreferenceBatch batch = TestBatches.batch(config, 2, 1, 3, 3, 2, 7);
        Path tokenizer = Files.writeString(tmp.resolve("tok.json"), "{\"model\":{}}");
        Path dir = tmp.resolve("ckpt");
        try (Vlm model = Vlm.builder(config).seed(9).build()) {
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
            try (Vlm loaded = Vlm.load(dir)) {
                assertSameModel(model, loaded, batch);
            }
        }
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of("ckpt", "tok.json"), siblings.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary directories left behind");
        }
    }

    @Test
    void shardedSaveRoundTripsAndOverwritesAtomically() throws IOException {
        VlmConfig config = TestBatches.small().withText(TestBatches.small().text().withNumKeyValueHeads(2));
        PreferenceBatch batch = TestBatches.batch(config, 1, 2, 3, 3, 2, 8);
        Path dir = tmp.resolve("sharded");
        try (Vlm first = Vlm.builder(config).seed(1).build(); Vlm model = Vlm.builder(config).seed(2).build()) {
            first.save(dir);
            model.save(dir, SaveOptions.defaults().withMaxShardBytes(1L << 20));   // 1 MiB shards
            assertFalse(Files.exists(dir.resolve("model.safetensors")), "the old single file is replaced");
            assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
            long shards;
            try (Stream<Path> files = Files.list(dir)) {
                shards = files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count();
            }
            assertTrue(shards >= 5, "~10 MB of float32 in 1 MiB shards: " + shards);
            try (Vlm loaded = Vlm.load(dir)) {
                assertSameModel(model, loaded, batch);
            }
        }
    }

    @Test
    void loadingAMismatchedCheckpointNamesTheTensor() {
        Path dir = tmp.resolve("text");
        try (Vlm model = Vlm.builder(TestBatches.small().textOnly()).build()) {
            model.save(dir);
        }
        Exception missing = assertThrows(Exception.class, () -> Vlm.load(tmp.resolve("nowhere")));
        assertTrue(missing.getMessage().contains("config.json"), missing.getMessage());
    }
}
