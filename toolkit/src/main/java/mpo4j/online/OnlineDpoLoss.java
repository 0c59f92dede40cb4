package mpo4j.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.engine.Scalar;

/**
 * TRL's {@code OnlineDPOTrainer} loss: two sampled completions per prompt, ranked by their scores
 * (after the missing-eos penalty; the first wins ties), then DPO on the masked <em>sums</em> of token
 * log-probs: {@code z = (pi_c - pi_r) - (ref_c - ref_r)}, sigmoid {@code -logsigmoid(beta z)} or ipo
 * {@code (z - 1 / (2 beta))^2}, mean over prompts.
 *
 * <p>Layout: rows {@code 2p} and {@code 2p + 1} are the two completions of prompt p, as
 * {@code CompletionGenerator} produces them with {@code numGenerations = 2} (TRL puts all first samples
 * before all second samples instead). Unlike TRL 1.13, whose {@code objective/kl} and
 * {@code objective/entropy} sum over padding positions too, every statistic here is masked.
 */
public final class OnlineDpoLoss {
    private final OnlineDpoConfig config;

    /** The loss with {@code config}'s beta schedule, loss type and missing-eos penalty. */
    public OnlineDpoLoss(OnlineDpoConfig config) { this.config = config; }

    /**
     * Scores with the missing-eos penalty applied (TRL: {@code rewards[~contain_eos] -= penalty}).
     *
     * @param containsEos per completion, whether it holds the eos token
     */
    public double[] penalize(double[] scores, boolean[] containsEos) {
        if (scores.length != containsEos.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + containsEos.length + " eos flags");
        }
        double[] out = scores.clone();
        if (config.missingEosPenalty() != null) {
            for (int i = 0; i < out.length; i++) {
                if (!containsEos[i]) {
                    out[i] -= config.missingEosPenalty();
                }
            }
        }
        return out;
    }

    /**
     * @param logps the policy's per-token log-probs {@code [2P, T]}, differentiable
     * @param refLogps the reference's {@code [2P, T]}
     * @param mask completion mask {@code [2P, T]}
     * @param scores per completion, already {@link #penalize penalised}
     * @param epoch selects beta from the schedule
     * @return the loss and TRL's metrics {@code logps/chosen}, {@code logps/rejected}, {@code rewards/chosen},
     *     {@code rewards/rejected}, {@code rewards/margins}, {@code rewards/accuracies},
     *     {@code objective/scores}, {@code objective/scores_margin}, {@code objective/kl},
     *     {@code objective/non_score_reward}, {@code objective/rlhf_reward}, {@code objective/entropy}, {@code beta}
     */
    public PolicyLossResult compute(NDArray logps, NDArray refLogps, NDArray mask, double[] scores, int epoch) {
        Shape shape = logps.getShape();
        if (shape.dimension() != 2 || shape.get(0) % 2 != 0) {
            throw new IllegalArgumentException("logps must be [2 * prompts, T], got " + shape);
        }
        int rows = Math.toIntExact(shape.get(0));
        int prompts = rows / 2;
        GrpoLoss.requireShape("reference log-probs", refLogps, shape);
        GrpoLoss.requireShape("mask", mask, shape);
        if (scores.length != rows) {
            throw new IllegalArgumentException(rows + " completions but " + scores.length + " scores");
        }
        double beta = config.betaAt(epoch);
        long[] chosenRows = new long[prompts];
        long[] rejectedRows = new long[prompts];
        for (int p = 0; p < prompts; p++) {
            boolean firstWins = scores[2 * p] >= scores[2 * p + 1];
            chosenRows[p] = firstWins ? 2 * p : 2 * p + 1;
            rejectedRows[p] = firstWins ? 2 * p + 1 : 2 * p;
        }
        DataType type = logps.getDataType();
        NDArray m = mask.toType(type, false);
        NDArray sums = logps.mul(m).sum(new int[] {1});
        NDArray refSums = refLogps.toType(type, false).mul(m).sum(new int[] {1});
        NDManager manager = logps.getManager();
        NDArray chosen = manager.create(chosenRows);
        NDArray rejected = manager.create(rejectedRows);
        NDArray piC = sums.get(chosen);
        NDArray piR = sums.get(rejected);
        NDArray refC = refSums.get(chosen);
        NDArray refR = refSums.get(rejected);
        NDArray z = piC.sub(piR).sub(refC.sub(refR));
        NDArray losses = config.lossType().equals("sigmoid")
                ? Activation.softPlus(Scalar.mul(z, beta).neg())
                : Scalar.pow(z.sub(1 / (2 * beta)), 2);
        NDArray loss = losses.mean();

        double[] s = HostArrays.doubles(sums);
        double[] r = HostArrays.doubles(refSums);
        Map<String, Double> metrics = new LinkedHashMap<>();
        double logpsChosen = 0, logpsRejected = 0, rewardChosen = 0, rewardRejected = 0, accuracy = 0, scoresMargin = 0;
        for (int p = 0; p < prompts; p++) {
            int c = (int) chosenRows[p];
            int j = (int) rejectedRows[p];
            logpsChosen += s[c] / prompts;
            logpsRejected += s[j] / prompts;
            double rc = beta * (s[c] - r[c]);
            double rr = beta * (s[j] - r[j]);
            rewardChosen += rc / prompts;
            rewardRejected += rr / prompts;
            accuracy += rc > rr ? 1.0 / prompts : 0;
            scoresMargin += (scores[c] - scores[j]) / prompts;
        }
        double kl = 0, scoreMean = 0;
        for (int i = 0; i < rows; i++) {
            kl += (s[i] - r[i]) / rows;
            scoreMean += scores[i] / rows;
        }
        metrics.put("logps/chosen", logpsChosen);
        metrics.put("logps/rejected", logpsRejected);
        metrics.put("rewards/chosen", rewardChosen);
        metrics.put("rewards/rejected", rewardRejected);
        metrics.put("rewards/margins", rewardChosen - rewardRejected);
        metrics.put("rewards/accuracies", accuracy);
        metrics.put("objective/scores", scoreMean);
        metrics.put("objective/scores_margin", scoresMargin);
        metrics.put("objective/kl", kl);
        metrics.put("objective/non_score_reward", -beta * kl);
        metrics.put("objective/rlhf_reward", scoreMean - beta * kl);
        // TRL's "entropy": minus the mean summed log-prob of the sampled completions (a one-sample estimate).
        double entropy = 0;
        for (double v : s) {
            entropy -= v / rows;
        }
        metrics.put("objective/entropy", entropy);
        metrics.put("beta", beta);
        return new PolicyLossResult(loss, metrics);
    }
}
