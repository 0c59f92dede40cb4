package mpo4j.collate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import mpo4j.model.TokenRows;
import mpo4j.text.Labels;

/**
 * Right-padded token rows, row-major {@code [rows, length]}.
 *
 * <p>Row {@code r} holds {@code lengths[r]} real tokens; every position at or past that length is
 * padding (input id {@code padId}, label {@link Labels#IGNORE}). The attention mask is built from the true
 * lengths, never by comparing ids with the pad id (a real token may share the pad id).
 *
 * <p>Labels are aligned with input ids (Hugging Face convention): {@code labels[t]} is the token the
 * model should produce at position {@code t}, so the logits at {@code t-1} are scored against it, and
 * {@link Labels#IGNORE} marks positions that are not trained (system, user, assistant prefix, padding).
 */
public record SequenceBatch(int rows, int length, long[] inputIds, long[] labels, int[] lengths, long padId) {
    /** The label of a position that is not trained. */

    public SequenceBatch {
        if (inputIds.length != (long) rows * length || labels.length != inputIds.length || lengths.length != rows) {
            throw new IllegalArgumentException("inconsistent SequenceBatch: rows=" + rows + " length=" + length
                    + " ids=" + inputIds.length + " labels=" + labels.length + " lengths=" + lengths.length);
        }
    }

    /** The ids and real lengths a model reads (labels stay here). */
    public TokenRows tokens() { return new TokenRows(rows, length, inputIds, lengths); }

    public long inputId(int row, int t) { return inputIds[row * length + t]; }

    public long label(int row, int t) { return labels[row * length + t]; }

    /** 1 for real tokens, 0 for padding, from the true lengths. */
    public float[] attentionMask() {
        float[] mask = new float[rows * length];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(mask, r * length, r * length + lengths[r], 1f);
        }
        return mask;
    }

    /** 1 where the label is trained (the completion and its end token), else 0. */
    public float[] completionMask() {
        float[] mask = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            mask[i] = labels[i] == Labels.IGNORE ? 0f : 1f;
        }
        return mask;
    }

    /** Number of trained label positions in one row. */
    public int completionTokens(int row) {
        int n = 0;
        for (int t = 0; t < length; t++) {
            if (label(row, t) != Labels.IGNORE) {
                n++;
            }
        }
        return n;
    }

    public NDArray inputIds(NDManager manager) {
        return manager.create(inputIds, new Shape(rows, length));
    }

    public NDArray labels(NDManager manager) {
        return manager.create(labels, new Shape(rows, length));
    }

    public NDArray attentionMask(NDManager manager) {
        return manager.create(attentionMask(), new Shape(rows, length));
    }

    /**
     * Stacks two batches row-wise ({@code this} above {@code below}), padding both to the longer
     * length: the layout one forward pass over chosen-then-rejected rows uses.
     */
    public SequenceBatch stack(SequenceBatch below) {
        int len = Math.max(length, below.length);
        int n = rows + below.rows;
        long[] ids = new long[n * len];
        long[] lab = new long[n * len];
        int[] lens = new int[n];
        Arrays.fill(ids, padId);
        Arrays.fill(lab, Labels.IGNORE);
        copyRows(this, ids, lab, lens, 0, len);
        copyRows(below, ids, lab, lens, rows, len);
        return new SequenceBatch(n, len, ids, lab, lens, padId);
    }

    private static void copyRows(SequenceBatch from, long[] ids, long[] lab, int[] lens, int firstRow, int len) {
        for (int r = 0; r < from.rows; r++) {
            System.arraycopy(from.inputIds, r * from.length, ids, (firstRow + r) * len, from.length);
            System.arraycopy(from.labels, r * from.length, lab, (firstRow + r) * len, from.length);
            lens[firstRow + r] = from.lengths[r];
        }
    }
}
