package mpo4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.PreferencePair;
import mpo4j.generate.CausalLmLogits;
import mpo4j.generate.CompletionGenerator;
import mpo4j.generate.GradMode;
import mpo4j.generate.PromptTokens;
import mpo4j.generate.SampledCompletion;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.online.Advantages;
import mpo4j.online.CompletionStats;
import mpo4j.online.CompletionTensors;
import mpo4j.online.Entropy;
import mpo4j.online.GroupAdvantages;
import mpo4j.online.GrpoLoss;
import mpo4j.online.PolicyLossResult;
import mpo4j.online.RewardInputs;
import mpo4j.online.RewardScores;
import mpo4j.train.Objective;
import mpo4j.train.StepOutput;

/**
 * One GRPO/GSPO micro-batch, as TRL's {@code GRPOTrainer} does it: sample {@code numGenerations}
 * completions per prompt with autograd off, score them, group advantages, then the policy's per-token
 * log-probs of the completions (one forward over prompt + completion rows) into {@link GrpoLoss}, with the
 * reference's log-probs when {@code beta > 0} and the sampling policy's when {@code numIterations > 1}.
 *
 * <p>Randomness: generation round {@code k} (micro-batch call {@code k * numIterations}) samples with a
 * seed derived from the run seed and {@code k}, and each prompt's streams are keyed by its dataset index.
 * The objective's state is its micro-batch counter, so a resumed run samples exactly what the
 * uninterrupted one did (with {@code numIterations > 1}, when it resumes at the start of a round).
 */
final class GrpoObjective implements Objective<PromptBatch> {
    private static final String CALLS = "grpo/micro_batches";

    private final CausalLm policy;
    private final CausalLm reference;
    private final GrpoSetup setup;
    private final GrpoLoss loss;
    private final CompletionLog log;
    private long calls;
    private Rollout cached;

    GrpoObjective(CausalLm policy, CausalLm reference, GrpoSetup setup, CompletionLog log) {
        if (setup.loss().beta() != 0 && reference == null) {
            throw new IllegalArgumentException("beta = " + setup.loss().beta() + " needs a reference model");
        }
        this.policy = policy;
        this.reference = reference;
        this.setup = setup;
        this.loss = new GrpoLoss(setup.loss());
        this.log = log;
    }

    /** A generation round: the sampled completions of a micro-batch and what was computed from them. */
    private record Rollout(EncodedPrompts prompts, List<PreferencePair> pairs, List<SampledCompletion> completions,
            RewardScores scores, Advantages advantages, float[] oldLogps, Map<String, Double> stats) {}

    @Override
    public StepOutput compute(PromptBatch batch, NDManager scope, boolean training) {
        if (!training) {
            throw new UnsupportedOperationException("GRPO has no held-out loss; evaluate the model's answers instead");
        }
        int k = setup.numIterations();
        if (cached == null || calls % k == 0) {
            cached = generate(batch, calls / k, scope);
        }
        long call = calls++;
        Rollout r = cached;
        int g = setup.numGenerations();
        int rows = r.completions().size();
        long[][] rowPrompts = new long[rows][];
        int[] lengths = new int[rows];
        for (int i = 0; i < rows; i++) {
            rowPrompts[i] = r.prompts().ids()[i / g];
            lengths[i] = r.completions().get(i).length();
        }
        CompletionTensors tensors = CompletionTensors.of(scope, r.completions(), policy.tokens().pad(), setup.maskTruncatedCompletions());
        ImageInputs images = r.prompts().perRow(g, scope);
        double temperature = setup.sampling().temperature();
        CompletionLogps current = CompletionLogps.of(policy, rowPrompts, tensors.ids(), lengths, images, temperature, true, scope);
        NDArray old = r.oldLogps() == null ? null : scope.create(r.oldLogps(), tensors.mask().getShape());
        NDArray ref = reference == null ? null : GradMode.off(() ->
                CompletionLogps.of(reference, rowPrompts, tensors.ids(), lengths, images, temperature, false, scope).logps());
        NDArray advantages = scope.create(toFloats(r.advantages().values()), new Shape(rows));
        NDArray mask = tensors.mask();
        double maskedTokens = sum(mask.toFloatArray());
        PolicyLossResult result = loss.compute(current.logps(), old, ref, advantages, mask, maskedTokens, 1);

        Map<String, Double> metrics = new LinkedHashMap<>(r.scores().metrics());
        Map<String, Double> weights = new HashMap<>();
        metrics.keySet().forEach(key -> weights.put(key, (double) rows));
        metrics.put("frac_reward_zero_std", r.advantages().fracRewardZeroStd());
        weights.put("frac_reward_zero_std", (double) rows);
        r.stats().forEach((key, v) -> {
            metrics.put(key, v);
            weights.put(key, (double) rows);
        });
        double tokenWeight = Math.max(maskedTokens, 1e-12);
        metrics.put("entropy", Entropy.maskedMean(current.entropies(), mask));
        weights.put("entropy", tokenWeight);
        result.metrics().forEach((key, v) -> {
            metrics.put(key, v);
            if (key.endsWith("_mean") || key.equals("kl")) {
                weights.put(key, tokenWeight);      // token-weighted over the batch, like TRL
            }
        });
        if (call % k == 0) {
            record(r, (int) (call / setup.gradAccum()) + 1);
        }
        long tokens = 0;
        for (int i = 0; i < rows; i++) {
            tokens += rowPrompts[i].length + lengths[i];
        }
        return new StepOutput(result.loss(), metrics, tokens, weights);
    }

