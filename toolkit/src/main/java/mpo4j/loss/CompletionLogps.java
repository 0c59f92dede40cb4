package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import mpo4j.collate.SequenceBatch;
import mpo4j.engine.Scalar;
import mpo4j.text.Labels;

/**
 * Completion log-probs at any vocabulary size, from a model's final hidden states: only the positions
 * whose next label is scored go through the output head, {@link #chunkSize()} positions at a time, so
 * no {@code [rows, length, vocab]} array is ever built. Per position, {@code log p(label) =
 * logit[label] − logsumexp(logits)}; the sums per row keep their gradient (through the head and the
 * hidden states).
 *
 * <p>Memory: the largest array made is {@code [chunkSize, vocab]} (a few of them while one chunk is
 * reduced). While training, autograd keeps one such array per chunk for the backward pass (the
 * log-softmax, from which its backward recomputes the softmax), so a step holds {@code completion tokens × vocab} floats
 * instead of several {@code rows × length × vocab} copies; a frozen reference keeps none.
 *
 * <p>{@link SequenceLogps#fromLogits} runs the same code over logits a caller already has (the head is
 * then the identity), so both paths give the same numbers.
 *
 * <p>Immutable: {@link #chunkSize(int)} returns a new object.
 */
public final class CompletionLogps {
    /**
     * Positions per chunk by default: 512 × 151,936 (Qwen's vocabulary) float32 logits are 311 MB,
     * the size of one 512-token row of logits, and still large enough that the head's matrix product
     * runs at full speed.
     */
    public static final int DEFAULT_CHUNK_SIZE = 512;

    private static final CompletionLogps DEFAULT = new CompletionLogps(DEFAULT_CHUNK_SIZE);

    private final int chunkSize;

    private CompletionLogps(int chunkSize) {
        this.chunkSize = chunkSize;
    }

    /** The default: {@value #DEFAULT_CHUNK_SIZE} positions per chunk. */
    public static CompletionLogps chunked() {
        return DEFAULT;
    }

    /** The same computation with {@code positions} scored positions per head call. */
    public CompletionLogps chunkSize(int positions) {
        if (positions < 1) {
            throw new IllegalArgumentException("chunk_size must be at least 1 position, got " + positions
                    + " (use e.g. " + DEFAULT_CHUNK_SIZE + ")");
        }
        return new CompletionLogps(positions);
    }

    /** Scored positions per call of the output head. */
    public int chunkSize() {
        return chunkSize;
    }

    /**
     * Per-sequence log-probs of preference rows (chosen above rejected) from hidden states.
     *
     * @param hidden      {@code [2B, L, H]} final hidden states (e.g. {@code CausalLm.hidden})
     * @param head        the output head, hidden {@code [1, C, H]} → logits {@code [1, C, V]} (e.g. {@code model::logits})
     * @param rows        the rows' labels (aligned with the input ids, −100 = not scored)
     * @param withWeights also compute WPO weights
     */
    public SequenceLogps pairs(NDArray hidden, UnaryOperator<NDArray> head, SequenceBatch rows, boolean withWeights) {
        return pairs(hidden, head, rows.labels(), withWeights);
    }

    /** As {@link #pairs(NDArray, UnaryOperator, SequenceBatch, boolean)} with row-major labels {@code [2B·L]}. */
    public SequenceLogps pairs(NDArray hidden, UnaryOperator<NDArray> head, long[] labels, boolean withWeights) {
        return SequenceLogps.of(score(hidden, "hidden states", head, labels, true, true, withWeights));
    }

    /**
     * Per-sequence log-probs of preference rows from a frozen reference model's hidden states: the sums
     * and shared-prefix sums a loss reads, without the mean-logit metrics or WPO weights (a reference
     * needs neither, so no vocabulary-wide reduction is spent on them). The arrays stay on the device.
     *
     * @param hidden {@code [2B, L, H]} final hidden states, without gradient
     * @param head   the output head
     * @param rows   the rows' labels
     */
    public SequenceLogps reference(NDArray hidden, UnaryOperator<NDArray> head, SequenceBatch rows) {
        return SequenceLogps.of(score(hidden, "hidden states", head, rows.labels(), true, false, false));
    }

