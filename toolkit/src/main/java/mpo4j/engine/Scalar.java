package mpo4j.engine;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic between an array and a Java number that is safe inside an autograd graph.
 *
 * <p>DJL 0.35.1's PyTorch engine implements {@code x.mul(2.0)} (likewise {@code div}, {@code pow},
 * {@code maximum}, {@code minimum}) by wrapping the number in a tensor over Java memory, applying the
 * op, and closing that tensor at once. Autograd has saved it for the backward pass, so once the
 * garbage collector frees the Java buffer, backward multiplies by whatever the memory holds next:
 * gradients that change from run to run, NaNs and crashes that depend on GC timing
 * ({@code BackwardAfterScopeTest} reproduces it). These helpers put the number in memory PyTorch owns,
 * in {@code x}'s type and manager. Every differentiable op with a Java number goes through here;
 * {@code add}/{@code sub} with a number are safe (their backward reads no operand).
 */
public final class Scalar {
    private Scalar() {}

    /** {@code value} as a 0-d array of {@code like}'s type, in {@code like}'s manager, owned by PyTorch. */
    public static NDArray of(NDArray like, double value) {
        try (NDArray javaBacked = like.getManager().create(value)) {
            // toType copies only when the type changes (DJL 0.35.1 asks libtorch for copy=false), so a
            // float64 `like` needs duplicate() to leave the Java buffer behind
            return javaBacked.getDataType() == like.getDataType() ? javaBacked.duplicate() : javaBacked.toType(like.getDataType(), false);
        }
    }

    public static NDArray mul(NDArray x, double value) { return x.mul(of(x, value)); }

    public static NDArray div(NDArray x, double value) { return x.div(of(x, value)); }

    public static NDArray pow(NDArray x, double value) { return x.pow(of(x, value)); }

    public static NDArray maximum(NDArray x, double value) { return x.maximum(of(x, value)); }

    public static NDArray minimum(NDArray x, double value) { return x.minimum(of(x, value)); }
}
