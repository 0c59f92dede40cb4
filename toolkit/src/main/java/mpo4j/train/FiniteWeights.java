package mpo4j.train;

import mpo4j.engine.HostCopy;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
        List<String> names = new ArrayList<>();
        List<NDArray> checked = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            DataType type = e.getValue().getDataType();
            if (type == DataType.FLOAT32 || type == DataType.FLOAT64) {    // integer arrays are finite; half types are not trained here
                names.add(e.getKey());
                checked.add(e.getValue());
            }
        }
        List<String> bad = new ArrayList<>();
        if (checked.isEmpty()) {
            return bad;
        }
        double[] sums;
        try (NDManager scope = checked.get(0).getManager().newSubManager()) {
            // a sum propagates NaN and ±inf: one native reduction per array, all sums read in one host copy
            NDList each = new NDList(checked.size());
            for (NDArray a : checked) {
                NDArray s = a.sum();
                s.attach(scope);
                each.add(s.toType(DataType.FLOAT64, false).reshape(1));
            }
            NDArray all = NDArrays.concat(each);
            all.attach(scope);
            sums = HostCopy.doubles(all);
        }
        for (int i = 0; i < sums.length; i++) {
            if (!Double.isFinite(sums[i]) && hasNonFinite(checked.get(i))) {     // confirm: a finite array's float sum may overflow
                bad.add(names.get(i));
            }
        }
        return bad;
    }

    private static boolean hasNonFinite(NDArray a) {
        for (double v : HostCopy.doubles(a)) {
            if (!Double.isFinite(v)) {
                return true;
            }
        }
        return false;
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
