package mpo4j.preference;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Dataset;
import mpo4j.data.OnError;
import mpo4j.data.Split;
import mpo4j.data.PreferencePair;
import mpo4j.loss.LossType;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.model.CausalLm;
import mpo4j.train.Checkpoint;
import mpo4j.engine.Dropout;
import mpo4j.engine.GradMode;
import mpo4j.train.ModelTrainable;
import mpo4j.train.Objective;
import mpo4j.train.TrainLoop;
import mpo4j.train.TrainRun;
import mpo4j.train.TrainerBase;

/**
 * Preference training (DPO, MPO, any TRL loss mix) or SFT of a {@link CausalLm}, configured fluently
 * and immutably (every setting returns a new trainer). Defaults follow TRL's {@code DPOConfig} (see
 * {@link mpo4j.train.TrainConfig}); the loss defaults to DPO ({@code sigmoid}, β 0.1) and the reference
 * to a frozen copy of the initial policy.
 *
 * <p>The model is trained in place. With {@code output(dir).saveEvery(n)} the run writes
 * {@code checkpoint-N/} directories and, for a frozen-copy reference, {@code reference/} once;
 * {@link #resume(Path)} continues from the latest checkpoint with identical metrics.
 */
public final class PreferenceTrainer extends TrainerBase<PreferenceTrainer> {
    private static final String REFERENCE_DIR = "reference";
    private static final String REFERENCE_LOGPS = "reference_logps.safetensors";

    private final CausalLm model;
    private final boolean sft;
    private boolean visionOncePerPair = true;
    private boolean promptOncePerPair = true;
    private PreferenceLoss loss = PreferenceLoss.dpo();
    private Reference reference = Reference.FROZEN_COPY;
    private List<PreferencePair> train = List.of();
    private List<PreferencePair> eval;
    private Function<List<PreferencePair>, PreferenceBatch> collator;
    private InternVlCollator internVl;
    private OnError onError = OnError.FAIL;
    private boolean syncRefModel;
    private double refModelMixupAlpha = 0.6;
    private int refModelSyncSteps = 512;
    private int precomputeRefBatchSize;
    private String padToken;
    private boolean disableDropout = true;

    private PreferenceTrainer(CausalLm model, boolean sft) {
        this.model = model;
        this.sft = sft;
    }

    private PreferenceTrainer(PreferenceTrainer other) {
        super(other);
        this.model = other.model;
        this.sft = other.sft;
        this.visionOncePerPair = other.visionOncePerPair;
        this.promptOncePerPair = other.promptOncePerPair;
        this.loss = other.loss;
        this.reference = other.reference;
        this.train = other.train;
        this.eval = other.eval;
        this.collator = other.collator;
        this.internVl = other.internVl;
        this.onError = other.onError;
        this.syncRefModel = other.syncRefModel;
        this.refModelMixupAlpha = other.refModelMixupAlpha;
        this.refModelSyncSteps = other.refModelSyncSteps;
        this.precomputeRefBatchSize = other.precomputeRefBatchSize;
        this.padToken = other.padToken;
        this.disableDropout = other.disableDropout;
    }

    @Override
    protected PreferenceTrainer copy() { return new PreferenceTrainer(this); }

    /** Preference training of {@code model} (DPO by default). */
    public static PreferenceTrainer of(CausalLm model) { return new PreferenceTrainer(model, false); }

    /** Supervised fine-tuning on the chosen answers only (no reference, no rejected forward pass). */
    public static PreferenceTrainer sft(CausalLm model) { return new PreferenceTrainer(model, true); }

    /** The loss; a pure {@code sft} loss switches to chosen-only SFT. */
    public PreferenceTrainer loss(PreferenceLoss l) {
        requirePreference("loss");
        PreferenceLoss valid = l.validate();
        return change(t -> t.loss = valid);
    }

    /** A loss by TRL name(s), e.g. {@code "sigmoid"}, {@code "sigmoid,bco_pair,sft"}. */
    public PreferenceTrainer loss(String names) { return loss(PreferenceLoss.loss(names)); }

    public PreferenceTrainer data(List<PreferencePair> pairs) {
        List<PreferencePair> copy = List.copyOf(pairs);
        return change(t -> t.train = copy);
    }

    /** Trains on a data set (read once into memory). */
    public PreferenceTrainer data(Dataset<PreferencePair> pairs) { return data(pairs.toList()); }

