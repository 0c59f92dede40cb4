package mpo4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.generate.FinishReason;
import mpo4j.generate.SampledCompletion;
import mpo4j.loss.BcoDelta;
import mpo4j.loss.LossResult;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import mpo4j.model.CausalLm;
import mpo4j.online.CompletionTensors;
import mpo4j.train.StepOutput;

/**
 * One Online DPO micro-batch, as TRL's {@code OnlineDPOTrainer} does it, with any {@link PreferenceLoss}
 * (DPO's sigmoid by default, MPO too): the two samples of each prompt are ranked by their score (the
 * weighted rewards, or a {@link PairJudge}; {@code missingEosPenalty} subtracted first; the first sample
 * wins ties), and the loss sees the pair's masked log-prob sums, the chosen one first. Online DPO does not
 * divide the logits by the sampling temperature. The reference's sums come from a frozen copy of the
 * initial policy (none for a reference-free loss).
 */
final class OnlineDpoObjective extends OnlineObjective<OnlineDpoObjective.Prepared> {
    private final CausalLm reference;
    private final PreferenceLoss loss;
    private final Double missingEosPenalty;
    private BcoDelta delta = new BcoDelta();

    /**
     * @param order the rows as the loss wants them: the chosen row of every prompt, then the rejected ones
     * @param ref the reference's sums in that order, or null for a reference-free loss
     * @param margin mean over prompts of the chosen minus the rejected score
     */
    record Prepared(int[] order, double[] advantages, ReferenceLogps ref, double margin) {}

    OnlineDpoObjective(CausalLm policy, CausalLm reference, OnlineSetup setup, PreferenceLoss loss, Double missingEosPenalty,
            CompletionLog log) {
        super(policy, setup, log);
        if (setup.numGenerations() != 2) {
            throw new IllegalArgumentException("Online DPO samples two completions per prompt, got num_generations = " + setup.numGenerations());
        }
        if (loss.needsReference() && reference == null) {
            throw new IllegalArgumentException("loss '" + loss.name() + "' needs a reference model");
        }
        this.reference = reference;
        this.loss = loss;
        this.missingEosPenalty = missingEosPenalty;
    }

    @Override
    Prepared prepare(Rollout r, NDManager scope) {
        double[] scores = r.scores().rewards();
        List<SampledCompletion> completions = r.completions();
        for (int i = 0; i < scores.length; i++) {
            if (missingEosPenalty != null && completions.get(i).finishReason() != FinishReason.EOS_TOKEN) {
                scores[i] -= missingEosPenalty;
            }
        }
        int pairs = scores.length / 2;
        int[] order = new int[2 * pairs];
        double[] advantages = new double[scores.length];
        double margin = 0;
        for (int p = 0; p < pairs; p++) {
            boolean firstWins = !(scores[2 * p + 1] > scores[2 * p]);      // ties (and NaN) keep the first sample
            order[p] = firstWins ? 2 * p : 2 * p + 1;
            order[pairs + p] = firstWins ? 2 * p + 1 : 2 * p;
            advantages[order[p]] = 1;
            advantages[order[pairs + p]] = -1;
            margin += (scores[order[p]] - scores[order[pairs + p]]) / pairs;
        }
        ReferenceLogps ref = null;
        if (reference != null) {
            float[] perToken = r.detachedLogps(reference, 1.0, scope);
            try (NDManager sub = scope.newSubManager()) {
                NDArray mask = r.tensors(policy, setup.maskTruncatedCompletions(), sub).mask();
                NDArray logps = sub.create(perToken, mask.getShape());
                double[] sums = sums(logps, mask, order, sub).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                double[] shared = sums(logps, sharedMask(mask, order, sub), order, sub).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                ref = ReferenceLogps.sumsAndShared(java.util.Arrays.copyOfRange(sums, 0, pairs), java.util.Arrays.copyOfRange(sums, pairs, 2 * pairs),
                        java.util.Arrays.copyOfRange(shared, 0, pairs), java.util.Arrays.copyOfRange(shared, pairs, 2 * pairs));
            }
        }
        return new Prepared(order, advantages, ref, margin);
    }

    @Override
    double[] advantages(Prepared prepared) { return prepared.advantages(); }

    @Override
    StepOutput loss(Rollout r, Prepared p, NDManager scope) {
        int rows = r.rows();
        CompletionTensors tensors = r.tensors(policy, setup.maskTruncatedCompletions(), scope);
        NDArray mask = tensors.mask();
        NDArray logps = r.logps(policy, tensors, 1.0, false, scope).logps();
        NDArray sums = sums(logps, mask, p.order(), scope);
        NDArray shared = sums(logps, sharedMask(mask, p.order(), scope), p.order(), scope);
        float[] rowTokens = mask.sum(new int[] {1}).toFloatArray();
        int[] tokens = new int[rows];
        for (int i = 0; i < rows; i++) {
            tokens[i] = Math.max(1, Math.round(rowTokens[p.order()[i]]));
        }
        LossResult result = loss.compute(SequenceLogps.of(sums, shared, tokens), p.ref(), delta);

        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> weights = new HashMap<>();
        Metrics.perCompletion(metrics, weights, r.scores().metrics(), rows);
        Metrics.perCompletion(metrics, weights, r.stats(), rows);
        Metrics.perCompletion(metrics, weights, result.metrics(), rows / 2);
        Metrics.perCompletion(metrics, weights, Map.of("objective/scores_margin", p.margin()), rows / 2);
        return new StepOutput(result.loss(), metrics, r.tokens(), weights);
    }

    /** Masked sums per row {@code [2P]}, reordered to chosen rows then rejected rows. */
    private static NDArray sums(NDArray logps, NDArray mask, int[] order, NDManager scope) {
        long[] index = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            index[i] = order[i];
        }
        return logps.mul(mask).sum(new int[] {1}).gather(scope.create(index, new Shape(order.length)), 0);
    }

    /** The mask restricted to each pair's first {@code min(Lc, Lr)} tokens (the {@code shared} part {@code ldAlpha} weighs). */
    private static NDArray sharedMask(NDArray mask, int[] order, NDManager scope) {
        int rows = Math.toIntExact(mask.getShape().get(0));
        int width = Math.toIntExact(mask.getShape().get(1));
        float[] m = mask.toFloatArray();
        float[] out = new float[m.length];
        for (int pair = 0; 2 * pair < rows; pair++) {
            int a = 2 * pair;
            int b = a + 1;
            int common = Math.min(count(m, a, width), count(m, b, width));
            for (int t = 0; t < common; t++) {
                out[a * width + t] = m[a * width + t];
                out[b * width + t] = m[b * width + t];
            }
        }
        return scope.create(out, mask.getShape());
    }

    private static int count(float[] m, int row, int width) {
        int n = 0;
        for (int t = 0; t < width; t++) {
            n += m[row * width + t] > 0 ? 1 : 0;
        }
        return n;
    }

    @Override
    Map<String, Double> methodState() {
        Map<String, Double> s = new LinkedHashMap<>();
        delta.toMap().forEach((k, v) -> s.put("bco/" + k, ((Number) v).doubleValue()));
        return s;
    }

    @Override
    void restoreMethodState(Map<String, Double> state) {
        Map<String, Object> d = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith("bco/")) {
                d.put(k.substring(4), v);
            }
        });
        delta = d.isEmpty() ? new BcoDelta() : BcoDelta.fromMap(d);
    }
}
