package mpo4j.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import mpo4j.collate.PreferenceBatch;
import mpo4j.collate.SequenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.data.Source;
import mpo4j.loss.CompletionLogps;
import mpo4j.loss.PreferenceLoss;
import mpo4j.loss.ReferenceLogps;
import mpo4j.loss.SequenceLogps;
import mpo4j.model.CausalLm;
import mpo4j.model.PrefixPacking;
import mpo4j.model.TinyVlm;
import mpo4j.model.TinyVlmConfig;
import mpo4j.model.TokenRows;
import mpo4j.train.TrainLoop;
import mpo4j.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prompt once per pair ({@link PackedPairs}, {@link PairForward#PROMPT_ONCE}): the packing of a
 * hand-built batch element by element, and the log-probs, gradients and training losses of the packed
 * forward against the unpacked one ({@link PairForward#VISION_ONCE}, the computation of before).
 */
class PackedPairsTest {

    /**
     * Pair 0: chosen [1 2 3 4 5], rejected [1 2 3 7] (3 shared). Pair 1: chosen [1 9], rejected [8 8 8]
     * (nothing shared). Chosen rows padded to 5, rejected to 4, pad id 0.
     */
    private static PreferenceBatch handBuilt() {
        long[] labels = new long[10];
        java.util.Arrays.fill(labels, -100);
        SequenceBatch chosen = new SequenceBatch(2, 5, new long[] {1, 2, 3, 4, 5, 1, 9, 0, 0, 0}, labels, new int[] {5, 2}, 0);
        SequenceBatch rejected = new SequenceBatch(2, 4, new long[] {1, 2, 3, 7, 8, 8, 8, 0}, java.util.Arrays.copyOf(labels, 8),
                new int[] {4, 3}, 0);
        return new PreferenceBatch(chosen, rejected, new float[0], 0, 1, new int[0], new int[] {0, 0, 0},
                List.of(new Source("hand", 1), new Source("hand", 2)), null, null);
    }

    @Test
    void handBuiltPairsArePackedAndUnpackedElementByElement() {
        PackedPairs packed = PackedPairs.of(handBuilt());
        TokenRows rows = packed.rows();
        // pair 0: [1 2 3 4 5] ++ [7] (rejected after its 3 shared tokens) = 6; pair 1: [1 9] ++ [8 8 8] = 5, padded to 6
        assertEquals(2, rows.rows());
        assertEquals(6, rows.length());
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 7, 1, 9, 8, 8, 8, 0}, rows.ids());
        assertArrayEquals(new int[] {6, 5}, rows.lengths());
        assertEquals(new PrefixPacking(new int[] {3, 0}, new int[] {5, 2}), rows.packing());
        // the decoder computes 2 x 6 = 12 positions instead of the 4 x 5 = 20 of the concatenated rows
        assertEquals(12, packed.decoderTokens());
        try (NDManager m = NDManager.newBaseManager()) {
            // packed states numbered by their flat position (row 0: 0..5, row 1: 6..11), one feature each
            NDArray states = m.arange(0f, 12f).reshape(2, 6, 1);
            NDArray unpacked = packed.unpack(states, m);
            assertEquals(new Shape(4, 5, 1), unpacked.getShape());
            // chosen 0: packed 0..4. chosen 1: packed 6, 7, then padding (-> the row's first state, 6).
            // rejected 0: shared 0 1 2, then its token 7 at packed 5, padding 0. rejected 1: its own 8 8 8 at packed 8 9 10, padding 6 6
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 6, 7, 6, 6, 6, 0, 1, 2, 5, 0, 8, 9, 10, 6, 6}, unpacked.toFloatArray());
        }
    }

    /**
     * Pairs whose rows differ in every way that matters: prompt lengths, completion lengths (longer chosen,
     * longer rejected), completions sharing leading tokens ("42 is "), completions differing at once (the
     * prompt and template are all they share), and identical completions (nothing of the rejected row left).
     */
    static List<PreferencePair> variedPairs() {
        String[][] rows = {
            {"what is 2+3?", "5", "6"},
            {"what is the sum of twelve and thirty?", "42 is the answer", "42 is wrong"},
            {"hi?", "abc", "xyzzy, long and wrong"},
            {"what is 1+1?", "2", "2"},
        };
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            out.add(PreferencePair.of("<image>\n" + rows[i][0], rows[i][1], rows[i][2], List.of(Path.of("tile-" + i + ".png")),
                    new Source("varied.jsonl", i + 1)));
        }
        return out;
    }

    /**
     * Tolerance on per-sequence log-probs: both forwards add the same numbers in a different order (other
     * matrix shapes, so other blockings). A sequence's log-prob is a sum of up to ~25 token log-probs of
     * about -7.6 (ln 2048), |sum| ≲ 200; float32's relative precision 6e-8 over a few roundings per token puts
     * the expected difference near 1e-5, and 1e-4 still fails for any wrong state (a wrong position or
     * mask changes a token's log-prob by O(0.1), see PackedRowsTest).
     */
    private static final double LOGP_TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void packedForwardGivesTheUnpackedLogProbsForPolicyAndReference(boolean vision) {
        TinyVlmConfig config = VlmFixtures.config(vision);
        PreferenceBatch batch = VlmFixtures.collate(config, variedPairs());
        SequenceBatch rows = batch.concatenated();
        PackedPairs packing = PackedPairs.of(batch);
        // the prompts are shared, so each pair's row is chosen ++ the rejected completion
        for (int b = 0; b < batch.pairs(); b++) {
            assertTrue(packing.rows().packing().shared()[b] > (vision ? config.tokensPerTile() + 2 : 0), "pair " + b);
        }
        assertTrue(packing.decoderTokens() < (long) rows.rows() * rows.length());
        try (TinyVlm policy = VlmFixtures.model(vision, 3); CausalLm frozen = policy.frozenCopy(); NDManager scope = NDManager.newBaseManager()) {
            CompletionLogps logps = CompletionLogps.chunked();
            double[][] packedPolicy = policyLogps(policy, batch, PairForward.PROMPT_ONCE, logps, scope);
            double[][] plainPolicy = policyLogps(policy, batch, PairForward.VISION_ONCE, logps, scope);
            ReferenceLogps packedRef = PreferenceObjective.score(frozen, batch, PairForward.PROMPT_ONCE, scope);
            ReferenceLogps plainRef = PreferenceObjective.score(frozen, batch, PairForward.VISION_ONCE, scope);
            double worst = 0;
            for (int k = 0; k < 2; k++) {
                worst = Math.max(worst, maxAbsDiff(plainPolicy[k], packedPolicy[k]));
            }
            for (double[][] pair : List.of(new double[][] {plainRef.chosen(), packedRef.chosen()},
                    new double[][] {plainRef.rejected(), packedRef.rejected()}, new double[][] {plainRef.chosenShared(), packedRef.chosenShared()},
                    new double[][] {plainRef.rejectedShared(), packedRef.rejectedShared()})) {
                worst = Math.max(worst, maxAbsDiff(pair[0], pair[1]));
            }
            System.out.printf("vision %s: max |packed - unpacked| log-prob %.3g (policy sums %s)%n", vision, worst,
                    java.util.Arrays.toString(plainPolicy[0]));
            assertTrue(worst < LOGP_TOLERANCE, "log-probs differ by " + worst);
            // the frozen copy equals the policy, so the reference scores are the policy's too (same path)
            assertTrue(maxAbsDiff(plainRef.chosen(), java.util.Arrays.copyOfRange(plainPolicy[0], 0, batch.pairs())) < LOGP_TOLERANCE);
            if (vision) {
                // and row by row, each row encoding its own tiles as the Python tools do
                double[][] rowByRow = policyLogps(policy, batch, PairForward.ROW_BY_ROW, logps, scope);
                assertTrue(maxAbsDiff(rowByRow[0], packedPolicy[0]) < LOGP_TOLERANCE);
            }
        }
    }

    /** Per-row sums and shared-prefix sums {@code [2B]} of the policy's completion log-probs, on the host. */
    private static double[][] policyLogps(CausalLm model, PreferenceBatch batch, PairForward layout, CompletionLogps logps, NDManager scope) {
        try (NDManager s = scope.newSubManager()) {
            SequenceLogps out = logps.pairs(layout.hidden(model, batch, s), model::logits, batch.concatenated(), false);
            return new double[][] {doubles(out.sums()), doubles(out.shared())};
        }
    }

    private static double[] doubles(NDArray a) { return a.toType(DataType.FLOAT64, false).toDoubleArray(); }

    private static double maxAbsDiff(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    /** Gradients of every parameter, in parameter order. */
    private static double[] gradients(CausalLm model) {
        List<Double> out = new ArrayList<>();
        for (Parameter p : model.parameters().values()) {
            for (float g : p.getArray().getGradient().toFloatArray()) {
                out.add((double) g);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void lossAndGradientsEqualThoseOfTheUnpackedForward() {
        TinyVlmConfig config = VlmFixtures.config(true);
        PreferenceBatch batch = VlmFixtures.collate(config, variedPairs());
        // two identical policies (same seed), one per path so gradients do not mix; a different reference
        try (TinyVlm packedPolicy = VlmFixtures.model(true, 3); TinyVlm plainPolicy = VlmFixtures.model(true, 3);
             TinyVlm other = VlmFixtures.model(true, 4); CausalLm reference = other.frozenCopy(); NDManager root = NDManager.newBaseManager()) {
            double[] losses = new double[2];
            TinyVlm[] policies = {packedPolicy, plainPolicy};
            PairForward[] layouts = {PairForward.PROMPT_ONCE, PairForward.VISION_ONCE};
            for (int i = 0; i < 2; i++) {
                try (NDManager scope = root.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = new PreferenceObjective(policies[i], PreferenceLoss.mpo(), reference, layouts[i])
                            .compute(new PairBatch(batch, null), scope, true).loss();
                    gc.backward(loss);
                    losses[i] = loss.getFloat();
                }
            }
            double[] gPacked = gradients(packedPolicy);
            double[] gPlain = gradients(plainPolicy);
            double gradDiff = maxAbsDiff(gPacked, gPlain);
            double largest = java.util.Arrays.stream(gPlain).map(Math::abs).max().orElse(0);
            System.out.printf("packed vs unpacked: |Δloss| %.3g, max |Δgrad| %.3g (max |grad| %.3g)%n",
                    Math.abs(losses[0] - losses[1]), gradDiff, largest);
            assertTrue(largest > 1e-3, "the loss has a gradient to compare");
            // the loss is O(1) (MPO at a random policy); float32: summation order only
            assertEquals(losses[1], losses[0], 1e-5);
            // every gradient reaches the vision tower, the decoder and the tied head through the gather
            assertTrue(gradDiff < 1e-5 * Math.max(1, largest), "gradients differ by " + gradDiff);
            assertTrue(packedPolicy.parameters().get("mlp1.1.weight").getArray().getGradient().abs().sum().getFloat() > 0);
        }
    }

    private static List<Map<String, Double>> trainingLosses(boolean vision, boolean promptOnce, boolean precomputed) {
        try (TinyVlm model = VlmFixtures.model(vision, 3)) {
            PreferenceTrainer trainer = PreferenceTrainer.of(model).loss(PreferenceLoss.mpo())
                    .data(VlmFixtures.pairs(8, 1), variedPairs()).collator(VlmFixtures.collator(VlmFixtures.config(vision)))
                    .batchSize(2).lr(1e-3).epochs(1).seed(42).progressBar(false).evalEvery(4)
                    .promptOncePerPair(promptOnce);
            TrainRun run = (precomputed ? trainer.precomputedReference() : trainer).fit();
            return TrainLoop.withoutTiming(run.log().rows());
        }
    }

    /**
     * A few steps of training (the policy moves, so the reference differs from it) with the switch on and
     * off: every logged loss and metric, training and evaluation, agrees. The tolerance allows the
     * summation-order differences to grow through 4 AdamW steps at lr 1e-3 (an update moves each weight by
     * at most about lr, whatever the gradient's rounding).
     */
    @ParameterizedTest
    @ValueSource(strings = {"vision, frozen copy", "text, precomputed"})
    void trainingWithTheSwitchOnLogsTheLossesOfTheSwitchOff(String setting) {
        boolean vision = setting.startsWith("vision");
        boolean precomputed = setting.endsWith("precomputed");
        List<Map<String, Double>> on = trainingLosses(vision, true, precomputed);
        List<Map<String, Double>> off = trainingLosses(vision, false, precomputed);
        assertEquals(off.size(), on.size());
        int compared = 0;
        for (int i = 0; i < on.size(); i++) {
            assertEquals(off.get(i).keySet(), on.get(i).keySet());
            for (Map.Entry<String, Double> e : off.get(i).entrySet()) {
                if (e.getKey().contains("loss") || e.getKey().contains("rewards") || e.getKey().contains("logps")) {
                    assertEquals(e.getValue(), on.get(i).get(e.getKey()), 1e-4 * Math.max(1, Math.abs(e.getValue())),
                            "row " + i + " " + e.getKey());
                    compared++;
                }
            }
        }
        assertTrue(compared > 20, compared + " values compared");
        assertTrue(on.stream().anyMatch(r -> r.keySet().stream().anyMatch(k -> k.startsWith("eval/"))), "evaluation rows compared too");
    }
}
