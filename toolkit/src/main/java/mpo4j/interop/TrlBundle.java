package mpo4j.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mpo4j.collate.InternVlCollator;
import mpo4j.data.PreferencePair;
import mpo4j.io.AtomicFiles;
import mpo4j.loss.FDivergence;
import mpo4j.loss.LossType;
import mpo4j.loss.PreferenceLoss;
import mpo4j.preference.PreferenceTrainer;
import mpo4j.preference.Reference;
import mpo4j.train.Schedule;
import mpo4j.train.TrainConfig;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A {@link PreferenceTrainer}'s run, written for a GPU cluster: the data in TRL's format, a TRL
 * {@code dpo.yaml} with TRL's own field names for every mpo4j setting, accelerate configs (DeepSpeed
 * ZeRO-2 and ZeRO-3, FSDP 2), a launch script ({@code accelerate launch ... trl dpo --config dpo.yaml}),
 * the same run as an ms-swift command line and as InternVL's MPO script variables, and a README that
 * lists every setting the target has no field for. Immutable: each setting returns a new bundle.
 *
 * <p>The global batch is kept: mpo4j's {@code batchSize x gradAccum} pairs per optimizer step are split
 * over {@link #numProcesses(int)} GPUs as {@code per_device_train_batch_size x num_processes x
 * gradient_accumulation_steps}; when that is impossible the README says what changes.
 */
public final class TrlBundle {
    /** How the data is written. */
    public enum DataFormat {
        /** Hugging Face Parquet, images embedded ({@code dataset/data/train-*.parquet}). */
        PARQUET,
        /** TRL JSONL ({@code dataset/train.jsonl}); text-only data only. */
        JSONL
    }

    /** The TRL release whose field names the bundle uses. */
    public static final String TRL_VERSION = "1.9.0";

    private final PreferenceTrainer trainer;
    private final String modelNameOrPath;
    private final int numProcesses;
    private final DataFormat dataFormat;
    private final boolean bf16;

    private TrlBundle(PreferenceTrainer trainer, String modelNameOrPath, int numProcesses, DataFormat dataFormat, boolean bf16) {
        this.trainer = trainer;
        this.modelNameOrPath = modelNameOrPath;
        this.numProcesses = numProcesses;
        this.dataFormat = dataFormat;
        this.bf16 = bf16;
    }

    /** A bundle of {@code trainer}'s settings and data (8 GPUs, Parquet, bf16 unless changed). */
    public static TrlBundle of(PreferenceTrainer trainer) {
        if (trainer.isSft()) {
            throw new IllegalArgumentException("an SFT trainer exports to trl sft, not trl dpo; this bundle is for preference training");
        }
        return new TrlBundle(trainer, null, 8, DataFormat.PARQUET, true);
    }