    /** Trains on {@code split.train()} and evaluates on {@code split.eval()}. */
    public PreferenceTrainer data(Split<PreferencePair> split) {
        return data(split.train().toList(), split.eval().toList());
    }

    /** Held-out pairs from a data set. */
    public PreferenceTrainer eval(Dataset<PreferencePair> pairs) { return eval(pairs.toList()); }

    public PreferenceTrainer data(List<PreferencePair> trainPairs, List<PreferencePair> evalPairs) {
        return data(trainPairs).eval(evalPairs);
    }

    /** Held-out pairs, evaluated every {@code evalEvery} steps with the same metrics ({@code eval/} prefix). */
    public PreferenceTrainer eval(List<PreferencePair> pairs) {
        List<PreferencePair> copy = List.copyOf(pairs);
        return change(t -> t.eval = copy);
    }

    /** How pairs become a batch (e.g. {@code InternVlCollator::collate}). */
    public PreferenceTrainer collator(Function<List<PreferencePair>, PreferenceBatch> c) {
        return change(t -> {
            t.collator = c;
            t.internVl = null;
        });
    }

    /**
     * An InternVL collator whose image augmentation is re-seeded per batch from the run seed and the
     * batch's example indices, so that a resumed run sees the same augmented tiles (a collator's own
     * call counter would restart at 0 after a resume).
     */
    public PreferenceTrainer collator(InternVlCollator c) {
        return change(t -> {
            t.collator = null;
            t.internVl = c;
        });
    }

    /**
     * {@code true} (default) encodes each pair's tiles once for its chosen and rejected rows;
     * {@code false} encodes them once per row, as the Python tools do (same numbers, more time).
     */
    public PreferenceTrainer visionOncePerPair(boolean once) { return change(t -> t.visionOncePerPair = once); }

    /**
     * {@code true} (default) computes the prompt a pair's chosen and rejected rows share once: each pair
     * becomes one row, its chosen tokens followed by the rejected tokens after their longest common prefix
     * (positions restarting there, the rejected part never attending to the chosen completion), for the
     * policy, the frozen reference and the precomputed reference alike. The log-probs, losses and
     * gradients equal those of the unpacked forward up to float summation order; the decoder computes
     * about a third fewer positions when prompts are long. Applies only with {@link #visionOncePerPair}
     * (row by row, the forward mimics the Python tools); {@code false} runs the {@code 2B} rows of today.
     */
    public PreferenceTrainer promptOncePerPair(boolean once) { return change(t -> t.promptOncePerPair = once); }

    /**
     * What a pair that fails to collate during training does (a truncated image, say, which loading
     * and {@code validate()} do not decode): {@link OnError#FAIL} (default) stops the run with an error
     * naming the pair's file and line, as a {@link mpo4j.train.TrainingFailedException} that keeps the
     * run so far (and a final checkpoint when {@code output} is set); {@link OnError#SKIP} drops the
     * pair, logs it once (file:line and the problem) and counts it in the {@code skipped_pairs} metric.
     * Use the same policy as the data set's {@code onError(...)}.
     */
    public PreferenceTrainer onError(OnError policy) {
        java.util.Objects.requireNonNull(policy, "onError policy");
        return change(t -> t.onError = policy);
    }

    /** How the reference log-probs are obtained (see {@link Reference}). */
    public PreferenceTrainer reference(Reference r) {
        requirePreference("reference");
        java.util.Objects.requireNonNull(r, "reference");
        if (r == Reference.PRECOMPUTED && syncRefModel) {
            throw precomputedAndSynced();
        }
        return change(t -> t.reference = r);
    }
    public PreferenceTrainer frozenReference() { return reference(Reference.FROZEN_COPY); }
    public PreferenceTrainer precomputedReference() { return reference(Reference.PRECOMPUTED); }
    public PreferenceTrainer referenceFree() { return reference(Reference.NONE); }

    /**
     * TR-DPO (TRL's {@code sync_ref_model}, default {@code false}): every {@link #refModelSyncSteps}
     * optimizer steps the reference becomes {@code alpha * policy + (1 - alpha) * reference}
     * ({@link #refModelMixupAlpha}). It needs a reference model that runs next to the policy: not a
     * precomputed reference, and for a LoRA model (whose reference is its base with the adapters
     * disabled) a standalone copy, so fitting a LoRA model with it fails with an error that says so.
     * Checkpoints store the moving reference, so a resumed run equals an uninterrupted one.
     */
    public PreferenceTrainer syncRefModel(boolean on) {
        requirePreference("syncRefModel");
        if (on && reference == Reference.PRECOMPUTED) {
            throw precomputedAndSynced();
        }
        return change(t -> t.syncRefModel = on);
    }

