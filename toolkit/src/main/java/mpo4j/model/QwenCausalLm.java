package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mpo4j.hf.HfConfig;
import mpo4j.hf.HfModelFolder;
import mpo4j.hf.SafetensorsDtype;
import mpo4j.hf.SafetensorsWriter;
import mpo4j.hf.TensorInfo;
import mpo4j.io.AtomicFiles;
import mpo4j.text.Tokenizer;

/**
 * A text-only Qwen causal language model ({@code Qwen2ForCausalLM} for Qwen2/Qwen2.5,
 * {@code Qwen3ForCausalLM}) read from and written to a Hugging Face model folder, with transformers'
 * parameter names. The math is {@link Decoder}'s; this class holds what the folder adds: the
 * {@code config.json} as read, the stored dtype, {@code generation_config.json} and the tokenizer files,
 * which {@link #save} writes back so that transformers' {@code from_pretrained} reads the result.
 *
 * <p>Open one with {@link ModelLoader#load(String)}; the layers are built through {@link Weights}, so
 * whatever {@link Weights} does for every Linear (adapters) applies here as for {@link TinyVlm}.
 */
public final class QwenCausalLm implements CausalLm {
    /** Files next to the weights that a save copies unchanged (whichever the folder has). */
    static final List<String> SIDE_FILES = List.of(HfModelFolder.GENERATION_CONFIG, HfModelFolder.TOKENIZER,
            HfModelFolder.TOKENIZER_CONFIG, HfModelFolder.SPECIAL_TOKENS_MAP, "vocab.json", "merges.txt",
            "added_tokens.json", "chat_template.jinja", "chat_template.json");

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final Decoder decoder;
    private final Map<String, Parameter> parameters;
    /** Every linear layer by its Hugging Face module name, for adapters. */
    private final Map<String, AdaptableLinear> linears;
    private final boolean trainable;
    private Tokenizer tokenizer;

    /**
     * What the folder says besides the weights.
     *
     * @param config      {@code config.json} as read, and its bytes (written back unchanged when the dtype stays)
     * @param decoder     the math read from it
     * @param dtype       the floating type the weights are stored in
     * @param sideFiles   generation config and tokenizer files by name, copied on save
     * @param tokens      special ids (no image ids: -1)
     * @param eosTokenIds every end-of-generation id, the first one in {@code tokens.eos()}
     * @param tokenizerDir a folder holding a tokenizer ({@link Tokenizer#present}), or {@code null}
     */
    private record Checkpoint(HfConfig config, byte[] configBytes, DecoderConfig decoder, SafetensorsDtype dtype,
            Map<String, byte[]> sideFiles, TokenIds tokens, List<Integer> eosTokenIds, Path tokenizerDir) {}

