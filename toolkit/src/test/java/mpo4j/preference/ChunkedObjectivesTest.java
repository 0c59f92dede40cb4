package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.loss.BcoDelta;
import mpo4j.loss.CompletionLogps;
import mpo4j.loss.FullLogps;
import mpo4j.loss.LossResult;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.model.KvCache;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.model.TokenIds;
import mpo4j.model.TokenRows;
import mpo4j.text.Tokenizer;
import mpo4j.train.StepOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The preference and SFT objectives on the tiny VLM compute their log-probs from hidden states in
 * chunks: the output head only sees completion positions, never {@code [rows, length, vocab]}, and the
 * losses, metrics and gradients equal those of a full log-softmax over the logits of every position.
 */
class ChunkedObjectivesTest {
    private static final TinyVlmConfig CONFIG = VlmFixtures.config(true);
    private static final PreferenceBatch BATCH = VlmFixtures.collate(CONFIG, VlmFixtures.pairs(4, 7));

    /** A model that records the hidden-state shapes its output head is given and refuses full logits. */
    static final class RecordingLm implements CausalLm {
        final CausalLm inner;
        final List<Shape> headInputs = new ArrayList<>();

        RecordingLm(CausalLm inner) { this.inner = inner; }

        @Override public NDArray logits(NDArray hidden) {
            headInputs.add(hidden.getShape());
            return inner.logits(hidden);
        }

        @Override public NDArray forward(TokenRows rows, ImageInputs images, NDManager scope) {
            throw new AssertionError("full logits [rows, length, vocab] were requested");
        }

        long positionsScored() { return headInputs.stream().mapToLong(s -> s.get(1)).sum(); }

        long largestChunk() { return headInputs.stream().mapToLong(s -> s.get(1)).max().orElse(0); }

        @Override public NDArray hidden(TokenRows rows, ImageInputs images, NDManager scope) { return inner.hidden(rows, images, scope); }
        @Override public int vocabSize() { return inner.vocabSize(); }
        @Override public int layers() { return inner.layers(); }
        @Override public TokenIds tokens() { return inner.tokens(); }
        @Override public Optional<VisionInput> vision() { return inner.vision(); }
        @Override public Optional<Tokenizer> tokenizer() { return inner.tokenizer(); }
        @Override public NDManager manager() { return inner.manager(); }
        @Override public Map<String, Parameter> parameters() { return inner.parameters(); }
        @Override public boolean isTrainable() { return inner.isTrainable(); }
        @Override public CausalLm frozenCopy() { return new RecordingLm(inner.frozenCopy()); }
        @Override public NDArray decode(TokenRows rows, int[] leftPadding, ImageInputs images, KvCache cache, NDManager scope) {
            return inner.decode(rows, leftPadding, images, cache, scope);
        }
        @Override public void save(Path dir) { inner.save(dir); }
        @Override public CausalLm loadSaved(Path dir) { return inner.loadSaved(dir); }
        @Override public void close() { inner.close(); }
    }

    /** Scored positions of the batch's rows: labels other than −100 at t ≥ 1. */
    private static long scored(SequenceBatch rows) {
        long n = 0;
        for (int r = 0; r < rows.rows(); r++) {
            for (int t = 1; t < rows.length(); t++) {
                n += rows.label(r, t) == -100 ? 0 : 1;
            }
        }
        return n;
    }

