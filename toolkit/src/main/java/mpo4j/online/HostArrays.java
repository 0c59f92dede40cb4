package mpo4j.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Copies of small arrays (masks, advantages, ratios) to the host, as doubles, for metrics. */
final class HostArrays {
    private HostArrays() {}

    static double[] doubles(NDArray x) {
        if (x.getDataType() == DataType.FLOAT64) {
            return x.toDoubleArray();
        }
        if (x.getDataType() == DataType.FLOAT32) {
            float[] f = x.toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        try (NDArray d = x.toType(DataType.FLOAT64, false)) {
            return d.toDoubleArray();
        }
    }
}
