package mpo4j.train;

import mpo4j.engine.HostCopy;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
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
     * A NaN or infinite norm is an error ({@link ArithmeticException} naming the first parameter whose
     * gradient is not finite): scaling cannot repair it, and PyTorch's default would multiply every
     * gradient by NaN without a word.
     *
     * @param maxNorm the cap; {@code <= 0} or infinite only measures
     * @return the norm before clipping (what trainers log as {@code grad_norm})
     */
    public static double clipGlobalNorm(Collection<NDArray> params, double maxNorm, NDManager parent) {
        return clipGlobalNorm(params, maxNorm, true, parent);
    }

    /**
     * Like {@link #clipGlobalNorm(Collection, double, NDManager)}; with {@code errorIfNonfinite} false
     * (PyTorch's {@code error_if_nonfinite=False}) a non-finite norm is returned instead of thrown and the
     * gradients are left unscaled, for a caller that then drops the step (as the trainers do).
     */
    public static double clipGlobalNorm(Collection<NDArray> params, double maxNorm, boolean errorIfNonfinite, NDManager parent) {
        try (NDManager scope = parent.newSubManager()) {
            java.util.List<NDArray> grads = new java.util.ArrayList<>();
            NDList squares = new NDList();
            for (NDArray p : params) {
                NDArray g = of(p, scope);
                if (g != null) {
                    grads.add(g);
                    squares.add(g.square().sum().toType(DataType.FLOAT64, false));
                }
            }
            // One host copy for the whole norm (not one per parameter): the per-parameter sums of squares
            // are added in float64 on the device, as the host did before.
            double norm = squares.isEmpty() ? 0 : Math.sqrt(HostCopy.doubles(NDArrays.stack(squares).sum())[0]);
            if (!Double.isFinite(norm)) {
                if (errorIfNonfinite) {
                    throw new ArithmeticException("the total gradient norm is " + norm + ": the gradient of '"
                            + firstNonFinite(params, scope) + "' is not finite; nothing was clipped");
                }
                return norm;
            }
            scaleToNorm(grads, norm, maxNorm, scope);
            return norm;
        }
    }

    /**
     * The scaling step of {@code clip_grad_norm_} once the total norm is known: every gradient times
     * {@code maxNorm / (norm + 1e-6)} when that is below 1; nothing when {@code maxNorm <= 0} or infinite.
     */
    public static void scaleToNorm(Collection<NDArray> grads, double norm, double maxNorm, NDManager scope) {
        if (maxNorm > 0 && Double.isFinite(maxNorm)) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1.0) {
                NDArray scale = scope.create(coef);   // one 0-d array for every gradient (what muli(Number) makes each time)
                for (NDArray g : grads) {
                    g.muli(scale);
                }
            }
        }
    }

    /** The index (in iteration order) of the first parameter whose gradient holds NaN or ±inf. */
    private static String firstNonFinite(Collection<NDArray> params, NDManager scope) {
        int i = 0;
        for (NDArray p : params) {
            NDArray g = of(p, scope);
            if (g != null && !FiniteWeights.nonFinite(java.util.Map.of("g", g)).isEmpty()) {
                return p.getName() != null && !p.getName().isEmpty() ? p.getName() : "parameter #" + i;
            }
            i++;
        }
        return "?";
    }
}
