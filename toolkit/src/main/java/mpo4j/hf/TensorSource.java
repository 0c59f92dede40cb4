package mpo4j.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The data of one tensor while a {@link TensorVisitor} looks at it; valid only during that call.
 * Nothing is read until one of these methods is called.
 */
public interface TensorSource {
    /** The tensor in its stored dtype (bf16 as float32), see {@link SafetensorsFile#load}. */
    NDArray load(NDManager manager) throws IOException;

    /** The tensor as float32, see {@link SafetensorsFile#loadFloat32}. */
    NDArray loadFloat32(NDManager manager) throws IOException;

    /** The stored bytes, see {@link SafetensorsFile#readBytes}. */
    ByteBuffer readBytes() throws IOException;
}
