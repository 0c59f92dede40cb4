package mpo4j.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.engine.Mpo4jEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelFolderTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        Mpo4jEngine.ensureOffline();
    }

    /** A tiny Qwen2-shaped checkpoint: 3 tensors of 24, 8 and 24 bytes in bf16, 32-byte shards -> 2 shards. */
    private Map<String, NDArray> writeModel(NDManager m) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"qwen2\", \"hidden_size\": 4, \"tie_word_embeddings\": true}");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643]}");
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("model.embed_tokens.weight", m.arange(12f).reshape(3, 4));
        tensors.put("model.norm.weight", m.ones(new Shape(4)));
        tensors.put("model.layers.0.mlp.up_proj.weight", m.arange(12f).neg().reshape(4, 3));
        SafetensorsWriter.defaults().dtype(SafetensorsDtype.BF16).maxShardSize(32).write(dir, tensors);
        return tensors;
    }

    @Test
    void opensAShardedFolderAndReadsConfigsAndHeadersWithoutData() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            writeModel(m);
            HfModelFolder folder = HfModelFolder.open(dir);
            assertEquals(4, folder.config().getInt("hidden_size"));
            assertEquals(List.of(151645, 151643), folder.generationConfig().orElseThrow().getIntList("eos_token_id"));
            assertTrue(folder.tokenizerFile().isPresent());
            assertTrue(folder.tokenizerConfig().isEmpty());
            // hub split: embed (24) -> open shard; norm (8) -> 32, fits; up_proj (24) -> 56 > 32 -> second shard
            assertEquals(List.of(dir.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00002-of-00002.safetensors")),
                    folder.weightFiles());
            assertEquals(List.of("model.embed_tokens.weight", "model.norm.weight", "model.layers.0.mlp.up_proj.weight"),
                    folder.tensors().stream().map(TensorInfo::name).toList());
            TensorInfo up = folder.tensor("model.layers.0.mlp.up_proj.weight");
            assertArrayEquals(new long[] {4, 3}, up.shape());
            assertEquals(SafetensorsDtype.BF16, up.dtype());
            assertEquals(24, up.byteSize());
            assertFalse(folder.contains("lm_head.weight")); // tied
            // integers below 256 are exact in bf16 (neg(0) is -0, kept bit for bit)
            assertArrayEquals(new float[] {-0f, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11},
                    folder.loadFloat32("model.layers.0.mlp.up_proj.weight", m).toFloatArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> folder.tensor("lm_head.weight"));
            assertEquals(dir + ": no tensor 'lm_head.weight' in 2 weight file(s) with 3 tensors", e.getMessage());
        }
    }

    @Test
    void streamsShardByShardAndRoundTripsThroughTheWriter() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> written = writeModel(m);
            HfModelFolder folder = HfModelFolder.open(dir);
            List<String> order = new ArrayList<>();
            Map<String, NDArray> loaded = new LinkedHashMap<>();
            folder.forEachTensor((info, source) -> {
                order.add(info.file().getFileName() + ":" + info.name());
                loaded.put(info.name(), source.loadFloat32(m));
            });
            assertEquals(List.of("model-00001-of-00002.safetensors:model.embed_tokens.weight",
                    "model-00001-of-00002.safetensors:model.norm.weight",
                    "model-00002-of-00002.safetensors:model.layers.0.mlp.up_proj.weight"), order);
            for (Map.Entry<String, NDArray> e : written.entrySet()) {
                assertArrayEquals(e.getValue().toFloatArray(), loaded.get(e.getKey()).toFloatArray(), e.getKey());
            }
            Path copy = Files.createDirectory(dir.resolve("copy"));
            SafetensorsWriter.defaults().dtype(SafetensorsDtype.BF16).maxShardSize(32).write(copy, loaded);
            for (String f : List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json")) {
                assertArrayEquals(Files.readAllBytes(dir.resolve(f)), Files.readAllBytes(copy.resolve(f)), f);
            }
        }
    }

    @Test
    void brokenFoldersGetMessagesNamingTheFile() throws IOException {
        IOException e = assertThrows(IOException.class, () -> HfModelFolder.open(dir));
        assertEquals(dir + ": no config.json (not a Hugging Face model folder)", e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 4,");
        e = assertThrows(IOException.class, () -> HfModelFolder.open(dir));
        assertTrue(e.getMessage().startsWith("config.json: not valid JSON ("), e.getMessage());
        Files.writeString(dir.resolve("config.json"), "{}");
        e = assertThrows(IOException.class, () -> HfModelFolder.open(dir));
        assertEquals(dir + ": no model.safetensors or model.safetensors.index.json", e.getMessage());
        try (NDManager m = NDManager.newBaseManager()) {
            writeModel(m);
        }
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        e = assertThrows(IOException.class, () -> HfModelFolder.open(dir));
        assertEquals(dir.resolve("model.safetensors.index.json") + ": lists shard 'model-00002-of-00002.safetensors', which is not a file in "
                + dir, e.getMessage());
    }
}
