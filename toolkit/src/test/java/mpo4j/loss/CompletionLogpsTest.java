package mpo4j.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Chunked completion log-probs from hidden states against a slow exact computation in Java doubles
 * (every logit by hand, log-softmax, sums), against DJL's full log-softmax for gradients, and the
 * shapes the output head is asked for (memory bounded by the chunk, not by rows × length).
 */
class CompletionLogpsTest {
    static final int N = 4;   // 2 pairs: rows 0, 1 chosen; rows 2, 3 rejected
    static final int L = 7;
    static final int H = 5;
    static final int V = 13;
    /**
     * Scored tokens per row: 4, 1, 3, 6 (14 in all). Shared prefixes: pair 0 min(4, 3) = 3, pair 1
     * min(1, 6) = 1. Row 3 has no prompt beyond t = 0; row 1's only token is late; padding at the end.
     */
    static final long[] LABELS = {
        -100, -100, 3, 7, 12, 0, -100,
        -100, -100, -100, -100, -100, 9, -100,
        -100, -100, 5, 5, 1, -100, -100,
        -100, 2, 11, 6, 4, 8, 10};
    static final int SCORED = 14;
    static NDManager m;

    @BeforeAll
    static void open() {
        m = LossTesting.manager();
    }

    @AfterAll
    static void close() {
        m.close();
    }

