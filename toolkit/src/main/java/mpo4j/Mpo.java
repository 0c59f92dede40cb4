package mpo4j;

import mpo4j.engine.Mpo4jEngine;

/**
 * The notebook facade: {@code import static mpo4j.Mpo.*;} brings every fluent entry point into scope.
 *
 * <p>It only delegates; each capability lives in its own package ({@code data}, {@code vision},
 * {@code text}, {@code collate}, {@code loss}, {@code model}, {@code train}, {@code reward},
 * {@code plot}, {@code notebook}).
 */
public final class Mpo {
    static {
        Mpo4jEngine.ensureOffline();
    }

    private Mpo() {}

    // ---------------------------------------------------------------- data (mpo4j.data)

    /**
     * Preference pairs from an MMPR meta.json, a TRL/MMPR JSONL file, or a folder:
     * {@code dataset("datasets-sample/shapes/meta.json").seed(42).split(0.9)}.
     */
    public static mpo4j.data.Dataset<mpo4j.data.PreferencePair> dataset(String path) {
        return mpo4j.data.Datasets.load(path);
    }

    /** Reward-model pairs (response0/response1/labels JSONL): {@code rewardDataset("datasets-sample/reward/train.jsonl")}. */
    public static mpo4j.data.Dataset<mpo4j.data.RewardPair> rewardDataset(String path) {
        return mpo4j.data.Datasets.loadReward(path);
    }


    // ---------------------------------------------------------------- vision (mpo4j.vision)

    /** InternVL dynamic tiling with its defaults (448 px, 1..12 tiles, thumbnail); refine with {@code withX}. */
    public static mpo4j.vision.Tiling tiling() {
        return mpo4j.vision.Tiling.defaults();
    }

    // ---------------------------------------------------------------- text (mpo4j.text)

    /** Loads a Hugging Face tokenizer.json (a folder or the file), offline. */
    public static mpo4j.text.Tokenizer tokenizer(String path) {
        return mpo4j.text.Tokenizer.load(java.nio.file.Path.of(path));
    }

    /** InternVL's {@code internvl2_5} ChatML chat template. */
    public static mpo4j.text.ChatTemplate chatTemplate() {
        return mpo4j.text.ChatTemplate.internVl25();
    }

    // ---------------------------------------------------------------- collate (mpo4j.collate)

    /** An InternVL-style preference collator for {@code tokenizer}; {@code .trl()} gives the TRL-style one. */
    public static mpo4j.collate.InternVlCollator collator(mpo4j.text.Tokenizer tokenizer) {
        return mpo4j.collate.InternVlCollator.of(tokenizer);
    }

    /** A collator matching {@code model}'s tokenizer, tile size and image tokens: {@code collator(model).maxTiles(6)}. */
    public static mpo4j.collate.InternVlCollator collator(mpo4j.model.CausalLm model) {
        return mpo4j.collate.InternVlCollator.forModel(model);
    }

    // ---------------------------------------------------------------- loss (mpo4j.loss)

    /** MPO: sigmoid 0.8 + bco_pair 0.2 + sft 1.0, β 0.1. */
    public static mpo4j.loss.PreferenceLoss mpo() {
        return mpo4j.loss.PreferenceLoss.mpo();
    }

    /** Plain DPO (TRL's {@code sigmoid}). */
    public static mpo4j.loss.PreferenceLoss dpo() {
        return mpo4j.loss.PreferenceLoss.dpo();
    }

    /** Any TRL loss type or comma-separated mix, e.g. {@code loss("sigmoid,ipo").weights(0.5, 0.5)}. */
    public static mpo4j.loss.PreferenceLoss loss(String names) {
        return mpo4j.loss.PreferenceLoss.loss(names);
    }

    public static mpo4j.loss.PreferenceLoss loss(mpo4j.loss.LossType... types) {
        return mpo4j.loss.PreferenceLoss.loss(types);
    }

    /** Scalar reward-model loss: {@code "sigmoid"} (Bradley–Terry, margin 0.1), {@code "logexp"}, {@code "hps"}. */
    public static mpo4j.loss.RewardLoss rewardLoss(String name) {
        return mpo4j.loss.RewardLoss.of(name);
    }


    // ---------------------------------------------------------------- model (mpo4j.model)

    /**
     * The benchmark-sized InternVL-style model with the sample tokenizer:
     * {@code TinyVlm model = tinyVlm().seed(42).build();}
     */
    public static mpo4j.model.TinyVlm.Builder tinyVlm() {
        return mpo4j.model.TinyVlm.builder(mpo4j.model.TinyVlmConfig.tinyVlm()).tokenizer(mpo4j.text.Tokenizer.sample());
    }