    /** TR-DPO's {@code ref_model_mixup_alpha} (default 0.6): the policy's share of the new reference; 1 copies it. */
    public PreferenceTrainer refModelMixupAlpha(double alpha) {
        requirePreference("refModelMixupAlpha");
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("ref_model_mixup_alpha must be in [0, 1] (1 copies the policy into the reference), got "
                    + alpha);
        }
        return change(t -> t.refModelMixupAlpha = alpha);
    }

    /** TR-DPO's {@code ref_model_sync_steps} (default 512): the reference is synchronised after every this many optimizer steps. */
    public PreferenceTrainer refModelSyncSteps(int steps) {
        requirePreference("refModelSyncSteps");
        if (steps < 1) {
            throw new IllegalArgumentException("ref_model_sync_steps must be >= 1, got " + steps);
        }
        return change(t -> t.refModelSyncSteps = steps);
    }

    private static IllegalArgumentException precomputedAndSynced() {
        return new IllegalArgumentException("sync_ref_model cannot be combined with a precomputed reference "
                + "(precompute_ref_log_probs): the synchronised reference changes during training, so its log-probs cannot be "
                + "computed before it; use frozenReference() or syncRefModel(false)");
    }

    /**
     * Pairs per batch of the reference pre-pass of {@link #precomputedReference()} (TRL's
     * {@code precompute_ref_batch_size}); 0 (default) uses the training batch size for the training
     * pairs and the evaluation batch size for the held-out ones. The stored log-probs do not depend on it.
     */
    public PreferenceTrainer precomputeRefBatchSize(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("precompute_ref_batch_size must be >= 1 (or 0 for the train/eval batch sizes), got " + n);
        }
        return change(t -> t.precomputeRefBatchSize = n);
    }

    /**
     * The token that pads the rows of a batch (TRL's {@code pad_token}); {@code null} (default) keeps the
     * tokenizer's pad token, else its eos token, as TRL. It must be a token of the collator's tokenizer.
     * Padding never reaches the loss (attention and labels follow the real lengths), so this only
     * changes the ids a batch shows.
     */
    public PreferenceTrainer padToken(String token) {
        if (token != null && token.isEmpty()) {
            throw new IllegalArgumentException("pad_token must be a token of the tokenizer or null (its pad token, else eos), got \"\"");
        }
        return change(t -> t.padToken = token);
    }

    /**
     * TRL's {@code disable_dropout} (default {@code true}): train policy and reference without dropout,
     * LoRA's {@code lora_dropout} included (through {@link Dropout}; the model keeps its configured value
     * for other uses). mpo4j's decoders have no other dropout layers, and the reference never runs with
     * gradients, so never with dropout. {@code false} keeps a LoRA adapter's dropout in training steps.
     * An SFT trainer keeps dropout, as TRL's SFT trainer does. Part of the resume fingerprint.
     */
    public PreferenceTrainer disableDropout(boolean disable) {
        return change(t -> t.disableDropout = disable);
    }

    private void requirePreference(String what) {
        if (sft) {
            throw new IllegalStateException(what + "(...) does not apply to SFT (it trains on the chosen answers only)");
        }
    }

    /**
     * Trains the model in place and returns the run. Works from any thread (see {@link GradMode}).
     *
     * @throws mpo4j.train.TrainingFailedException when a step fails (a bad pair under {@link OnError#FAIL},
     *     a non-finite loss or gradient norm): it carries the run up to the last complete step
     */
    public TrainRun fit() {
        return GradMode.off(() -> {
            try (Session s = new Session(null, null, true)) {
                return Dropout.off(!sft && disableDropout, s.loop::fit);
            }
        });
    }

    /** Continues from the latest checkpoint under {@code dir} (or the checkpoint {@code dir} itself). */
    public TrainRun resume(Path dir) {
        try {
            Path checkpoint = Checkpoint.latest(dir);
            PreferenceTrainer into = outputDir() == null ? output(checkpoint.getParent()) : this;
            return GradMode.off(() -> {
                try (Session s = into.new Session(checkpoint.getParent(), checkpoint, true)) {
                    return Dropout.off(!sft && disableDropout, () -> s.loop.resume(checkpoint));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Metrics of the current model on the held-out pairs, without training ({@code eval/} prefix).
     * The reference is a frozen copy of the model as it is now (or none for reference-free), so
     * call it before {@link #fit()}; after training, read the run's last eval row instead.
     */
    public Map<String, Double> evaluate() {
        if (eval == null || eval.isEmpty()) {
            throw new IllegalStateException("no eval pairs: call eval(...) or data(train, eval) first");
        }
        return GradMode.off(() -> {
            try (Session s = new Session(null, null, false); NDManager root = NDManager.newBaseManager()) {
                return s.loop.evaluate(root, false);
            }
        });
    }

    /** The collate function; for an InternVL collator, seeded by (run seed, split, example indices). */
    private PairBatches.Collate batcher(InternVlCollator internVl, int split) {
        if (internVl == null) {
            return (pairs, indices) -> collator.apply(pairs);
        }
        long seed = trainConfig().seed();
        return (pairs, indices) -> internVl.collate(pairs, seed * 31 + split * 1_000_003L + java.util.Arrays.hashCode(indices));
    }

    /** Everything one fit needs, and the reference resources to free afterwards. */
    private final class Session implements AutoCloseable {
        final TrainLoop<PairBatch> loop;
        CausalLm frozen;

        /**
         * {@code checkpoint}: the one a resume continues from (null for a fresh fit). {@code forTraining}
         * false: only the held-out pairs will be scored (precomputed references for them alone).
         */
        Session(Path resumeRoot, Path checkpoint, boolean forTraining) {
            InternVlCollator ivl = internVl;
            if (collator == null && ivl == null) {
                if (model.tokenizer().isEmpty()) {
                    throw new IllegalArgumentException("no collator and the model has no tokenizer: call collator(...) "
                            + "(e.g. collator(tokenizer).tileSize(64).tokensPerTile(16))");
                }
                ivl = InternVlCollator.forModel(model);   // the model's own tokenizer, tile size and image tokens
            }
            if (train.isEmpty()) {
                throw new IllegalArgumentException("no training data: call data(pairs) with at least one pair");
            }
            long padId = padId(ivl);
            PairBatches trainBatches = new PairBatches(train, PadTokens.repad(batcher(ivl, 1), padId), onError);
            PairBatches evalBatches = eval == null || eval.isEmpty() ? null
                    : new PairBatches(eval, PadTokens.repad(batcher(ivl, 2), padId), onError);
            Objective<PairBatch> objective;
            ReferenceSync sync = null;
            if (sft || isPureSft(loss)) {
                objective = new SftObjective(model);
            } else if (reference == Reference.NONE || !loss.needsReference()) {
                if (syncRefModel) {
                    throw new IllegalArgumentException("sync_ref_model needs a reference model, but "
                            + (reference == Reference.NONE ? "the trainer is reference-free" : "the loss " + loss + " uses none")
                            + "; call syncRefModel(false)");
                }
                objective = new PreferenceObjective(model, loss.referenceFree(), null, layout());
            } else if (syncRefModel) {
                frozen = model.frozenCopy();
                sync = synchronised(checkpoint, forTraining);
                objective = new PreferenceObjective(model, loss, frozen, layout());
            } else {
                frozen = loadOrCopyReference(resumeRoot);
                if (reference == Reference.PRECOMPUTED) {
                    precompute(forTraining ? trainBatches : null, evalBatches, resumeRoot);
                    frozen.close();          // the reference is not in memory during training
                    frozen = null;
                }
                objective = new PreferenceObjective(model, loss, frozen, layout());
            }
            List<mpo4j.train.TrainListener> listeners = new ArrayList<>();
            if (sync != null) {
                listeners.add(sync);      // first, so every other listener sees the step's synchronised reference
            }
            listeners.addAll(allListeners());
            ModelTrainable policy = new ModelTrainable(model);
            loop = new TrainLoop<>(sync == null ? policy : sync.trainable(policy), objective, trainBatches, evalBatches, trainConfig(),
                    listeners, outputDir()).fingerprint(fingerprint());
        }

        /** The TR-DPO synchronisation of {@link #frozen}, which a resume restores from its checkpoint. */
        private ReferenceSync synchronised(Path checkpoint, boolean forTraining) {
            try {
                ReferenceSync s = ReferenceSync.of(model, frozen, refModelMixupAlpha, refModelSyncSteps);
                if (checkpoint != null) {
                    s.load(checkpoint);
                }
                return forTraining ? s : null;
            } catch (IOException e) {
                frozen.close();
                throw new UncheckedIOException("could not read the synchronised reference of " + checkpoint, e);
            } catch (RuntimeException e) {
                frozen.close();
                throw e;
            }
        }

        /** The pad id of the batches: {@link #padToken(String)} in the collator's tokenizer, or -1 to keep the collator's. */
        private long padId(InternVlCollator ivl) {
            if (padToken == null) {
                return -1;
            }
            mpo4j.text.Tokenizer tokenizer = ivl != null ? ivl.tokenizer() : model.tokenizer().orElseThrow(() ->
                    new IllegalArgumentException("pad_token '" + padToken + "' needs a tokenizer, but the collator is a custom "
                            + "function and the model has none"));
            return PadTokens.id(tokenizer, padToken);
        }

        private CausalLm loadOrCopyReference(Path resumeRoot) {
            Path saved = resumeRoot == null ? null : resumeRoot.resolve(REFERENCE_DIR);
            if (saved != null && Files.isDirectory(saved)) {
                try (CausalLm loaded = model.loadSaved(saved)) {
                    return loaded.frozenCopy();
                }
            }
            CausalLm copy = model.frozenCopy();
            if (outputDir() != null && reference == Reference.FROZEN_COPY) {
                // so a resume (from a periodic checkpoint or the final one of a failed run) scores against the same reference
                copy.save(outputDir().resolve(REFERENCE_DIR));
            }
            return copy;
        }

        private void precompute(PairBatches trainBatches, PairBatches evalBatches, Path resumeRoot) {
            Path root = resumeRoot != null ? resumeRoot : outputDir();
            Path file = root == null ? null : root.resolve(REFERENCE_LOGPS);
            try (NDManager scope = NDManager.newBaseManager()) {
                Function<PreferenceBatch, ReferenceLogps> score = b -> PreferenceObjective.score(frozen, b, layout(), scope);
                if (trainBatches == null) {      // evaluation only: nothing to store or resume
                    evalBatches.precompute(preBatch(trainConfig().evalBatchSizeOrTrain()), score);
                    return;
                }
                if (resumeRoot != null && file != null && Files.isRegularFile(file)) {
                    ReferenceStore.load(file, trainBatches, evalBatches);
                    return;
                }
                trainBatches.precompute(preBatch(trainConfig().batchSize()), score);
                if (evalBatches != null) {
                    evalBatches.precompute(preBatch(trainConfig().evalBatchSizeOrTrain()), score);
                }
                if (file != null && outputDir() != null) {
                    ReferenceStore.save(file, trainBatches, evalBatches);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read or write precomputed reference log-probs " + file, e);
            }
        }

        /** The pre-pass batch size: {@link #precomputeRefBatchSize(int)}, or the split's own batch size when 0. */
        private int preBatch(int splitBatchSize) {
            return precomputeRefBatchSize > 0 ? precomputeRefBatchSize : splitBatchSize;
        }

        @Override
        public void close() {
            if (frozen != null) {
                frozen.close();
            }
        }
    }

    /** The loss (read access for exporters; {@link #loss(PreferenceLoss)} sets it). */
    public PreferenceLoss loss() { return loss; }

    /** How the reference log-probs are obtained. */
    public Reference reference() { return reference; }

    /** Whether the reference is synchronised with the policy (TR-DPO, {@link #syncRefModel(boolean)}). */
    public boolean syncRefModel() { return syncRefModel; }

    /** TR-DPO's mixing weight of the policy. */
    public double refModelMixupAlpha() { return refModelMixupAlpha; }

    /** TR-DPO's synchronisation period in optimizer steps. */
    public int refModelSyncSteps() { return refModelSyncSteps; }

    /** The reference pre-pass batch size (0: the train/eval batch sizes). */
    public int precomputeRefBatchSize() { return precomputeRefBatchSize; }

    /** The pad token set with {@link #padToken(String)}, or {@code null} for the tokenizer's (else eos). */
    public String padToken() { return padToken; }

    /** Whether dropout is disabled in policy and reference (TRL's {@code disable_dropout}). */
    public boolean disableDropout() { return disableDropout; }

    /** Whether this trainer does SFT on the chosen answers only ({@link #sft(CausalLm)}). */
    public boolean isSft() { return sft; }

    /** The InternVL collator, or {@code null} when a custom collate function is set or none yet. */
    public InternVlCollator internVlCollator() { return internVl; }

    /** The training pairs. */
    public List<PreferencePair> trainPairs() { return train; }

    /** The held-out pairs ({@code null} when none are set). */
    public List<PreferencePair> evalPairs() { return eval; }

    /**
     * What decides the trained weights besides the {@link mpo4j.train.TrainConfig}, field by field, for
     * the resume check: the objective and each loss setting, the reference, the data (count and the
     * pairs' sources in order: another file, another order or another subset differs) and the model's
     * architecture (class, vocabulary, layers, parameter names and shapes).
     */
    private Map<String, String> fingerprint() {
        Map<String, String> f = new java.util.LinkedHashMap<>();
        boolean pureSft = sft || isPureSft(loss);
        f.put("objective", pureSft ? "sft" : "preference");
        if (!pureSft) {
            f.put("loss.types", loss.types().stream().map(LossType::trlName).toList().toString());
            f.put("loss.weights", loss.weights().toString());
            f.put("loss.beta", String.valueOf(loss.beta()));
            f.put("loss.label_smoothing", String.valueOf(loss.labelSmoothing()));
            f.put("loss.f_divergence", loss.fDivergence() + " " + loss.alphaCoefficient());
            f.put("loss.reference_free", String.valueOf(loss.isReferenceFree()));
            f.put("loss.ld_alpha", String.valueOf(loss.ldAlpha()));
            f.put("loss.use_weighting", String.valueOf(loss.isWeighted()));
            f.put("loss.bco_running_mean", String.valueOf(loss.usesBcoRunningMean()));
            f.put("loss.discopop_tau", String.valueOf(loss.discopopTau()));
            f.put("reference", String.valueOf(reference));
            if (syncRefModel) {      // only when on, so checkpoints from before TR-DPO still resume
                f.put("reference.sync", "alpha " + refModelMixupAlpha + " every " + refModelSyncSteps + " steps");
            }
        }
        if (!disableDropout) {
            f.put("dropout", "enabled");
        }
        f.put("data.train_pairs", String.valueOf(train.size()));
        // a pair made in code has no file line to tell it apart: its text stands in
        f.put("data.train_order", sha256(train.stream().map(p -> p.source().line() > 0 ? p.source().toString()
                : p.source() + "|" + p.question() + "|" + p.chosen() + "|" + p.rejected()).toList()));
        f.put("data.on_error", String.valueOf(onError));
        f.put("model.class", model.getClass().getName());
        f.put("model.vocab_size", String.valueOf(model.vocabSize()));
        f.put("model.layers", String.valueOf(model.layers()));
        List<String> shapes = new ArrayList<>();
        model.parameters().forEach((name, p) -> shapes.add(name + p.getArray().getShape() + p.getArray().getDataType()));
        f.put("model.parameters", shapes.size() + " arrays, " + model.parameterCount() + " values, sha256 " + sha256(shapes));
        return f;
    }

    /** A short hex digest of a list of strings (each ended by a newline). */
    private static String sha256(List<String> items) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (String s : items) {
                md.update((s + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How the preference forward passes lay out a batch, from {@link #visionOncePerPair} and {@link #promptOncePerPair}. */
    private PairForward layout() { return PairForward.of(visionOncePerPair, promptOncePerPair); }

    private static boolean isPureSft(PreferenceLoss l) {
        return l.types().size() == 1 && l.types().get(0) == LossType.SFT;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        parts.add(sft ? "SFT" : loss.toString());
        if (!sft) {
            parts.add("reference " + reference + (syncRefModel
                    ? " synced (alpha " + refModelMixupAlpha + " every " + refModelSyncSteps + " steps)" : ""));
            parts.add(switch (layout()) {
                case PROMPT_ONCE -> "prompt and tiles once per pair";
                case VISION_ONCE -> "tiles once per pair";
                case ROW_BY_ROW -> "tiles in each row";
            });
        }
        parts.add(train.size() + " train pairs");
        parts.add((eval == null ? 0 : eval.size()) + " eval pairs");
        parts.add(trainConfig().toString());
        return "PreferenceTrainer[" + String.join(", ", parts) + "]";
    }
}
