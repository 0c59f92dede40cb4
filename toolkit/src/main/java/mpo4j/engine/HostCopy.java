package mpo4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way the training layers ({@code loss}, {@code train}, {@code preference}, {@code reward}) read
 * device values on the host, counted. A device-to-host copy waits for every queued kernel (on an accelerator it stalls
 * the pipeline), so a training step should make exactly one: the {@code MetricReducer.transfer()} of its
 * metrics, loss and gradient norm. Checkpoints, weight loading and reference synchronisation copy weights
 * through here too, between steps. {@code HostCopiesTest} checks that no other class of these packages
 * reads device memory, so {@link #count()} sees every copy they make.
 */
public final class HostCopy {
    private static final AtomicLong COPIES = new AtomicLong();

    private HostCopy() {}

    /** The values of a float32 array. */
    public static float[] floats(NDArray a) {
        COPIES.incrementAndGet();
        return a.toFloatArray();
    }

    /** The values of a float array as doubles, whatever its float type (float32 widens exactly). */
    public static double[] doubles(NDArray a) {
        COPIES.incrementAndGet();
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        try (NDArray wide = a.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }

    /** The values of an integer array as longs (e.g. labels). */
    public static long[] longs(NDArray a) {
        COPIES.incrementAndGet();
        if (a.getDataType() == DataType.INT64) {
            return a.toLongArray();
        }
        try (NDArray wide = a.toType(DataType.INT64, true)) {
            return wide.toLongArray();
        }
    }

    /** Device-to-host copies made through this class in this process so far. */
    public static long count() {
        return COPIES.get();
    }
}
