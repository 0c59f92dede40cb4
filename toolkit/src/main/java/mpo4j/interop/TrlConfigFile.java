package mpo4j.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.loss.FDivergence;
import mpo4j.loss.LossType;
import mpo4j.loss.PreferenceLoss;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.train.TrainConfig;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A TRL {@code dpo.yaml} read as an mpo4j run: the same keys (TRL's field names, see
 * {@link DpoConfigKeys} and {@code docs/dpo-config.md}) plus {@code model_name_or_path},
 * {@code dataset_name} and {@code output_dir}. A key TRL does not have is an error suggesting the
 * closest one; a TRL key mpo4j does not support is an error saying so; a key without effect on this
 * engine ({@code bf16}, {@code report_to}, ...) is accepted and listed in {@link #ignored()}. Values
 * are checked when read, and errors name the file, the key and the value.
 */
public final class TrlConfigFile {
    private final String file;
    private final Map<String, Object> values;
    private final List<String> ignored;

    private TrlConfigFile(String file, Map<String, Object> values, List<String> ignored) {
        this.file = file;
        this.values = values;
        this.ignored = ignored;
    }

    /** Reads and checks {@code yaml}. */
    public static TrlConfigFile read(Path yaml) {
        try {
            return parse(Files.readString(yaml, StandardCharsets.UTF_8), yaml.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + yaml, e);
        }
    }

    /** Checks YAML text; {@code name} is how errors call it. */
    public static TrlConfigFile parse(String text, String name) {
        Object root;
        try {
            root = new Yaml().load(text);
        } catch (YAMLException e) {
            throw new IllegalArgumentException(name + ": not valid YAML (" + e.getMessage().replace('\n', ' ') + ")", e);
        }
        if (root == null) root = Map.of();
        if (!(root instanceof Map<?, ?> map)) throw new IllegalArgumentException(name + ": expected key: value lines at the top level");
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            DpoConfigKeys.Key k = DpoConfigKeys.get(key);
            if (k == null) {
                throw new IllegalArgumentException(name + ": unknown key \"" + key + "\"; did you mean \"" + DpoConfigKeys.closest(key)
                        + "\"? (keys are TRL " + TrlBundle.TRL_VERSION + " DPOConfig field names, see docs/dpo-config.md)");
            }
            switch (k.status()) {
                case UNSUPPORTED -> throw new IllegalArgumentException(name + ": key \"" + key + "\" is a TRL setting mpo4j does not support: "
                        + k.note() + " (see docs/dpo-config.md)");
                case NO_EFFECT -> ignored.add(key + " (" + k.note() + ")");
                case MAPPED -> values.put(key, e.getValue());
            }
        }
        TrlConfigFile config = new TrlConfigFile(name, values, List.copyOf(ignored));
        config.validate();
        return config;
    }

    /** The accepted keys without effect on this engine, each with the reason. */
    public List<String> ignored() {
        return ignored;
    }

    /** {@code model_name_or_path} (required by the command line, not by {@link #apply}). */
    public String modelNameOrPath() {
        return string("model_name_or_path", null);
    }

    /** {@code dataset_name}: a data file or folder. */
    public String datasetName() {
        return string("dataset_name", null);
    }

    /** {@code dataset_train_split} (default {@code train}). */
    public String trainSplit() {
        return string("dataset_train_split", "train");
    }

    /** {@code dataset_test_split}, or {@code null} when no held-out split is named. */
    public String testSplit() {
        return string("dataset_test_split", null);
    }

    /** {@code output_dir}, or {@code null}. */
    public String outputDir() {
        return string("output_dir", null);
    }

    /** {@code max_length}, or {@code null} for the collator's own. */
    public Integer maxLength() {
        return values.containsKey("max_length") ? integer("max_length", 1) : null;
    }

    /**
     * The dtype the model is loaded in ({@code dtype}, or {@code model_init_kwargs.dtype} /
     * {@code torch_dtype}): always {@code float32} on this engine; {@code auto} and absent mean the
     * same (weights stored in bf16/fp16 are converted on load). bfloat16/float16 compute is refused
     * when the file is read.
     */
    public String dtype() {
        return "float32";
    }

    /** The trainer with every mapped training setting of the file (data, model and collator are the caller's). */
    public PreferenceTrainer apply(PreferenceTrainer trainer) {
        try {
            PreferenceTrainer t = trainer.loss(loss()).config(trainConfig(trainer.trainConfig()));
            if (has("precompute_ref_log_probs") && bool("precompute_ref_log_probs")) t = t.precomputedReference();
            if (has("precompute_ref_batch_size")) t = t.precomputeRefBatchSize(optionalInteger("precompute_ref_batch_size"));
            if (has("pad_token")) t = t.padToken(string("pad_token", null));
            if (has("disable_dropout")) t = t.disableDropout(bool("disable_dropout"));
            if (has("sync_ref_model")) t = t.syncRefModel(bool("sync_ref_model"));
            if (has("ref_model_mixup_alpha")) t = t.refModelMixupAlpha(number("ref_model_mixup_alpha", 0));
            if (has("ref_model_sync_steps")) t = t.refModelSyncSteps(integer("ref_model_sync_steps", 1));
            return t;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file + ": ")) throw e;
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** A whole number >= 1, or 0 for null (TRL's None: the default). */
    private int optionalInteger(String key) {
        return values.get(key) == null ? 0 : integer(key, 1);
    }

    /** {@code base} with the file's optimizer, schedule, batch, epoch, seed, evaluation and checkpoint settings. */
    public TrainConfig trainConfig(TrainConfig base) {
        TrainConfig c = base;
        try {
            if (has("learning_rate")) c = c.withLr(number("learning_rate", 0));
            if (has("per_device_train_batch_size")) c = c.withBatchSize(integer("per_device_train_batch_size", 1));
            if (has("gradient_accumulation_steps")) c = c.withGradAccum(integer("gradient_accumulation_steps", 1));
            if (has("per_device_eval_batch_size")) c = c.withEvalBatchSize(integer("per_device_eval_batch_size", 1));
            if (has("weight_decay")) c = c.withWeightDecay(number("weight_decay", 0));
            if (has("max_grad_norm")) c = c.withMaxGradNorm(number("max_grad_norm", 0));
            if (has("adam_beta1") || has("adam_beta2")) c = c.withBetas(has("adam_beta1") ? number("adam_beta1", 0) : c.beta1(),
                    has("adam_beta2") ? number("adam_beta2", 0) : c.beta2());
            if (has("adam_epsilon")) c = c.withEps(number("adam_epsilon", 0));
            if (has("num_train_epochs")) c = c.withEpochs(epochs());
            if (has("max_steps") && integer("max_steps", -1) > 0) c = c.withMaxSteps(integer("max_steps", -1));
            if (has("seed")) c = c.withSeed(integer("seed", 0));
            if ("steps".equals(strategy("eval_strategy"))) c = c.withEvalEvery(integer(requireFor("eval_steps", "eval_strategy"), 1));
            if ("steps".equals(strategy("save_strategy"))) c = c.withSaveEvery(integer(requireFor("save_steps", "save_strategy"), 1));
            return c.withSchedule(schedule(c.schedule()));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file + ": ")) throw e;
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The loss the file describes (TRL's defaults for what it leaves out: sigmoid, β 0.1). */
    public PreferenceLoss loss() {
        List<LossType> types = new ArrayList<>();
        Object lt = values.getOrDefault("loss_type", List.of("sigmoid"));
        for (Object name : lt instanceof List<?> list ? list : List.of(lt)) {
            try {
                types.add(LossType.of(String.valueOf(name)));
            } catch (IllegalArgumentException e) {
                throw error("loss_type", name, e.getMessage());
            }
        }
        PreferenceLoss loss = PreferenceLoss.loss(types.toArray(LossType[]::new));
        if (has("loss_weights")) {
            Object w = values.get("loss_weights");
            List<?> list = w instanceof List<?> l ? l : List.of(w);
            if (list.size() != types.size()) {
                throw error("loss_weights", w, "needs one weight per loss_type entry (" + types.size() + "), as TRL requires");
            }
            double[] weights = new double[list.size()];
            for (int i = 0; i < weights.length; i++) weights[i] = asNumber("loss_weights", list.get(i));
            loss = loss.weights(weights);
        }
        if (has("beta")) loss = loss.beta(number("beta", 0));
        if (has("label_smoothing")) loss = loss.labelSmoothing(number("label_smoothing", 0));
        if (has("f_divergence_type")) {
            FDivergence f = FDivergence.of(string("f_divergence_type", null));
            loss = has("f_alpha_divergence_coef") ? loss.fDivergence(f, number("f_alpha_divergence_coef", 0)) : loss.fDivergence(f);
        }
        if (has("ld_alpha") && values.get("ld_alpha") != null) loss = loss.ldAlpha(number("ld_alpha", 0));
        if (has("use_weighting")) loss = loss.useWeighting(bool("use_weighting"));
        if (has("discopop_tau")) loss = loss.discopopTau(number("discopop_tau", 0));
        try {
            return loss.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Checks every value now, so a bad file fails before a model is loaded. */
    private void validate() {
        if (has("truncation_mode") && !"keep_start".equals(values.get("truncation_mode"))) {
            throw error("truncation_mode", values.get("truncation_mode"), "mpo4j truncates keep_start (TRL's only non-deprecated mode)");
        }
        if (has("disable_dropout")) bool("disable_dropout");
        if (has("sync_ref_model") && bool("sync_ref_model") && has("precompute_ref_log_probs") && bool("precompute_ref_log_probs")) {
            throw error("sync_ref_model", true, "cannot be combined with precompute_ref_log_probs: true (the synchronised reference "
                    + "changes during training, so its log-probs cannot be computed before it)");
        }
        if (has("ref_model_mixup_alpha") && number("ref_model_mixup_alpha", 0) > 1) {
            throw error("ref_model_mixup_alpha", values.get("ref_model_mixup_alpha"), "must be in [0, 1] (1 copies the policy into the reference)");
        }
        if (has("ref_model_sync_steps")) integer("ref_model_sync_steps", 1);
        if (has("precompute_ref_batch_size")) optionalInteger("precompute_ref_batch_size");
        if (has("pad_token")) string("pad_token", null);
        checkDtype("dtype", values.get("dtype"));
        if (has("model_init_kwargs") && values.get("model_init_kwargs") != null) {
            if (!(values.get("model_init_kwargs") instanceof Map<?, ?> kwargs)) {
                throw error("model_init_kwargs", values.get("model_init_kwargs"), "expected a mapping such as {dtype: float32}");
            }
            for (Map.Entry<?, ?> e : kwargs.entrySet()) {
                String k = String.valueOf(e.getKey());
                if (!k.equals("dtype") && !k.equals("torch_dtype")) {
                    throw error("model_init_kwargs", k, "mpo4j reads only dtype (or torch_dtype) from the loading options");
                }
                checkDtype("model_init_kwargs." + k, e.getValue());
            }
        }
        strategy("eval_strategy");
        strategy("save_strategy");
        maxLength();
        loss();
        trainConfig(TrainConfig.defaults());
    }

    /** float32 and auto (and None) load float32 here; half-precision compute is refused with the reason. */
    private void checkDtype(String key, Object value) {
        if (value == null) return;
        String name = value instanceof String s ? s.replaceFirst("^torch\\.", "") : null;
        if ("float32".equals(name) || "float".equals(name) || "auto".equals(name)) return;
        if ("bfloat16".equals(name) || "float16".equals(name) || "half".equals(name)) {
            throw error(key, value, "bfloat16/float16 compute is not applicable on this engine: DJL 0.35.1's PyTorch engine crashes "
                    + "on BF16 arrays, so mpo4j computes in float32 (weights stored in bf16/fp16 still load, converted to float32); "
                    + "use float32 or auto");
        }
        throw error(key, value, "mpo4j loads models in float32; use float32 or auto");
    }

    private mpo4j.train.Schedule schedule(mpo4j.train.Schedule s) {
        if (has("lr_scheduler_type")) {
            String type = string("lr_scheduler_type", null);
            s = switch (type) {
                case "linear" -> s.withKind(mpo4j.train.Schedule.Kind.LINEAR);
                case "cosine" -> s.withKind(mpo4j.train.Schedule.Kind.COSINE);
                case "constant", "constant_with_warmup" -> s.withKind(mpo4j.train.Schedule.Kind.CONSTANT);
                default -> throw error("lr_scheduler_type", type, "mpo4j has linear, cosine, constant and constant_with_warmup");
            };
        }
        if (has("warmup_ratio") && values.get("warmup_ratio") != null) s = s.withWarmupRatio(number("warmup_ratio", 0));
        if (has("warmup_steps")) {
            double w = number("warmup_steps", 0);
            // transformers 5: a float below 1 is a ratio of the total steps
            if (w > 0 && w < 1) s = s.withWarmupRatio(w);
            else if (w != Math.rint(w)) throw error("warmup_steps", w, "must be a whole number of steps or a ratio in [0, 1)");
            else s = s.withWarmupSteps((int) w);
        }
        return s;
    }

    private int epochs() {
        double e = number("num_train_epochs", 1);
        if (e != Math.rint(e)) throw error("num_train_epochs", values.get("num_train_epochs"), "mpo4j trains whole epochs; use max_steps for part of one");
        return (int) e;
    }

    private String strategy(String key) {
        if (!has(key) || Boolean.FALSE.equals(values.get(key))) return "no"; // unquoted YAML 1.1 `no` reads as false
        String v = string(key, null);
        if (!v.equals("no") && !v.equals("steps")) throw error(key, v, "mpo4j supports \"no\" and \"steps\"");
        return v;
    }

    /** {@code key}, which {@code strategy: steps} needs (mpo4j does not fall back to logging_steps as transformers does). */
    private String requireFor(String key, String strategy) {
        if (!has(key)) throw new IllegalArgumentException(file + ": " + key + " is required when " + strategy + " is steps");
        return key;
    }

    private boolean has(String key) {
        return values.containsKey(key);
    }

    private String string(String key, String fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw error(key, v, "expected text");
    }

    private double number(String key, double min) {
        double d = asNumber(key, values.get(key));
        if (d < min) throw error(key, values.get(key), "must be >= " + min);
        return d;
    }

    private double asNumber(String key, Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s); // YAML 1.1 reads 5e-6 (no dot) as text
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw error(key, v, "expected a number");
    }

    private int integer(String key, int min) {
        double d = number(key, min);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw error(key, values.get(key), "expected a whole number");
        return (int) d;
    }

    private boolean bool(String key) {
        Object v = values.get(key);
        if (v instanceof Boolean b) return b;
        throw error(key, v, "expected true or false");
    }

    private IllegalArgumentException error(String key, Object value, String problem) {
        return new IllegalArgumentException(file + ": " + key + ": " + problem + ", got " + (value instanceof String ? "\"" + value + "\"" : value));
    }

    @Override
    public String toString() {
        return "TrlConfigFile[" + file + ", " + values.size() + " settings, " + ignored.size() + " without effect here]";
    }
}
