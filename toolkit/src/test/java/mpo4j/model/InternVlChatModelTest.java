package mpo4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.generate.SamplingConfig;
import mpo4j.generate.Generator;
import mpo4j.hf.HfConfig;
import mpo4j.hf.HfModelFolder;
import mpo4j.hf.SafetensorsDtype;
import mpo4j.hf.SafetensorsWriter;
import mpo4j.text.InternVl25Template;
import mpo4j.text.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code InternVLChatModel} checkpoints in OpenGVLab's layout (InternVL3-1B's config.json structure and
 * tensor names, tiny sizes), written by {@link TinyCheckpoints}: loading (single file, sharded, bf16),
 * the save/load round trip, where the image tokens go, padding, KV-cache decoding, errors, collation.
 */
class InternVlChatModelTest {

    static {
        Mpo4jEngine.ensureOffline();
    }

    @TempDir
    Path tmp;

    /** 8 px tiles of 2 px patches: a 4x4 grid, 4 image tokens per tile; ViT width 8, language width 16. */
    private static TinyCheckpoints.InternVl3 tiny() {
        return TinyCheckpoints.internVl3().tiles(8, 2).visionWidth(8).llmWidth(16).initStd(0.3);
    }

    /** The sample tokenizer's ids (datasets-sample/tokenizer/tokenizer_config.json). */
    private static final int ENDOFTEXT = 2042;
    private static final int IM_END = 2044;
    private static final int IMG_START = 2045;
    private static final int IMG_END = 2046;
    private static final int IMG_CONTEXT = 2047;

