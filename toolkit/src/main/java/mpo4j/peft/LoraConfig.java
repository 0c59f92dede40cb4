package mpo4j.peft;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import mpo4j.model.CausalLm;

/**
 * Which linear layers get LoRA adapters and how, with PEFT's {@code LoraConfig} names and defaults
 * (camelCased), plus InternVL's switches for what else stays frozen. Immutable: every setting returns
 * a new configuration, validated at once ({@code LoraConfig.defaults().r(16).loraAlpha(32)}).
 *
 * <p>Target modules follow PEFT's matching rule: a list of names matches a module whose full name
 * equals a name or ends with {@code "." + name} ({@code q_proj} matches
 * {@code model.layers.0.self_attn.q_proj}); a regular expression must match the whole module name
 * ({@code re.fullmatch}). PEFT's default ({@code target_modules=None}) picks the model type's preset,
 * which for Qwen2 is {@code q_proj, v_proj}: that is the default here.
 *
 * <p>Freezing: applying the configuration freezes every base parameter except what a switch leaves
 * trainable. {@link #freezeBackbone} is the vision tower ({@code vision_model.*}), {@link #freezeMlp}
 * the projector ({@code mlp1.*}), {@link #freezeLlm} everything else (the language model). InternVL's
 * own flags default to {@code False}, but its LoRA recipes set all three; with LoRA nothing but the
 * adapters trains by default here, as with PEFT.
 */
public final class LoraConfig {
    /** PEFT's {@code INCLUDE_LINEAR_LAYERS_SHORTHAND}. */
    static final String ALL_LINEAR = "all-linear";

    private final int r;
    private final double loraAlpha;
    private final double loraDropout;
    private final List<String> targetModules;
    private final String targetModulesRegex;
    private final boolean useRslora;
    private final List<String> modulesToSave;
    private final boolean freezeBackbone;
    private final boolean freezeMlp;
    private final boolean freezeLlm;
    private final String baseModelNameOrPath;

    private LoraConfig(int r, double loraAlpha, double loraDropout, List<String> targetModules, String targetModulesRegex,
                       boolean useRslora, List<String> modulesToSave, boolean freezeBackbone, boolean freezeMlp,
                       boolean freezeLlm, String baseModelNameOrPath) {
        this.r = r;
        this.loraAlpha = loraAlpha;
        this.loraDropout = loraDropout;
        this.targetModules = targetModules;
        this.targetModulesRegex = targetModulesRegex;
        this.useRslora = useRslora;
        this.modulesToSave = modulesToSave;
        this.freezeBackbone = freezeBackbone;
        this.freezeMlp = freezeMlp;
        this.freezeLlm = freezeLlm;
        this.baseModelNameOrPath = baseModelNameOrPath;
    }

