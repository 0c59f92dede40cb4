package mpo4j.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.model.CausalLm;
import mpo4j.train.Objective;
import mpo4j.train.StepOutput;
import mpo4j.engine.Scalar;
import mpo4j.text.Labels;

/**
 * Supervised fine-tuning on the chosen answers only (the stage before preference training): the
 * forward pass covers the chosen rows alone, and the loss is the token-averaged NLL over all chosen
 * completion tokens of the batch, {@code −Σ log p / Σ tokens} (the {@code sft} term of MPO).
 */
final class SftObjective implements Objective<PairBatch> {
    private final CausalLm policy;

    SftObjective(CausalLm policy) { this.policy = policy; }

    @Override
    public StepOutput compute(PairBatch micro, NDManager scope, boolean training) {
        PreferenceBatch batch = micro.batch();
        SequenceBatch rows = batch.chosen();
        NDArray logits = policy.forward(rows.tokens(), batch.chosenImages(scope), scope);
        int n = rows.rows();
        int len = rows.length();
        float[] mask = new float[n * (len - 1)];
        long[] index = new long[n * (len - 1)];
        long trained = 0;
        for (int r = 0; r < n; r++) {
            for (int t = 1; t < len; t++) {
                long label = rows.label(r, t);
                if (label != Labels.IGNORE) {
                    mask[r * (len - 1) + t - 1] = 1f;
                    index[r * (len - 1) + t - 1] = label;
                    trained++;
                }
            }
        }
        NDArray x = logits.get(":, :-1, :");
        NDArray tokenLogp = x.logSoftmax(2).gather(scope.create(index, new Shape(n, len - 1, 1)), 2).squeeze(2);
        NDArray rowSums = tokenLogp.mul(scope.create(mask, new Shape(n, len - 1))).sum(new int[] {1});
        NDArray nll = Scalar.div(rowSums.sum().neg(), Math.max(trained, 1));
        float[] perRow = rowSums.toFloatArray();
        double meanLogp = 0;
        for (float v : perRow) {
            meanLogp += v / n;
        }
        long tokens = 0;
        for (int l : rows.lengths()) {
            tokens += l;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss/sft", (double) nll.getFloat());
        metrics.put("logps/chosen", meanLogp);
        // the NLL is a mean over trained tokens, logps/chosen over rows: weighted so, batches combine exactly
        Map<String, Double> weights = Map.of("loss", (double) trained, "loss/sft", (double) trained, "logps/chosen", (double) n);
        return new StepOutput(nll, metrics, tokens, weights);
    }
}
