package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import mpo4j.engine.Mpo4jEngine;
import mpo4j.text.Tokenizer;

/**
 * A tiny InternVL-style vision-language model, in the shape of InternVL3 at toy size: a ViT over
 * tiles → pixel shuffle + MLP projector ({@code mlp1}) → tokens that replace a row's
 * {@code <IMG_CONTEXT>} embeddings → a Qwen2-style decoder with a tied output head. Its parameters
 * carry the Hugging Face names, so it saves and loads as a checkpoint folder.
 *
 * <p>The blocks are {@link VisionEncoder} and {@link Decoder}; this class wires them: configuration,
 * embedding with image tokens, the attention masks, forward and incremental decoding, save and load.
 */
public final class TinyVlm implements CausalLm {

    private final TinyVlmConfig config;
    private final NDManager manager;
    private final Map<String, Parameter> parameters;
    private final Map<String, AdaptableLinear> linears;
    private final Decoder decoder;
    private final VisionEncoder vision;
    private final boolean trainable;
    /** The tokenizer whose special ids the config holds, if the model was given or saved with one. */
    private Tokenizer tokenizer;
    /** A checkpoint folder with {@code tokenizer.json}, loaded on first use so a model loads without it. */
    private final Path tokenizerDir;

    private TinyVlm(TinyVlmConfig config, NDManager manager, Weights.Source source, boolean trainable,
                    Tokenizer tokenizer, Path tokenizerDir) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.tokenizerDir = tokenizerDir;
        this.manager = manager;
        this.trainable = trainable;
        Weights root = Weights.root(source, manager, trainable);
        this.vision = config.hasVision() ? new VisionEncoder(root, config.vision(), config.text().hidden()) : null;
        this.decoder = new Decoder(root, config.text());
        this.parameters = Collections.unmodifiableMap(root.all());
        this.linears = root.linears();
    }

    /** A builder for a freshly initialised model of this shape (seed 42). */
    public static Builder builder(TinyVlmConfig config) { return new Builder(config, 42, null, null); }

    /**
     * How to build a model from a seed, as an immutable value:
     * {@code TinyVlm.builder(TinyVlmConfig.tinyVlm()).numKeyValueHeads(2).seed(42).build()}.
     *
     * @param parent    the manager whose child holds the parameters (null: a new base manager)
     * @param tokenizer the tokenizer whose special ids the configuration holds, or null
     */
    public record Builder(TinyVlmConfig configuration, long seed, NDManager parent, Tokenizer tokenizer) {

        public Builder seed(long s) { return new Builder(configuration, s, parent, tokenizer); }

        /** Replaces the whole configuration. */
        public Builder config(TinyVlmConfig c) { return new Builder(c, seed, parent, tokenizer); }

        /** Drops the vision tower. */
        public Builder textOnly() { return config(configuration.textOnly()); }

        /** Grouped-query attention: key/value heads shared by {@code heads / n} query heads each. */
        public Builder numKeyValueHeads(int n) { return config(configuration.withText(configuration.text().withNumKeyValueHeads(n))); }

        public Builder vocabSize(int n) { return config(configuration.withText(configuration.text().withVocabSize(n))); }

        /** Special token ids. */
        public Builder tokenizerIds(TokenIds ids) { return config(configuration.withTokenizerIds(ids)); }

        /** Special token ids ({@code <IMG_CONTEXT>}, {@code <img>}, {@code </img>}, pad, {@code <|im_end|>}) of this tokenizer. */
        public Builder tokenizer(Tokenizer t) { return new Builder(configuration.withTokenizer(t), seed, parent, t); }

        /** The manager whose child holds the parameters (default: a new base manager). */
        public Builder manager(NDManager p) { return new Builder(configuration, seed, p, tokenizer); }

        public TinyVlm build() {
            return new TinyVlm(configuration, newModelManager(parent), Weights.seeded(seed), true, tokenizer, null);
        }
    }

    static NDManager newModelManager(NDManager parent) {
        Mpo4jEngine.ensureOffline();
        return parent == null ? NDManager.newBaseManager() : parent.newSubManager();
    }

    public TinyVlmConfig config() { return config; }

    @Override
    public int vocabSize() { return config.text().vocabSize(); }

    @Override
    public int layers() { return config.text().layers(); }

    @Override
    public TokenIds tokens() { return config.tokens(); }

    @Override
    public Optional<VisionInput> vision() {
        return config.hasVision() ? Optional.of(new VisionInput(config.vision().tileSize(), config.tokensPerTile())) : Optional.empty();
    }

    /** The tokenizer this model was built or saved with, so a collator can be made from the model alone. */
    public synchronized Optional<Tokenizer> tokenizer() {
        if (tokenizer == null && tokenizerDir != null) {
            tokenizer = Tokenizer.load(tokenizerDir);
        }
        return Optional.ofNullable(tokenizer);
    }

    /** The manager holding the parameters; open forward scopes as its sub-managers. */
    public NDManager manager() { return manager; }

    /** All parameters in a fixed order under their Hugging Face names (the optimizer's view). */
    public Map<String, Parameter> parameters() { return parameters; }

    @Override
    public Map<String, AdaptableLinear> linearLayers() { return linears; }

    /** Whether the parameters require gradients ({@code false} for a {@link #frozenCopy()}). */
    public boolean isTrainable() { return trainable; }

    /**
     * A copy of the current weights that requires no gradient: the frozen reference model. It has its
     * own memory, so later updates of this model do not reach it (and its gradients never exist).
     */
    public TinyVlm frozenCopy() {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, p) -> arrays.put(name, p.getArray()));
        return new TinyVlm(config, newModelManager(null), Weights.copyOf(arrays), false, tokenizer, tokenizerDir);
    }

    // ------------------------------------------------------------------------------------ forward

    @Override
    public NDArray hidden(TokenRows rows, ImageInputs images, NDManager scope) {
        return decoder.forward(embed(rows, images, scope), rows, scope);
    }

    /** The tied output head applied to hidden states. */
    @Override
    public NDArray logits(NDArray hidden) { return decoder.logits(hidden); }

    @Override
    public NDArray decode(TokenRows rows, int[] leftPadding, ImageInputs images, KvCache cache, NDManager scope) {
        Decoder.requireUnpacked(rows);
        NDArray x = cache.length() == 0 ? embed(rows, images, scope) : decoder.embed(rows.ids(scope));
        return decoder.decode(x, leftPadding, cache, scope);
    }

    /** Token embeddings with every {@code <IMG_CONTEXT>} position replaced by its vision token. */
    private NDArray embed(TokenRows rows, ImageInputs images, NDManager scope) {
        return ImageTokenEmbedding.replace(decoder.embed(rows.ids(scope)), rows, images, config.tokens().imgContext(),
                config.tokensPerTile(), vision == null ? null : vision::encode, scope);
    }

    // ------------------------------------------------------------------------------------ checkpoints

    /**
     * Saves {@code config.json} + {@code model.safetensors} into {@code dir}, atomically, with the
     * model's tokenizer files when it has a tokenizer.
     */
    public void save(Path dir) {
        SaveOptions options = SaveOptions.defaults();
        Path tokenizerFiles = tokenizer != null ? tokenizer.file().getParent() : tokenizerDir;
        save(dir, tokenizerFiles == null ? options : options.withTokenizer(tokenizerFiles));
    }

    /** Saves with a tokenizer to copy along and a shard size limit. */
    public void save(Path dir, SaveOptions options) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        parameters.forEach((name, p) -> tensors.put(name, new SafeTensors.Tensor(p.getArray().getShape().getShape(), p.getArray().toFloatArray())));
        TinyVlmFiles.write(dir, config, tensors, options);
    }

    @Override
    public TinyVlm loadSaved(Path dir) { return load(dir); }

    /** Loads a model written by {@link #save}; its parameters are trainable. */
    public static TinyVlm load(Path dir) {
        try {
            TinyVlmConfig config = TinyVlmFiles.readConfig(dir);
            Map<String, SafeTensors.Tensor> tensors = SafeTensors.readDirectory(dir);
            Map<String, SafeTensors.Tensor> unused = new LinkedHashMap<>(tensors);
            Weights.Source source = (name, shape, init, m) -> {
                SafeTensors.Tensor t = unused.remove(name);
                if (t == null) {
                    throw new IllegalArgumentException(dir + ": checkpoint has no tensor " + name);
                }
                if (!new Shape(t.shape()).equals(shape)) {
                    throw new IllegalArgumentException(dir + ": tensor " + name + " has shape " + new Shape(t.shape())
                            + " but config.json implies " + shape);
                }
                return m.create(t.values(), new Shape(t.shape()));
            };
            NDManager manager = newModelManager(null);
            try {
                Path tokenizerDir = Files.isRegularFile(dir.resolve("tokenizer.json")) ? dir : null;
                TinyVlm model = new TinyVlm(config, manager, source, true, null, tokenizerDir);
                if (!unused.isEmpty()) {
                    throw new IllegalArgumentException(dir + ": checkpoint has tensors the model does not know: " + unused.keySet());
                }
                return model;
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot load model from " + dir + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------ lifecycle

    /** Frees the parameters. */
    @Override
    public void close() { manager.close(); }

    @Override
    public String toString() {
        return "TinyVlm(" + parameterCount() + " parameters, " + (vision == null ? "text-only" : "vision") + ", "
                + (trainable ? "trainable" : "frozen") + ")";
    }
}