    /** Seeded values with spread enough that the softmax is far from uniform. */
    static double[] random(int count, long seed, double scale) {
        Random r = new Random(seed);
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = scale * r.nextGaussian();
        }
        return v;
    }

    /** The exact numbers, in Java doubles: logits z = h·Wᵀ at every scored position, by hand. */
    record Exact(double[] sums, double[] shared, int[] tokens, double[] weights, double meanLogitChosen, double meanLogitRejected) {
        static Exact of(double[] hidden, double[] w, long[] labels, int n, int len, int h, int v) {
            double[] sums = new double[n];
            double[] wpo = new double[n];
            double[] logitSums = new double[n];
            int[] tokens = new int[n];
            List<List<Double>> perRow = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                perRow.add(new ArrayList<>());
                for (int t = 1; t < len; t++) {
                    long label = labels[r * len + t];
                    if (label == -100) {
                        continue;
                    }
                    double[] z = new double[v];
                    for (int j = 0; j < v; j++) {
                        for (int k = 0; k < h; k++) {
                            z[j] += hidden[(r * len + t - 1) * h + k] * w[j * h + k];
                        }
                    }
                    double lse = lse(z, 1);
                    double logp = z[(int) label] - lse;
                    perRow.get(r).add(logp);
                    sums[r] += logp;
                    wpo[r] += logp - (lse(z, 2) - 2 * lse);    // log p − log Σ p²
                    for (double zj : z) {
                        logitSums[r] += zj;
                    }
                    tokens[r]++;
                }
            }
            double[] shared = new double[n];
            double[] weights = new double[n];
            for (int r = 0; r < n; r++) {
                int keep = Math.min(tokens[r], tokens[(r + n / 2) % n]);
                for (int i = 0; i < keep; i++) {
                    shared[r] += perRow.get(r).get(i);
                }
                weights[r] = Math.exp(wpo[r] / tokens[r]);
            }
            int b = n / 2;
            double chosen = 0;
            double rejected = 0;
            int tc = 0;
            int tr = 0;
            for (int r = 0; r < b; r++) {
                chosen += logitSums[r];
                tc += tokens[r];
                rejected += logitSums[b + r];
                tr += tokens[b + r];
            }
            return new Exact(sums, shared, tokens, weights, chosen / (tc * (double) v), rejected / (tr * (double) v));
        }

        static double lse(double[] z, double scale) {
            double max = Double.NEGATIVE_INFINITY;
            for (double x : z) {
                max = Math.max(max, scale * x);
            }
            double s = 0;
            for (double x : z) {
                s += Math.exp(scale * x - max);
            }
            return max + Math.log(s);
        }
    }

    static final double[] HIDDEN = random(N * L * H, 1, 1.0);
    static final double[] W = random(V * H, 2, 1.5);

    /** The output head h·Wᵀ over {@code [1, C, H]}. */
    static UnaryOperator<NDArray> head(NDArray w) {
        NDArray transposed = w.transpose();
        return x -> x.matMul(transposed);
    }

    static NDArray array(NDManager s, double[] values, Shape shape, DataType dt) {
        return s.create(values, shape).toType(dt, false);
    }

    @ParameterizedTest
    @CsvSource({"float64, 1", "float64, 3", "float64, 14", "float64, 512", "float32, 1", "float32, 5", "float32, 512"})
    void chunkedLogpsEqualTheExactComputation(String type, int chunk) {
        DataType dt = DataType.valueOf(type.toUpperCase());
        // float32: logits of magnitude ~10 lose ~1e-6 each; 6 tokens summed → 1e-5 absolute is a few ulps
        double tol = dt == DataType.FLOAT64 ? 1e-12 : 1e-5;
        Exact exact = Exact.of(HIDDEN, W, LABELS, N, L, H, V);
        try (NDManager s = m.newSubManager()) {
            NDArray hidden = array(s, HIDDEN, new Shape(N, L, H), dt);
            NDArray w = array(s, W, new Shape(V, H), dt);
            SequenceLogps p = CompletionLogps.chunked().chunkSize(chunk).pairs(hidden, head(w), LABELS, true);
            assertEquals(dt, p.sums().getDataType());
            assertArrayEquals(exact.sums(), Nd.doubles(p.sums()), tol);
            assertArrayEquals(exact.shared(), Nd.doubles(p.shared()), tol);
            assertArrayEquals(new int[] {4, 1, 3, 6}, p.tokens());
            assertArrayEquals(exact.tokens(), p.tokens());
            for (int r = 0; r < N; r++) {
                assertEquals(exact.weights()[r], p.weights()[r], 1e-6 * exact.weights()[r], "WPO weight of row " + r);
            }
            assertEquals(exact.meanLogitChosen(), p.meanLogitChosen(), tol);
            assertEquals(exact.meanLogitRejected(), p.meanLogitRejected(), tol);

            // the same code over logits a caller already has
            SequenceLogps fromLogits = SequenceLogps.fromLogits(head(w).apply(hidden), LABELS, true);
            assertArrayEquals(exact.sums(), Nd.doubles(fromLogits.sums()), tol);
            assertArrayEquals(exact.shared(), Nd.doubles(fromLogits.shared()), tol);
            assertEquals(exact.meanLogitChosen(), fromLogits.meanLogitChosen(), tol);
        }
    }

    @Test
    void rowsWithoutPairingGiveTheTokenAveragedNll() {
        // rows 0..2 (an odd count is fine without pairing): 4 + 1 + 3 = 8 tokens, NLL = −Σ log p / 8
        Exact exact = Exact.of(HIDDEN, W, LABELS, N, L, H, V);
        long[] labels = java.util.Arrays.copyOf(LABELS, 3 * L);
        try (NDManager s = m.newSubManager()) {
            NDArray hidden = array(s, HIDDEN, new Shape(N, L, H), DataType.FLOAT64).get("0:3");
            NDArray w = array(s, W, new Shape(V, H), DataType.FLOAT64);
            CompletionLogps.RowLogps rows = CompletionLogps.chunked().chunkSize(2).rows(hidden, head(w), labels);
            assertArrayEquals(new int[] {4, 1, 3}, rows.tokens());
            assertEquals(8, rows.scoredTokens());
            assertArrayEquals(java.util.Arrays.copyOf(exact.sums(), 3), rows.values(), 1e-12);
            double expected = -(exact.sums()[0] + exact.sums()[1] + exact.sums()[2]) / 8;
            assertEquals(expected, rows.nll().getDouble(), 1e-12);
        }
    }

    /** J = Σ a_r·sums_r + Σ b_r·shared_r: both outputs carry gradient. */
    static NDArray objective(NDArray sums, NDArray shared) {
        NDManager s = sums.getManager();
        NDArray a = s.create(new double[] {0.5, -1.25, 2, 0.75}).toType(sums.getDataType(), false);
        NDArray b = s.create(new double[] {-0.5, 1.5, 0.25, -2}).toType(sums.getDataType(), false);
        return sums.mul(a).sum().add(shared.mul(b).sum());
    }

    static double exactObjective(double[] hidden, double[] w) {
        Exact e = Exact.of(hidden, w, LABELS, N, L, H, V);
        double[] a = {0.5, -1.25, 2, 0.75};
        double[] b = {-0.5, 1.5, 0.25, -2};
        double j = 0;
        for (int r = 0; r < N; r++) {
            j += a[r] * e.sums()[r] + b[r] * e.shared()[r];
        }
        return j;
    }

    @Test
    void gradientsFlowThroughTheChunksAsThroughTheFullLogSoftmax() {
        try (NDManager s = m.newSubManager()) {
            double[][] chunked = gradients(s, true);
            double[][] full = gradients(s, false);
            assertArrayEquals(full[0], chunked[0], 1e-12, "gradient of the hidden states");
            assertArrayEquals(full[1], chunked[1], 1e-12, "gradient of the head weight");
            // and against central differences of the exact Java computation (step 1e-5: error ~1e-10)
            double eps = 1e-5;
            for (int i : new int[] {0, 7, 41}) {      // hidden: row 0 t=0, row 0 t=1, row 1 t=1
                double[] plus = HIDDEN.clone();
                double[] minus = HIDDEN.clone();
                plus[i] += eps;
                minus[i] -= eps;
                double fd = (exactObjective(plus, W) - exactObjective(minus, W)) / (2 * eps);
                assertEquals(fd, chunked[0][i], 1e-7, "d J / d hidden[" + i + "]");
            }
            for (int i : new int[] {3 * H, 9 * H + 4, 12 * H + 2}) {   // head rows of labels 3, 9, 12
                double[] plus = W.clone();
                double[] minus = W.clone();
                plus[i] += eps;
                minus[i] -= eps;
                double fd = (exactObjective(HIDDEN, plus) - exactObjective(HIDDEN, minus)) / (2 * eps);
                assertEquals(fd, chunked[1][i], 1e-7, "d J / d W[" + i + "]");
            }
            assertTrue(Math.abs(chunked[1][3 * H]) > 1e-3, "the checked gradient is not trivially zero");
        }
    }

    /** {hidden gradient, head-weight gradient} of J, float64, in chunks of 3 or through the full logits. */
    private static double[][] gradients(NDManager parent, boolean chunkedPath) {
        try (NDManager s = parent.newSubManager()) {
            NDArray hidden = s.create(HIDDEN, new Shape(N, L, H));
            NDArray w = s.create(W, new Shape(V, H));
            hidden.setRequiresGradient(true);
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray j;
                if (chunkedPath) {
                    SequenceLogps p = CompletionLogps.chunked().chunkSize(3).pairs(hidden, head(w), LABELS, false);
                    j = objective(p.sums(), p.shared());
                } else {
                    NDArray logits = head(w).apply(hidden);
                    j = objective(FullLogps.sums(logits, LABELS), FullLogps.sharedSums(logits, LABELS));
                }
                gc.backward(j);
            }
            return new double[][] {hidden.getGradient().toDoubleArray(), w.getGradient().toDoubleArray()};
        }
    }

    /** An output head that records the shape of every array it is given and returns. */
    static final class RecordingHead implements UnaryOperator<NDArray> {
        final UnaryOperator<NDArray> head;
        final List<Shape> inputs = new ArrayList<>();
        final List<Shape> outputs = new ArrayList<>();

        RecordingHead(UnaryOperator<NDArray> head) {
            this.head = head;
        }

        @Override
        public NDArray apply(NDArray hidden) {
            inputs.add(hidden.getShape());
            NDArray out = head.apply(hidden);
            outputs.add(out.getShape());
            return out;
        }

        long largestOutput() {
            return outputs.stream().mapToLong(Shape::size).max().orElse(0);
        }
    }

    @Test
    void theHeadSeesOnlyScoredPositionsAChunkAtATime() {
        try (NDManager s = m.newSubManager()) {
            NDArray hidden = array(s, HIDDEN, new Shape(N, L, H), DataType.FLOAT32);
            NDArray w = array(s, W, new Shape(V, H), DataType.FLOAT32);
            RecordingHead head = new RecordingHead(head(w));
            java.util.Set<NDArray> before = new java.util.HashSet<>(s.getManagedArrays());
            CompletionLogps.chunked().chunkSize(4).pairs(hidden, head, LABELS, true);
            // 14 scored positions in chunks of 4: 4 + 4 + 4 + 2, never the 4 × 7 = 28 of the full logits
            assertEquals(List.of(new Shape(1, 4, H), new Shape(1, 4, H), new Shape(1, 4, H), new Shape(1, 2, H)), head.inputs);
            assertEquals(4L * V, head.largestOutput());
            // nothing vocabulary-sized made by the call is left in the caller's scope
            long chunkSized = s.getManagedArrays().stream()
                    .filter(a -> !before.contains(a) && !a.isReleased() && a.size() >= 2 * V).count();
            assertEquals(0, chunkSized, "vocabulary-sized arrays left in the caller's scope");
        }
    }

    @Test
    void atQwensVocabularyTheLargestArrayIsOneChunk() {
        // V = 151,936, 2 rows of 48 tokens, prompt 16: 2 × 32 = 64 scored positions in chunks of 8.
        // The full logits would be [2, 48, 151936] (58 MB in float32); the head never makes more than
        // [1, 8, 151936] (4.9 MB), and the sums still equal the exact computation.
        int v = 151_936;
        int h = 2;
        int n = 2;
        int len = 48;
        long[] labels = new long[n * len];
        Random r = new Random(5);
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % len < 16 ? -100 : r.nextInt(v);
        }
        double[] hidden = random(n * len * h, 3, 1.0);
        double[] w = random(v * h, 4, 1.0);
        Exact exact = Exact.of(hidden, w, labels, n, len, h, v);
        try (NDManager s = m.newSubManager()) {
            RecordingHead head = new RecordingHead(head(array(s, w, new Shape(v, h), DataType.FLOAT32)));
            SequenceLogps p = CompletionLogps.chunked().chunkSize(8).pairs(
                    array(s, hidden, new Shape(n, len, h), DataType.FLOAT32), head, labels, false);
            assertEquals(8, head.outputs.size());
            assertEquals(8L * v, head.largestOutput());
            // 32 tokens of log p ≈ −12 each: float32 sums of ~380 carry ~1e-4 rounding
            assertArrayEquals(exact.sums(), Nd.doubles(p.sums()), 1e-3);
        }
    }

    @Test
    void errorsNameTheProblem() {
        try (NDManager s = m.newSubManager()) {
            NDArray hidden = s.zeros(new Shape(2, 3, 2));
            NDArray w = s.zeros(new Shape(4, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CompletionLogps.chunked().pairs(hidden, head(w), new long[] {-100, 1, -100, -100, 4, -100}, false));
            assertEquals("label 4 at row 1, position 1 is outside the vocabulary [0, 4)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> CompletionLogps.chunked().rows(hidden, head(w), new long[] {-100, -3, -100, -100, 1, -100}));
            assertEquals("label -3 at row 0, position 1 is negative (only -100 marks a position that is not scored)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CompletionLogps.chunked().rows(hidden, head(w), new long[5]));
            assertEquals("hidden states (2, 3, 2) need labels of N·L = 6 entries, got 5", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CompletionLogps.chunked().pairs(s.zeros(new Shape(3, 2, 2)), head(w), new long[6], false));
            assertTrue(e.getMessage().startsWith("hidden states (3, 2, 2) need 2B rows"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CompletionLogps.chunked().pairs(s.zeros(new Shape(6, 2)), head(w), new long[6], false));
            assertEquals("hidden states must be [2B, L, H], got (6, 2)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CompletionLogps.chunked().chunkSize(0));
            assertEquals("chunk_size must be at least 1 position, got 0 (use e.g. 512)", e.getMessage());
            assertEquals(512, CompletionLogps.chunked().chunkSize());
        }
    }

    @Test
    void aBatchWithNothingScoredStaysInTheGraphWithZeroGradient() {
        // e.g. every completion truncated away: the step must still run backward, as it did with full logits
        try (NDManager s = m.newSubManager()) {
            NDArray hidden = s.ones(new Shape(2, 3, 2));
            NDArray w = s.ones(new Shape(4, 2));
            hidden.setRequiresGradient(true);
            w.setRequiresGradient(true);
            RecordingHead head = new RecordingHead(head(w));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                SequenceLogps p = CompletionLogps.chunked().pairs(hidden, head, new long[] {-100, -100, -100, -100, -100, -100}, false);
                assertArrayEquals(new int[] {0, 0}, p.tokens());
                gc.backward(p.sums().sum().add(p.shared().sum()));
            }
            assertEquals(List.of(new Shape(1, 0, 2)), head.inputs, "one empty chunk");
            assertArrayEquals(new float[12], hidden.getGradient().toFloatArray());
            assertArrayEquals(new float[8], w.getGradient().toFloatArray());
        }
    }

    @Test
    void rowsWithNothingScoredSumToZero() {
        try (NDManager s = m.newSubManager()) {
            NDArray hidden = s.ones(new Shape(2, 3, 2));
            NDArray w = s.ones(new Shape(4, 2));
            long[] labels = {-100, -100, -100, -100, 2, 3};
            SequenceLogps p = CompletionLogps.chunked().pairs(hidden, head(w), labels, true);
            // row 1: logits all equal (2 each) → log p = −ln 4 per token, 2 tokens; row 0 nothing; shared min(0, 2) = 0
            assertArrayEquals(new double[] {0, -2 * Math.log(4)}, Nd.doubles(p.sums()), 1e-6);
            assertArrayEquals(new double[] {0, 0}, Nd.doubles(p.shared()), 0);
            assertTrue(Double.isNaN(p.meanLogitChosen()), "no chosen token: mean logit unknown");
            assertEquals(2.0, p.meanLogitRejected(), 1e-6);
            assertEquals(1.0, p.weights()[0], 0, "exp(0 / max(0, 1))");
        }
    }
}
