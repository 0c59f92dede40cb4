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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import mpo4j.hf.HfConfig;
import mpo4j.hf.HfModelFolder;
import mpo4j.hf.SafetensorsDtype;
import mpo4j.hf.SafetensorsWriter;
import mpo4j.hf.TensorInfo;
import mpo4j.io.AtomicFiles;
import mpo4j.text.ChatTemplate;
import mpo4j.text.InternVl25Template;
import mpo4j.text.Tokenizer;
import mpo4j.text.TokenizerConfig;

/**
 * InternVL in OpenGVLab's original layout ({@code InternVLChatModel}: InternVL2.5 and InternVL3-1B/2B/8B):
 * the InternViT tower {@code vision_model.*} and projector {@code mlp1.*} ({@link InternVit}) feeding a
 * Qwen2 (or Qwen3) decoder stored under {@code language_model.} ({@code language_model.model.*},
 * {@code language_model.lm_head.weight} unless {@code llm_config.tie_word_embeddings}). Every
 * {@code <IMG_CONTEXT>} embedding of a row is replaced by the row's image tokens, as
 * {@code InternVLChatModel.forward} does; {@code <img>} and {@code </img>} keep theirs.
 *
 * <p>Configuration comes from {@code config.json}: {@code vision_config}, {@code llm_config},
 * {@code force_image_size}, {@code downsample_ratio}, {@code select_layer}, {@code ps_version} (see
 * {@link InternVitConfig}) and {@code template}; {@code num_image_token = (tile / patch)^2 * ratio^2}.
 * The image and end ids come from the folder's tokenizer ({@code <IMG_CONTEXT>}, {@code <img>},
 * {@code </img>}; {@code <|im_end|>}, the separator InternVL's {@code chat} stops at, then the
 * {@code eos_token_id}s of {@code generation_config.json} and {@code llm_config}).
 *
 * <p>{@link #save} writes the same layout back: {@code config.json} as read, the weights in the
 * reference's state-dict order (vision tower, language model, projector) and every other file a
 * {@code from_pretrained(..., trust_remote_code=True)} needs (the remote-code {@code *.py} files,
 * generation, preprocessor and tokenizer files). Open one with {@link ModelLoader#load(String)}.
 */
public final class InternVlChatModel implements CausalLm {
    /** The {@code architectures} name. */
    public static final String ARCHITECTURE = "InternVLChatModel";
    /** The {@code model_type}. */
    public static final String MODEL_TYPE = "internvl_chat";
    /** The language-model prefix of every decoder tensor. */
    public static final String LANGUAGE_PREFIX = "language_model.";
    /** The conversation template InternVL2.5 and InternVL3 name in {@code template}. */
    public static final String INTERNVL2_5 = "internvl2_5";
    /**
     * The system message of InternVL's {@code internvl2_5} conversation template
     * ({@code conversation.py}), which InternVL's {@code chat} and its training data pipeline put first
     * when a conversation has none.
     */
    public static final String INTERNVL2_5_SYSTEM_MESSAGE =
            "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。";

    /** Files besides config.json and the weights that a save copies unchanged (whichever the folder has). */
    private static final List<String> SIDE_FILES = Stream.concat(QwenCausalLm.SIDE_FILES.stream(),
            Stream.of("preprocessor_config.json")).toList();

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final InternVit vision;
    private final Decoder decoder;
    private final Map<String, Parameter> parameters;
    private final Map<String, AdaptableLinear> linears;
    private final boolean trainable;
    private Tokenizer tokenizer;

    /**
     * What the folder says besides the weights.
     *
     * @param config       {@code config.json} as read or given
     * @param configBytes  its bytes (written back unchanged while the dtype stays), or null
     * @param vision       the tower and projector it describes
     * @param language     the decoder {@code llm_config} describes
     * @param dtype        the floating type of the stored weights
     * @param sideFiles    other files by name, copied on save
     * @param tokens       image, pad and end ids
     * @param tokenizerDir a folder holding a tokenizer ({@link Tokenizer#present}), or null
     */
    private record Checkpoint(HfConfig config, byte[] configBytes, InternVitConfig vision, DecoderConfig language,
            SafetensorsDtype dtype, Map<String, byte[]> sideFiles, TokenIds tokens, Path tokenizerDir) {}

