package mpo4j.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.loss.CompletionLogps;
import mpo4j.model.CausalLm;
import mpo4j.train.DeviceMetric;
import mpo4j.train.Objective;
import mpo4j.train.StepOutput;

/**
 * Supervised fine-tuning on the chosen answers only (the stage before preference training): the
 * forward pass covers the chosen rows alone, and the loss is the token-averaged NLL over all chosen
 * completion tokens of the batch, {@code −Σ log p / Σ tokens} (the {@code sft} term of MPO). The token
 * log-probs come from {@link CompletionLogps}, as the preference losses' do: the output head runs only
 * at completion positions, in chunks.
 */
final class SftObjective implements Objective<PairBatch> {
    private final CausalLm policy;
    private final CompletionLogps logps;

    SftObjective(CausalLm policy) { this(policy, CompletionLogps.chunked()); }

    /** With {@code logps} choosing how many completion positions go through the output head at once. */
    SftObjective(CausalLm policy, CompletionLogps logps) {
        this.policy = policy;
        this.logps = logps;
    }

    @Override
    public StepOutput compute(PairBatch micro, NDManager scope, boolean training) {
        PreferenceBatch batch = micro.batch();
        SequenceBatch rows = batch.chosen();
        NDArray hidden = policy.hidden(rows.tokens(), batch.chosenImages(scope), scope);
        CompletionLogps.RowLogps chosen = logps.rows(hidden, policy::logits, rows);
        NDArray nll = chosen.nll();
        int n = rows.rows();
        long trained = chosen.scoredTokens();
        // both metrics stay on the device until the trainer's one transfer per step
        Map<String, DeviceMetric> metrics = new LinkedHashMap<>();
        metrics.put("loss/sft", DeviceMetric.scalar(nll));
        metrics.put("logps/chosen", new DeviceMetric(chosen.sums(), sums -> {
            double meanLogp = 0;
            for (double v : sums) {
                meanLogp += v / n;
            }
            return meanLogp;
        }));
        // the NLL is a mean over trained tokens, logps/chosen over rows: weighted so, batches combine exactly
        Map<String, Double> weights = Map.of("loss", (double) trained, "loss/sft", (double) trained, "logps/chosen", (double) n);
        return new StepOutput(nll, Map.of(), rows.tokens().realTokens(), weights, metrics);
    }
}
