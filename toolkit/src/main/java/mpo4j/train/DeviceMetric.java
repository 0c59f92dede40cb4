package mpo4j.train;

import ai.djl.ndarray.NDArray;
import java.util.function.ToDoubleFunction;

/**
 * A metric whose inputs are still on the device. The training loop copies the {@link #values} of every
 * such metric of an optimizer step to the host in one transfer (a device-to-host copy is a
 * synchronisation point; one per metric and micro-batch stalls an accelerator each time), then
 * {@link #value} turns this metric's values into the number to log.
 *
 * <p>{@code value} receives the values flattened in row-major order as doubles (float32 values are
 * widened exactly), so an objective that computed a metric on the host from {@code toFloatArray()} can
 * run the very same arithmetic here and log identical numbers.
 *
 * @param values the array (any shape); it may carry a gradient, the loop detaches it
 * @param value  the metric from the values
 */
public record DeviceMetric(NDArray values, ToDoubleFunction<double[]> value) {

    /** A scalar array logged as it is. */
    public static DeviceMetric scalar(NDArray scalar) {
        return new DeviceMetric(scalar, v -> v[0]);
    }
}
