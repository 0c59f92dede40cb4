package mpo4j.preference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.train.TensorFile;

/**
 * Precomputed reference log-probs on disk ({@code train/…}, {@code eval/…} tensors, one entry per pair).
 * A tensor is stored as {@code F32} when every value is a float (a float32 reference) and as {@code F64}
 * otherwise (a float64 policy's reference), so no precision is lost either way.
 */
final class ReferenceStore {
    private static final String[] PARTS = {"chosen", "rejected", "chosen_shared", "rejected_shared"};

    private ReferenceStore() {}

    static void save(Path file, PairBatches train, PairBatches eval) throws IOException {
        Map<String, TensorFile.Entry> data = new LinkedHashMap<>();
        put("train", train, data);
        if (eval != null) {
            put("eval", eval, data);
        }
        TensorFile.writeEntries(file, data);
    }

    private static void put(String split, PairBatches b, Map<String, TensorFile.Entry> data) {
        double[][] r = b.referenceArrays();
        for (int k = 0; k < PARTS.length; k++) {
            data.put(split + "/" + PARTS[k], new TensorFile.Entry(new long[] {r[k].length}, r[k], !allFloats(r[k])));
        }
    }

    /** True when every value survives a round trip through float (NaN included). */
    static boolean allFloats(double[] values) {
        for (double v : values) {
            if (Double.compare((double) (float) v, v) != 0) {
                return false;
            }
        }
        return true;
    }

    static void load(Path file, PairBatches train, PairBatches eval) throws IOException {
        Map<String, TensorFile.Entry> stored = TensorFile.read(file);
        train.referenceArrays(get(file, stored, "train", train.size()));
        if (eval != null) {
            eval.referenceArrays(get(file, stored, "eval", eval.size()));
        }
    }

    private static double[][] get(Path file, Map<String, TensorFile.Entry> stored, String split, int n) throws IOException {
        double[][] out = new double[PARTS.length][];
        for (int k = 0; k < PARTS.length; k++) {
            TensorFile.Entry e = stored.get(split + "/" + PARTS[k]);
            if (e == null || e.values().length != n) {
                throw new IOException(file + ": '" + split + "/" + PARTS[k] + "' is missing or does not hold " + n + " pairs");
            }
            out[k] = e.values();
        }
        return out;
    }
}
