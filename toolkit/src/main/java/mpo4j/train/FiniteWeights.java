package mpo4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds NaN and infinite values in a model's weights: a diverged run must not be saved or resumed
 * as if nothing happened (saving fails unless forced, loading warns).
 */
public final class FiniteWeights {
    private static final Logger LOG = LoggerFactory.getLogger(FiniteWeights.class);

    private FiniteWeights() {}

    /** Names of the arrays that hold at least one NaN or infinite value, in map order. */
    public static List<String> nonFinite(Map<String, NDArray> arrays) {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray a = e.getValue();
            DataType type = a.getDataType();
            if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
                continue;                    // integer arrays are finite; half types are not trained here
            }
            double sum;
            try (NDArray s = a.sum()) {      // a sum propagates NaN and ±inf: one native reduction per array
                sum = type == DataType.FLOAT64 ? s.getDouble() : s.getFloat();
            }
            if (!Double.isFinite(sum) && hasNonFinite(a)) {     // confirm: a finite array's float sum may overflow
                bad.add(e.getKey());
            }
        }
        return bad;
    }

    private static boolean hasNonFinite(NDArray a) {
        double[] values = a.getDataType() == DataType.FLOAT64 ? a.toDoubleArray() : toDoubles(a.toFloatArray());
        for (double v : values) {
            if (!Double.isFinite(v)) {
                return true;
            }
        }
        return false;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** Logs a warning naming the non-finite arrays just loaded from {@code where}; returns their names. */
    public static List<String> warnIfNonFinite(Map<String, NDArray> arrays, Object where) {
        List<String> bad = nonFinite(arrays);
        if (!bad.isEmpty()) {
            LOG.warn("{}: loaded weights hold NaN or infinite values in {} (the saved run had diverged)", where, describe(bad));
        }
        return bad;
    }

    /** The first few names, and how many more. */
    static String describe(List<String> names) {
        return names.size() <= 3 ? "'" + String.join("', '", names) + "'"
                : "'" + String.join("', '", names.subList(0, 3)) + "' and " + (names.size() - 3) + " more arrays";
    }
}
