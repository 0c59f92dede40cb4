package mpo4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Small NDArray helpers shared by the loss classes, and the package's one way to read device values on
 * the host. Every device-to-host copy in {@code mpo4j.loss} goes through {@link #doubles} or
 * {@link #longs} and is counted, so a test can show that a training step makes none here (the trainer
 * copies a step's values once, through its metric reducer); {@code HostCopiesTest} checks that no other
 * class of the package reads device memory.
 */
final class Nd {
    private static final AtomicLong COPIES = new AtomicLong();

    private Nd() {}

    /** Values as doubles whatever the float type (DJL's toDoubleArray only accepts float64). */
    static double[] doubles(NDArray a) {
        COPIES.incrementAndGet();
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

    /** Integer values as longs (labels). */
    static long[] longs(NDArray a) {
        COPIES.incrementAndGet();
        if (a.getDataType() == DataType.INT64) {
            return a.toLongArray();
        }
        try (NDArray asLong = a.toType(DataType.INT64, true)) {
            return asLong.toLongArray();
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

    /** Device-to-host copies made by the loss package in this process so far. */
    static long hostCopies() {
        return COPIES.get();
    }
}
