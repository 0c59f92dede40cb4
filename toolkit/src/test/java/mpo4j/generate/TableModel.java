package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A deterministic stand-in for a KV-cached language model: the next-token logits depend only on the last
 * token, looked up in a fixed table. Records the active rows of every call so tests can check that
 * finished rows leave the batch.
 */
final class TableModel implements NextTokenLogits {
    private final NDManager manager;
    private final float[][] table;
    final List<int[]> calls = new ArrayList<>();
    private int[] lastActive;

    TableModel(NDManager manager, float[][] table) {
        this.manager = manager;
        this.table = table;
    }

    /** Logits that make token {@code (t + 1) % vocab} the clear favourite after token {@code t}. */
    static float[][] successorTable(int vocab) {
        float[][] t = new float[vocab][vocab];
        for (int i = 0; i < vocab; i++) {
            for (int j = 0; j < vocab; j++) {
                t[i][j] = j == (i + 1) % vocab ? 3f : (float) (0.1 * ((i * 7 + j * 3) % 5));
            }
        }
        return t;
    }

    @Override
    public NDArray start(List<long[]> rowPrompts) {
        long[] last = new long[rowPrompts.size()];
        for (int r = 0; r < last.length; r++) {
            long[] p = rowPrompts.get(r);
            last[r] = p[p.length - 1];
        }
        int[] all = new int[last.length];
        Arrays.setAll(all, i -> i);
        lastActive = all;
        calls.add(all);
        return rows(last);
    }

    @Override
    public NDArray next(int[] activeRows, long[] tokens) {
        for (int i = 0; i < activeRows.length; i++) {
            if (i > 0 && activeRows[i] <= activeRows[i - 1]) {
                throw new AssertionError("active rows not ascending: " + Arrays.toString(activeRows));
            }
            if (Arrays.binarySearch(lastActive, activeRows[i]) < 0) {
                throw new AssertionError("row " + activeRows[i] + " came back after finishing");
            }
        }
        lastActive = activeRows.clone();
        calls.add(activeRows.clone());
        return rows(tokens);
    }

    private NDArray rows(long[] last) {
        int vocab = table.length;
        float[] data = new float[last.length * vocab];
        for (int r = 0; r < last.length; r++) {
            System.arraycopy(table[(int) last[r]], 0, data, r * vocab, vocab);
        }
        return manager.create(data, new Shape(last.length, vocab));
    }
}
