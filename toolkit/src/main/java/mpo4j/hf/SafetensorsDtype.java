package mpo4j.hf;

import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The safetensors element types mpo4j reads and writes, by their header names ({@code "BF16"}, ...).
 * The mapping to DJL types is DJL's own ({@link DataType#fromSafetensors(String)}).
 */
public enum SafetensorsDtype {
    /** IEEE float32. */
    F32(4),
    /** IEEE float16 (half). */
    F16(2),
    /** bfloat16: the upper 16 bits of a float32. */
    BF16(2),
    /** IEEE float64. */
    F64(8),
    /** Signed 64-bit integer. */
    I64(8),
    /** Signed 32-bit integer. */
    I32(4),
    /** Signed 8-bit integer. */
    I8(1),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Boolean, one byte per element (0 or 1). */
    BOOL(1);

    private final int bytes;

    SafetensorsDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether this is a floating-point type (the types a checkpoint's weights are stored in). */
    public boolean isFloating() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /**
     * The DJL type with the same memory layout. Note that DJL 0.35.1's PyTorch engine cannot create
     * {@code BFLOAT16} arrays (the JVM aborts), which is why the readers widen bf16 to float32.
     */
    public DataType djlType() {
        return DataType.fromSafetensors(name());
    }

    /**
     * The safetensors type of a DJL array type.
     *
     * @throws IllegalArgumentException for DJL types safetensors cannot hold (e.g. STRING)
     */
    public static SafetensorsDtype of(DataType type) {
        return parse(type.asSafetensors());
    }

    /**
     * The type named {@code name} in a safetensors header.
     *
     * @throws IllegalArgumentException naming the supported types when {@code name} is not one
     */
    public static SafetensorsDtype parse(String name) {
        for (SafetensorsDtype dtype : values()) {
            if (dtype.name().equals(name)) {
                return dtype;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "' (supported: " + supported() + ")");
    }

    static String supported() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /**
     * The rank the safetensors library sorts tensors by inside a file (its {@code Dtype} enum order,
     * which is by increasing alignment): it writes larger-alignment types first, then by name.
     */
    int alignmentRank() {
        return switch (this) {
            case BOOL -> 0;
            case U8 -> 1;
            case I8 -> 2;
            case F16 -> 7;
            case BF16 -> 8;
            case I32 -> 9;
            case F32 -> 11;
            case F64 -> 12;
            case I64 -> 13;
        };
    }
}