    private InternVlChatModel(Checkpoint checkpoint, NDManager manager, Weights.Source source, boolean trainable, Tokenizer tokenizer) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.trainable = trainable;
        this.tokenizer = tokenizer;
        Weights root = Weights.root(source, manager, trainable);
        this.vision = new InternVit(root, checkpoint.vision());
        this.decoder = new Decoder(root.at("language_model"), checkpoint.language());
        this.parameters = Collections.unmodifiableMap(root.all());
        this.linears = root.linears();
    }

    // ------------------------------------------------------------------------------------ construction

    /**
     * A model of the shape an {@code InternVLChatModel} {@code config.json} describes, with seeded random
     * weights (normal, std 0.02; biases 0; norms and layer scales 1): a tiny checkpoint to save, or real
     * dimensions for a benchmark. Its special ids come from the tokenizer in {@code tokenizerDir}, whose
     * files a save copies along; the weights are stored in the config's {@code torch_dtype} (float32 when
     * it names none we write).
     *
     * @param tokenizerDir a folder with {@code tokenizer.json} or a slow tokenizer's {@code vocab.json} and
     *     {@code merges.txt} (and usually {@code tokenizer_config.json}), or null
     * @throws IllegalArgumentException naming the field when the config is unsupported
     */
    public static InternVlChatModel fromConfig(HfConfig config, long seed, Path tokenizerDir) {
        return create(config, Weights.seeded(seed), tokenizerDir);
    }

    /** {@link #fromConfig} with the initial values from {@code source}. */
    static InternVlChatModel create(HfConfig config, Weights.Source source, Path tokenizerDir) {
        try {
            Map<String, byte[]> sideFiles = new LinkedHashMap<>();
            if (tokenizerDir != null) {
                for (String name : SIDE_FILES) {
                    Path file = tokenizerDir.resolve(name);
                    if (Files.isRegularFile(file) && !name.equals(HfModelFolder.GENERATION_CONFIG)) {
                        sideFiles.put(name, Files.readAllBytes(file));
                    }
                }
            }
            Tokenizer tok = tokenizerDir == null ? null : Tokenizer.load(tokenizerDir);
            Checkpoint c = new Checkpoint(config, null, visionConfig(config), languageConfig(config),
                    QwenHfConfig.dtype(config).orElse(SafetensorsDtype.F32), Map.copyOf(sideFiles),
                    tokenIds(config, Optional.empty(), tok, tokenizerDir), tokenizerDir);
            return new InternVlChatModel(c, TinyVlm.newModelManager(null), source, true, tok);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer files in " + tokenizerDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the model of {@code folder}: config checks first, then the safetensors headers against the
     * parameters the config implies (before any data is read), then the tensors shard by shard, each
     * widened to float32.
     *
     * @throws IllegalArgumentException naming the file and the field or tensor when the config is
     *     unsupported, a tensor is missing or has another shape, or a tensor is left unused
     */
    public static InternVlChatModel load(HfModelFolder folder) throws IOException {
        HfConfig config = folder.config();
        InternVitConfig visionConfig = visionConfig(config);
        DecoderConfig languageConfig = languageConfig(config);
        Map<String, byte[]> sideFiles = new LinkedHashMap<>();
        for (String name : SIDE_FILES) {
            Optional<Path> file = folder.file(name);
            if (file.isPresent()) {
                sideFiles.put(name, Files.readAllBytes(file.get()));
            }
        }
        // the remote code transformers runs for trust_remote_code (configuration_internvl_chat.py, ...)
        try (Stream<Path> files = Files.list(folder.dir())) {
            for (Path py : files.filter(p -> p.getFileName().toString().endsWith(".py")).sorted().toList()) {
                sideFiles.put(py.getFileName().toString(), Files.readAllBytes(py));
            }
        }
        // tokenizer.json, or the slow files OpenGVLab's repos ship (converted as transformers converts them)
        Tokenizer tok = Tokenizer.present(folder.dir()) ? Tokenizer.load(folder.dir()) : null;
        String embedding = LANGUAGE_PREFIX + "model.embed_tokens.weight";
        SafetensorsDtype dtype = folder.contains(embedding) ? folder.tensor(embedding).dtype() : SafetensorsDtype.F32;
        Checkpoint checkpoint = new Checkpoint(config, Files.readAllBytes(folder.dir().resolve(HfModelFolder.CONFIG)),
                visionConfig, languageConfig, dtype, Map.copyOf(sideFiles), tokenIds(config, folder.generationConfig(), tok, folder.dir()),
                tok == null ? null : folder.dir());
        Map<String, Shape> expected = expectedShapes(visionConfig, languageConfig);
        checkTensors(folder, expected, languageConfig);
        NDManager manager = TinyVlm.newModelManager(null);
        try {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            folder.forEachTensor((info, source) -> {
                if (expected.containsKey(info.name())) {
                    arrays.put(info.name(), source.loadFloat32(manager));
                }
            });
            return new InternVlChatModel(checkpoint, manager, (name, shape, init, m) -> arrays.remove(name), true, tok);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The tower's configuration, with errors naming {@code config.json}'s fields. */
    private static InternVitConfig visionConfig(HfConfig config) {
        return InternVitConfig.fromHf(config);
    }

    /**
     * The decoder {@code llm_config} describes. InternVL picks the language model by
     * {@code llm_config.architectures[0]}; mpo4j runs the Qwen ones.
     */
    private static DecoderConfig languageConfig(HfConfig config) {
        HfConfig llm = config.section("llm_config");
        List<String> architectures = llm.getStringList("architectures");
        String first = architectures.isEmpty() ? "(none)" : architectures.get(0);
        if (!first.equals(ModelLoader.QWEN2) && !first.equals(ModelLoader.QWEN3)) {
            throw new IllegalArgumentException(config.source() + ": field 'llm_config.architectures' is " + architectures + "; "
                    + ARCHITECTURE + " is supported with a " + ModelLoader.QWEN2 + " (InternVL2.5, InternVL3) or "
                    + ModelLoader.QWEN3 + " language model");
        }
        return QwenHfConfig.decoderConfig(llm, "llm_config.");
    }

    /**
     * Image ids from the tokenizer; end ids {@code <|im_end|>} (when the tokenizer has it) and then the
     * {@code eos_token_id}s of {@code generation_config.json} and {@code llm_config}; pad from the
     * tokenizer's {@code pad_token}, else the configs, else eos. Without any tokenizer the ids come from
     * {@code tokenizer_config.json}'s {@code added_tokens_decoder}; without that either, the image ids are -1.
     *
     * @throws IllegalArgumentException naming the file when a tokenizer lacks {@code <IMG_CONTEXT>}, {@code <img>} or {@code </img>}
     */
    private static TokenIds tokenIds(HfConfig config, Optional<HfConfig> generation, Tokenizer tok, Path folder) {
        QwenHfConfig.EosPad fromConfigs = QwenHfConfig.tokenIds(config.section("llm_config"), generation);
        Map<String, Long> added = new LinkedHashMap<>();
        Optional<String> padToken;
        String source;
        if (tok != null) {
            added.putAll(tok.addedTokens());
            padToken = tok.config().padToken();
            source = tok.file().toString();
        } else {
            TokenizerConfig tokenizerConfig = TokenizerConfig.read(folder == null ? Path.of(".") : folder);
            tokenizerConfig.addedTokensDecoder().forEach((id, token) -> added.put(token.content(), id));
            padToken = tokenizerConfig.padToken();
            source = tokenizerConfig.file().toString();
        }
        if (added.isEmpty()) {
            return fromConfigs.tokens().eosIds(fromConfigs.eos());
        }
        int[] image = new int[3];
        List<String> names = List.of(Tokenizer.IMG_CONTEXT, Tokenizer.IMG_START, Tokenizer.IMG_END);
        for (int i = 0; i < 3; i++) {
            Long id = added.get(names.get(i));
            if (id == null) {
                throw new IllegalArgumentException(source + " has no added token " + names.get(i) + ": " + ARCHITECTURE
                        + " needs <IMG_CONTEXT>, <img> and </img> (InternVL's tokenizers add them)");
            }
            image[i] = Math.toIntExact(id);
        }
        List<Integer> eos = new ArrayList<>();
        if (added.containsKey(Tokenizer.IM_END)) {
            eos.add(Math.toIntExact(added.get(Tokenizer.IM_END)));
        }
        eos.addAll(fromConfigs.eos());
        int pad = padToken.filter(added::containsKey).map(t -> Math.toIntExact(added.get(t))).orElse(fromConfigs.tokens().pad());
        return new TokenIds(image[0], image[1], image[2], pad, eos.get(0)).eosIds(eos);
    }

    /** transformers ties {@code lm_head} to the embedding and ignores a stored copy of it. */
    private static boolean ignored(String tensor, DecoderConfig language) {
        return language.tieWordEmbeddings() && tensor.equals(LANGUAGE_PREFIX + "lm_head.weight");
    }

    private static void checkTensors(HfModelFolder folder, Map<String, Shape> expected, DecoderConfig language) {
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
            if (!expected.containsKey(info.name()) && !ignored(info.name(), language)) {
                unused.add(info.name() + " (" + info.file().getFileName() + ")");
            }
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(folder.dir() + ": " + unused.size() + " tensor(s) not used by " + ARCHITECTURE
                    + " as config.json describes it: " + unused);
        }
    }

    /** Every parameter name and shape, found by building the model from views of a single zero. */
    private static Map<String, Shape> expectedShapes(InternVitConfig vision, DecoderConfig language) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try (NDManager scratch = NDManager.newBaseManager()) {
            NDArray zero = scratch.zeros(new Shape());
            Weights root = Weights.root((name, shape, init, m) -> {
                shapes.put(name, shape);
                return zero.broadcast(shape);
            }, scratch, false);
            new InternVit(root, vision);
            new Decoder(root.at("language_model"), language);
        }
        return shapes;
    }

    // ------------------------------------------------------------------------------------ accessors

    /** {@code config.json} as read (or given). */
    public HfConfig hfConfig() { return checkpoint.config(); }

    /** The vision tower's and projector's configuration. */
    public InternVitConfig visionConfig() { return checkpoint.vision(); }

    /** The language model's configuration ({@code llm_config}). */
    public DecoderConfig languageConfig() { return checkpoint.language(); }

    /** The floating type the weights were stored in, and that {@link #save(Path)} writes. */
    public SafetensorsDtype dtype() { return checkpoint.dtype(); }

    /** {@code num_image_token}: {@code <IMG_CONTEXT>} tokens per tile. */
    public int numImageToken() { return checkpoint.vision().numImageToken(); }

    /** The {@code template} field: InternVL's conversation template name, if set. */
    public Optional<String> template() {
        return Optional.ofNullable(checkpoint.config().getString("template", null));
    }

    /**
     * The chat template InternVL trains and chats with: for {@code template} {@code "internvl2_5"} its
     * ChatML template with InternVL's own system message ({@link #INTERNVL2_5_SYSTEM_MESSAGE}); without
     * a {@code template}, the tokenizer's.
     *
     * @throws IllegalStateException naming the field for another conversation template, or when there is
     *     neither a template name nor a tokenizer
     */
    @Override
    public ChatTemplate chatTemplate() {
        Optional<String> name = template();
        if (name.isEmpty()) {
            return ChatTemplate.of(tokenizer().orElseThrow(() -> new IllegalStateException(
                    checkpoint.config().source() + ": no field 'template' and no tokenizer: the model has no chat template")));
        }
        if (!name.get().equals(INTERNVL2_5)) {
            throw new IllegalStateException(checkpoint.config().source() + ": field 'template' is \"" + name.get()
                    + "\"; mpo4j renders only InternVL's \"" + INTERNVL2_5 + "\" (InternVL2.5, InternVL3): give the collator"
                    + " another ChatTemplate with .template(...)");
        }
        return new InternVl25Template(INTERNVL2_5_SYSTEM_MESSAGE);
    }

    @Override
    public int vocabSize() { return checkpoint.language().vocabSize(); }

    @Override
    public int layers() { return checkpoint.language().numHiddenLayers(); }

    @Override
    public TokenIds tokens() { return checkpoint.tokens(); }

    @Override
    public Optional<VisionInput> vision() { return Optional.of(vision.visionInput()); }

    /**
     * The folder's tokenizer (loaded with the model, when the folder has {@code tokenizer.json} or a slow
     * Qwen2 tokenizer's {@code vocab.json} and {@code merges.txt}).
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
    public Map<String, Parameter> parameters() { return parameters; }

    @Override
    public Map<String, AdaptableLinear> linearLayers() { return linears; }

    @Override
    public boolean isTrainable() { return trainable; }

    @Override
    public InternVlChatModel frozenCopy() {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, p) -> arrays.put(name, p.getArray()));
        return new InternVlChatModel(checkpoint, TinyVlm.newModelManager(null), Weights.copyOf(arrays), false, tokenizer);
    }

    // ------------------------------------------------------------------------------------ forward

    @Override
    public NDArray hidden(TokenRows rows, ImageInputs images, NDManager scope) {
        return decoder.forward(embed(rows, images, scope), rows, scope);
    }

    @Override
    public NDArray logits(NDArray hidden) { return decoder.logits(hidden); }

    @Override
    public NDArray decode(TokenRows rows, int[] leftPadding, ImageInputs images, KvCache cache, NDManager scope) {
        Decoder.requireUnpacked(rows);
        NDArray x = cache.length() == 0 ? embed(rows, images, scope) : decoder.embed(rows.ids(scope));
        return decoder.decode(x, leftPadding, cache, scope);
    }

    /** Token embeddings with every {@code <IMG_CONTEXT>} position replaced by its image token. */
    private NDArray embed(TokenRows rows, ImageInputs images, NDManager scope) {
        if (images != null && images.tiles() > 0 && tokens().imgContext() < 0) {
            throw new IllegalArgumentException(ARCHITECTURE + " was made without a tokenizer, so it has no <IMG_CONTEXT> id to "
                    + "place the " + images.tiles() + " image tiles at: put tokenizer.json (or vocab.json and merges.txt) next to config.json");
        }
        return ImageTokenEmbedding.replace(decoder.embed(rows.ids(scope)), rows, images, tokens().imgContext(), numImageToken(),
                vision::encode, scope);
    }

    // ------------------------------------------------------------------------------------ checkpoints

    /** Saves in the stored dtype, sharded as transformers does; see {@link #save(Path, SafetensorsWriter)}. */
    @Override
    public void save(Path dir) {
        save(dir, SafetensorsWriter.defaults().dtype(checkpoint.dtype()));
    }

    /**
     * Writes the Hugging Face folder {@code dir} atomically: {@code config.json} as read (its
     * {@code torch_dtype} fields updated only when {@code writer} stores another dtype), the weights in the
     * reference's state-dict order through {@code writer}, and the other files as read.
     */
    public void save(Path dir, SafetensorsWriter writer) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        stateDictOrder().forEach(name -> tensors.put(name, parameters.get(name).getArray()));
        try {
            AtomicFiles.writeDirectory(dir, temp -> {
                Path configFile = temp.resolve(HfModelFolder.CONFIG);
                if (writer.dtype() == checkpoint.dtype() && checkpoint.configBytes() != null) {
                    Files.write(configFile, checkpoint.configBytes());
                } else {
                    withDtype(checkpoint.config(), writer.dtype()).write(configFile);
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

    /** The config with the dtype fields at the top and in both sections naming {@code dtype}. */
    private static HfConfig withDtype(HfConfig config, SafetensorsDtype dtype) {
        HfConfig out = QwenHfConfig.withDtype(config, dtype);
        for (String section : List.of("llm_config", "vision_config")) {
            out = out.with(section, QwenHfConfig.withDtype(out.section(section), dtype));
        }
        return out;
    }

    /**
     * Parameter names in the order of the reference's {@code state_dict()} (modules in definition order:
     * {@code vision_model}, {@code language_model} in transformers' order, {@code mlp1}), which decides
     * how a save fills shards.
     */
    private List<String> stateDictOrder() {
        List<String> names = new ArrayList<>();
        List<String> language = new ArrayList<>();
        List<String> projector = new ArrayList<>();
        for (String name : parameters.keySet()) {
            if (name.startsWith(LANGUAGE_PREFIX)) {
                language.add(name.substring(LANGUAGE_PREFIX.length()));
            } else if (name.startsWith(InternVit.PROJECTOR_PREFIX)) {
                projector.add(name);
            } else {
                names.add(name);
            }
        }
        QwenCausalLm.stateDictOrder(language).forEach(name -> names.add(LANGUAGE_PREFIX + name));
        names.addAll(projector);
        return names;
    }

    /** Reads a folder written by {@link #save} (or any {@code InternVLChatModel} folder); trainable. */
    @Override
    public InternVlChatModel loadSaved(Path dir) {
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
        return ARCHITECTURE + "(" + parameterCount() + " parameters, " + vision.config().tileSize() + " px tiles -> "
                + numImageToken() + " tokens, " + checkpoint.language().numHiddenLayers() + "-layer "
                + checkpoint.config().section("llm_config").getStringList("architectures").get(0) + ", " + checkpoint.dtype() + ", "
                + (trainable ? "trainable" : "frozen") + ")";
    }
}
