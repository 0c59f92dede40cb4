package mpo4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Collection;

/**
 * Gradient access for the PyTorch engine. DJL's {@code getGradient()} cannot tell "no gradient yet"
 * from zeros and wraps a new array on every call; here a parameter that took no part in the
 * backward pass has no gradient (like {@code param.grad is None} in PyTorch) and the wrapper is
 * owned by the caller's scope.
 */
public final class Grads {
    private Grads() {}

    /** The gradient of {@code param} attached to {@code scope}, or {@code null} if it has none. */
    public static NDArray of(NDArray param, NDManager scope) {
        if (!param.hasGradient()) {
            return null;
        }
        PtNDArray grad = JniUtils.getGradient((PtNDArray) param);
        if (grad != null) {
            grad.attach(scope);
        }
        return grad;
    }

    /**
     * A scalar of {@code like}'s type in its manager, in libtorch-owned memory. Use it instead of
     * {@code x.div(Number)} where autograd keeps the scalar for backward: DJL wraps the number in an
     * array over a Java direct buffer and closes it at once, so a garbage collection before
     * {@code backward()} would free memory the graph still reads ({@code GcSafeGradientsTest}).
     */
    static NDArray constant(NDArray like, double value) {
        try (NDArray javaBacked = like.getManager().create(value)) {
            // a type conversion allocates in libtorch; the same type needs an explicit clone (toType would alias)
            return javaBacked.getDataType() == like.getDataType() ? javaBacked.duplicate() : javaBacked.toType(like.getDataType(), false);
        }
    }

    /** Sets every gradient to zero (before the first micro-batch of an optimizer step). */
    public static void zero(Collection<NDArray> params) {
        for (NDArray p : params) {
            if (p.hasGradient()) {
                PtNDArray grad = JniUtils.getGradient((PtNDArray) p);
                if (grad != null) {   // zeroing an undefined gradient is an error in libtorch
                    grad.close();
                    JniUtils.zeroGrad((PtNDArray) p);
                }
            }
        }
    }

    /**
     * Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: the L2 norm over all gradients
     * together; if it exceeds {@code maxNorm} every gradient is scaled by {@code maxNorm/(norm+1e-6)}.
     *
     * @param maxNorm the cap; {@code <= 0} or infinite only measures
     * @return the norm before clipping (what trainers log as {@code grad_norm})
     */
    public static double clipGlobalNorm(Collection<NDArray> params, double maxNorm, NDManager parent) {
        try (NDManager scope = parent.newSubManager()) {
            java.util.List<NDArray> grads = new java.util.ArrayList<>();
            double sumSq = 0;
            for (NDArray p : params) {
                NDArray g = of(p, scope);
                if (g != null) {
                    grads.add(g);
                    sumSq += g.square().sum().getFloat();
                }
            }
            double norm = Math.sqrt(sumSq);
            if (maxNorm > 0 && Double.isFinite(maxNorm)) {
                double coef = maxNorm / (norm + 1e-6);
                if (coef < 1.0) {
                    for (NDArray g : grads) {
                        g.muli(coef);
                    }
                }
            }
            return norm;
        }
    }
}