    @Test
    void thePreferenceStepAsksTheHeadOnlyForCompletionPositionsInChunks() {
        try (RecordingLm policy = new RecordingLm(VlmFixtures.model(true, 3)); RecordingLm frozen = (RecordingLm) policy.frozenCopy();
             NDManager scope = NDManager.newBaseManager()) {
            PreferenceObjective objective = new PreferenceObjective(policy, PreferenceLoss.mpo(), frozen, PairForward.PROMPT_ONCE,
                    CompletionLogps.chunked().chunkSize(3));
            int modelArrays = policy.manager().getManagedArrays().size();
            int frozenArrays = frozen.manager().getManagedArrays().size();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(objective.compute(new PairBatch(BATCH, null), scope, true).loss());
            }
            // the index arrays autograd keeps live in the step scope, not in the models' memory
            assertEquals(modelArrays, policy.manager().getManagedArrays().size());
            assertEquals(frozenArrays, frozen.manager().getManagedArrays().size());
            SequenceBatch rows = BATCH.concatenated();
            long completion = scored(rows);
            // 4 pairs of prompts with a 16-token tile: the full logits would cover 8 × L positions
            assertTrue(completion < rows.rows() * rows.length() / 4, completion + " of " + rows.rows() * rows.length());
            assertEquals(completion, policy.positionsScored());
            assertEquals(completion, frozen.positionsScored());
            assertEquals(3, policy.largestChunk());
            assertTrue(policy.headInputs.stream().allMatch(s -> s.dimension() == 3 && s.get(0) == 1 && s.get(2) == 64), policy.headInputs.toString());
            assertTrue(policy.parameters().get("model.embed_tokens.weight").getArray().getGradient().abs().sum().getFloat() > 0,
                    "the gradient reaches the tied head through the chunks");
        }
    }

    /** Gradients of every parameter, flattened in parameter order. */
    private static double[] gradients(CausalLm model) {
        List<Double> out = new ArrayList<>();
        for (Parameter p : model.parameters().values()) {
            for (float g : p.getArray().getGradient().toFloatArray()) {
                out.add((double) g);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    private static double maxAbs(double[] a) {
        return Arrays.stream(a).map(Math::abs).max().orElse(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mpo", "weighted-ld"})
    void chunkedPreferenceStepEqualsTheFullLogitsComputation(String which) {
        PreferenceLoss loss = which.equals("mpo") ? PreferenceLoss.mpo() : PreferenceLoss.mpo().useWeighting().ldAlpha(0.5);
        // two identical policies (same seed): one per path, so gradients do not mix; a different reference
        try (TinyVlm chunkedPolicy = VlmFixtures.model(true, 3); TinyVlm fullPolicy = VlmFixtures.model(true, 3);
             TinyVlm other = VlmFixtures.model(true, 4); CausalLm reference = other.frozenCopy();
             NDManager root = NDManager.newBaseManager()) {
            StepOutput chunked;
            double chunkedLoss;
            Map<String, Double> chunkedMetrics;
            try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                chunked = new PreferenceObjective(chunkedPolicy, loss, reference, PairForward.PROMPT_ONCE, CompletionLogps.chunked().chunkSize(5))
                        .compute(new PairBatch(BATCH, null), scope, true);
                gc.backward(chunked.loss());
                chunkedLoss = chunked.loss().getFloat();
                chunkedMetrics = chunked.metricValues();
            }
            SequenceBatch rows = BATCH.concatenated();
            long[] labels = rows.labels();
            int[] tokens = new int[rows.rows()];
            for (int r = 0; r < rows.rows(); r++) {
                tokens[r] = rows.completionTokens(r);
            }
            LossResult full;
            double meanLogitChosen;
            try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = fullPolicy.forward(rows.tokens(), BATCH.images(scope), scope);
                SequenceLogps policy = SequenceLogps.of(FullLogps.sums(logits, labels), FullLogps.sharedSums(logits, labels), tokens);
                if (loss.isWeighted()) {
                    policy = policy.withWeights(wpoWeights(logits, labels, tokens));
                }
                NDArray refLogits = reference.forward(rows.tokens(), BATCH.images(scope), scope);
                double[] refSums = FullLogps.sums(refLogits, labels).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                double[] refShared = FullLogps.sharedSums(refLogits, labels).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                int b = BATCH.pairs();
                ReferenceLogps ref = new ReferenceLogps(Arrays.copyOfRange(refSums, 0, b), Arrays.copyOfRange(refSums, b, 2 * b),
                        Arrays.copyOfRange(refShared, 0, b), Arrays.copyOfRange(refShared, b, 2 * b));
                full = loss.compute(policy, ref, new BcoDelta());
                gc.backward(full.loss());
                meanLogitChosen = meanLogit(logits, labels, 0, b);
            }
            double lossDiff = Math.abs(chunkedLoss - full.value());
            double metricDiff = 0;
            for (Map.Entry<String, Double> e : full.metrics().entrySet()) {
                metricDiff = Math.max(metricDiff, Math.abs(e.getValue() - chunkedMetrics.get(e.getKey())));
            }
            double[] gChunked = gradients(chunkedPolicy);
            double[] gFull = gradients(fullPolicy);
            double gradDiff = maxAbsDiff(gChunked, gFull);
            System.out.printf("%s: chunked vs full: |Δloss| %.3g, max |Δmetric| %.3g, max |Δgrad| %.3g (max |grad| %.3g)%n",
                    which, lossDiff, metricDiff, gradDiff, maxAbs(gFull));
            // float32 over a 2048-token vocabulary and sequences of ~25 tokens: differences are summation order only
            assertEquals(full.value(), chunkedLoss, 1e-5);
            assertTrue(metricDiff < 1e-4, "metrics differ by " + metricDiff);     // logps are sums of ~-30: float ulp ≈ 2e-6
            assertTrue(gradDiff < 1e-5 * Math.max(1, maxAbs(gFull)), "gradients differ by " + gradDiff);
            assertEquals(meanLogitChosen, chunkedMetrics.get("logits/chosen"), 1e-6);
            assertEquals(BATCH.pairs(), chunked.weight("rewards/margins"));
            assertFalse(full.metrics().isEmpty());
        }
    }

    /** WPO weights from the full logits, in doubles: exp(mean_t(log p_t − log Σ_v p_v²)). */
    private static float[] wpoWeights(NDArray logits, long[] labels, int[] tokens) {
        int n = (int) logits.getShape().get(0);
        int len = (int) logits.getShape().get(1);
        int v = (int) logits.getShape().get(2);
        float[] z = logits.toFloatArray();
        float[] w = new float[n];
        for (int r = 0; r < n; r++) {
            double total = 0;
            for (int t = 1; t < len; t++) {
                long label = labels[r * len + t];
                if (label == -100) {
                    continue;
                }
                int at = (r * len + t - 1) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) {
                    max = Math.max(max, z[at + j]);
                }
                double s1 = 0;
                double s2 = 0;
                for (int j = 0; j < v; j++) {
                    s1 += Math.exp(z[at + j] - max);
                    s2 += Math.exp(2 * (z[at + j] - max));
                }
                double logp = z[at + (int) label] - max - Math.log(s1);
                total += logp - (Math.log(s2) - 2 * Math.log(s1));
            }
            w[r] = (float) Math.exp(total / Math.max(tokens[r], 1));
        }
        return w;
    }

    /** Mean raw logit over the scored positions of rows [from, from + count) and the vocabulary. */
    private static double meanLogit(NDArray logits, long[] labels, int from, int count) {
        int len = (int) logits.getShape().get(1);
        int v = (int) logits.getShape().get(2);
        float[] z = logits.toFloatArray();
        double sum = 0;
        long positions = 0;
        for (int r = from; r < from + count; r++) {
            for (int t = 1; t < len; t++) {
                if (labels[r * len + t] != -100) {
                    for (int j = 0; j < v; j++) {
                        sum += z[(r * len + t - 1) * v + j];
                    }
                    positions++;
                }
            }
        }
        return sum / (positions * (double) v);
    }

    @Test
    void sftLossIsTheTokenAveragedNllOfTheFullLogSoftmax() {
        try (TinyVlm chunkedModel = VlmFixtures.model(true, 3); TinyVlm fullModel = VlmFixtures.model(true, 3);
             RecordingLm recording = new RecordingLm(chunkedModel); NDManager root = NDManager.newBaseManager()) {
            SequenceBatch rows = BATCH.chosen();
            StepOutput chunked;
            double chunkedLoss;
            Map<String, Double> chunkedMetrics;
            try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                chunked = new SftObjective(recording, CompletionLogps.chunked().chunkSize(4)).compute(new PairBatch(BATCH, null), scope, true);
                gc.backward(chunked.loss());
                chunkedLoss = chunked.loss().getFloat();
                chunkedMetrics = chunked.metricValues();
            }
            long trained = scored(rows);
            assertEquals(trained, recording.positionsScored(), "the head saw the chosen completion positions only");
            assertEquals(4, recording.largestChunk());
            double nll;
            double meanLogp;
            try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = fullModel.forward(rows.tokens(), BATCH.chosenImages(scope), scope);
                NDArray sums = FullLogps.sums(logits, rows.labels());
                NDArray loss = sums.sum().neg().div(scope.create((float) trained));
                gc.backward(loss);
                nll = loss.getFloat();
                meanLogp = sums.mean().getFloat();
            }
            double gradDiff = maxAbsDiff(gradients(chunkedModel), gradients(fullModel));
            System.out.printf("sft: chunked vs full: |Δloss| %.3g, max |Δgrad| %.3g%n", Math.abs(nll - chunkedLoss), gradDiff);
            // an untrained model: NLL ≈ ln 2048 ≈ 7.6, float32 ulp there ≈ 5e-7
            assertEquals(nll, chunkedLoss, 1e-5);
            assertEquals(nll, chunkedMetrics.get("loss/sft"), 1e-5);
            assertEquals(meanLogp, chunkedMetrics.get("logps/chosen"), 1e-4);
            assertTrue(gradDiff < 1e-5, "gradients differ by " + gradDiff);
            assertEquals((double) trained, chunked.weight("loss"));
            assertEquals((double) trained, chunked.weight("loss/sft"));
            assertEquals(rows.rows(), chunked.weight("logps/chosen"));
            assertEquals(rows.tokens().realTokens(), chunked.tokens());
        }
    }
}
