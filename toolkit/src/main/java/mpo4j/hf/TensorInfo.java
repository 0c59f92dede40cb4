package mpo4j.hf;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header: what it is and where its bytes are, without the data.
 *
 * @param name the tensor's name ({@code model.layers.0.self_attn.q_proj.weight})
 * @param dtype the stored element type
 * @param shape the dimensions (empty for a scalar); the accessor returns a copy
 * @param file the safetensors file holding it
 * @param start absolute file offset of the first data byte
 * @param byteSize number of data bytes ({@code elements() * dtype.bytes()})
 */
public record TensorInfo(String name, SafetensorsDtype dtype, long[] shape, Path file, long start, long byteSize) {
    /** Copies {@code shape} so the record stays immutable. */
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long elements() {
        return elements(shape);
    }

    static long elements(long[] shape) {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && file.equals(t.file) && start == t.start && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
