package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.generate.Generator;
import mpo4j.generate.SamplingConfig;
import mpo4j.hf.HfCache;
import mpo4j.hf.HfConfig;
import mpo4j.hf.SafetensorsDtype;
import mpo4j.hf.SafetensorsWriter;
import mpo4j.model.QwenCheckpoints.Dims;
import mpo4j.model.QwenCheckpoints.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Qwen2.5 and Qwen3 checkpoints in the hub's exact layout: loading, saving, the math, and the errors. */
class QwenCausalLmTest {
    static {
        Mpo4jEngine.ensureOffline();
    }

    @TempDir
    Path tmp;

    private static final SafetensorsWriter F32 = SafetensorsWriter.defaults();

    // ------------------------------------------------------------------------------------ loading

    @Test
    void loadsQwen25SingleFileUnderTransformersNamesWithEveryValueBitwise() throws IOException {
        Map<String, Tensor> weights = QwenCheckpoints.randomWeights(Dims.qwen25(), false, 1);
        Path dir = QwenCheckpoints.write(tmp.resolve("q25"), QwenCheckpoints.qwen25Config(Dims.qwen25(), "float32"), weights, F32);
        try (CausalLm loaded = ModelLoader.load(dir.toString())) {
            QwenCausalLm model = assertInstanceOf(QwenCausalLm.class, loaded);
            assertEquals(new DecoderConfig(64, 16, 2, 4, 2, 4, 24, 1e-6, 1e6, true, false, false, true, 32768, null), model.config());
            // tied: no lm_head.weight, and nothing but the checkpoint's names
            assertEquals(weights.keySet(), model.parameters().keySet());
            weights.forEach((name, t) -> assertArrayEquals(t.values(), model.parameters().get(name).getArray().toFloatArray(), 0f, name));
            assertEquals(SafetensorsDtype.F32, model.dtype());
            // generation_config.json wins over config.json; its eos list keeps every id, the first is primary
            assertEquals(List.of(61, 60), model.eosTokenIds());
            assertEquals(61, model.tokens().eos());
            // every listed id ends a generation (generation_config.json "eos_token_id": [61, 60])
            assertEquals(List.of(61, 60), model.tokens().eosIds());
            assertTrue(model.tokens().isEos(60) && model.tokens().isEos(61) && !model.tokens().isEos(59));
            assertEquals(60, model.tokens().pad());
            assertTrue(model.vision().isEmpty());
            assertTrue(model.tokenizer().isEmpty());
            assertEquals(2, model.layers());
            assertEquals(64, model.vocabSize());
        }
    }

