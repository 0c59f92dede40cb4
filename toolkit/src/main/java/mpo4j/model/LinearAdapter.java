package mpo4j.model;

import ai.djl.ndarray.NDArray;

/** A term added to the output of one {@link AdaptableLinear} (for LoRA: {@code scaling * B A dropout(x)}). */
@FunctionalInterface
public interface LinearAdapter {

    /**
     * The term added to the layer's output for input {@code x} ({@code [..., in]} to {@code [..., out]}).
     * It must take {@code x} as the receiver of its first operation, so the result lives in the caller's
     * scope.
     */
    NDArray delta(NDArray x);
}
