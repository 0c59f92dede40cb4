package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Small NDArray helpers shared by the loss classes. */
final class Nd {
    private Nd() {}

    /** Values as doubles whatever the float type (DJL's toDoubleArray only accepts float64). */
    static double[] doubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            float[] v = f.toFloatArray();
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = v[i];
            }
            return d;
        }
    }

    static double scalar(NDArray a) {
        return doubles(a)[0];
    }

    static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