    /**
     * Any supported model, offline: a folder a model's {@code save(dir)} wrote (a {@code TinyVlm} comes
     * back as one), a Hugging Face folder (Qwen2/Qwen2.5, Qwen3, InternVL3) or a repo id found in the
     * Hugging Face cache; the architecture comes from its {@code config.json}. Same as
     * {@code load(pathOrRepoId, false)}; see {@link #load(String, boolean)} to download.
     */
    public static mpo4j.model.CausalLm load(String pathOrRepoId) {
        return load(pathOrRepoId, false);
    }

    /**
     * Any supported model: a local Hugging Face folder or a repo id ({@code "OpenGVLab/InternVL3-1B"},
     * {@code "Qwen/Qwen2.5-0.5B-Instruct"}) found in the Hugging Face cache; the architecture comes from
     * its {@code config.json}. With {@code download} true a repo id missing from the cache is downloaded
     * into it first (resumable, checksum-checked); with false nothing touches the network and the error
     * says where it looked.
     */
    public static mpo4j.model.CausalLm load(String pathOrRepoId, boolean download) {
        return mpo4j.model.ModelLoader.load(pathOrRepoId, download);
    }


    // ---------------------------------------------------------------- preference training (mpo4j.preference)

    /**
     * Preference training of a model (DPO by default; {@code .loss(mpo())} for MPO), configured fluently:
     * {@code trainer(model).loss(mpo()).data(train, eval).collator(c::collate).lr(5e-5).cosine().fit()}.
     */
    public static mpo4j.preference.PreferenceTrainer trainer(mpo4j.model.CausalLm model) {
        return mpo4j.preference.PreferenceTrainer.of(model);
    }

    /** Supervised fine-tuning on the chosen answers, the stage before preference training. */
    public static mpo4j.preference.PreferenceTrainer sftTrainer(mpo4j.model.CausalLm model) {
        return mpo4j.preference.PreferenceTrainer.sft(model);
    }


    // ---------------------------------------------------------------- reward (mpo4j.reward)

    /** A scalar reward model on a backbone: {@code rewardModel(tinyVlm().seed(42).build()).tokenizer(tok).heads("preference").build()}. */
    public static mpo4j.reward.RewardModel.Builder rewardModel(mpo4j.model.TinyVlm backbone) {
        return mpo4j.reward.RewardModel.builder(backbone);
    }

    /** Trains a reward model: {@code rewardTrainer(rm).loss("sigmoid").data(train).eval(heldOut).lr(1e-4).fit()}. */
    public static mpo4j.reward.RewardTrainer rewardTrainer(mpo4j.reward.RewardModel model) {
        return mpo4j.reward.RewardTrainer.of(model);
    }

    /** A reward model saved with {@code rm.save(dir)}; {@code tokenizer} sets the collator {@code score(...)} uses. */
    public static mpo4j.reward.RewardModel loadRewardModel(String path, mpo4j.text.Tokenizer tokenizer) {
        mpo4j.reward.RewardModel rm = mpo4j.reward.RewardModel.load(java.nio.file.Path.of(path));
        return rm.withCollator(mpo4j.reward.RewardCollator.forModel(tokenizer, rm.backbone().config()));
    }


    // ---------------------------------------------------------------- plot (mpo4j.plot)

    /** Loss and |d loss / d margin| versus implicit-reward margin, one series per loss. */
    public static mpo4j.plot.LossPlots plotLoss(mpo4j.loss.PreferenceLoss... losses) {
        return mpo4j.plot.LossPlots.of(losses);
    }


    // ---------------------------------------------------------------- notebook (mpo4j.notebook)

    /**
     * Shows {@code value} under the running cell (charts and images as PNG, tables as HTML); in plain
     * JShell prints its text form (charts as ASCII). Returns a handle to redraw it: {@code d.update(v)}.
     */
    public static mpo4j.notebook.LiveDisplay display(Object value) {
        return mpo4j.notebook.Notebook.display(value);
    }

    /** Redraws the display {@code id} (from {@code display(obj).id()}) with {@code value}; no-op outside a kernel. */
    public static void updateDisplay(String id, Object value) {
        mpo4j.notebook.Notebook.updateDisplay(id, value);
    }


    // ---------------------------------------------------------------- online RL (mpo4j.rl)