    @Test
    void loadsQwen3ShardedBf16WidenedExactlyToFloat32() throws IOException {
        Dims dims = Dims.qwen3();
        Map<String, Tensor> weights = QwenCheckpoints.randomWeights(dims, true, 2);
        Path dir = QwenCheckpoints.write(tmp.resolve("q3"), QwenCheckpoints.qwen3Config(dims, "bfloat16"), weights,
                F32.dtype(SafetensorsDtype.BF16).maxShardSize(2000));
        assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
        try (QwenCausalLm model = (QwenCausalLm) ModelLoader.load(dir)) {
            assertEquals(8, model.config().headDim());
            assertTrue(model.config().qkNorm());
            assertFalse(model.config().attentionBias());
            assertEquals(SafetensorsDtype.BF16, model.dtype());
            // q_proj is [heads * head_dim = 32, hidden 16] although hidden / heads = 4
            assertArrayEquals(new long[] {32, 16}, model.parameters().get("model.layers.1.self_attn.q_proj.weight").getShape().getShape());
            assertTrue(model.parameters().containsKey("model.layers.0.self_attn.k_norm.weight"));
            weights.forEach((name, t) -> {
                float[] expected = new float[t.values().length];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = QwenCheckpoints.bf16(t.values()[i]);
                }
                assertArrayEquals(expected, model.parameters().get(name).getArray().toFloatArray(), 0f, name);
            });
        }
    }

    @Test
    void loadsARepoIdFromTheHuggingFaceCacheWithoutNetwork() throws IOException {
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = tmp.resolve("hub/models--Qwen--Qwen2.5-0.5B-Instruct");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        QwenCheckpoints.write(repo.resolve("snapshots/" + commit), QwenCheckpoints.qwen25Config(Dims.qwen25(), "float32"),
                QwenCheckpoints.randomWeights(Dims.qwen25(), false, 3), F32);
        try (CausalLm model = ModelLoader.load("Qwen/Qwen2.5-0.5B-Instruct", HfCache.at(tmp.resolve("hub")))) {
            assertEquals(64, model.vocabSize());
        }
    }

    // ------------------------------------------------------------------------------------ saving

    @Test
    void bf16ShardedSaveWritesTheSameBytesItRead() throws IOException {
        Dims dims = Dims.qwen3();
        Path original = QwenCheckpoints.write(tmp.resolve("in"), QwenCheckpoints.qwen3Config(dims, "bfloat16"),
                QwenCheckpoints.randomWeights(dims, true, 4), F32.dtype(SafetensorsDtype.BF16).maxShardSize(2000));
        Path saved = tmp.resolve("out");
        try (QwenCausalLm model = (QwenCausalLm) ModelLoader.load(original)) {
            // sharding follows the same limit as the original, so every file must come back byte for byte
            model.save(saved, SafetensorsWriter.defaults().dtype(SafetensorsDtype.BF16).maxShardSize(2000));
        }
        assertSameFiles(original, saved);
    }

    @Test
    void float32SaveLoadRoundTripIsBitwiseAndKeepsConfigAndGenerationConfig() throws IOException {
        Dims dims = Dims.qwen25().untied();
        Path original = QwenCheckpoints.write(tmp.resolve("in"), QwenCheckpoints.qwen25Config(dims, "float32"),
                QwenCheckpoints.randomWeights(dims, false, 5), F32);
        Path saved = tmp.resolve("out");
        try (QwenCausalLm model = (QwenCausalLm) ModelLoader.load(original)) {
            model.save(saved);
            try (CausalLm again = model.loadSaved(saved)) {
                assertEquals(model.parameters().keySet(), again.parameters().keySet());
                model.parameters().forEach((name, p) -> assertArrayEquals(p.getArray().toFloatArray(),
                        again.parameters().get(name).getArray().toFloatArray(), 0f, name));
            }
        }
        assertSameFiles(original, saved);
    }

    @Test
    void savingInAnotherDtypeUpdatesOnlyTorchDtype() throws IOException {
        Path original = QwenCheckpoints.write(tmp.resolve("in"), QwenCheckpoints.qwen25Config(Dims.qwen25(), "float32"),
                QwenCheckpoints.randomWeights(Dims.qwen25(), false, 6), F32);
        Path saved = tmp.resolve("out");
        try (QwenCausalLm model = (QwenCausalLm) ModelLoader.load(original)) {
            model.save(saved, SafetensorsWriter.defaults().dtype(SafetensorsDtype.BF16));
        }
        String expected = QwenCheckpoints.qwen25Config(Dims.qwen25(), "bfloat16");
        assertEquals(com.google.gson.JsonParser.parseString(expected), com.google.gson.JsonParser.parseString(Files.readString(saved.resolve("config.json"))));
        try (QwenCausalLm back = (QwenCausalLm) ModelLoader.load(saved)) {
            assertEquals(SafetensorsDtype.BF16, back.dtype());
        }
    }

    @Test
    void float16CheckpointsLoadExactlyAndSaveBackByteForByte() throws IOException {
        Dims dims = Dims.qwen25();
        Map<String, Tensor> w = QwenCheckpoints.randomWeights(dims, false, 17);
        // multiples of 1/256 below 8 in magnitude are exact in float16 (11 significant bits)
        w.values().forEach(t -> {
            for (int i = 0; i < t.values().length; i++) {
                t.values()[i] = Math.round(t.values()[i] * 256) / 256f;
            }
        });
        Path original = QwenCheckpoints.write(tmp.resolve("f16"), QwenCheckpoints.qwen25Config(dims, "float16"), w,
                F32.dtype(SafetensorsDtype.F16));
        try (QwenCausalLm model = (QwenCausalLm) ModelLoader.load(original)) {
            assertEquals(SafetensorsDtype.F16, model.dtype());
            w.forEach((name, t) -> assertArrayEquals(t.values(), model.parameters().get(name).getArray().toFloatArray(), 0f, name));
            model.save(tmp.resolve("f16-saved"));
        }
        assertSameFiles(original, tmp.resolve("f16-saved"));
    }

    @Test
    void aModelBuiltFromAConfigSavesAndLoadsBack() throws IOException {
        HfConfig config = HfConfig.parse("config.json", QwenCheckpoints.qwen3Config(Dims.qwen3().untied(), "float32"));
        try (QwenCausalLm model = QwenCausalLm.fromConfig(config, 42)) {
            assertEquals(Dims.qwen3().vocab(), model.parameters().get("lm_head.weight").getShape().get(0));
            model.save(tmp.resolve("fresh"));
            try (CausalLm back = ModelLoader.load(tmp.resolve("fresh"))) {
                model.parameters().forEach((name, p) -> assertArrayEquals(p.getArray().toFloatArray(),
                        back.parameters().get(name).getArray().toFloatArray(), 0f, name));
            }
        }
        // transformers' own spelling: json.dumps(indent=2, sort_keys=True), so the saved config parses to the same object
        assertEquals(com.google.gson.JsonParser.parseString(config.toJsonString()),
                com.google.gson.JsonParser.parseString(Files.readString(tmp.resolve("fresh/config.json"))));
    }

    @Test
    void realQwen25HalfBillionConfigImpliesItsPublishedTensorsAndParameterCount() throws IOException {
        HfConfig real = HfConfig.parse("config.json", QwenCheckpoints.qwen25Config(new Dims(151936, 896, 24, 14, 2, 64, 4864, true), "bfloat16"));
        Map<String, ai.djl.ndarray.types.Shape> shapes = QwenCausalLm.expectedShapes(QwenHfConfig.decoderConfig(real));
        // 24 layers x (q, k, v weight + bias, o, gate, up, down, 2 norms = 12) + embedding + final norm; tied, no lm_head
        assertEquals(24 * 12 + 2, shapes.size());
        // 0.49B: embedding 151936 * 896 = 136,134,656; per layer 14,912,384 (q 896*896+896, k and v 896*128+128,
        // o 896*896, mlp 3*896*4864, norms 2*896); final norm 896
        assertEquals(136_134_656L + 24 * 14_912_384L + 896, shapes.values().stream().mapToLong(ai.djl.ndarray.types.Shape::size).sum());
        assertEquals(new ai.djl.ndarray.types.Shape(128, 896), shapes.get("model.layers.23.self_attn.k_proj.weight"));
    }

    @Test
    void anUnknownRepoIdSaysWhereItLooked() {
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                () -> ModelLoader.load("Qwen/Qwen3-0.6B", HfCache.at(tmp.resolve("empty-hub"))));
        assertTrue(e.getMessage().contains("models--Qwen--Qwen3-0.6B"), e.getMessage());
    }

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        List<String> names = list(expected);
        assertEquals(names, list(actual));
        for (String name : names) {
            assertArrayEquals(Files.readAllBytes(expected.resolve(name)), Files.readAllBytes(actual.resolve(name)), name);
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ------------------------------------------------------------------------------------ the math

    /**
     * Qwen3, 1 layer, hidden 4, 2 query heads sharing 1 kv head, head_dim 2, vocab 3, eps 1e-12, tied,
     * MLP zero, o_proj identity. Embeddings e0 = [1,0,0,0], e1 = [0,1,0,0], e2 = [0,0,1,0]; input norm
     * scales a one-hot by 1/sqrt(1/4) = 2, so h0 = [2,0,0,0], h1 = [0,2,0,0].
     * <ul>
     * <li>q_proj rows: head 0 = (x0, x1), head 1 = (x1, x0); k_proj = (x0, 0); v_proj = (x0, x1).
     * <li>q_norm weight [1,1], k_norm weight [3,1]: k at position 0 = norm([2,0]) = [sqrt2, 0] * [3,1] = [3 sqrt2, 0];
     *     k at position 1 = norm([0,0]) = [0,0]. v0 = [2,0], v1 = [0,2].
     * <li>Position 0 sees only itself: both heads output v0, x0 = e0 + [2,0,2,0] = [3,0,2,0];
     *     logits = [3, 0, 2] / sqrt(13/4).
     * <li>Position 1: q head 0 = norm([0,2]) = [0, sqrt2], rotated by 1 rad (inv_freq 1) = [-sqrt2 sin1, sqrt2 cos1];
     *     head 1 = norm([2,0]) = [sqrt2, 0] -> [sqrt2 cos1, sqrt2 sin1]. Scores against k0 over sqrt(2):
     *     head 0: -3 sqrt2 sin1, head 1: 3 sqrt2 cos1; against k1: 0. So p0 = 1/(1+exp(3 sqrt2 sin1)),
     *     p0' = 1/(1+exp(-3 sqrt2 cos1)); x1 = e1 + [2 p0, 2(1-p0), 2 p0', 2(1-p0')]; logits = x1[0..2] / rms(x1).
     * </ul>
     */
    @Test
    void qwen3QkNormAndGroupedQueryAttentionByHand() throws IOException {
        Dims dims = new Dims(3, 4, 1, 2, 1, 2, 2, true);
        Map<String, Tensor> w = new java.util.LinkedHashMap<>();
        w.put("model.embed_tokens.weight", new Tensor(new long[] {3, 4}, new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}));
        String p = "model.layers.0.";
        w.put(p + "self_attn.q_proj.weight", new Tensor(new long[] {4, 4}, new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0}));
        w.put(p + "self_attn.k_proj.weight", new Tensor(new long[] {2, 4}, new float[] {1, 0, 0, 0, 0, 0, 0, 0}));
        w.put(p + "self_attn.v_proj.weight", new Tensor(new long[] {2, 4}, new float[] {1, 0, 0, 0, 0, 1, 0, 0}));
        w.put(p + "self_attn.o_proj.weight", new Tensor(new long[] {4, 4}, new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}));
        w.put(p + "self_attn.q_norm.weight", new Tensor(new long[] {2}, new float[] {1, 1}));
        w.put(p + "self_attn.k_norm.weight", new Tensor(new long[] {2}, new float[] {3, 1}));
        w.put(p + "mlp.gate_proj.weight", new Tensor(new long[] {2, 4}, new float[8]));
        w.put(p + "mlp.up_proj.weight", new Tensor(new long[] {2, 4}, new float[8]));
        w.put(p + "mlp.down_proj.weight", new Tensor(new long[] {4, 2}, new float[8]));
        w.put(p + "input_layernorm.weight", new Tensor(new long[] {4}, new float[] {1, 1, 1, 1}));
        w.put(p + "post_attention_layernorm.weight", new Tensor(new long[] {4}, new float[] {1, 1, 1, 1}));
        w.put("model.norm.weight", new Tensor(new long[] {4}, new float[] {1, 1, 1, 1}));
        String config = QwenCheckpoints.qwen3Config(dims, "float32").replace("\"rms_norm_eps\": 1e-06", "\"rms_norm_eps\": 1e-12")
                .replace("\"bos_token_id\": 60", "\"bos_token_id\": 0").replace("\"eos_token_id\": 61", "\"eos_token_id\": 2");
        Path dir = QwenCheckpoints.write(tmp.resolve("hand"), config, w, F32);
        Files.delete(dir.resolve("generation_config.json")); // its tiny ids are outside this 3-token vocabulary

        double root2 = Math.sqrt(2);
        double[] t0 = {3, 0, 2};
        double rms0 = Math.sqrt(13.0 / 4);
        double p0 = 1 / (1 + Math.exp(3 * root2 * Math.sin(1)));
        double q0 = 1 / (1 + Math.exp(-3 * root2 * Math.cos(1)));
        double[] x1 = {2 * p0, 1 + 2 * (1 - p0), 2 * q0, 2 * (1 - q0)};
        double rms1 = Math.sqrt(Arrays.stream(x1).map(v -> v * v).sum() / 4);
        float[] expected = {(float) (t0[0] / rms0), (float) (t0[1] / rms0), (float) (t0[2] / rms0),
                (float) (x1[0] / rms1), (float) (x1[1] / rms1), (float) (x1[2] / rms1)};

        try (CausalLm model = ModelLoader.load(dir); NDManager scope = model.manager().newSubManager()) {
            float[] logits = model.forward(TokenRows.of(0, 1), null, scope).toFloatArray();
            assertArrayEquals(expected, logits, 1e-5f);
        }
        // the loop-by-loop reference used by the other tests agrees with the hand computation
        double[][] reference = new QwenReference(w, dims, true, 1e-12, 1e6).logits(new long[] {0, 1});
        for (int i = 0; i < 6; i++) {
            assertEquals(expected[i], reference[i / 3][i % 3], 1e-6);
        }
    }

    @Test
    void qwen25UntiedAndQwen3TiedMatchTheReferenceForward() throws IOException {
        long[] ids = {5, 17, 3, 42, 8, 0, 63};
        for (boolean qwen3 : new boolean[] {false, true}) {
            for (boolean tied : new boolean[] {false, true}) {
                Dims dims = qwen3 ? Dims.qwen3() : Dims.qwen25();
                dims = tied ? dims : dims.untied();
                Map<String, Tensor> w = QwenCheckpoints.randomWeights(dims, qwen3, 7);
                String config = qwen3 ? QwenCheckpoints.qwen3Config(dims, "float32") : QwenCheckpoints.qwen25Config(dims, "float32");
                Path dir = QwenCheckpoints.write(tmp.resolve("ref-" + qwen3 + tied), config, w, F32);
                double[][] expected = new QwenReference(w, dims, qwen3, 1e-6, 1e6).logits(ids);
                try (CausalLm model = ModelLoader.load(dir); NDManager scope = model.manager().newSubManager()) {
                    assertArrayEquals(flatten(expected), model.forward(TokenRows.of(ids), null, scope).toFloatArray(), 2e-4f,
                            "qwen3=" + qwen3 + " tied=" + tied);
                }
            }
        }
    }

    @Test
    void qwen3AttentionBiasAddsBiasesToQkvAndO() throws IOException {
        Dims dims = Dims.qwen3();
        Map<String, Tensor> w = QwenCheckpoints.randomWeights(dims, true, 15);
        java.util.SplittableRandom random = new java.util.SplittableRandom(16);
        for (int layer = 0; layer < dims.layers(); layer++) {
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                String name = "model.layers." + layer + ".self_attn." + proj;
                int out = (int) w.get(name + ".weight").shape()[0];
                float[] bias = new float[out];
                for (int i = 0; i < out; i++) {
                    bias[i] = (float) random.nextGaussian();
                }
                w.put(name + ".bias", new Tensor(new long[] {out}, bias));
            }
        }
        String config = QwenCheckpoints.qwen3Config(dims, "float32").replace("\"attention_bias\": false", "\"attention_bias\": true");
        Path dir = QwenCheckpoints.write(tmp.resolve("bias"), config, w, F32);
        long[] ids = {9, 8, 7, 6};
        double[][] expected = new QwenReference(w, dims, true, 1e-6, 1e6).logits(ids);
        try (QwenCausalLm model = (QwenCausalLm) ModelLoader.load(dir); NDManager scope = model.manager().newSubManager()) {
            assertTrue(model.config().outputBias());
            assertArrayEquals(flatten(expected), model.forward(TokenRows.of(ids), null, scope).toFloatArray(), 2e-4f);
        }
    }

    @Test
    void tinyVlmFoldersWithVisionLoadAsTinyVlm() throws IOException {
        try (TinyVlm tiny = TinyVlm.builder(TinyVlmConfig.tinyVlm()).seed(3).build()) {
            tiny.save(tmp.resolve("tiny"));
        }
        try (CausalLm loaded = ModelLoader.load(tmp.resolve("tiny"))) {
            assertInstanceOf(TinyVlm.class, loaded);
        }
    }

    /**
     * A text-only TinyVlm is a Qwen2 decoder with a tied head, and saves as exactly the checkpoint
     * transformers' Qwen2ForCausalLM.from_pretrained reads: Qwen2Config's fields at the top level and
     * Qwen2ForCausalLM's state-dict names (listed here by hand from transformers' modeling_qwen2: one
     * layer, 4 query heads of 64 and 2 key/value heads, so k/v project 256 to 128; no lm_head when tied).
     * ModelLoader reads it as a QwenCausalLm whose logits equal the TinyVlm's bit for bit.
     */
    @Test
    void textOnlyTinyVlmSavesAsAQwen2CheckpointThatLoadsAsQwenCausalLm() throws IOException {
        TinyVlmConfig base = TinyVlmConfig.tinyVlm().textOnly();
        Path dir = tmp.resolve("text-only");
        // two rows, the second right-padded
        TokenRows rows = new TokenRows(2, 6, new long[] {5, 17, 300, 2043, 9, 1000, 7, 8, 9, 0, 0, 0}, new int[] {6, 3});
        float[] expected;
        try (mpo4j.text.Tokenizer sample = mpo4j.text.Tokenizer.sample();
                TinyVlm tiny = TinyVlm.builder(base.withText(base.text().withLayers(1))).numKeyValueHeads(2).tokenizer(sample).seed(5).build();
                NDManager scope = tiny.manager().newSubManager()) {
            tiny.save(dir);
            expected = tiny.forward(rows, null, scope).toFloatArray();
        }
        Map<String, List<Long>> shapes = new java.util.TreeMap<>();
        for (var info : mpo4j.hf.HfModelFolder.open(dir).tensors()) {
            shapes.put(info.name(), Arrays.stream(info.shape()).boxed().toList());
        }
        String layer = "model.layers.0.";
        Map<String, List<Long>> qwen2 = new java.util.TreeMap<>(Map.ofEntries(
                Map.entry("model.embed_tokens.weight", List.of(2048L, 256L)),
                Map.entry(layer + "input_layernorm.weight", List.of(256L)),
                Map.entry(layer + "self_attn.q_proj.weight", List.of(256L, 256L)),
                Map.entry(layer + "self_attn.q_proj.bias", List.of(256L)),
                Map.entry(layer + "self_attn.k_proj.weight", List.of(128L, 256L)),
                Map.entry(layer + "self_attn.k_proj.bias", List.of(128L)),
                Map.entry(layer + "self_attn.v_proj.weight", List.of(128L, 256L)),
                Map.entry(layer + "self_attn.v_proj.bias", List.of(128L)),
                Map.entry(layer + "self_attn.o_proj.weight", List.of(256L, 256L)),
                Map.entry(layer + "post_attention_layernorm.weight", List.of(256L)),
                Map.entry(layer + "mlp.gate_proj.weight", List.of(688L, 256L)),
                Map.entry(layer + "mlp.up_proj.weight", List.of(688L, 256L)),
                Map.entry(layer + "mlp.down_proj.weight", List.of(256L, 688L)),
                Map.entry("model.norm.weight", List.of(256L))));
        assertEquals(qwen2, shapes);

        // the fields Qwen2Config reads, at the top level, with the values the decoder ran with
        HfConfig config = HfConfig.read(dir.resolve("config.json"));
        assertEquals(List.of("Qwen2ForCausalLM"), config.getStringList("architectures"));
        assertEquals("qwen2", config.getString("model_type"));
        assertFalse(config.has("llm_config"));
        assertEquals(2048, config.getInt("vocab_size"));
        assertEquals(256, config.getInt("hidden_size"));
        assertEquals(688, config.getInt("intermediate_size"));
        assertEquals(1, config.getInt("num_hidden_layers"));
        assertEquals(4, config.getInt("num_attention_heads"));
        assertEquals(2, config.getInt("num_key_value_heads"));
        assertEquals("silu", config.getString("hidden_act"));
        assertEquals(1e-6, config.getDouble("rms_norm_eps"));
        assertEquals(10000.0, config.getDouble("rope_theta"));
        assertEquals(32768, config.getInt("max_position_embeddings"));
        assertTrue(config.getBoolean("tie_word_embeddings"));
        assertFalse(config.getBoolean("use_sliding_window"));
        assertFalse(config.has("rope_scaling"));
        assertEquals("float32", config.getString("torch_dtype"));
        // the sample tokenizer's ids: <|im_end|> 2044 ends, <|endoftext|> 2042 pads
        assertEquals(List.of(2044), config.getIntList("eos_token_id"));
        assertEquals(2042, config.getInt("pad_token_id"));
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));

        try (CausalLm loaded = ModelLoader.load(dir); NDManager scope = loaded.manager().newSubManager()) {
            QwenCausalLm qwen = assertInstanceOf(QwenCausalLm.class, loaded);
            assertEquals(DecoderConfig.qwen2(2048, 256, 1, 4, 2, 688, true), qwen.config());
            assertEquals(new TokenIds(-1, -1, -1, 2042, 2044), qwen.tokens());
            assertArrayEquals(new long[] {2044}, qwen.tokenizer().orElseThrow().encode("<|im_end|>"));
            assertArrayEquals(expected, qwen.forward(rows, null, scope).toFloatArray(), 0f);
        }
        // and TinyVlm reads its own folder back, placeholder ids included
        try (TinyVlm again = TinyVlm.load(dir); NDManager scope = again.manager().newSubManager()) {
            assertEquals(2047, again.tokens().imgContext());
            assertArrayEquals(expected, again.forward(rows, null, scope).toFloatArray(), 0f);
        }
    }

    @Test
    void paddedRowsEqualUnpaddedOnesInForwardAndLeftPaddedDecode() throws IOException {
        Dims dims = Dims.qwen3();
        Path dir = QwenCheckpoints.write(tmp.resolve("pad"), QwenCheckpoints.qwen3Config(dims, "float32"),
                QwenCheckpoints.randomWeights(dims, true, 8), F32);
        long[] a = {4, 9, 16, 25, 36, 49};
        long[] b = {7, 14, 21};
        try (CausalLm model = ModelLoader.load(dir); NDManager scope = model.manager().newSubManager()) {
            float[] aAlone = model.forward(TokenRows.of(a), null, scope).toFloatArray();
            float[] bAlone = model.forward(TokenRows.of(b), null, scope).toFloatArray();
            // right padding for forward: b's row holds 3 real tokens then 3 pad ids
            long[] rightPadded = {4, 9, 16, 25, 36, 49, 7, 14, 21, 60, 60, 60};
            NDArray both = model.forward(new TokenRows(2, 6, rightPadded, new int[] {6, 3}), null, scope);
            assertArrayEquals(aAlone, both.get("0").toFloatArray(), 1e-5f);
            assertArrayEquals(bAlone, both.get("1, :3").toFloatArray(), 1e-5f);
            // left padding for decode: b's row starts with 3 pad positions, its first real token at position 0
            long[] leftPadded = {4, 9, 16, 25, 36, 49, 60, 60, 60, 7, 14, 21};
            NDArray hidden = model.decode(TokenRows.full(2, 6, leftPadded), new int[] {0, 3}, null, model.newCache(scope), scope);
            NDArray bHidden = model.decode(TokenRows.of(b), new int[] {0}, null, model.newCache(scope), scope);
            assertArrayEquals(bHidden.toFloatArray(), hidden.get("1, 3:").toFloatArray(), 1e-5f);
            assertArrayEquals(bAlone, model.logits(hidden).get("1, 3:").toFloatArray(), 1e-5f);
        }
    }

    @Test
    void kvCacheGreedyGenerationEqualsFullRecomputation() throws IOException {
        Dims dims = Dims.qwen25().untied();
        Path dir = QwenCheckpoints.write(tmp.resolve("gen"), QwenCheckpoints.qwen25Config(dims, "float32"),
                QwenCheckpoints.randomWeights(dims, false, 9), F32);
        List<long[]> prompts = List.of(new long[] {3, 1, 4, 1, 5, 9, 2}, new long[] {2, 7, 1});
        try (CausalLm model = ModelLoader.load(dir)) {
            List<long[]> cached = Generator.of(model).generate(prompts, Arrays.asList(null, null), SamplingConfig.greedy(8));
            for (int r = 0; r < prompts.size(); r++) {
                assertArrayEquals(greedyByRecomputation(model, prompts.get(r), 8), cached.get(r), "prompt " + r);
            }
        }
    }

    /** Greedy decoding that reruns the whole sequence for every new token (no cache), stopping at any end id. */
    private static long[] greedyByRecomputation(CausalLm model, long[] prompt, int max) {
        List<Long> sequence = new ArrayList<>();
        for (long id : prompt) {
            sequence.add(id);
        }
        List<Long> out = new ArrayList<>();
        while (out.size() < max) {
            try (NDManager scope = model.manager().newSubManager()) {
                long[] ids = sequence.stream().mapToLong(Long::longValue).toArray();
                NDArray logits = model.forward(TokenRows.of(ids), null, scope);
                long next = logits.get("0, -1").argMax().getLong();
                out.add(next);
                sequence.add(next);
                if (model.tokens().isEos(next)) {   // every id of eos_token_id ends the row, as in transformers
                    break;
                }
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void dynamicRopeScalingChangesFrequenciesOnlyBeyondMaxPositionEmbeddings() throws IOException {
        Dims dims = Dims.qwen25();
        Map<String, Tensor> w = QwenCheckpoints.randomWeights(dims, false, 10);
        String plain = QwenCheckpoints.qwen25Config(dims, "float32").replace("\"max_position_embeddings\": 32768",
                "\"max_position_embeddings\": 4");
        String dynamic = plain.replace("\"rope_theta\"", "\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0},\n  \"rope_theta\"");
        Path plainDir = QwenCheckpoints.write(tmp.resolve("plain"), plain, w, F32);
        Path dynamicDir = QwenCheckpoints.write(tmp.resolve("dynamic"), dynamic, w, F32);
        long[] short4 = {1, 2, 3, 4};
        long[] long6 = {1, 2, 3, 4, 5, 6};
        try (CausalLm a = ModelLoader.load(plainDir); CausalLm b = ModelLoader.load(dynamicDir);
             NDManager scope = a.manager().newSubManager()) {
            assertArrayEquals(a.forward(TokenRows.of(short4), null, scope).toFloatArray(),
                    b.forward(TokenRows.of(short4), null, scope).toFloatArray(), 0f);
            // 6 > 4 positions: base = 1e6 * (2 * 6 / 4 - 1)^(d / (d - 2)) with d = 4: 1e6 * 2^2
            double base = 1e6 * Math.pow(2.0 * 6 / 4 - 1, 4 / 2.0);
            double[][] expected = new QwenReference(w, dims, false, 1e-6, base).logits(long6);
            float[] scaled = b.forward(TokenRows.of(long6), null, scope).toFloatArray();
            assertArrayEquals(flatten(expected), scaled, 2e-4f);
            assertFalse(Arrays.equals(a.forward(TokenRows.of(long6), null, scope).toFloatArray(), scaled));
        }
    }

    @Test
    void frozenCopyGivesTheSameLogitsFromItsOwnMemory() throws IOException {
        Path dir = QwenCheckpoints.write(tmp.resolve("frozen"), QwenCheckpoints.qwen3Config(Dims.qwen3(), "float32"),
                QwenCheckpoints.randomWeights(Dims.qwen3(), true, 11), F32);
        try (CausalLm model = ModelLoader.load(dir); CausalLm frozen = model.frozenCopy();
             NDManager scope = model.manager().newSubManager()) {
            assertTrue(model.isTrainable());
            assertFalse(frozen.isTrainable());
            long[] ids = {1, 2, 3};
            float[] before = frozen.forward(TokenRows.of(ids), null, scope).toFloatArray();
            assertArrayEquals(model.forward(TokenRows.of(ids), null, scope).toFloatArray(), before, 0f);
            model.parameters().get("model.norm.weight").getArray().muli(2);
            assertArrayEquals(before, frozen.forward(TokenRows.of(ids), null, scope).toFloatArray(), 0f);
            assertNotEquals(before[0], model.forward(TokenRows.of(ids), null, scope).toFloatArray()[0]);
        }
    }

    @Test
    void realQwen3TokenizerFilesAreOfferedWhenTheFolderHasThem() throws IOException {
        Path real = Path.of(System.getProperty("user.home"), ".cache/mpo4j/tokenizer-qwen3-3.7.2");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(real.resolve("tokenizer.json")),
                "the real Qwen3 tokenizer is not cached at " + real);
        Path dir = QwenCheckpoints.write(tmp.resolve("tok"), QwenCheckpoints.qwen3Config(Dims.qwen3(), "float32"),
                QwenCheckpoints.randomWeights(Dims.qwen3(), true, 12), F32);
        Files.copy(real.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(real.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        try (CausalLm model = ModelLoader.load(dir)) {
            // <|im_end|> is 151645 in every Qwen2.5/Qwen3 tokenizer
            assertArrayEquals(new long[] {151645}, model.tokenizer().orElseThrow().encode("<|im_end|>"));
            model.save(tmp.resolve("tok-saved"));
            assertArrayEquals(Files.readAllBytes(real.resolve("tokenizer.json")), Files.readAllBytes(tmp.resolve("tok-saved/tokenizer.json")));
        }
    }

    /** A folder with only a slow tokenizer's vocab.json and merges.txt still offers a tokenizer, and a save keeps those files. */
    @Test
    void slowTokenizerFilesAreOfferedAndSaved() throws IOException {
        Path dir = QwenCheckpoints.write(tmp.resolve("slow"), QwenCheckpoints.qwen25Config(Dims.qwen25(), "float32"),
                QwenCheckpoints.randomWeights(Dims.qwen25(), false, 3), F32);
        try (mpo4j.text.Tokenizer sample = mpo4j.text.Tokenizer.sample()) {
            TinyCheckpoints.writeSlowTokenizer(sample.file().getParent(), dir);
        }
        assertFalse(Files.exists(dir.resolve("tokenizer.json")));
        try (CausalLm model = ModelLoader.load(dir)) {
            mpo4j.text.Tokenizer tokenizer = model.tokenizer().orElseThrow();
            assertEquals(dir.resolve("vocab.json"), tokenizer.file());
            // the sample tokenizer's ids (datasets-sample/tokenizer/tokenizer_config.json): <|im_end|> 2044
            assertArrayEquals(new long[] {2044}, tokenizer.encode("<|im_end|>"));
            assertEquals("hello world", tokenizer.decode(tokenizer.encode("hello world")));
            model.save(tmp.resolve("slow-saved"));
            for (String file : List.of("vocab.json", "merges.txt", "added_tokens.json", "tokenizer_config.json")) {
                assertArrayEquals(Files.readAllBytes(dir.resolve(file)), Files.readAllBytes(tmp.resolve("slow-saved").resolve(file)), file);
            }
        }
    }

    // ------------------------------------------------------------------------------------ errors

    @Test
    void brokenOrUnsupportedConfigsNameTheField() throws IOException {
        Map<String, Tensor> w = QwenCheckpoints.randomWeights(Dims.qwen25(), false, 13);
        String good = QwenCheckpoints.qwen25Config(Dims.qwen25(), "float32");
        assertMessage(w, good.replace("\"hidden_size\": 16", "\"hidden_size\": \"16\""),
                "config.json: field 'hidden_size' must be an integer, got \"16\"");
        assertMessage(w, good.replace("\"Qwen2ForCausalLM\"", "\"LlamaForCausalLM\""),
                "config.json: field 'architectures' is [LlamaForCausalLM]; supported: Qwen2ForCausalLM, Qwen3ForCausalLM");
        assertMessage(w, good.replace("\"rope_theta\"", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0},\n  \"rope_theta\""),
                "config.json: field 'rope_scaling.rope_type' is \"yarn\"; supported: \"dynamic\"");
        assertMessage(w, good.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"),
                "config.json: field 'use_sliding_window' is true");
        assertMessage(w, good.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"),
                "config.json: num_attention_heads (4) must be a multiple of num_key_value_heads, got 3");
        assertMessage(w, good.replace("\"vocab_size\": 64", "\"vocab_size\": null"), "config.json: missing field 'vocab_size'");
        assertMessage(w, good.replace("\"use_cache\"", "\"layer_types\": [\"full_attention\", \"sliding_attention\"],\n  \"use_cache\""),
                "config.json: field 'layer_types' contains \"sliding_attention\"");
        assertMessage(w, good.replace("\"model_type\": \"qwen2\"", "\"model_type\": \"llama\"").replace("\"architectures\": [\n    \"Qwen2ForCausalLM\"\n  ],", ""),
                "config.json: field 'model_type' is \"llama\" and there is no 'architectures'");
    }

    @Test
    void missingMisshapenAndUnusedTensorsAreNamedWithTheirFile() throws IOException {
        Dims untied = Dims.qwen25().untied();
        String config = QwenCheckpoints.qwen25Config(untied, "float32");
        Map<String, Tensor> w = QwenCheckpoints.randomWeights(untied, false, 14);
        Map<String, Tensor> noHead = new java.util.LinkedHashMap<>(w);
        noHead.remove("lm_head.weight");
        assertMessage(noHead, config, "no tensor 'lm_head.weight' (config.json implies shape (64, 16))");
        Map<String, Tensor> misshapen = new java.util.LinkedHashMap<>(w);
        misshapen.put("model.norm.weight", new Tensor(new long[] {15}, new float[15]));
        assertMessage(misshapen, config, "model.safetensors: tensor 'model.norm.weight' has shape (15) but config.json implies (16)");
        Map<String, Tensor> extra = new java.util.LinkedHashMap<>(w);
        extra.put("model.layers.0.self_attn.o_proj.bias", new Tensor(new long[] {16}, new float[16]));
        assertMessage(extra, config, "not used by Qwen2ForCausalLM: [model.layers.0.self_attn.o_proj.bias (model.safetensors)]");
    }

    private void assertMessage(Map<String, Tensor> weights, String config, String expected) throws IOException {
        Path dir = QwenCheckpoints.write(Files.createTempDirectory(tmp, "bad"), config, weights, F32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(dir).close());
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage() + "\nexpected to contain: " + expected);
    }

    private static float[] flatten(double[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                out[i * rows[0].length + j] = (float) rows[i][j];
            }
        }
        return out;
    }
}
