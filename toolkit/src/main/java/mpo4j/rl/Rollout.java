package mpo4j.rl;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.PreferencePair;
import mpo4j.generate.CausalLmLogits;
import mpo4j.generate.CompletionGenerator;
import mpo4j.engine.GradMode;
import mpo4j.generate.PromptTokens;
import mpo4j.generate.SampledCompletion;
import mpo4j.model.CausalLm;
import mpo4j.online.CompletionStats;
import mpo4j.online.CompletionTensors;
import mpo4j.online.RewardInputs;
import mpo4j.online.RewardScores;

/**
 * One generation round of an online trainer: {@code numGenerations} completions per prompt, sampled with
 * autograd off, and their reward scores. Rows are prompt-major ({@code numGenerations} consecutive rows
 * per prompt), as TRL lays them out.
 *
 * <p>With TRL's {@code steps_per_generation > 1} a round is trained on in consecutive micro-batches, each
 * a {@link #slice} of its rows; a slice keeps the round's scores and statistics (TRL logs them once per
 * generation) and its own completions.
 *
 * @param stats TRL's completion-length metrics ({@code completions/mean_length}, ...), before any masking
 * @param firstRow the round's row at which {@code completions} start (0 for a whole round)
 */
record Rollout(EncodedPrompts prompts, List<PreferencePair> pairs, List<SampledCompletion> completions,
        int numGenerations, RewardScores scores, Map<String, Double> stats, int firstRow) {

    /** Samples and scores round {@code round} of {@code batch} from {@code policy}. */
    static Rollout sample(CausalLm policy, OnlineSetup setup, PromptBatch batch, long round, NDManager scope) {
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
        RewardScores scores = setup.rewards().score(rewardInputs(batch.pairs(), completions, g));
        long promptTokens = Arrays.stream(prompts.ids()).mapToLong(p -> (long) p.length * g).sum();
        Map<String, Double> stats = new LinkedHashMap<>(CompletionStats.of(completions, promptTokens));
        stats.remove("num_tokens");       // a running total in TRL, not a per-batch mean
        return new Rollout(prompts, batch.pairs(), completions, g, scores, stats, 0);
    }

    /**
     * Slice {@code index} of {@code count} equal consecutive parts of this round's rows (TRL splits the
     * generation batch the same way, after a shuffle that is left out here so that slices keep whole groups
     * whenever {@code count} divides the number of prompts).
     */
    Rollout slice(int index, int count) {
        int rows = completions.size();
        if (rows % count != 0) {
            throw new IllegalArgumentException("steps_per_generation (" + count + ") must divide the " + rows
                    + " completions of a generation round");
        }
        int size = rows / count;
        return new Rollout(prompts, pairs, completions.subList(index * size, (index + 1) * size), numGenerations, scores, stats,
                firstRow + index * size);
    }

    /** This slice's part of per-row values of the whole round. */
    double[] ofRows(double[] roundValues) {
        return Arrays.copyOfRange(roundValues, firstRow, firstRow + rows());
    }

    /**
     * TRL's reward-function keyword arguments: prompts, completions, completion ids, and the example's
     * columns repeated per completion: {@code answer} (the chosen answer), {@code source}, {@code images}.
     */
    private static RewardInputs rewardInputs(List<PreferencePair> pairs, List<SampledCompletion> completions, int g) {
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

    /** The number of completions. */
    int rows() { return completions.size(); }

    /** Each row's prompt ids. */
    long[][] rowPrompts() {
        long[][] out = new long[rows()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = prompts.ids()[(firstRow + i) / numGenerations];
        }
        return out;
    }

    /** Each row's completion length. */
    int[] lengths() { return completions.stream().mapToInt(SampledCompletion::length).toArray(); }

    /** Prompt plus completion tokens over all rows. */
    long tokens() {
        long[][] p = rowPrompts();
        int[] len = lengths();
        long total = 0;
        for (int i = 0; i < len.length; i++) {
            total += p[i].length + len[i];
        }
        return total;
    }

    /** The completions as padded tensors and mask. */
    CompletionTensors tensors(CausalLm model, boolean maskTruncatedCompletions, NDManager scope) {
        return CompletionTensors.of(scope, completions, model.tokens().pad(), maskTruncatedCompletions);
    }

    /** {@code model}'s per-token log-probs of the completions (differentiable when the model is trainable). */
    TokenLogpsAndEntropy logps(CausalLm model, CompletionTensors tensors, double temperature, boolean withEntropy, NDManager scope) {
        return TokenLogpsAndEntropy.of(model, rowPrompts(), tensors.ids(), lengths(), prompts.perRow(numGenerations, firstRow, rows(), scope),
                temperature, withEntropy, scope);
    }

    /** {@code model}'s per-token log-probs {@code [B * T]} on the host, computed with autograd off. */
    float[] detachedLogps(CausalLm model, double temperature, NDManager scope) {
        try (NDManager sub = scope.newSubManager()) {
            CompletionTensors tensors = tensors(model, false, sub);
            return GradMode.off(() -> logps(model, tensors, temperature, false, sub).logps().toFloatArray());
        }
    }

    /** Adds every completion of the round (call it on a whole round) to the table with its scores and {@code advantages}, and ends the round there. */
    void record(CompletionLog log, int step, double[] advantages, boolean decoded) {
        double[] rewards = scores.rewards();
        double[][] per = scores.perFunction();
        for (int i = 0; i < rewards.length; i++) {
            double[] each = new double[per.length];
            for (int f = 0; f < per.length; f++) {
                each[f] = per[f][i];
            }
            SampledCompletion c = completions.get(i);
            log.add(step, pairs.get(i / numGenerations).question(), decoded ? c.text() : Arrays.toString(c.tokenIds()),
                    c.length(), each, rewards[i], advantages[i]);
        }
        log.endRound(step);
    }
}