    /**
     * GRPO of {@code model} with TRL's {@code GRPOConfig} defaults:
     * {@code grpoTrainer(model).data(prompts).rewardFunc("accuracy", exactAnswer("answer")).fit()}; GSPO with
     * {@code importanceSamplingLevel("sequence")}.
     */
    public static mpo4j.rl.GrpoTrainer grpoTrainer(mpo4j.model.CausalLm model) {
        return mpo4j.rl.GrpoTrainer.of(model);
    }

    /** RLOO of {@code model} with TRL's {@code RLOOConfig} defaults (2 generations, KL reward penalty beta 0.05). */
    public static mpo4j.rl.RlooTrainer rlooTrainer(mpo4j.model.CausalLm model) {
        return mpo4j.rl.RlooTrainer.of(model);
    }

    /**
     * Online DPO of {@code model}: two samples per prompt ranked by the reward functions or a judge, then
     * any preference loss ({@code onlineDpoTrainer(model).loss(mpo())} for MPO).
     */
    public static mpo4j.rl.OnlineDpoTrainer onlineDpoTrainer(mpo4j.model.CausalLm model) {
        return mpo4j.rl.OnlineDpoTrainer.of(model);
    }

    // ---------------------------------------------------------------- preference data made by the model (mpo4j.pairs)

    /**
     * InternVL's correctness-based pair generation with {@code model}: sample answers to questions with a
     * known answer, judge each, pair a correct one (chosen) with an incorrect one (rejected):
     * {@code correctnessPairs(model).numGenerations(8).run(questions)}; write the pairs with {@code MmprWriter}.
     */
    public static mpo4j.pairs.CorrectnessPairs correctnessPairs(mpo4j.model.CausalLm model) {
        return mpo4j.pairs.CorrectnessPairs.of(model);
    }

    /**
     * InternVL's DropoutNTP with {@code model}: cut each chosen answer at {@code startRatio} (default 0.5)
     * and let the model continue it without the image; the continuation is the rejected answer.
     */
    public static mpo4j.pairs.DropoutNtpPairs dropoutNtpPairs(mpo4j.model.CausalLm model) {
        return mpo4j.pairs.DropoutNtpPairs.of(model);
    }

    /** Samples completions from any model through its KV cache, for {@code CompletionGenerator}. */
    public static mpo4j.generate.CausalLmLogits sampler(mpo4j.model.CausalLm model) {
        return mpo4j.generate.CausalLmLogits.of(model);
    }

    // ---------------------------------------------------------------- interop (mpo4j.interop)

    /**
     * One split of a Hugging Face Parquet dataset folder ({@code data/<split>-*.parquet}), images kept in
     * memory; {@code dataset(folder)} reads its {@code train} split.
     */
    public static mpo4j.data.Dataset<mpo4j.data.PreferencePair> dataset(String path, String split) {
        return mpo4j.data.Datasets.parquet(java.nio.file.Path.of(path), split);
    }

    /**
     * The trainer's run as a TRL run bundle (dpo.yaml, data, accelerate configs, launch script, ms-swift
     * and InternVL commands): {@code trlBundle(trainer).modelNameOrPath("org/model").write(Path.of("bundle"))}.
     */
    public static mpo4j.interop.TrlBundle trlBundle(mpo4j.preference.PreferenceTrainer trainer) {
        return mpo4j.interop.TrlBundle.of(trainer);
    }

    /** A TRL/transformers run read back from its output_dir ({@code trainer_state.json} log_history). */
    public static mpo4j.interop.TrlRun trlRun(String outputDir) {
        return mpo4j.interop.TrlRun.read(java.nio.file.Path.of(outputDir));
    }

    /** The mpo4j run and a TRL run on the same panels (series named "mpo4j: ..." and "trl: ..."). */
    public static mpo4j.plot.Curves compare(mpo4j.train.TrainRun mpo4jRun, mpo4j.interop.TrlRun trlRun) {
        return mpo4j.interop.RunComparison.curves("mpo4j", mpo4jRun.log().rows(), "trl", trlRun.log().rows());
    }

    /** Two TRL runs on the same panels (series named "a: ..." and "b: ..."). */
    public static mpo4j.plot.Curves compare(mpo4j.interop.TrlRun a, mpo4j.interop.TrlRun b) {
        return mpo4j.interop.RunComparison.curves("a", a.log().rows(), "b", b.log().rows());
    }

    /** Two mpo4j runs on the same panels (series named "a: ..." and "b: ..."). */
    public static mpo4j.plot.Curves compare(mpo4j.train.TrainRun a, mpo4j.train.TrainRun b) {
        return mpo4j.interop.RunComparison.curves("a", a.log().rows(), "b", b.log().rows());
    }

}
