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

    /**
     * A scalar of {@code like}'s type (or {@code type}) in {@code like}'s manager, in memory owned by
     * libtorch. Use it instead of {@code x.mul(Number)}/{@code div}/{@code maximum}/{@code minimum} where
     * autograd keeps the scalar for the backward pass: DJL wraps such a number in an array over a Java
     * direct buffer and closes it at once, so a garbage collection before {@code backward()} frees
     * memory the graph still reads (wrong or NaN gradients; {@code GcSafeGradientsTest} in
     * {@code mpo4j.bench} reproduces it).
     */
    static NDArray constant(NDArray like, double value) {
        return constant(like, value, like.getDataType());
    }

    static NDArray constant(NDArray like, double value, DataType type) {
        return owned(like.getManager().create(value), type);
    }

    /** An array made from Java data, copied into libtorch-owned memory and closed (see {@link #constant}). */
    static NDArray owned(NDArray javaBacked, DataType type) {
        try (javaBacked) {
            // a type conversion allocates in libtorch; the same type needs an explicit clone (toType would alias)
            return javaBacked.getDataType() == type ? javaBacked.duplicate() : javaBacked.toType(type, false);
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