    /**
     * Per-row log-probs of any rows (no pairing), e.g. the chosen answers of supervised fine-tuning.
     *
     * @param hidden {@code [N, L, H]} final hidden states
     * @param head   the output head, hidden {@code [1, C, H]} → logits {@code [1, C, V]}
     * @param rows   the rows' labels (aligned with the input ids, −100 = not scored)
     */
    public RowLogps rows(NDArray hidden, UnaryOperator<NDArray> head, SequenceBatch rows) {
        return rows(hidden, head, rows.labels());
    }

    /** As {@link #rows(NDArray, UnaryOperator, SequenceBatch)} with row-major labels {@code [N·L]}. */
    public RowLogps rows(NDArray hidden, UnaryOperator<NDArray> head, long[] labels) {
        Totals t = score(hidden, "hidden states", head, labels, false, false, false);
        return new RowLogps(t.sums(), t.tokens());
    }

    /**
     * Per-row log-probs of rows that need no pairing.
     *
     * @param sums   {@code [N]} Σ over each row's scored tokens of log p(token), with gradient
     * @param tokens scored tokens per row
     */
    public record RowLogps(NDArray sums, int[] tokens) {
        /** Keeps a copy of {@code tokens}. */
        public RowLogps {
            tokens = tokens.clone();
        }

        /** Scored tokens per row (a copy). */
        @Override
        public int[] tokens() {
            return tokens.clone();
        }

        /** Scored tokens over all rows. */
        public long scoredTokens() {
            return Arrays.stream(tokens).asLongStream().sum();
        }

        /** The token-averaged negative log-likelihood {@code −Σ log p / Σ tokens}, with gradient (0 when nothing is scored). */
        public NDArray nll() {
            return Scalar.div(sums.sum().neg(), Math.max(scoredTokens(), 1));
        }

        /** {@code [N]} sums as doubles (no gradient). */
        public double[] values() {
            return Nd.doubles(sums);
        }
    }

    /**
     * Everything both entry points need, summed per row.
     *
     * @param sums        {@code [N]} Σ log p over scored tokens (gradient)
     * @param shared      {@code [N]} the same over the pair's first min(Lc, Lr) scored tokens, or null without pairing
     * @param tokens      scored tokens per row
     * @param wpoTotals   Σ over scored tokens of {@code log p − log Σ_v p_v²} (constants), or null
     * @param logitSums   {@code [K]} Σ over the vocabulary of the raw logits at each scored position (no
     *                    gradient, still on the device), or null when not asked for
     * @param vocab       vocabulary size (the last axis of the head's output)
     */
    record Totals(NDArray sums, NDArray shared, int[] tokens, double[] wpoTotals, NDArray logitSums, long vocab) {}

