package mpo4j.preference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import mpo4j.train.TensorFile;

/** Precomputed reference log-probs on disk ({@code train/…}, {@code eval/…} float tensors, one entry per pair). */
final class ReferenceStore {
    private static final String[] PARTS = {"chosen", "rejected", "chosen_shared", "rejected_shared"};

    private ReferenceStore() {}

    static void save(Path file, PairBatches train, PairBatches eval) throws IOException {
        Map<String, float[]> data = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        put("train", train, data, shapes);
        if (eval != null) {
            put("eval", eval, data, shapes);
        }
        TensorFile.writeFloats(file, data, shapes);
    }

    private static void put(String split, PairBatches b, Map<String, float[]> data, Map<String, long[]> shapes) {
        float[][] r = b.referenceArrays();
        for (int k = 0; k < PARTS.length; k++) {
            data.put(split + "/" + PARTS[k], r[k]);
            shapes.put(split + "/" + PARTS[k], new long[] {r[k].length});
        }
    }

    static void load(Path file, PairBatches train, PairBatches eval) throws IOException {
        Map<String, TensorFile.Entry> stored = TensorFile.read(file);
        train.referenceArrays(get(file, stored, "train", train.size()));
        if (eval != null) {
            eval.referenceArrays(get(file, stored, "eval", eval.size()));
        }
    }

    private static float[][] get(Path file, Map<String, TensorFile.Entry> stored, String split, int n) throws IOException {
        float[][] out = new float[PARTS.length][];
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