    private QwenCausalLm(Checkpoint checkpoint, NDManager manager, Weights.Source source, boolean trainable) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.trainable = trainable;
        Weights root = Weights.root(source, manager, trainable);
        this.decoder = new Decoder(root, checkpoint.decoder());
        this.parameters = Collections.unmodifiableMap(root.all());
        this.linears = root.linears();
    }

    /**
     * A freshly initialised model (seeded normal weights, std 0.02; norms 1; biases 0) of the shape
     * {@code config} (a Qwen2/Qwen3 {@code config.json}) describes: random weights at real dimensions for
     * benchmarks, or a tiny checkpoint to save. It stores float32 unless the config's
     * {@code torch_dtype}/{@code dtype} says bfloat16 or float16.
     */
    public static QwenCausalLm fromConfig(HfConfig config, long seed) {
        QwenHfConfig.EosPad ids = QwenHfConfig.tokenIds(config, Optional.empty());
        Checkpoint c = new Checkpoint(config, null, QwenHfConfig.decoderConfig(config), QwenHfConfig.dtype(config).orElse(SafetensorsDtype.F32),
                Map.of(), ids.tokens(), ids.eos(), null);
        return new QwenCausalLm(c, TinyVlm.newModelManager(null), Weights.seeded(seed), true);
    }

    /**
     * Reads the model of {@code folder} (its config names {@code Qwen2ForCausalLM} or
     * {@code Qwen3ForCausalLM}): shard by shard, every tensor widened to float32.
     *
     * @throws IllegalArgumentException naming the field, tensor and file when the config is unsupported,
     *     a tensor is missing or has the wrong shape, or a tensor is left unused
     */
    public static QwenCausalLm load(HfModelFolder folder) throws IOException {
        HfConfig config = folder.config();
        DecoderConfig decoderConfig = QwenHfConfig.decoderConfig(config);
        Map<String, byte[]> sideFiles = new LinkedHashMap<>();
        for (String name : SIDE_FILES) {
            Optional<Path> file = folder.file(name);
            if (file.isPresent()) {
                sideFiles.put(name, Files.readAllBytes(file.get()));
            }
        }
        QwenHfConfig.EosPad ids = QwenHfConfig.tokenIds(config, folder.generationConfig());
        String embedding = "model.embed_tokens.weight";
        SafetensorsDtype dtype = folder.contains(embedding) ? folder.tensor(embedding).dtype() : SafetensorsDtype.F32;
        Checkpoint checkpoint = new Checkpoint(config, Files.readAllBytes(folder.dir().resolve(HfModelFolder.CONFIG)),
                decoderConfig, dtype, Map.copyOf(sideFiles), ids.tokens(), ids.eos(), Tokenizer.present(folder.dir()) ? folder.dir() : null);
        checkTensors(folder, decoderConfig);
        NDManager manager = TinyVlm.newModelManager(null);
        try {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            folder.forEachTensor((info, source) -> {
                if (!ignored(info.name(), decoderConfig)) {
                    arrays.put(info.name(), source.loadFloat32(manager));
                }
            });
            return new QwenCausalLm(checkpoint, manager, (name, shape, init, m) -> arrays.remove(name), true);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** transformers ties lm_head to the embedding and ignores a stored copy of it. */
    private static boolean ignored(String tensor, DecoderConfig config) {
        return config.tieWordEmbeddings() && tensor.equals("lm_head.weight");
    }

    /**
     * Compares the safetensors headers with the parameters the config implies before any data is read,
     * so a wrong config or a foreign checkpoint fails in milliseconds, naming the tensor and its file.
     */
    private static void checkTensors(HfModelFolder folder, DecoderConfig config) {
        Map<String, Shape> expected = expectedShapes(config);
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            if (!folder.contains(e.getKey())) {
                throw new IllegalArgumentException(folder.dir() + ": no tensor '" + e.getKey() + "' (config.json implies shape "
                        + e.getValue() + ") in " + folder.weightFiles().size() + " weight file(s)");
            }
            TensorInfo info = folder.tensor(e.getKey());
            if (!new Shape(info.shape()).equals(e.getValue())) {
                throw new IllegalArgumentException(info.file().getFileName() + ": tensor '" + info.name() + "' has shape "
                        + new Shape(info.shape()) + " but config.json implies " + e.getValue());
            }
        }
        List<String> unused = new ArrayList<>();
        for (TensorInfo info : folder.tensors()) {
            if (!expected.containsKey(info.name()) && !ignored(info.name(), config)) {
                unused.add(info.name() + " (" + info.file().getFileName() + ")");
            }
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(folder.dir() + ": " + unused.size() + " tensor(s) not used by "
                    + ModelLoader.architecture(folder.config()) + ": " + unused);
        }
    }

    /**
     * Every parameter name and shape a decoder of {@code config} has, in construction order, found by
     * building it from views of a single zero (PyTorch's expand allocates nothing).
     */
    static Map<String, Shape> expectedShapes(DecoderConfig config) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try (NDManager scratch = NDManager.newBaseManager()) {
            NDArray zero = scratch.zeros(new Shape());
            new Decoder(Weights.root((name, shape, init, m) -> {
                shapes.put(name, shape);
                return zero.broadcast(shape);
            }, scratch, false), config);
        }
        return shapes;
    }

    // ------------------------------------------------------------------------------------ accessors

    /** The decoder's shape. */
    public DecoderConfig config() { return checkpoint.decoder(); }

    /** {@code config.json} as read (or given). */
    public HfConfig hfConfig() { return checkpoint.config(); }

    /** The floating type the weights were stored in, and that {@link #save(Path)} writes. */
    public SafetensorsDtype dtype() { return checkpoint.dtype(); }

    /** Every end-of-generation id ({@code eos_token_id} may be a list); {@link #tokens()} holds the first. */
    public List<Integer> eosTokenIds() { return checkpoint.eosTokenIds(); }

    @Override
    public int vocabSize() { return config().vocabSize(); }

    @Override
    public int layers() { return config().numHiddenLayers(); }

    @Override
    public TokenIds tokens() { return checkpoint.tokens(); }

    /** Always empty: a text-only model. */
    @Override
    public Optional<VisionInput> vision() { return Optional.empty(); }

    /**
     * The folder's tokenizer ({@code tokenizer.json}, or a slow Qwen2 tokenizer's {@code vocab.json} and
     * {@code merges.txt}, with {@code tokenizer_config.json}), loaded on first use.
     */
    @Override
    public synchronized Optional<Tokenizer> tokenizer() {
        if (tokenizer == null && checkpoint.tokenizerDir() != null) {
            tokenizer = Tokenizer.load(checkpoint.tokenizerDir());
        }
        return Optional.ofNullable(tokenizer);
    }

    @Override
    public NDManager manager() { return manager; }

    @Override
    public Map<String, AdaptableLinear> linearLayers() { return linears; }

    @Override
    public Map<String, Parameter> parameters() { return parameters; }

    @Override
    public boolean isTrainable() { return trainable; }

    @Override
    public QwenCausalLm frozenCopy() {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, p) -> arrays.put(name, p.getArray()));
        return new QwenCausalLm(checkpoint, TinyVlm.newModelManager(null), Weights.copyOf(arrays), false);
    }

    // ------------------------------------------------------------------------------------ forward

    @Override
    public NDArray hidden(TokenRows rows, ImageInputs images, NDManager scope) {
        requireNoImages(images);
        return decoder.forward(decoder.embed(rows.ids(scope)), rows, scope);
    }

    @Override
    public NDArray logits(NDArray hidden) { return decoder.logits(hidden); }

    @Override
    public NDArray decode(TokenRows rows, int[] leftPadding, ImageInputs images, KvCache cache, NDManager scope) {
        Decoder.requireUnpacked(rows);
        requireNoImages(images);
        return decoder.decode(decoder.embed(rows.ids(scope)), leftPadding, cache, scope);
    }

    private void requireNoImages(ImageInputs images) {
        if (images != null && images.tiles() > 0) {
            throw new IllegalArgumentException(ModelLoader.architecture(checkpoint.config()) + " is a text-only model, but "
                    + images.tiles() + " image tiles were given");
        }
    }

    // ------------------------------------------------------------------------------------ checkpoints

    /** Saves in the stored dtype, sharded as transformers does; see {@link #save(Path, SafetensorsWriter)}. */
    @Override
    public void save(Path dir) {
        save(dir, SafetensorsWriter.defaults().dtype(checkpoint.dtype()));
    }

    /**
     * Writes the Hugging Face folder {@code dir} atomically: {@code config.json} as read (its
     * {@code torch_dtype}/{@code dtype} updated only when {@code writer} stores another dtype), the weights
     * in transformers' state-dict order through {@code writer}, and the generation config and tokenizer
     * files as read.
     */
    public void save(Path dir, SafetensorsWriter writer) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        stateDictOrder(parameters.keySet()).forEach(name -> tensors.put(name, parameters.get(name).getArray()));
        try {
            AtomicFiles.writeDirectory(dir, temp -> {
                Path configFile = temp.resolve(HfModelFolder.CONFIG);
                if (writer.dtype() == checkpoint.dtype() && checkpoint.configBytes() != null) {
                    Files.write(configFile, checkpoint.configBytes());
                } else {
                    QwenHfConfig.withDtype(checkpoint.config(), writer.dtype()).write(configFile);
                }
                writer.write(temp, tensors);
                for (Map.Entry<String, byte[]> file : checkpoint.sideFiles().entrySet()) {
                    Files.write(temp.resolve(file.getKey()), file.getValue());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Within a layer, the order of transformers' modules (self_attn, mlp, then the two norms). */
    private static final List<String> LAYER_ORDER = List.of("self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj.",
            "self_attn.o_proj.", "self_attn.q_norm.", "self_attn.k_norm.", "mlp.gate_proj.", "mlp.up_proj.", "mlp.down_proj.",
            "input_layernorm.", "post_attention_layernorm.");

    /**
     * Names in the order of transformers' {@code state_dict()}, which decides how {@code save_pretrained}
     * fills shards: embedding, layers (modules in definition order), final norm, head. Our construction
     * order differs inside a layer (kept for TinyVlm's sake) and a stable sort puts it right.
     */
    static List<String> stateDictOrder(java.util.Collection<String> names) {
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(Comparator.comparingLong(QwenCausalLm::stateDictRank));
        return sorted;
    }

    private static long stateDictRank(String name) {
        String layers = "model.layers.";
        if (name.startsWith("model.embed_tokens.")) {
            return 0;
        }
        if (name.startsWith(layers)) {
            int dot = name.indexOf('.', layers.length());
            long layer = Long.parseLong(name.substring(layers.length(), dot));
            String local = name.substring(dot + 1);
            int rank = 0;
            while (rank < LAYER_ORDER.size() && !local.startsWith(LAYER_ORDER.get(rank))) {
                rank++;
            }
            return 1 + layer * (LAYER_ORDER.size() + 1) + rank;
        }
        return name.startsWith("model.norm.") ? Long.MAX_VALUE - 1 : Long.MAX_VALUE;
    }

    /** Reads a folder written by {@link #save} (or any Qwen2/Qwen3 folder); trainable. */
    @Override
    public QwenCausalLm loadSaved(Path dir) {
        try {
            return load(HfModelFolder.open(dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load model from " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() { manager.close(); }

    @Override
    public String toString() {
        return "QwenCausalLm(" + ModelLoader.architecture(checkpoint.config()) + ", " + parameterCount() + " parameters, "
                + checkpoint.dtype() + ", " + (trainable ? "trainable" : "frozen") + ")";
    }
}