    /**
     * PEFT's defaults: {@code r} 8, {@code lora_alpha} 8, {@code lora_dropout} 0, targets
     * {@code q_proj, v_proj}, bias {@code "none"}, no rsLoRA, nothing else trainable.
     */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 8, 0, List.of("q_proj", "v_proj"), null, false, List.of(), true, true, true, null);
    }

    private LoraConfig with(int r, double loraAlpha, double loraDropout, List<String> targets, String regex,
                            boolean useRslora, List<String> modulesToSave, boolean freezeBackbone, boolean freezeMlp,
                            boolean freezeLlm, String base) {
        return new LoraConfig(r, loraAlpha, loraDropout, targets, regex, useRslora, modulesToSave, freezeBackbone,
                freezeMlp, freezeLlm, base);
    }

    // ---------------------------------------------------------------------------------- settings

    /** The adapters' rank ({@code r}, default 8). */
    public LoraConfig r(int rank) {
        if (rank < 1) {
            throw new IllegalArgumentException("r must be a positive integer, got " + rank);
        }
        return with(rank, loraAlpha, loraDropout, targetModules, targetModulesRegex, useRslora, modulesToSave,
                freezeBackbone, freezeMlp, freezeLlm, baseModelNameOrPath);
    }

    /** The scaling numerator ({@code lora_alpha}, default 8): the adapter output is multiplied by alpha / r. */
    public LoraConfig loraAlpha(double alpha) {
        if (!Double.isFinite(alpha)) {
            throw new IllegalArgumentException("lora_alpha must be a finite number, got " + alpha);
        }
        return with(r, alpha, loraDropout, targetModules, targetModulesRegex, useRslora, modulesToSave,
                freezeBackbone, freezeMlp, freezeLlm, baseModelNameOrPath);
    }

    /** Dropout on the adapter's input during training ({@code lora_dropout}, default 0). */
    public LoraConfig loraDropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + p);
        }
        return with(r, loraAlpha, p, targetModules, targetModulesRegex, useRslora, modulesToSave,
                freezeBackbone, freezeMlp, freezeLlm, baseModelNameOrPath);
    }

    /**
     * Target modules by name ({@code target_modules} as a list): a module matches when its full name
     * equals a name or ends with {@code "." + name}.
     */
    public LoraConfig targetModules(String... names) { return targetModules(List.of(names)); }

    /** {@link #targetModules(String...)} from a list. */
    public LoraConfig targetModules(List<String> names) {
        List<String> copy = List.copyOf(names);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("target_modules must name at least one module, got []"
                    + " (e.g. targetModules(\"q_proj\", \"v_proj\"))");
        }
        for (String name : copy) {
            if (name.isBlank()) {
                throw new IllegalArgumentException("target_modules must not contain a blank name, got " + copy);
            }
        }
        return with(r, loraAlpha, loraDropout, copy, null, useRslora, modulesToSave, freezeBackbone, freezeMlp,
                freezeLlm, baseModelNameOrPath);
    }

    /**
     * Target modules by a regular expression ({@code target_modules} as a string) that must match the
     * whole module name, e.g. {@code .*\.(q|k|v|o)_proj}.
     */
    public LoraConfig targetModulesRegex(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("target_modules is not a valid regular expression: " + regex
                    + " (" + e.getDescription() + ")", e);
        }
        return with(r, loraAlpha, loraDropout, null, regex, useRslora, modulesToSave, freezeBackbone, freezeMlp,
                freezeLlm, baseModelNameOrPath);
    }

    /**
     * PEFT's shorthand {@code target_modules="all-linear"}: every linear layer except the output head
     * ({@code lm_head}), the vision tower and projector included.
     */
    public LoraConfig targetModulesAllLinear() {
        return with(r, loraAlpha, loraDropout, null, ALL_LINEAR, useRslora, modulesToSave, freezeBackbone, freezeMlp,
                freezeLlm, baseModelNameOrPath);
    }

    /**
     * The bias mode ({@code bias}); only {@code "none"} is supported: no bias is trained by the adapter.
     * PEFT's {@code "all"} and {@code "lora_only"} would train the base biases.
     */
    public LoraConfig bias(String mode) {
        if (!"none".equals(mode)) {
            throw new IllegalArgumentException("bias must be \"none\" (mpo4j's LoRA trains no base biases), got \""
                    + mode + "\"; unfreeze a part with freezeLlm/freezeMlp/freezeBackbone(false) instead");
        }
        return this;
    }

    /** rsLoRA: scale by {@code alpha / sqrt(r)} instead of {@code alpha / r} ({@code use_rslora}). */
    public LoraConfig useRslora(boolean on) {
        return with(r, loraAlpha, loraDropout, targetModules, targetModulesRegex, on, modulesToSave,
                freezeBackbone, freezeMlp, freezeLlm, baseModelNameOrPath);
    }

    /**
     * Modules trained in full and saved with the adapter ({@code modules_to_save}); a module matches
     * when its full name equals a name or ends with {@code "." + name}.
     */
    public LoraConfig modulesToSave(String... names) {
        List<String> copy = List.of(names);
        for (String name : copy) {
            if (name.isBlank()) {
                throw new IllegalArgumentException("modules_to_save must not contain a blank name, got " + copy);
            }
        }
        return with(r, loraAlpha, loraDropout, targetModules, targetModulesRegex, useRslora, copy,
                freezeBackbone, freezeMlp, freezeLlm, baseModelNameOrPath);
    }

    /** Whether the vision tower ({@code vision_model.*}) stays frozen (InternVL's {@code freeze_backbone}). */
    public LoraConfig freezeBackbone(boolean on) {
        return with(r, loraAlpha, loraDropout, targetModules, targetModulesRegex, useRslora, modulesToSave,
                on, freezeMlp, freezeLlm, baseModelNameOrPath);
    }

    /** Whether the projector ({@code mlp1.*}) stays frozen (InternVL's {@code freeze_mlp}). */
    public LoraConfig freezeMlp(boolean on) {
        return with(r, loraAlpha, loraDropout, targetModules, targetModulesRegex, useRslora, modulesToSave,
                freezeBackbone, on, freezeLlm, baseModelNameOrPath);
    }

    /** Whether the language model (everything but the tower and the projector) stays frozen ({@code freeze_llm}). */
    public LoraConfig freezeLlm(boolean on) {
        return with(r, loraAlpha, loraDropout, targetModules, targetModulesRegex, useRslora, modulesToSave,
                freezeBackbone, freezeMlp, on, baseModelNameOrPath);
    }

    /** The base model's folder or repo id, written to {@code adapter_config.json} ({@code base_model_name_or_path}). */
    public LoraConfig baseModelNameOrPath(String nameOrPath) {
        return with(r, loraAlpha, loraDropout, targetModules, targetModulesRegex, useRslora, modulesToSave,
                freezeBackbone, freezeMlp, freezeLlm, nameOrPath);
    }

    // ---------------------------------------------------------------------------------- values

    /** The rank. */
    public int r() { return r; }

    /** The scaling numerator. */
    public double loraAlpha() { return loraAlpha; }

    /** Dropout probability on the adapters' input while training. */
    public double loraDropout() { return loraDropout; }

    /** The target names, or empty when a regular expression selects the targets. */
    public Optional<List<String>> targetModules() { return Optional.ofNullable(targetModules); }

    /** The target regular expression (or {@code "all-linear"}), or empty when names select the targets. */
    public Optional<String> targetModulesRegex() { return Optional.ofNullable(targetModulesRegex); }

    /** Always {@code "none"}. */
    public String bias() { return "none"; }

    /** Whether the scaling is alpha / sqrt(r). */
    public boolean useRslora() { return useRslora; }

    /** Modules trained in full and saved with the adapter (empty: none). */
    public List<String> modulesToSave() { return modulesToSave; }

    /** Whether the vision tower stays frozen. */
    public boolean freezeBackbone() { return freezeBackbone; }

    /** Whether the projector stays frozen. */
    public boolean freezeMlp() { return freezeMlp; }

    /** Whether the language model stays frozen. */
    public boolean freezeLlm() { return freezeLlm; }

    /** The base model recorded in adapter_config.json, if set. */
    public Optional<String> baseModelNameOrPath() { return Optional.ofNullable(baseModelNameOrPath); }

    /** The factor of the adapter output: {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)} with rsLoRA. */
    public double scaling() { return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r; }

    // ---------------------------------------------------------------------------------- matching

    /** Whether the linear module {@code moduleName} gets an adapter (PEFT's {@code check_target_module_exists}). */
    public boolean isTarget(String moduleName) {
        if (ALL_LINEAR.equals(targetModulesRegex)) {
            return !moduleName.equals("lm_head") && !moduleName.endsWith(".lm_head");
        }
        if (targetModulesRegex != null) {
            return Pattern.compile(targetModulesRegex).matcher(moduleName).matches();
        }
        return matchesSuffix(targetModules, moduleName);
    }

    /**
     * Whether the base parameter {@code parameterName} stays trainable: it belongs to a module in
     * {@link #modulesToSave} or to a part whose freeze switch is off.
     */
    public boolean isTrainableBase(String parameterName) {
        int dot = parameterName.lastIndexOf('.');
        String module = dot < 0 ? "" : parameterName.substring(0, dot);
        for (String prefix = module; !prefix.isEmpty(); prefix = prefix.contains(".") ? prefix.substring(0, prefix.lastIndexOf('.')) : "") {
            if (matchesSuffix(modulesToSave, prefix)) {
                return true;
            }
        }
        if (parameterName.startsWith("vision_model.")) {
            return !freezeBackbone;
        }
        if (parameterName.startsWith("mlp1.")) {
            return !freezeMlp;
        }
        return !freezeLlm;
    }

    private static boolean matchesSuffix(List<String> names, String moduleName) {
        for (String name : names) {
            if (moduleName.equals(name) || moduleName.endsWith("." + name)) {
                return true;
            }
        }
        return false;
    }

    /** Applies the configuration to {@code base}: {@link LoraModel#wrap(CausalLm, LoraConfig)}. */
    public LoraModel applyTo(CausalLm base) { return LoraModel.wrap(base, this); }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoraConfig c && r == c.r && loraAlpha == c.loraAlpha && loraDropout == c.loraDropout
                && Objects.equals(targetModules, c.targetModules) && Objects.equals(targetModulesRegex, c.targetModulesRegex)
                && useRslora == c.useRslora && modulesToSave.equals(c.modulesToSave) && freezeBackbone == c.freezeBackbone
                && freezeMlp == c.freezeMlp && freezeLlm == c.freezeLlm && Objects.equals(baseModelNameOrPath, c.baseModelNameOrPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(r, loraAlpha, loraDropout, targetModules, targetModulesRegex, useRslora, modulesToSave,
                freezeBackbone, freezeMlp, freezeLlm, baseModelNameOrPath);
    }

    @Override
    public String toString() {
        return "LoraConfig[r=" + r + ", lora_alpha=" + loraAlpha + ", lora_dropout=" + loraDropout + ", target_modules="
                + (targetModules != null ? targetModules : "'" + targetModulesRegex + "'") + ", use_rslora=" + useRslora
                + ", modules_to_save=" + modulesToSave + ", freeze_backbone=" + freezeBackbone + ", freeze_mlp=" + freezeMlp
                + ", freeze_llm=" + freezeLlm + "]";
    }
}
