package mpo4j.loss;

import mpo4j.engine.HostCopy;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Small NDArray helpers shared by the loss classes, and the package's one way to read device values on
 * the host. Every device-to-host copy in {@code mpo4j.loss} goes through {@link #doubles} or
 * {@link #longs}, which the engine's {@link HostCopy} counts, so a test can show that a training step makes none here (the trainer
 * copies a step's values once, through its metric reducer); {@code HostCopiesTest} checks that no other
 * class of the package reads device memory.
 */
final class Nd {
    private Nd() {}

    /** Values as doubles whatever the float type, through the counted {@link HostCopy}. */
    static double[] doubles(NDArray a) { return HostCopy.doubles(a); }

    /** Integer values as longs (labels), through the counted {@link HostCopy}. */
    static long[] longs(NDArray a) { return HostCopy.longs(a); }

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