    private static Map<String, float[]> values(CausalLm model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> out.put(name, p.getArray().toFloatArray()));
        return out;
    }

    private static void assertBitwiseEqual(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, v) -> assertArrayEquals(v, actual.get(name), 0f, name));
    }

    private static NDArray tiles(NDManager m, int count, int size, long seed) {
        Random r = new Random(seed);
        float[] v = new float[count * 3 * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian());
        }
        return m.create(v, new Shape(count, 3, size, size));
    }

    // ------------------------------------------------------------------------------------ layout

    @Test
    void writesAndLoadsTheExactInternVl3Layout() throws IOException {
        Path dir = tiny().visionLayers(1).llmLayers(1).write(tmp.resolve("layout"));
        HfModelFolder folder = HfModelFolder.open(dir);
        // the key names of InternVL3-1B's model.safetensors with one ViT and one decoder layer
        List<String> expected = new ArrayList<>(InternVitLoadTest.KEYS_WITH_ONE_LAYER.subList(0, 18));
        expected.addAll(List.of("language_model.model.embed_tokens.weight",
                "language_model.model.layers.0.self_attn.q_proj.weight", "language_model.model.layers.0.self_attn.q_proj.bias",
                "language_model.model.layers.0.self_attn.k_proj.weight", "language_model.model.layers.0.self_attn.k_proj.bias",
                "language_model.model.layers.0.self_attn.v_proj.weight", "language_model.model.layers.0.self_attn.v_proj.bias",
                "language_model.model.layers.0.self_attn.o_proj.weight",
                "language_model.model.layers.0.mlp.gate_proj.weight", "language_model.model.layers.0.mlp.up_proj.weight",
                "language_model.model.layers.0.mlp.down_proj.weight",
                "language_model.model.layers.0.input_layernorm.weight", "language_model.model.layers.0.post_attention_layernorm.weight",
                "language_model.model.norm.weight", "language_model.lm_head.weight"));
        expected.addAll(InternVitLoadTest.KEYS_WITH_ONE_LAYER.subList(18, 24));
        assertEquals(expected.stream().sorted().toList(), folder.tensors().stream().map(t -> t.name()).sorted().toList());
        // shapes: 16 hidden, 4 heads x 4 = 16 for q, 2 kv heads x 4 = 8 for k/v, MLP 32, vocab 2048; mlp1 in = 8 * 4
        assertArrayEquals(new long[] {8, 16}, folder.tensor("language_model.model.layers.0.self_attn.k_proj.weight").shape());
        assertArrayEquals(new long[] {2048, 16}, folder.tensor("language_model.lm_head.weight").shape());
        assertArrayEquals(new long[] {16, 32}, folder.tensor("mlp1.1.weight").shape());
        assertEquals("InternVLChatModel", folder.config().getStringList("architectures").get(0));
        assertEquals("internvl_chat", folder.config().getString("model_type"));
        assertEquals("v2", folder.config().getString("ps_version"));
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")) && Files.isRegularFile(dir.resolve("tokenizer_config.json")));

        try (CausalLm loaded = ModelLoader.load(dir)) {
            InternVlChatModel model = assertInstanceOf(InternVlChatModel.class, loaded);
            assertEquals(expected.stream().sorted().toList(), model.parameters().keySet().stream().sorted().toList());
            // (8 / 2)^2 * 0.5^2 = 4 tokens per tile
            assertEquals(new CausalLm.VisionInput(8, 4), model.vision().orElseThrow());
            assertEquals(4, model.numImageToken());
            // image ids from the tokenizer; eos <|im_end|> (InternVL's template separator), then llm_config's <|endoftext|>
            assertEquals(new TokenIds(IMG_CONTEXT, IMG_START, IMG_END, ENDOFTEXT, IM_END, List.of(IM_END, ENDOFTEXT)), model.tokens());
            assertEquals(2048, model.vocabSize());
            assertEquals(1, model.layers());
            assertEquals(SafetensorsDtype.F32, model.dtype());
            assertTrue(model.languageConfig().ropeScaling() != null, "llm_config.rope_scaling dynamic is read");
            assertTrue(model.isTrainable());
            assertTrue(model.parameters().values().stream().allMatch(Parameter::requiresGradient));
        }
    }

    @Test
    void singleFileShardedAndBf16CheckpointsLoadTheSameWeights() throws IOException {
        Path single = tiny().write(tmp.resolve("single"));
        Path sharded = tiny().maxShardSize(20_000).write(tmp.resolve("sharded"));
        Path bf16 = tiny().dtype(SafetensorsDtype.BF16).maxShardSize(20_000).write(tmp.resolve("bf16"));
        assertEquals(1, HfModelFolder.open(single).weightFiles().size());
        assertTrue(Files.isRegularFile(sharded.resolve("model.safetensors.index.json")));
        assertTrue(HfModelFolder.open(sharded).weightFiles().size() > 1, "sharded");
        assertEquals("bfloat16", HfModelFolder.open(bf16).config().getString("torch_dtype"));
        assertEquals("bfloat16", HfModelFolder.open(bf16).config().section("llm_config").getString("torch_dtype"));
        try (CausalLm a = ModelLoader.load(single); CausalLm b = ModelLoader.load(sharded); CausalLm c = ModelLoader.load(bf16)) {
            Map<String, float[]> f32 = values(a);
            assertBitwiseEqual(f32, values(b));
            Map<String, float[]> rounded = new LinkedHashMap<>();
            f32.forEach((name, v) -> {
                float[] r = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    r[i] = QwenCheckpoints.bf16(v[i]);
                }
                rounded.put(name, r);
            });
            assertBitwiseEqual(rounded, values(c));
            assertTrue(c.parameters().values().stream().allMatch(p -> p.getArray().getDataType() == DataType.FLOAT32));
            assertEquals(SafetensorsDtype.BF16, ((InternVlChatModel) c).dtype());
        }
    }

    @Test
    void saveThenLoadIsBitwiseAndKeepsConfigTokenizerAndRemoteCode() throws IOException {
        Path dir = tiny().dtype(SafetensorsDtype.BF16).maxShardSize(20_000).write(tmp.resolve("orig"));
        // the remote code transformers' trust_remote_code runs must travel with the checkpoint
        Files.writeString(dir.resolve("modeling_internvl_chat.py"), "# remote code\n");
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2044, 2042]}\n");
        try (CausalLm model = ModelLoader.load(dir)) {
            Path saved = tmp.resolve("saved");
            model.save(saved);
            for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "modeling_internvl_chat.py",
                    "generation_config.json")) {
                assertArrayEquals(Files.readAllBytes(dir.resolve(file)), Files.readAllBytes(saved.resolve(file)), file);
            }
            try (CausalLm again = model.loadSaved(saved)) {
                assertBitwiseEqual(values(model), values(again));
                assertEquals(SafetensorsDtype.BF16, HfModelFolder.open(saved).tensor("mlp1.1.weight").dtype());
            }
            // saving as float32 rewrites the three torch_dtype fields, nothing else
            Path f32 = tmp.resolve("f32");
            ((InternVlChatModel) model).save(f32, SafetensorsWriter.defaults());
            HfConfig config = HfModelFolder.open(f32).config();
            assertEquals("float32", config.getString("torch_dtype"));
            assertEquals("float32", config.section("vision_config").getString("torch_dtype"));
            assertEquals("float32", config.section("llm_config").getString("torch_dtype"));
            try (CausalLm again = ModelLoader.load(f32)) {
                assertBitwiseEqual(values(model), values(again));
            }
        }
    }

    /** InternVL repos that ship only the slow tokenizer's files still name the image ids in tokenizer_config.json. */
    @Test
    void withoutTokenizerJsonTheIdsComeFromTokenizerConfig() throws IOException {
        Path dir = tiny().write(tmp.resolve("slow"));
        Files.delete(dir.resolve("tokenizer.json"));
        try (CausalLm model = ModelLoader.load(dir)) {
            assertTrue(model.tokenizer().isEmpty());
            assertEquals(new TokenIds(IMG_CONTEXT, IMG_START, IMG_END, ENDOFTEXT, IM_END, List.of(IM_END, ENDOFTEXT)), model.tokens());
        }
        // and with no tokenizer file at all there are no image ids, which a forward with tiles names
        Files.delete(dir.resolve("tokenizer_config.json"));
        try (CausalLm model = ModelLoader.load(dir); NDManager m = model.manager().newSubManager()) {
            assertEquals(-1, model.tokens().imgContext());
            assertEquals(List.of(ENDOFTEXT), model.tokens().eosIds());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.hidden(TokenRows.of(10, 11), ImageInputs.single(tiles(m, 1, 8, 1)), m));
            assertEquals("InternVLChatModel was made without a tokenizer, so it has no <IMG_CONTEXT> id to place the 1 image tiles at: "
                    + "put tokenizer.json (or vocab.json and merges.txt) next to config.json", e.getMessage());
        }
    }

    @Test
    void tokenIdsKeepEveryEosIdPrimaryFirst() {
        TokenIds ids = TokenIds.tinyDefaults().eosIds(List.of(7, 3, 7));
        assertEquals(7, ids.eos());
        assertEquals(List.of(7, 3), ids.eosIds());
        assertTrue(ids.isEos(3) && ids.isEos(7) && !ids.isEos(2044));
        // the five-id constructor keeps its meaning: one eos
        assertEquals(List.of(2044), TokenIds.tinyDefaults().eosIds());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenIds(1, 2, 3, 4, 5, List.of(6, 5)));
        assertEquals("eos_token_id list must start with the primary eos id 5, got [6, 5]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenIds(1, 2, 3, 4, 5, List.of(5, 6)).checkFits(6));
        assertTrue(e.getMessage().startsWith("special token id 6 is outside the vocabulary of 6"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------ image tokens

    /**
     * Where the image tokens go, checked against a text-only computation: the projector's output rows for
     * the row's flagged tile are written into the embedding table at four unused ids, and the same row with
     * those ids in place of its {@code <IMG_CONTEXT>} tokens must give the same hidden states everywhere
     * (so each image token lands at its position, in order, and {@code <img>}/{@code </img>} keep their
     * embeddings). The tile flagged 0 is encoded but skipped, as InternVL's {@code vit_embeds[image_flags == 1]}.
     */
    /**
     * Packed rows ({@link PrefixPacking}: a pair's two sequences in one row, the shared prompt with its
     * image computed once) give each sequence the hidden states it has alone, with the dynamic-RoPE config
     * and a flagged-off tile; tolerance as in {@link PackedRowsTest}.
     */
    @Test
    void packedRowsGiveEachSequenceItsUnpackedHiddenStates() throws IOException {
        Path dir = tiny().write(tmp.resolve("packed"));
        long[] prompt = {10, 11, IMG_START, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_END, 12, 13};
        List<long[]> first = List.of(append(prompt, 20, 21, 22), append(prompt, 30));
        List<long[]> second = List.of(append(prompt, 20, 23), append(prompt, 31, 32, 33, 34));
        try (CausalLm model = ModelLoader.load(dir); NDManager m = model.manager().newSubManager()) {
            NDArray pixels = tiles(m, 3, 8, 9);
            int[] flags = {1, 0, 1};                   // pair 0: tiles 0 and 1 (1 flagged off), pair 1: tile 2
            ImageInputs plain = new ImageInputs(pixels, new int[] {0, 2, 3}, flags, new int[] {0, 1, 0, 1});
            ImageInputs packed = new ImageInputs(pixels, new int[] {0, 2, 3}, flags, new int[] {0, 1});
            double diff = PackedRowsTest.maxPackedDifference(model, first, second, plain, packed, m);
            assertTrue(diff < 1e-4, "max |packed - unpacked| " + diff);
        }
    }

    private static long[] append(long[] prefix, long... tail) {
        long[] out = Arrays.copyOf(prefix, prefix.length + tail.length);
        System.arraycopy(tail, 0, out, prefix.length, tail.length);
        return out;
    }

    @Test
    void imgContextEmbeddingsAreReplacedByTheProjectorRowsInOrder() throws IOException {
        Path dir = tiny().write(tmp.resolve("img"));
        long[] withImage = {10, 11, IMG_START, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_END, 12, 13};
        long[] unused = {100, 101, 102, 103};
        long[] withIds = {10, 11, IMG_START, 100, 101, 102, 103, IMG_END, 12, 13};
        Path edited = tmp.resolve("edited");
        float[] expected;
        float[] actual;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = tiles(m, 2, 8, 5);
            HfModelFolder folder = HfModelFolder.open(dir);
            // the projector output of tile 1 (InternVit, tested on its own), [4, 16]
            float[] imageTokens = InternVit.load(folder, m, false).encode(pixels).get("1").toFloatArray();
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            folder.forEachTensor((info, source) -> tensors.put(info.name(), source.loadFloat32(m)));
            float[] embedding = tensors.get("language_model.model.embed_tokens.weight").toFloatArray();
            for (int k = 0; k < 4; k++) {
                System.arraycopy(imageTokens, k * 16, embedding, (int) unused[k] * 16, 16);
            }
            tensors.put("language_model.model.embed_tokens.weight", m.create(embedding, new Shape(2048, 16)));
            SafetensorsWriter.defaults().write(Files.createDirectories(edited), tensors);
            for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
                Files.copy(dir.resolve(file), edited.resolve(file));
            }
            try (CausalLm model = ModelLoader.load(dir); NDManager scope = model.manager().newSubManager()) {
                ImageInputs images = new ImageInputs(pixels, new int[] {0, 2}, new int[] {0, 1}, new int[] {0});
                actual = model.hidden(TokenRows.of(withImage), images, scope).toFloatArray();
                float[] textOnly = model.hidden(TokenRows.of(withIds), null, scope).toFloatArray();
                // before the image the rows agree anyway; from the first image token on they must not
                assertArrayEquals(Arrays.copyOfRange(textOnly, 0, 3 * 16), Arrays.copyOfRange(actual, 0, 3 * 16), 0f);
                assertTrue(Math.abs(textOnly[3 * 16] - actual[3 * 16]) > 1e-3, "unedited ids 100.. differ from the image tokens");
            }
            try (CausalLm model = ModelLoader.load(edited); NDManager scope = model.manager().newSubManager()) {
                expected = model.hidden(TokenRows.of(withIds), null, scope).toFloatArray();
            }
        }
        assertArrayEquals(expected, actual, 1e-6f);
    }

    @Test
    void paddedRowsEqualUnpaddedOnes() throws IOException {
        Path dir = tiny().write(tmp.resolve("pad"));
        long[] a = {10, IMG_START, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_END, 12, 13, 14};
        long[] b = {20, 21, IMG_START, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_END};
        try (CausalLm model = ModelLoader.load(dir); NDManager scope = model.manager().newSubManager()) {
            NDArray pixels = tiles(scope, 2, 8, 9);
            float[] aAlone = model.forward(TokenRows.of(a), ImageInputs.single(pixels.get("0:1")), scope).toFloatArray();
            float[] bAlone = model.forward(TokenRows.of(b), ImageInputs.single(pixels.get("1:2")), scope).toFloatArray();
            long[] ids = new long[20];
            System.arraycopy(a, 0, ids, 0, 10);
            System.arraycopy(b, 0, ids, 10, 8);
            Arrays.fill(ids, 18, 20, ENDOFTEXT);
            ImageInputs both = ImageInputs.of(pixels, new int[] {0, 1, 2}, new int[] {0, 1});
            NDArray logits = model.forward(new TokenRows(2, 10, ids, new int[] {10, 8}), both, scope);
            assertArrayEquals(aAlone, logits.get("0").toFloatArray(), 1e-5f);
            assertArrayEquals(bAlone, logits.get("1, :8").toFloatArray(), 1e-5f);
        }
    }

    @Test
    void kvCacheGreedyDecodingEqualsFullRecomputation() throws IOException {
        Path dir = tiny().write(tmp.resolve("gen"));
        long[] prompt = {10, IMG_START, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_END, 12};
        try (CausalLm model = ModelLoader.load(dir); NDManager m = model.manager().newSubManager()) {
            NDArray pixels = tiles(m, 1, 8, 3);
            long[] cached = Generator.of(model).generate(prompt, pixels, SamplingConfig.greedy(6));
            // the same greedy loop rerunning the whole sequence (image included) for every token
            List<Long> sequence = new ArrayList<>(Arrays.stream(prompt).boxed().toList());
            List<Long> recomputed = new ArrayList<>();
            while (recomputed.size() < 6) {
                try (NDManager scope = m.newSubManager()) {
                    long[] ids = sequence.stream().mapToLong(Long::longValue).toArray();
                    long next = model.forward(TokenRows.of(ids), ImageInputs.single(pixels), scope).get("0, -1").argMax().getLong();
                    recomputed.add(next);
                    sequence.add(next);
                    if (model.tokens().isEos(next)) {
                        break;
                    }
                }
            }
            assertArrayEquals(recomputed.stream().mapToLong(Long::longValue).toArray(), cached);
            // and the cached hidden states themselves, position by position
            KvCache cache = model.newCache(m);
            NDArray first = model.decode(TokenRows.of(prompt), new int[] {0}, ImageInputs.single(pixels), cache, m);
            NDArray step = model.decode(TokenRows.of(cached[0]), new int[] {0}, null, cache, m);
            long[] full = Arrays.copyOf(prompt, prompt.length + 1);
            full[prompt.length] = cached[0];
            NDArray all = model.hidden(TokenRows.of(full), ImageInputs.single(pixels), m);
            assertArrayEquals(all.get("0, :8").toFloatArray(), first.toFloatArray(), 1e-5f);
            assertArrayEquals(all.get("0, 8:").toFloatArray(), step.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void frozenCopyHasTheSameOutputsAndNoGradients() throws IOException {
        Path dir = tiny().write(tmp.resolve("frozen"));
        long[] ids = {10, IMG_START, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_END, 12};
        try (CausalLm model = ModelLoader.load(dir); CausalLm copy = model.frozenCopy(); NDManager m = model.manager().newSubManager()) {
            NDArray pixels = tiles(m, 1, 8, 4);
            assertArrayEquals(model.hidden(TokenRows.of(ids), ImageInputs.single(pixels), m).toFloatArray(),
                    copy.hidden(TokenRows.of(ids), ImageInputs.single(pixels), m).toFloatArray(), 0f);
            assertTrue(copy.parameters().values().stream().noneMatch(Parameter::requiresGradient));
            assertEquals(model.tokens(), copy.tokens());
        }
    }

    /**
     * LoRA on the decoder's projections of an InternVL model: with B = 0 the adapted model computes
     * exactly the base model, and PEFT's keys carry the {@code language_model.} path.
     */
    @Test
    void loraOnTheLanguageModelStartsAtTheBaseModel() throws IOException {
        Path dir = tiny().write(tmp.resolve("lora"));
        long[] ids = {10, IMG_START, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_CONTEXT, IMG_END, 12};
        try (CausalLm model = ModelLoader.load(dir); NDManager m = model.manager().newSubManager()) {
            NDArray pixels = tiles(m, 1, 8, 6);
            float[] base = model.forward(TokenRows.of(ids), ImageInputs.single(pixels), m).toFloatArray();
            try (mpo4j.peft.LoraModel lora = mpo4j.peft.LoraConfig.defaults().r(4).targetModules("q_proj", "v_proj").applyTo(model)) {
                assertArrayEquals(base, lora.forward(TokenRows.of(ids), ImageInputs.single(pixels), m).toFloatArray(), 0f);
                // 2 layers x (q_proj, v_proj) x (A, B)
                assertEquals(List.of("base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight",
                        "base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_B.weight",
                        "base_model.model.language_model.model.layers.0.self_attn.v_proj.lora_A.weight",
                        "base_model.model.language_model.model.layers.0.self_attn.v_proj.lora_B.weight"),
                        List.copyOf(lora.parameters().keySet()).subList(0, 4));
                assertEquals(8, lora.parameters().size());
            }
        }
    }

    // ------------------------------------------------------------------------------------ errors

    /** Rewrites config.json of a tiny checkpoint. */
    private Path withConfig(String name, java.util.function.UnaryOperator<HfConfig> change) throws IOException {
        Path dir = tiny().write(tmp.resolve(name));
        HfConfig config = HfConfig.read(dir.resolve("config.json"));
        change.apply(config).write(dir.resolve("config.json"));
        return dir;
    }

    @Test
    void unsupportedConfigValuesNameTheField() throws IOException {
        Path llama = withConfig("llama", c -> c.with("llm_config", c.section("llm_config").with("architectures", "x")));
        // an architectures field that is not a list is named with its path
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(llama));
        assertEquals("config.json: field 'llm_config.architectures' must be a list of strings, got \"x\"", e.getMessage());

        Path llama2 = tiny().write(tmp.resolve("llama2"));
        String text = Files.readString(llama2.resolve("config.json")).replace("\"Qwen2ForCausalLM\"", "\"LlamaForCausalLM\"");
        Files.writeString(llama2.resolve("config.json"), text);
        e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(llama2));
        assertEquals("config.json: field 'llm_config.architectures' is [LlamaForCausalLM]; InternVLChatModel is supported with a "
                + "Qwen2ForCausalLM (InternVL2.5, InternVL3) or Qwen3ForCausalLM language model", e.getMessage());

        Path v3 = withConfig("v3", c -> c.with("ps_version", "v3"));
        e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(v3));
        assertEquals("config.json: ps_version must be \"v1\" or \"v2\", got \"v3\"", e.getMessage());

        Path yarn = withConfig("yarn", c -> c.with("llm_config", c.section("llm_config")
                .with("rope_scaling", c.section("llm_config").section("rope_scaling").with("type", "yarn"))));
        e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(yarn));
        assertEquals("config.json: field 'llm_config.rope_scaling.type' is \"yarn\"; supported: \"dynamic\" (dynamic NTK) or "
                + "rope_scaling null", e.getMessage());
        // the other fields the Qwen reader checks itself carry the path too
        Path sliding = withConfig("sliding", c -> c.with("llm_config", c.section("llm_config").with("use_sliding_window", true)));
        e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(sliding));
        assertTrue(e.getMessage().startsWith("config.json: field 'llm_config.use_sliding_window' is true;"), e.getMessage());

        Path foreign = withConfig("foreign", c -> c.without("architectures"));
        String foreignText = Files.readString(foreign.resolve("config.json")).replace("\"model_type\": \"internvl_chat\"",
                "\"model_type\": \"llava\"");
        Files.writeString(foreign.resolve("config.json"), foreignText);
        e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(foreign));
        assertTrue(e.getMessage().startsWith("config.json: field 'model_type' is \"llava\" and there is no 'architectures'; "
                + "supported model types: internvl_chat, qwen2, qwen3"), e.getMessage());
    }

    @Test
    void modelTypeAloneSelectsInternVl() throws IOException {
        Path dir = withConfig("type-only", c -> c.without("architectures"));
        try (CausalLm model = ModelLoader.load(dir)) {
            assertInstanceOf(InternVlChatModel.class, model);
        }
    }

    /** The tiny checkpoint's tensors with {@code change} applied (null removes), with its config.json, in a new folder. */
    private Path withTensors(Path dir, String name, Map<String, float[]> change, Map<String, Shape> shapes) throws IOException {
        Path out = Files.createDirectories(tmp.resolve(name));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            HfModelFolder.open(dir).forEachTensor((info, source) -> tensors.put(info.name(), source.loadFloat32(m)));
            change.forEach((tensor, v) -> {
                if (v == null) {
                    tensors.remove(tensor);
                } else {
                    tensors.put(tensor, m.create(v, shapes.get(tensor)));
                }
            });
            SafetensorsWriter.defaults().write(out, tensors);
        }
        Files.copy(dir.resolve("config.json"), out.resolve("config.json"));
        return out;
    }

    @Test
    void aMissingMisshapenOrUnknownTensorIsNamed() throws IOException {
        Path dir = tiny().write(tmp.resolve("tensors"));
        Path missing = withTensors(dir, "missing", java.util.Collections.singletonMap("language_model.model.layers.1.mlp.up_proj.weight", null),
                Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(missing));
        // up_proj: [intermediate 32, hidden 16]
        assertEquals(missing + ": no tensor 'language_model.model.layers.1.mlp.up_proj.weight' (config.json implies shape (32, 16)) "
                + "in 1 weight file(s)", e.getMessage());
        Path misshapen = withTensors(dir, "misshapen", Map.of("mlp1.3.weight", new float[16 * 8]), Map.of("mlp1.3.weight", new Shape(16, 8)));
        e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(misshapen));
        assertEquals("model.safetensors: tensor 'mlp1.3.weight' has shape (16, 8) but config.json implies (16, 16)", e.getMessage());
        Path unknown = withTensors(dir, "unknown", Map.of("language_model.model.layers.0.self_attn.o_proj.bias", new float[16]),
                Map.of("language_model.model.layers.0.self_attn.o_proj.bias", new Shape(16)));
        e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(unknown));
        assertEquals(unknown + ": 1 tensor(s) not used by InternVLChatModel as config.json describes it: "
                + "[language_model.model.layers.0.self_attn.o_proj.bias (model.safetensors)]", e.getMessage());
    }

    @Test
    void anotherConversationTemplateIsNamedWhenCollating() throws IOException {
        Path dir = withConfig("hermes", c -> c.with("template", "Hermes-2"));
        try (CausalLm model = ModelLoader.load(dir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> InternVlCollator.forModel(model));
            assertEquals("config.json: field 'template' is \"Hermes-2\"; mpo4j renders only InternVL's \"internvl2_5\" "
                    + "(InternVL2.5, InternVL3): give the collator another ChatTemplate with .template(...)", e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------ collation

    /**
     * {@code InternVlCollator.forModel} on a 448 px checkpoint: 448 px tiles, (448 / 14)^2 * 0.5^2 = 256
     * tokens per tile, InternVL's internvl2_5 template with its system message. An 896x448 image has
     * aspect 2, so dynamic tiling picks the 2x1 grid plus a thumbnail: 3 tiles, 768 {@code <IMG_CONTEXT>}.
     */
    @Test
    void collatorForTheLoadedModelUsesItsTemplateTilesAndImageTokens() throws IOException {
        Path dir = TinyCheckpoints.internVl3().write(tmp.resolve("448"));
        BufferedImage image = new BufferedImage(896, 448, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(1);
        for (int y = 0; y < 448; y++) {
            for (int x = 0; x < 896; x++) {
                image.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        Path png = tmp.resolve("wide.png");
        ImageIO.write(image, "png", png.toFile());
        PreferencePair pair = PreferencePair.of("<image>\nWhat is shown?", "Noise.", "A cat.", List.of(png), new Source("t.jsonl", 1));
        try (CausalLm model = ModelLoader.load(dir)) {
            InternVlCollator collator = InternVlCollator.forModel(model);
            assertEquals(448, collator.tiling().tileSize());
            assertEquals(256, collator.tokensPerTile());
            assertEquals(new InternVl25Template(InternVlChatModel.INTERNVL2_5_SYSTEM_MESSAGE), collator.template());
            PreferenceBatch batch = collator.collate(List.of(pair));
            assertEquals(3, batch.tiles());
            for (var rows : List.of(batch.chosen(), batch.rejected())) {
                long contexts = Arrays.stream(rows.inputIds()).filter(id -> id == IMG_CONTEXT).count();
                assertEquals(3 * 256, contexts);
            }
            String prompt = model.tokenizer().orElseThrow().decode(Arrays.copyOf(batch.chosen().inputIds(), batch.chosen().lengths()[0]));
            assertTrue(prompt.startsWith("<|im_start|>system\n" + InternVlChatModel.INTERNVL2_5_SYSTEM_MESSAGE + "<|im_end|>\n"
                    + "<|im_start|>user\n<img><IMG_CONTEXT>"), prompt);
            assertTrue(prompt.endsWith("<IMG_CONTEXT></img>\nWhat is shown?<|im_end|>\n<|im_start|>assistant\nNoise.<|im_end|>\n"), prompt);
            try (NDManager scope = model.manager().newSubManager()) {
                NDArray logits = model.forward(batch.concatenated().tokens(), batch.images(scope), scope);
                assertEquals(new Shape(2, batch.chosen().length() > batch.rejected().length() ? batch.chosen().length()
                        : batch.rejected().length(), 2048), logits.getShape());
            }
            // under LoRA the model is a wrapper: its collator still gets InternVL's template, not the tokenizer's
            try (mpo4j.peft.LoraModel lora = mpo4j.peft.LoraConfig.defaults().r(2).targetModules("q_proj").applyTo(model)) {
                InternVlCollator adapted = InternVlCollator.forModel(lora);
                assertEquals(collator.template(), adapted.template());
                assertArrayEquals(batch.chosen().inputIds(), adapted.collate(List.of(pair)).chosen().inputIds());
            }
        }
    }

    /**
     * A checkpoint that ships only the slow tokenizer's files (vocab.json, merges.txt, added_tokens.json,
     * tokenizer_config.json), as OpenGVLab's InternVL3 repos do, loads with a real (converted) tokenizer
     * and collates. The slow files come from the sample tokenizer.json; the converted tokenizer splits
     * with Qwen2's pattern where the sample uses GPT-2's, which for this pair's text makes no difference
     * to the ids, so the slow checkpoint's batch must equal the fast one's id for id.
     */
    @Test
    void slowTokenizerFilesGiveARealTokenizerThatCollates() throws IOException {
        Path fastDir = TinyCheckpoints.internVl3().write(tmp.resolve("fast"));
        Path slowDir = TinyCheckpoints.internVl3().slowTokenizer(true).write(tmp.resolve("slow"));
        assertFalse(Files.exists(slowDir.resolve("tokenizer.json")));
        for (String file : List.of("vocab.json", "merges.txt", "added_tokens.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(slowDir.resolve(file)), file);
        }
        BufferedImage image = new BufferedImage(448, 448, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(2);
        for (int y = 0; y < 448; y++) {
            for (int x = 0; x < 448; x++) {
                image.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        Path png = tmp.resolve("square.png");
        ImageIO.write(image, "png", png.toFile());
        PreferencePair pair = PreferencePair.of("<image>\nWhat is shown?", "Noise.", "A cat.", List.of(png), new Source("t.jsonl", 1));
        try (CausalLm fast = ModelLoader.load(fastDir); CausalLm slow = ModelLoader.load(slowDir)) {
            Tokenizer tokenizer = slow.tokenizer().orElseThrow();
            assertEquals(slowDir.resolve("vocab.json"), tokenizer.file());
            assertEquals(fast.tokens(), slow.tokens());
            assertEquals(new TokenIds(IMG_CONTEXT, IMG_START, IMG_END, ENDOFTEXT, IM_END, List.of(IM_END, ENDOFTEXT)), slow.tokens());
            PreferenceBatch fastBatch = InternVlCollator.forModel(fast).collate(List.of(pair));
            PreferenceBatch slowBatch = InternVlCollator.forModel(slow).collate(List.of(pair));
            assertEquals(1, slowBatch.tiles()); // a square image: one 448 px tile, no thumbnail
            assertArrayEquals(fastBatch.chosen().inputIds(), slowBatch.chosen().inputIds());
            assertArrayEquals(fastBatch.rejected().inputIds(), slowBatch.rejected().inputIds());
            assertArrayEquals(fastBatch.chosen().labels(), slowBatch.chosen().labels());
            long contexts = Arrays.stream(slowBatch.chosen().inputIds()).filter(id -> id == IMG_CONTEXT).count();
            assertEquals(256, contexts);
            String prompt = tokenizer.decode(Arrays.copyOf(slowBatch.chosen().inputIds(), slowBatch.chosen().lengths()[0]));
            assertEquals("<|im_start|>system\n" + InternVlChatModel.INTERNVL2_5_SYSTEM_MESSAGE + "<|im_end|>\n<|im_start|>user\n<img>"
                    + "<IMG_CONTEXT>".repeat(256) + "</img>\nWhat is shown?<|im_end|>\n<|im_start|>assistant\nNoise.<|im_end|>\n", prompt);
            try (NDManager scope = slow.manager().newSubManager()) {
                NDArray logits = slow.forward(slowBatch.concatenated().tokens(), slowBatch.images(scope), scope);
                assertEquals(2048, logits.getShape().get(2));
            }
        }
    }

    @Test
    void offlineLoadOfAnUncachedRepoSaysHowToDownload() {
        mpo4j.hf.HfEnvironment env = new mpo4j.hf.HfEnvironment(Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString()), tmp);
        java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
                () -> ModelLoader.load("OpenGVLab/InternVL3-1B", false, env));
        assertTrue(e.getMessage().startsWith("model 'OpenGVLab/InternVL3-1B' (revision main) is not in the Hugging Face cache "
                + tmp.resolve("hub")), e.getMessage());
        assertTrue(e.getMessage().endsWith("Or let mpo4j download it: ModelLoader.load(\"OpenGVLab/InternVL3-1B\", true) "
                + "(Mpo.load(\"OpenGVLab/InternVL3-1B\", true) in a notebook)."), e.getMessage());
        try (Stream<Path> files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().equals("hub")), "nothing written without download");
        } catch (IOException io) {
            throw new java.io.UncheckedIOException(io);
        }
    }
}
