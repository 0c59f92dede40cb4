package mpo4j.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import mpo4j.model.AdaptableLinear;
import mpo4j.model.AdapterScope;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.model.KvCache;
import mpo4j.model.TokenIds;
import mpo4j.model.TokenRows;
import mpo4j.text.ChatTemplate;
import mpo4j.text.Tokenizer;

/**
 * A {@link CausalLm} with LoRA adapters on some of its linear layers (PEFT's {@code get_peft_model}):
 * trainers take it as they take any model. It shares the base model's weights, never copies them.
 *
 * <ul>
 *   <li>{@link #parameters()} holds only what trains: every adapter's {@code lora_A}/{@code lora_B} and
 *       the base parameters the configuration leaves unfrozen, under the names PEFT saves them with
 *       ({@code base_model.model.<module>.lora_A.weight}, {@code base_model.model.<parameter>}).
 *       Wrapping sets every other base parameter to require no gradient, as PEFT does.</li>
 *   <li>A forward pass runs the base model inside an {@link AdapterScope} holding this model's
 *       adapters; outside it (the base model called directly, or {@link #withAdaptersDisabled()}) the
 *       same weights compute the base model.</li>
 *   <li>{@link #frozenCopy()}, the trainers' reference, is the base with adapters switched off, sharing
 *       its weights (TRL with a PEFT model). When the configuration unfreezes base parameters, the
 *       reference needs their initial values, so it is then a frozen copy of the base.</li>
 *   <li>{@link #save(Path)} writes PEFT's adapter folder; {@link #load(CausalLm, Path)} reads it;
 *       {@link #mergeAndUnload()} folds the adapters into the base weights.</li>
 * </ul>
 *
 * <p>The base model is not owned: {@link #close()} frees the adapters only.
 */
public final class LoraModel implements CausalLm {
    /** PEFT's prefix of every saved key: the {@code PeftModel}'s {@code base_model} (a {@code LoraModel}) and its {@code model}. */
    public static final String KEY_PREFIX = "base_model.model.";

    private final CausalLm base;
    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, LoraLayer> adapters;
    private final Map<AdaptableLinear, LoraLayer> byLayer;
    private final Map<String, Parameter> parameters;
    private final boolean baseTrains;