    /** Samples, scores and (for several iterations) records the sampling policy's log-probs. */
    private Rollout generate(PromptBatch batch, long round, NDManager scope) {
        int g = setup.numGenerations();
        EncodedPrompts prompts = EncodedPrompts.of(batch.pairs(), setup.collator());
        List<PromptTokens> keyed = new ArrayList<>();
        for (int p = 0; p < prompts.ids().length; p++) {
            keyed.add(new PromptTokens(batch.indices()[p], prompts.ids()[p]));
        }
        CompletionGenerator generator = new CompletionGenerator(setup.sampling().seed(setup.roundSeed(round)), setup.decode());
        List<SampledCompletion> completions;
        try (CausalLmLogits logits = CausalLmLogits.of(policy, prompts.perPrompt(scope))) {
            completions = generator.generate(logits, keyed, g);
        }
        RewardScores scores = setup.rewards().score(rewardInputs(batch.pairs(), completions));
        Advantages advantages = GroupAdvantages.compute(scores.rewards(), g, setup.scaleRewards());
        long promptTokens = Arrays.stream(prompts.ids()).mapToLong(p -> (long) p.length * g).sum();
        Map<String, Double> stats = new LinkedHashMap<>(CompletionStats.of(completions, promptTokens));
        stats.remove("num_tokens");       // a running total in TRL, not a per-batch mean
        float[] old = null;
        if (setup.numIterations() > 1) {
            // the sampling policy's log-probs by a full forward (as TRL recomputes them), so the first iteration's ratio is exactly 1
            int rows = completions.size();
            long[][] rowPrompts = new long[rows][];
            int[] lengths = new int[rows];
            for (int i = 0; i < rows; i++) {
                rowPrompts[i] = prompts.ids()[i / g];
                lengths[i] = completions.get(i).length();
            }
            try (NDManager oldScope = scope.newSubManager()) {
                CompletionTensors tensors = CompletionTensors.of(oldScope, completions, policy.tokens().pad(), false);
                old = GradMode.off(() -> CompletionLogps.of(policy, rowPrompts, tensors.ids(), lengths,
                        prompts.perRow(g, oldScope), setup.sampling().temperature(), false, oldScope).logps().toFloatArray());
            }
        }
        return new Rollout(prompts, batch.pairs(), completions, scores, advantages, old, stats);
    }

    /**
     * TRL's reward-function keyword arguments: prompts, completions, completion ids, and the example's
     * columns repeated per completion: {@code answer} (the chosen answer), {@code source}, {@code images}.
     */
    private RewardInputs rewardInputs(List<PreferencePair> pairs, List<SampledCompletion> completions) {
        int g = setup.numGenerations();
        List<String> prompts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<long[]> ids = new ArrayList<>();
        List<Object> answers = new ArrayList<>();
        List<Object> sources = new ArrayList<>();
        List<Object> images = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            PreferencePair pair = pairs.get(i / g);
            prompts.add(pair.question());
            texts.add(completions.get(i).text());
            ids.add(completions.get(i).tokenIds());
            answers.add(pair.chosen());
            sources.add(pair.source().toString());
            images.add(pair.images());
        }
        Map<String, List<Object>> columns = new LinkedHashMap<>();
        columns.put("answer", answers);
        columns.put("source", sources);
        columns.put("images", images);
        return new RewardInputs(prompts, texts, ids, columns);
    }

    private void record(Rollout r, int step) {
        double[] rewards = r.scores().rewards();
        double[] advantages = r.advantages().values();
        double[][] per = r.scores().perFunction();
        for (int i = 0; i < rewards.length; i++) {
            double[] scores = new double[per.length];
            for (int f = 0; f < per.length; f++) {
                scores[f] = per[f][i];
            }
            SampledCompletion c = r.completions().get(i);
            String text = setup.decode() == null ? Arrays.toString(c.tokenIds()) : c.text();
            log.add(step, r.pairs().get(i / setup.numGenerations()).question(), text, c.length(), scores, rewards[i], advantages[i]);
        }
    }

    @Override
    public Map<String, Double> state() {
        return Map.of(CALLS, (double) calls);
    }

    @Override
    public void restore(Map<String, Double> state) {
        calls = state.getOrDefault(CALLS, 0.0).longValue();
        // A rollout being reused (numIterations > 1) is not checkpointed: a resume in the middle of its
        // iterations samples the round again, with the same seed but from the current policy.
        cached = null;
    }

    private static float[] toFloats(double[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) x[i];
        }
        return out;
    }

    private static double sum(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s;
    }
}