    /** The Hugging Face model id or path TRL loads (required: mpo4j's in-memory model has no Hub name). */
    public TrlBundle modelNameOrPath(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("model_name_or_path must name a Hugging Face model id or folder, got \"" + name + "\"");
        }
        return new TrlBundle(trainer, name, numProcesses, dataFormat, bf16);
    }

    /** GPUs the accelerate configs launch ({@code num_processes}); default 8. */
    public TrlBundle numProcesses(int n) {
        if (n < 1) throw new IllegalArgumentException("num_processes must be >= 1, got " + n);
        return new TrlBundle(trainer, modelNameOrPath, n, dataFormat, bf16);
    }

    /** Parquet (default; images embedded) or JSONL (text-only data). */
    public TrlBundle dataFormat(DataFormat format) {
        return new TrlBundle(trainer, modelNameOrPath, numProcesses, java.util.Objects.requireNonNull(format, "dataFormat"), bf16);
    }

    /** Mixed precision on the GPUs (default true, TRL's default); mpo4j itself trains in float32. */
    public TrlBundle bf16(boolean on) {
        return new TrlBundle(trainer, modelNameOrPath, numProcesses, dataFormat, on);
    }

    /** The per-device batch and accumulation that keep mpo4j's global batch on {@code numProcesses} GPUs, or {@code null}. */
    int[] deviceBatch() {
        TrainConfig c = trainer.trainConfig();
        long global = (long) c.batchSize() * c.gradAccum();
        if (global % numProcesses != 0) return null;
        long perProcess = global / numProcesses;
        for (int p = (int) Math.min(c.batchSize(), perProcess); p >= 1; p--) {
            if (perProcess % p == 0) return new int[] {p, (int) (perProcess / p)};
        }
        return null;
    }

    /** The {@code dpo.yaml} settings, in TRL's names, in the order written. */
    public Map<String, Object> dpoConfig() {
        requireModel();
        Map<String, Object> y = new LinkedHashMap<>();
        TrainConfig c = trainer.trainConfig();
        PreferenceLoss loss = trainer.loss();
        y.put("model_name_or_path", modelNameOrPath);
        y.put("dataset_name", "dataset");
        y.put("dataset_train_split", "train");
        if (hasEval()) y.put("dataset_test_split", "test");
        y.put("output_dir", "output");
        List<String> types = new ArrayList<>();
        for (LossType t : loss.types()) types.add(t.trlName());
        y.put("loss_type", types);
        y.put("loss_weights", new ArrayList<>(loss.weights()));
        y.put("beta", loss.beta());
        y.put("label_smoothing", loss.labelSmoothing());
        y.put("f_divergence_type", loss.fDivergence().trlName());
        if (loss.fDivergence() == FDivergence.ALPHA_DIVERGENCE) y.put("f_alpha_divergence_coef", loss.alphaCoefficient());
        if (loss.ldAlpha() != null) y.put("ld_alpha", loss.ldAlpha());
        y.put("use_weighting", loss.isWeighted());
        if (loss.types().contains(LossType.DISCOPOP)) y.put("discopop_tau", loss.discopopTau());
        y.put("precompute_ref_log_probs", trainer.reference() == Reference.PRECOMPUTED);
        // 0 and null are mpo4j's spellings of TRL's None (the train/eval batch sizes; the tokenizer's pad token, else eos)
        y.put("precompute_ref_batch_size", trainer.precomputeRefBatchSize() > 0 ? trainer.precomputeRefBatchSize() : null);
        y.put("sync_ref_model", trainer.syncRefModel());
        y.put("ref_model_mixup_alpha", trainer.refModelMixupAlpha());
        y.put("ref_model_sync_steps", trainer.refModelSyncSteps());
        y.put("pad_token", trainer.padToken());
        y.put("disable_dropout", trainer.disableDropout());
        InternVlCollator collator = trainer.internVlCollator();
        if (collator != null) {
            y.put("max_length", collator.maxSeqLength());
            y.put("truncation_mode", "keep_start");
        }
        y.put("learning_rate", c.lr());
        Schedule s = c.schedule();
        y.put("lr_scheduler_type", switch (s.kind()) {
            case LINEAR -> "linear";
            case COSINE -> "cosine";
            case CONSTANT -> s.warmupRatio() > 0 || s.warmupSteps() > 0 ? "constant_with_warmup" : "constant";
        });
        if (s.warmupSteps() > 0) y.put("warmup_steps", s.warmupSteps());
        else if (s.warmupRatio() > 0) y.put("warmup_ratio", s.warmupRatio());
        y.put("weight_decay", c.weightDecay());
        y.put("adam_beta1", c.beta1());
        y.put("adam_beta2", c.beta2());
        y.put("adam_epsilon", c.eps());
        y.put("max_grad_norm", c.maxGradNorm());
        y.put("num_train_epochs", c.epochs());
        if (c.maxSteps() > 0) y.put("max_steps", c.maxSteps());
        int[] device = deviceBatch();
        y.put("per_device_train_batch_size", device != null ? device[0] : c.batchSize());
        y.put("gradient_accumulation_steps", device != null ? device[1] : c.gradAccum());
        y.put("per_device_eval_batch_size", c.evalBatchSizeOrTrain());
        y.put("seed", c.seed());
        y.put("eval_strategy", c.evalEvery() > 0 && hasEval() ? "steps" : "no");
        if (c.evalEvery() > 0 && hasEval()) y.put("eval_steps", c.evalEvery());
        y.put("save_strategy", c.saveEvery() > 0 ? "steps" : "no");
        if (c.saveEvery() > 0) y.put("save_steps", c.saveEvery());
        y.put("logging_steps", 1); // mpo4j logs every optimizer step; the curves compare step by step
        y.put("bf16", bf16);
        return y;
    }

    /** The settings the bundle cannot carry, one sentence each (written to the README, never dropped silently). */
    public List<String> notCarried() {
        List<String> out = new ArrayList<>();
        PreferenceLoss loss = trainer.loss();
        TrainConfig c = trainer.trainConfig();
        if (trainer.reference() == Reference.NONE || loss.isReferenceFree()) {
            out.add("reference-free training: TRL " + TRL_VERSION + " has no reference_free field (the bundle trains against a frozen reference)");
        }
        if (loss.types().contains(LossType.BCO_PAIR) && !loss.usesBcoRunningMean()) {
            out.add("bco_pair without the running-mean reward shift (bcoDelta(false)): TRL always subtracts its running mean");
        }
        if (trainer.internVlCollator() == null) {
            out.add("max_length and truncation_mode: the trainer has a custom collate function (or the model's default collator), so TRL's defaults apply");
        } else {
            InternVlCollator ivl = trainer.internVlCollator();
            out.add("image tiling (tile size " + ivl.tiling().tileSize() + ", at most " + ivl.tiling().maxTiles() + " tiles, thumbnail "
                    + ivl.tiling().thumbnail() + ") and " + ivl.tokensPerTile() + " image tokens per tile: TRL takes these from the model's processor"
                    + " (processor config of " + modelNameOrPath + "); InternVL's script gets them as max_dynamic_patch/force_image_size");
        }
        if (deviceBatch() == null) {
            out.add("global batch: " + c.batchSize() + " x " + c.gradAccum() + " pairs per step cannot be split over " + numProcesses
                    + " GPUs; the bundle keeps per_device_train_batch_size " + c.batchSize() + " and gradient_accumulation_steps " + c.gradAccum()
                    + ", so a step sees " + (long) c.batchSize() * c.gradAccum() * numProcesses + " pairs");
        }
        long toolPairs = java.util.stream.Stream.concat(trainer.trainPairs().stream(),
                hasEval() ? trainer.evalPairs().stream() : java.util.stream.Stream.<PreferencePair>empty()).filter(PreferencePair::usesTools).count();
        if (toolPairs > 0) {
            out.add("tool calling: " + toolPairs + " pairs have tools, tool calls or tool turns; dataset/ (TRL JSONL) keeps them, the "
                    + "swift/ data does not (it holds role and content only)");
        }
        out.add("metric weighting: mpo4j logs the exact mean over a step's pairs; TRL averages per-batch means (identical with equal batches)");
        out.add("precision: mpo4j trained in float32 on the CPU; the bundle runs " + (bf16 ? "bf16" : "float32") + " on the GPUs");
        return out;
    }

    /** {@code dpo.yaml} text. */
    public String dpoYaml() {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setIndent(2);
        o.setIndicatorIndent(0);
        return "# TRL " + TRL_VERSION + " DPOConfig written by mpo4j (see README.md for settings TRL has no field for)\n" + new Yaml(o).dump(dpoConfig());
    }

    /** The same run as one ms-swift command line ({@code swift rlhf --rlhf_type dpo ...}). */
    public String swiftCommand() {
        Map<String, Object> y = dpoConfig();
        StringBuilder sb = new StringBuilder("swift rlhf \\\n  --rlhf_type dpo \\\n  --model ").append(shell(modelNameOrPath))
                .append(" \\\n  --dataset swift/train.jsonl");
        if (hasEval()) sb.append(" \\\n  --val_dataset swift/test.jsonl");
        sb.append(" \\\n  --loss_type ").append(String.join(" ", (List<String>) y.get("loss_type")));
        sb.append(" \\\n  --loss_weights ").append(String.join(" ", ((List<?>) y.get("loss_weights")).stream().map(String::valueOf).toList()));
        for (String k : List.of("beta", "label_smoothing", "learning_rate", "lr_scheduler_type", "warmup_ratio", "warmup_steps", "weight_decay",
                "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "num_train_epochs", "max_steps", "per_device_train_batch_size",
                "gradient_accumulation_steps", "per_device_eval_batch_size", "max_length", "seed", "eval_steps", "save_steps", "logging_steps")) {
            if (y.containsKey(k)) sb.append(" \\\n  --").append(k).append(' ').append(y.get(k));
        }
        if (y.containsKey("max_length")) sb.append(" \\\n  --truncation_strategy right"); // keep_start: cut the end
        if (Boolean.TRUE.equals(y.get("precompute_ref_log_probs"))) sb.append(" \\\n  --precompute_ref_log_probs true");
        sb.append(" \\\n  --torch_dtype ").append(bf16 ? "bfloat16" : "float32");
        sb.append(" \\\n  --deepspeed zero2 \\\n  --output_dir output-swift\n");
        return sb.toString();
    }

    /**
     * InternVL's MPO script ({@code internvl_chat/internvl/train/internvl_chat_mpo.py}, TRL 0.10.1): the
     * shell variables and arguments of its launch scripts, with this run's values. Its generation term
     * is {@code --rpo_alpha} (TRL 0.10's name for the {@code sft} weight).
     */
    public String internVlScript() {
        TrainConfig c = trainer.trainConfig();
        PreferenceLoss loss = trainer.loss();
        List<String> pairTypes = new ArrayList<>();
        StringBuilder weights = new StringBuilder();
        double rpo = 0;
        for (int i = 0; i < loss.types().size(); i++) {
            LossType t = loss.types().get(i);
            double w = loss.weights().get(i);
            if (t == LossType.SFT) {
                rpo = w;
                continue;
            }
            pairTypes.add(t.trlName());
            weights.append("  --").append(t.trlName()).append("_loss_weight ").append(w).append(" \\\n");
        }
        InternVlCollator ivl = trainer.internVlCollator();
        int[] device = deviceBatch();
        StringBuilder sb = new StringBuilder("#!/usr/bin/env bash\n")
                .append("# This run as InternVL's MPO launch script (InternVL repository, internvl_chat/; it pins trl==0.10.1).\n")
                .append("# META_PATH: an MMPR meta.json (the layout mpo4j reads with Datasets.mmpr); InternVL does not read TRL Parquet.\n")
                .append("set -x\n")
                .append("GPUS=${GPUS:-").append(numProcesses).append("}\n")
                .append("BATCH_SIZE=${BATCH_SIZE:-").append((long) c.batchSize() * c.gradAccum()).append("}\n")
                .append("PER_DEVICE_BATCH_SIZE=${PER_DEVICE_BATCH_SIZE:-").append(device != null ? device[0] : c.batchSize()).append("}\n")
                .append("GRADIENT_ACC=$((BATCH_SIZE / PER_DEVICE_BATCH_SIZE / GPUS))\n")
                .append("MODEL_PATH=${MODEL_PATH:-").append(shell(modelNameOrPath)).append("}\n")
                .append("META_PATH=${META_PATH:-meta.json}\n")
                .append("OUTPUT_DIR=${OUTPUT_DIR:-output-internvl}\n")
                .append("mkdir -p \"$OUTPUT_DIR\"\n")
                .append("torchrun --nproc_per_node=${GPUS} internvl/train/internvl_chat_mpo.py \\\n")
                .append("  --model_name_or_path ${MODEL_PATH} \\\n  --meta_path ${META_PATH} \\\n  --output_dir ${OUTPUT_DIR} \\\n")
                .append("  --per_device_train_batch_size ${PER_DEVICE_BATCH_SIZE} \\\n  --gradient_accumulation_steps ${GRADIENT_ACC} \\\n")
                .append("  --num_train_epochs ").append(c.epochs()).append(" \\\n")
                .append("  --learning_rate ").append(c.lr()).append(" \\\n")
                .append("  --weight_decay ").append(c.weightDecay()).append(" \\\n")
                .append("  --warmup_ratio ").append(c.schedule().warmupRatio()).append(" \\\n")
                .append("  --lr_scheduler_type ").append(dpoConfig().get("lr_scheduler_type")).append(" \\\n")
                .append("  --logging_steps 1 \\\n  --seed ").append(c.seed()).append(" \\\n");
        if (ivl != null) {
            sb.append("  --max_seq_length ").append(ivl.maxSeqLength()).append(" \\\n")
                    .append("  --force_image_size ").append(ivl.tiling().tileSize()).append(" \\\n")
                    .append("  --max_dynamic_patch ").append(ivl.tiling().maxTiles()).append(" \\\n")
                    .append("  --use_thumbnail ").append(ivl.tiling().thumbnail() ? "True" : "False").append(" \\\n")
                    .append("  --dynamic_image_size True \\\n");
        }
        sb.append("  --bf16 ").append(bf16 ? "True" : "False").append(" \\\n")
                .append("  --loss_type ").append(String.join(",", pairTypes)).append(" \\\n")
                .append(weights)
                .append("  --rpo_alpha ").append(rpo).append(" \\\n")
                .append("  --beta ").append(loss.beta()).append(" \\\n")
                .append("  --label_smoothing ").append(loss.labelSmoothing()).append(" \\\n")
                .append("  --deepspeed zero_stage1_config.json \\\n")
                .append("  2>&1 | tee -a \"${OUTPUT_DIR}/training_log.txt\"\n");
        return sb.toString();
    }

    /** An accelerate config: {@code "zero2"}, {@code "zero3"} or {@code "fsdp"}. */
    public String accelerateConfig(String kind) {
        Map<String, Object> y = new LinkedHashMap<>();
        y.put("compute_environment", "LOCAL_MACHINE");
        y.put("debug", false);
        switch (kind) {
            case "zero2", "zero3" -> {
                boolean three = kind.equals("zero3");
                Map<String, Object> ds = new LinkedHashMap<>();
                ds.put("deepspeed_multinode_launcher", "standard");
                ds.put("offload_optimizer_device", "none");
                ds.put("offload_param_device", "none");
                ds.put("zero3_init_flag", three);
                if (three) ds.put("zero3_save_16bit_model", true);
                ds.put("zero_stage", three ? 3 : 2);
                y.put("deepspeed_config", ds);
                y.put("distributed_type", "DEEPSPEED");
            }
            case "fsdp" -> {
                Map<String, Object> fsdp = new LinkedHashMap<>();
                fsdp.put("fsdp_activation_checkpointing", false);
                fsdp.put("fsdp_auto_wrap_policy", "TRANSFORMER_BASED_WRAP");
                fsdp.put("fsdp_cpu_ram_efficient_loading", true);
                fsdp.put("fsdp_offload_params", false);
                fsdp.put("fsdp_reshard_after_forward", true);
                fsdp.put("fsdp_state_dict_type", "FULL_STATE_DICT");
                fsdp.put("fsdp_version", 2);
                y.put("distributed_type", "FSDP");
                y.put("fsdp_config", fsdp);
            }
            default -> throw new IllegalArgumentException("accelerate config must be zero2, zero3 or fsdp, got \"" + kind + "\"");
        }
        y.put("downcast_bf16", "no");
        y.put("machine_rank", 0);
        y.put("main_training_function", "main");
        y.put("mixed_precision", bf16 ? "bf16" : "no");
        y.put("num_machines", 1);
        y.put("num_processes", numProcesses);
        y.put("rdzv_backend", "static");
        y.put("same_network", true);
        y.put("use_cpu", false);
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(o).dump(y);
    }

    /** The launch script: {@code ./launch.sh [zero2|zero3|fsdp]}. */
    public String launchScript() {
        return "#!/usr/bin/env bash\n"
                + "# Runs this bundle with TRL " + TRL_VERSION + " on " + numProcesses + " GPUs: ./launch.sh [zero2|zero3|fsdp] (default zero2)\n"
                + "# Needs: pip install 'trl==" + TRL_VERSION + "' accelerate deepspeed\n"
                + "set -euo pipefail\n"
                + "cd \"$(dirname \"$0\")\"\n"
                + "CONFIG=\"${1:-zero2}\"\n"
                + "# accelerate launch needs a script path: the trl console script, whose 'dpo' command reads dpo.yaml\n"
                + "exec accelerate launch --config_file \"accelerate/${CONFIG}.yaml\" \"$(command -v trl)\" dpo --config dpo.yaml\n";
    }

    /** The README: what is in the bundle, how to run it, and every setting that did not carry over. */
    public String readme() {
        StringBuilder sb = new StringBuilder("# TRL run bundle (written by mpo4j)\n\n");
        sb.append("- `dpo.yaml`: TRL ").append(TRL_VERSION).append(" `DPOConfig` (+ `model_name_or_path`, `dataset_name`) with this run's settings\n");
        sb.append("- `dataset/`: the training").append(hasEval() ? " and held-out" : "").append(" pairs in TRL's conversational format")
                .append(dataFormat == DataFormat.PARQUET ? " (Parquet, images embedded as {bytes, path})\n" : " (JSONL)\n");
        sb.append("- `accelerate/zero2.yaml`, `zero3.yaml`, `fsdp.yaml`: ").append(numProcesses).append(" GPUs on one machine\n");
        sb.append("- `launch.sh`: `./launch.sh zero3` runs `accelerate launch ... trl dpo --config dpo.yaml`\n");
        sb.append("- `swift.sh` + `swift/`: the same run with ms-swift (`swift rlhf --rlhf_type dpo`)\n");
        sb.append("- `internvl_mpo.sh`: the same run as InternVL's MPO script variables (InternVL models; MMPR data)\n\n");
        sb.append("Global batch: ").append(trainer.trainConfig().batchSize() * (long) trainer.trainConfig().gradAccum())
                .append(" pairs per optimizer step, as in mpo4j.\n\n");
        sb.append("transformers 5 deprecates `warmup_ratio` (a float `warmup_steps` below 1 is a ratio there); TRL ").append(TRL_VERSION)
                .append(" also runs on transformers 4.56+, where only `warmup_ratio` means a ratio, so the bundle writes `warmup_ratio`.\n\n");
        sb.append("## Settings that do not carry over\n\n");
        for (String s : notCarried()) sb.append("- ").append(s).append('\n');
        return sb.toString();
    }

    /** Writes the bundle into {@code dir} atomically (a fresh folder replaces any old one). */
    public Path write(Path dir) {
        requireModel();
        List<PreferencePair> train = trainer.trainPairs();
        List<PreferencePair> eval = hasEval() ? trainer.evalPairs() : List.of();
        try {
            AtomicFiles.writeDirectory(dir, d -> {
                if (dataFormat == DataFormat.PARQUET) {
                    TrlDataExport.parquetSplit(train, d.resolve("dataset"), "train", 1);
                    if (!eval.isEmpty()) TrlDataExport.parquetSplit(eval, d.resolve("dataset"), "test", 1);
                } else {
                    TrlDataExport.jsonl(train, d.resolve("dataset/train.jsonl"));
                    if (!eval.isEmpty()) TrlDataExport.jsonl(eval, d.resolve("dataset/test.jsonl"));
                }
                SwiftData.write(train, d.resolve("swift"), "train");
                if (!eval.isEmpty()) SwiftData.write(eval, d.resolve("swift"), "test");
                write(d.resolve("dpo.yaml"), dpoYaml());
                for (String kind : List.of("zero2", "zero3", "fsdp")) write(d.resolve("accelerate/" + kind + ".yaml"), accelerateConfig(kind));
                write(d.resolve("launch.sh"), launchScript());
                write(d.resolve("swift.sh"), "#!/usr/bin/env bash\nset -euo pipefail\ncd \"$(dirname \"$0\")\"\n" + swiftCommand());
                write(d.resolve("internvl_mpo.sh"), internVlScript());
                write(d.resolve("README.md"), readme());
                for (String script : List.of("launch.sh", "swift.sh", "internvl_mpo.sh")) d.resolve(script).toFile().setExecutable(true);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bundle " + dir, e);
        }
        return dir;
    }

    private boolean hasEval() {
        return trainer.evalPairs() != null && !trainer.evalPairs().isEmpty();
    }

    private void requireModel() {
        if (modelNameOrPath == null) {
            throw new IllegalStateException("model_name_or_path is not set: call modelNameOrPath(\"org/model\" or a folder) — TRL loads the model by name");
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String shell(String s) {
        return s.matches("[A-Za-z0-9_./:-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "TrlBundle[%s, %d GPUs, %s, %s]", modelNameOrPath, numProcesses, dataFormat, trainer.loss());
    }
}