    private LoraModel(CausalLm base, LoraConfig config, long seed) {
        Map<String, AdaptableLinear> linears = base.linearLayers();
        List<String> targets = linears.keySet().stream().filter(config::isTarget).toList();
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("target_modules " + config.targetModules().map(Object::toString)
                    .orElseGet(() -> "'" + config.targetModulesRegex().orElseThrow() + "'") + " match none of the model's "
                    + linears.size() + " linear layers (e.g. " + linears.keySet().stream().limit(3).toList() + ")");
        }
        this.base = base;
        this.config = config;
        this.manager = base.manager().newSubManager();
        Map<String, LoraLayer> layers = new LinkedHashMap<>();
        Map<AdaptableLinear, LoraLayer> identity = new IdentityHashMap<>();
        Map<String, Parameter> trainable = new LinkedHashMap<>();
        for (String name : targets) {
            AdaptableLinear linear = linears.get(name);
            // each adapter from its own stream, so adding a target does not change the others' start
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
            LoraLayer layer = LoraLayer.create(linear, config.r(), config.scaling(), config.loraDropout(), manager, random);
            layers.put(name, layer);
            identity.put(linear, layer);
            trainable.put(KEY_PREFIX + name + ".lora_A.weight", layer.loraA());
            trainable.put(KEY_PREFIX + name + ".lora_B.weight", layer.loraB());
        }
        boolean anyBase = false;
        for (Map.Entry<String, Parameter> e : base.parameters().entrySet()) {
            boolean trains = config.isTrainableBase(e.getKey());
            e.getValue().getArray().setRequiresGradient(trains);
            if (trains) {
                trainable.put(KEY_PREFIX + e.getKey(), e.getValue());
                anyBase = true;
            }
        }
        this.adapters = Collections.unmodifiableMap(layers);
        this.byLayer = identity;
        this.parameters = Collections.unmodifiableMap(trainable);
        this.baseTrains = anyBase;
    }

    /** Fresh adapters (seed 42) on the layers {@code config} targets; see {@link #wrap(CausalLm, LoraConfig, long)}. */
    public static LoraModel wrap(CausalLm base, LoraConfig config) { return wrap(base, config, 42); }

    /**
     * Fresh adapters on the layers of {@code base} that {@code config} targets: {@code A}
     * kaiming-uniform (each from a stream derived from {@code seed} and its module name), {@code B}
     * zeros, so the wrapped model computes exactly what {@code base} does until it is trained.
     *
     * @throws IllegalArgumentException if no linear layer matches the target modules
     */
    public static LoraModel wrap(CausalLm base, LoraConfig config, long seed) {
        return new LoraModel(base, config, seed);
    }

    /**
     * Reads a PEFT adapter folder ({@code adapter_config.json}, {@code adapter_model.safetensors}) onto
     * {@code base}, everything but the adapters frozen. The file's keys must be exactly the adapters its
     * configuration implies on this model, plus, optionally, saved base parameters
     * ({@code base_model.model.<parameter>}), which are copied into the base.
     *
     * @throws IllegalArgumentException naming the missing and unexpected keys, or a shape mismatch
     */
    public static LoraModel load(CausalLm base, Path dir) { return load(base, dir, LoraConfig.defaults()); }

    /** {@link #load(CausalLm, Path)} with the freeze switches of {@code switches}. */
    static LoraModel load(CausalLm base, Path dir, LoraConfig switches) {
        try {
            LoraConfig config = AdapterFiles.readConfig(dir, switches);
            LoraModel model = new LoraModel(base, config, 0);
            try (NDManager scope = base.manager().newSubManager()) {
                model.copyFrom(AdapterFiles.readTensors(dir, scope), dir.resolve(AdapterFiles.WEIGHTS_FILE).toString());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load adapter from " + dir + ": " + e.getMessage(), e);
        }
    }

    private void copyFrom(Map<String, NDArray> tensors, String source) {
        Map<String, Parameter> baseParameters = base.parameters();
        List<String> missing = new ArrayList<>();
        for (String key : parameters.keySet()) {
            if (!tensors.containsKey(key) && isAdapterKey(key)) {
                missing.add(key);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : tensors.keySet()) {
            if (!parameters.containsKey(key) && !(key.startsWith(KEY_PREFIX) && baseParameters.containsKey(key.substring(KEY_PREFIX.length())))) {
                unexpected.add(key);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException(source + ": keys do not match the adapters adapter_config.json implies on this model; "
                    + "missing keys: " + missing + ", unexpected keys: " + unexpected);
        }
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            Parameter target = parameters.containsKey(e.getKey()) ? parameters.get(e.getKey())
                    : baseParameters.get(e.getKey().substring(KEY_PREFIX.length()));
            NDArray into = target.getArray();
            if (!into.getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException(source + ": tensor " + e.getKey() + " has shape " + e.getValue().getShape()
                        + ", the model expects " + into.getShape() + " (another r or another base model?)");
            }
            into.set(e.getValue().toFloatArray());
        }
    }

    private static boolean isAdapterKey(String key) {
        return key.endsWith(".lora_A.weight") || key.endsWith(".lora_B.weight");
    }

    // ---------------------------------------------------------------------------------- views

    /** The wrapped model (shared, not owned). */
    public CausalLm base() { return base; }

    /** The configuration the adapters were made with. */
    public LoraConfig config() { return config; }

    /** Every adapter by the module name of the layer it is attached to, in model order. */
    public Map<String, LoraLayer> adapters() { return adapters; }

    /**
     * A view of the same weights with the adapters switched off: the base model, frozen (PEFT's
     * {@code disable_adapter()}). It shares everything and frees nothing when closed.
     */
    public CausalLm withAdaptersDisabled() { return new AdaptersDisabled(this); }

    /**
     * The reference model of preference training: {@link #withAdaptersDisabled()} when only adapters
     * train, so no weight is copied. When the configuration leaves base parameters trainable
     * ({@code freeze*(false)}, {@code modulesToSave}) the trainer changes those in place, so a view would
     * drift; then the reference is the base's own frozen copy of its current weights.
     */
    @Override
    public CausalLm frozenCopy() { return baseTrains ? base.frozenCopy() : withAdaptersDisabled(); }

    /**
     * Adds every adapter's {@code scaling * B A} to its layer's weight, in place (PEFT's
     * {@code merge_and_unload}), frees the adapters and returns the base model, whose parameters require
     * gradients again as far as it is trainable. Save a full checkpoint with the base model's own
     * {@code save}. This model is closed afterwards.
     */
    public CausalLm mergeAndUnload() {
        try (NDManager scope = manager.newSubManager()) {
            for (LoraLayer layer : adapters.values()) {
                NDArray weight = layer.target().weight().getArray();
                NDArray merged = scope.create(weight.toFloatArray(), weight.getShape()).add(layer.deltaWeight(scope));
                weight.set(merged.toFloatArray());
            }
        }
        boolean trainable = base.isTrainable();
        base.parameters().values().forEach(p -> p.getArray().setRequiresGradient(trainable));
        close();
        return base;
    }

    // ---------------------------------------------------------------------------------- CausalLm

    @Override
    public int vocabSize() { return base.vocabSize(); }

    @Override
    public int layers() { return base.layers(); }

    @Override
    public TokenIds tokens() { return base.tokens(); }

    @Override
    public Optional<VisionInput> vision() { return base.vision(); }

    @Override
    public Optional<Tokenizer> tokenizer() { return base.tokenizer(); }

    @Override
    public ChatTemplate chatTemplate() { return base.chatTemplate(); }

    /** The manager holding the adapters (a child of the base model's). */
    @Override
    public NDManager manager() { return manager; }

    /** The trainable parameters only, under PEFT's saved names (see the class comment). */
    @Override
    public Map<String, Parameter> parameters() { return parameters; }

    @Override
    public Map<String, AdaptableLinear> linearLayers() { return base.linearLayers(); }

    @Override
    public boolean isTrainable() { return true; }

    @Override
    public NDArray hidden(TokenRows rows, ImageInputs images, NDManager scope) {
        try (AdapterScope on = AdapterScope.open(byLayer)) {
            return base.hidden(rows, images, scope);
        }
    }

    @Override
    public NDArray logits(NDArray hidden) {
        try (AdapterScope on = AdapterScope.open(byLayer)) {
            return base.logits(hidden);
        }
    }

    @Override
    public NDArray decode(TokenRows rows, int[] leftPadding, ImageInputs images, KvCache cache, NDManager scope) {
        try (AdapterScope on = AdapterScope.open(byLayer)) {
            return base.decode(rows, leftPadding, images, cache, scope);
        }
    }

    @Override
    public KvCache newCache(NDManager m) { return base.newCache(m); }

    /**
     * Writes PEFT's adapter folder into {@code dir}: {@code adapter_config.json} and
     * {@code adapter_model.safetensors} holding {@link #parameters()} (the adapters and any unfrozen
     * base parameters, which PEFT's loader also accepts). The base weights are not written.
     */
    @Override
    public void save(Path dir) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        parameters.forEach((name, p) -> tensors.put(name, p.getArray()));
        try {
            AdapterFiles.write(dir, config, tensors);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save adapter to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads an adapter folder written by {@link #save} onto the same base model, with this model's
     * freeze switches (they are not part of PEFT's file). Base parameters saved in the folder are
     * written into the shared base. A folder without {@code adapter_config.json} is read by the base
     * model's own {@code loadSaved} (the full-copy reference of {@link #frozenCopy()} saves itself so).
     */
    @Override
    public CausalLm loadSaved(Path dir) {
        if (!Files.isRegularFile(dir.resolve(AdapterFiles.CONFIG_FILE))) {
            return base.loadSaved(dir);
        }
        return load(base, dir, config);
    }

    /** Frees the adapters; the base model stays open. */
    @Override
    public void close() { manager.close(); }

    @Override
    public String toString() {
        long all = base.parameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
        long adapterSize = adapters.values().stream().mapToLong(l -> l.loraA().getArray().size() + l.loraB().getArray().size()).sum();
        long trainable = parameterCount();
        return String.format("LoraModel(%d adapters, r=%d, trainable params: %d || all params: %d || trainable%%: %.4f)",
                adapters.size(), config.r(), trainable, all + adapterSize, 100.0 * trainable / (all + adapterSize));
    }
}
