package mpo4j.train;

import mpo4j.engine.HostCopy;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

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
            if (p.hasGradient()) {      // cached on the Java side: no native call
                // one native call: DJL's zeroGrad itself skips an undefined gradient (which libtorch cannot
                // zero), so fetching the gradient first to check (two more calls per parameter) is not needed
                JniUtils.zeroGrad((PtNDArray) p);
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
            NDArray norms = parameterNorms(params, scope);
            // one host copy for the whole norm (not one per parameter)
            double norm = norms == null ? 0 : globalNorm(HostCopy.doubles(norms));
            if (!Double.isFinite(norm)) {
                if (errorIfNonfinite) {
                    throw new ArithmeticException("the total gradient norm is " + norm + ": the gradient of '"
                            + firstNonFinite(params, scope) + "' is not finite; nothing was clipped");
                }
                return norm;
            }
            if (clipCoefficient(norm, maxNorm) < 1.0) {
                List<NDArray> grads = new ArrayList<>();
                for (NDArray p : params) {
                    NDArray g = of(p, scope);
                    if (g != null) {
                        grads.add(g);
                    }
                }
                scaleToNorm(grads, norm, maxNorm, scope);
            }
            return norm;
        }
    }

    /**
     * The L2 norm of each parameter's gradient, in iteration order, as one 1-D array attached to
     * {@code scope}; {@code null} when no parameter has a gradient. One native reduction per parameter
     * (a square, a sum and a cast each before): the host adds their squares in float64
     * ({@link #globalNorm}), so the total keeps its float64 accumulation across parameters.
     */
    public static NDArray parameterNorms(Collection<NDArray> params, NDManager scope) {
        NDList norms = new NDList();
        for (NDArray p : params) {
            NDArray g = of(p, scope);
            if (g != null) {
                norms.add(g.norm());
            }
        }
        if (norms.isEmpty()) {
            return null;
        }
        DataType first = norms.get(0).getDataType();
        if (norms.stream().anyMatch(n -> n.getDataType() != first)) {     // mixed precisions cannot be stacked as they are
            NDList wide = new NDList(norms.size());
            norms.forEach(n -> wide.add(n.toType(DataType.FLOAT64, false)));
            norms = wide;
        }
        return norms.size() == 1 ? norms.get(0).reshape(1) : NDArrays.stack(norms);
    }

    /**
     * The global norm from per-parameter norms ({@link #parameterNorms} copied to the host):
     * {@code √(Σ nᵢ²)}, summed in double in parameter order. NaN or infinite if any {@code nᵢ} is.
     */
    public static double globalNorm(double[] parameterNorms) {
        double sumOfSquares = 0;
        for (double n : parameterNorms) {
            sumOfSquares += n * n;
        }
        return Math.sqrt(sumOfSquares);
    }

    /**
     * What {@code clip_grad_norm_} multiplies every gradient by for a total norm {@code norm}:
     * {@code maxNorm / (norm + 1e-6)} when that is below 1, else 1 (also when {@code maxNorm <= 0} or
     * infinite: clipping off). Hand it to {@link AdamW#update(Map, double, double)} to clip inside the
     * update instead of scaling the gradients first.
     */
    public static double clipCoefficient(double norm, double maxNorm) {
        if (maxNorm > 0 && Double.isFinite(maxNorm)) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1.0) {
                return coef;
            }
        }
        return 1.0;
    }

    /**
     * The scaling step of {@code clip_grad_norm_} once the total norm is known: every gradient times
     * {@link #clipCoefficient}{@code (norm, maxNorm)}, in place; nothing when that is 1.
     */
    public static void scaleToNorm(Collection<NDArray> grads, double norm, double maxNorm, NDManager scope) {
        double coef = clipCoefficient(norm, maxNorm);
        if (coef < 1.0) {
            NDArray scale = scope.create(coef);   // one 0-d array for every gradient (what muli(Number) makes each time)
            for (NDArray g : grads) {
                g.muli(scale);
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