    /**
     * The one mechanism: gathers the scored positions of {@code states [N, L, X]}, applies {@code head}
     * chunk by chunk ({@code X} = hidden size with the model's head, or {@code X} = vocabulary with the
     * identity over logits), and reduces each chunk to per-position numbers before the next one.
     */
    Totals score(NDArray states, String what, UnaryOperator<NDArray> head, long[] labels, boolean pairs, boolean withLogits,
                 boolean withWeights) {
        Shape shape = states.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException(what + " must be [" + (pairs ? "2B" : "N") + ", L, "
                    + (what.equals("logits") ? "V" : "H") + "], got " + shape);
        }
        int n = (int) shape.get(0);
        int len = (int) shape.get(1);
        if ((pairs && (n % 2 != 0 || n == 0)) || labels.length != (long) n * len) {
            throw new IllegalArgumentException(what + " " + shape + " need " + (pairs ? "2B rows and labels of 2B·L = " : "labels of N·L = ")
                    + ((long) n * len) + " entries, got " + labels.length);
        }
        ScoredPositions at = ScoredPositions.of(labels, n, len, pairs);
        // No sub-scope that closes before backward: the index arrays made from Java memory are saved by
        // autograd and must live in the caller's step scope (the states' manager) until backward has run.
        // The chunk-sized temporaries are closed explicitly (autograd keeps its own references to what it needs).
        NDManager scope = states.getManager();
        NDArray flat = states.reshape(new Shape((long) n * len, shape.get(2)));
        int k = at.size();
        List<NDArray> chunks = new ArrayList<>();
        double[] wpoTotals = withWeights ? new double[n] : null;
        // the logit means are policy metrics only: their per-position sums stay on the device (read with the
        // step's other metrics in one copy); plain rows and a reference need none
        List<NDArray> logitChunks = withLogits ? new ArrayList<>() : null;
        long[] vocab = {0};
        // at least one chunk, even an empty one: a batch with nothing scored still gives sums that are
        // part of the graph (zero gradient), so backward runs as it does for any other batch
        int from = 0;
        do {
            int to = Math.min(k, from + chunkSize);
            chunks.add(scoreChunk(flat, head, at, from, to, vocab, logitChunks, wpoTotals));
            from = to;
        } while (from < k);
        flat.close();
        NDArray all = chunks.size() == 1 ? chunks.get(0) : NDArrays.concat(new NDList(chunks));
        NDArray sums = rowSums(all, at, n, false);
        NDArray shared = pairs ? rowSums(all, at, n, true) : null;
        NDArray logitSums = logitChunks == null ? null
                : logitChunks.size() == 1 ? logitChunks.get(0) : NDArrays.concat(new NDList(logitChunks));
        return new Totals(sums, shared, at.tokens(), wpoTotals, logitSums, vocab[0]);
    }

    /**
     * Positions {@code from..to} of {@code at}: the head's logits {@code [C, V]}, reduced at once to the
     * differentiable token log-probs {@code [C]} (returned), the per-position logit sums (added to
     * {@code logitChunks}, on the device) and the WPO per-row totals (added).
     * {@code vocab[0]} is learnt from the first chunk, which also checks every label against it.
     */
    private static NDArray scoreChunk(NDArray flat, UnaryOperator<NDArray> head, ScoredPositions at, int from, int to,
                                      long[] vocab, List<NDArray> logitChunks, double[] wpoTotals) {
        NDManager scope = flat.getManager();
        NDArray positions = scope.create(Arrays.copyOfRange(at.flat(), from, to));
        NDArray picked = flat.get(new NDIndex("{}", positions));                      // [C, X]
        NDArray batched = picked.expandDims(0);
        NDArray out = head.apply(batched);                                              // [1, C, V]
        NDArray squeezed = out.squeeze(0);
        DataType type = squeezed.getDataType();
        NDArray logits = type == DataType.FLOAT32 || type == DataType.FLOAT64 ? squeezed : squeezed.toType(DataType.FLOAT32, false);
        if (vocab[0] == 0) {
            vocab[0] = logits.getShape().get(1);
            at.checkVocabulary(vocab[0]);
        }
        NDArray index = scope.create(Arrays.copyOfRange(at.labels(), from, to), new Shape(to - from, 1));
        // one fused log-softmax (forward and backward) instead of max, shift, exp, sum and log as separate
        // vocabulary-sized passes: at 151,936 tokens each of those is an array of 600 KB per position
        NDArray logSoftmax = logits.logSoftmax(1);                                      // [C, V]
        NDArray tokenLogp = logSoftmax.gather(index, 1).squeeze(1);                     // [C]
        if (logitChunks != null) {
            try (NDArray detached = logits.stopGradient()) {
                logitChunks.add(detached.sum(new int[] {1}));
            }
        }
        if (wpoTotals != null) {
            addWpoTotals(logits, index, tokenLogp, at, from, wpoTotals);
        }
        // chunk-sized handles (views or copies); closing them frees what autograd did not keep
        for (NDArray a : new NDArray[] {logSoftmax, logits, squeezed, out, batched, picked}) {
            a.close();
        }
        return tokenLogp;
    }

    /**
     * Adds a chunk's WPO terms per row (constants, no gradient). The weights scale the loss itself, so
     * they are read on the host here: one copy per chunk, and only for a loss with {@code useWeighting}.
     */
    private static void addWpoTotals(NDArray logits, NDArray index, NDArray tokenLogp, ScoredPositions at, int from,
                                     double[] wpoTotals) {
        // log Σ p² = logsumexp(2·logits) − 2·logsumexp(logits), per position, no gradient;
        // logsumexp(logits) = logit[label] − log p(label)
        try (NDArray detached = logits.stopGradient(); NDArray doubled = detached.mul(2); NDArray lse2 = logSumExp(doubled);
             NDArray labelLogits = detached.gather(index, 1).squeeze(1);
             NDArray lse = labelLogits.sub(tokenLogp.stopGradient());
             NDArray logSumP2 = lse2.sub(lse.mul(2));
             NDArray perToken = tokenLogp.stopGradient().sub(logSumP2)) {
            at.addPerRow(Nd.doubles(perToken), from, wpoTotals);
        }
    }

    /**
     * {@code [N]} per-row sums of the position log-probs {@code all [K]}; a row's positions are
     * contiguous (row-major order), its shared ones are its first {@code shared[r]}. Summed as slices
     * rather than through a 0/1 matrix, so a non-finite value stays in its own row; an empty slice
     * sums to 0 and stays in the graph.
     */
    private static NDArray rowSums(NDArray all, ScoredPositions at, int n, boolean sharedOnly) {
        NDList perRow = new NDList(n);
        for (int r = 0; r < n; r++) {
            int start = at.rowStart(r);
            int count = sharedOnly ? at.shared(r) : at.tokens(r);
            perRow.add(all.get(new NDIndex(start + ":" + (start + count))).sum());
        }
        return NDArrays.stack(perRow);
    }

    /**
     * Stable log Σ exp over the last axis of {@code [C, V]}; the max shift carries no gradient (it
     * cancels exactly). The two vocabulary-sized temporaries are released as soon as they are reduced
     * (autograd keeps what backward needs on its own).
     */
    private static NDArray logSumExp(NDArray x) {
        NDArray max = x.max(new int[] {1}, true).stopGradient();
        NDArray sumExp;
        try (NDArray shifted = x.sub(max); NDArray exp = shifted.exp()) {
            sumExp = exp.sum(new int[] {1});
        }
        return sumExp.log().add(max.squeeze(1));
    }

    /**
     * The positions whose next label is scored, in row-major order: {@code flat[i] = r·L + t − 1} (the
     * logits at t − 1 score the label at t), with their labels, and per row its first index, count and
     * shared-prefix count ({@code min(Lc, Lr)} of its pair, when paired).
     */
    record ScoredPositions(long[] flat, long[] labels, int[] rowOf, int[] sourceT, int[] rowStart, int[] tokens, int[] shared) {
        static ScoredPositions of(long[] labels, int n, int len, boolean pairs) {
            int k = 0;
            for (int r = 0; r < n; r++) {
                for (int t = 1; t < len; t++) {
                    if (labels[r * len + t] != Labels.IGNORE) {
                        k++;
                    }
                }
            }
            long[] flat = new long[k];
            long[] scored = new long[k];
            int[] rowOf = new int[k];
            int[] sourceT = new int[k];
            int[] rowStart = new int[n];
            int[] tokens = new int[n];
            int i = 0;
            for (int r = 0; r < n; r++) {
                rowStart[r] = i;
                for (int t = 1; t < len; t++) {
                    long label = labels[r * len + t];
                    if (label == Labels.IGNORE) {
                        continue;
                    }
                    if (label < 0) {
                        throw outside(label, r, t, "is negative (only " + Labels.IGNORE + " marks a position that is not scored)");
                    }
                    flat[i] = (long) r * len + t - 1;
                    scored[i] = label;
                    rowOf[i] = r;
                    sourceT[i] = t;
                    tokens[r]++;
                    i++;
                }
            }
            int[] shared = new int[n];
            for (int r = 0; r < n; r++) {
                shared[r] = pairs ? Math.min(tokens[r], tokens[(r + n / 2) % n]) : tokens[r];
            }
            return new ScoredPositions(flat, scored, rowOf, sourceT, rowStart, tokens, shared);
        }

        int size() {
            return flat.length;
        }

        int tokens(int r) {
            return tokens[r];
        }

        int rowStart(int r) {
            return rowStart[r];
        }

        int shared(int r) {
            return shared[r];
        }

        /** Adds per-position values (positions {@code from..}) into their rows' totals. */
        void addPerRow(double[] values, int from, double[] totals) {
            for (int j = 0; j < values.length; j++) {
                totals[rowOf[from + j]] += values[j];
            }
        }

        void checkVocabulary(long vocab) {
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] >= vocab) {
                    throw outside(labels[i], rowOf[i], sourceT[i], "is outside the vocabulary [0, " + vocab + ")");
                }
            }
        }

        private static IllegalArgumentException outside(long label, int r, int t, String problem) {
            return new IllegalArgumentException("label " + label + " at row " + r + ", position " + t + " " + problem);
        }
    }
}
