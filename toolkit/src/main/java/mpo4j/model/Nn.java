package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Optional;
import mpo4j.engine.Scalar;

/**
 * The small layers both towers are made of.
 *
 * <p>Memory rule: every operation takes the activation as its first operand, so its result lives in
 * the caller's scope; a parameter is never the receiver of an operation (the result would be attached
 * to the model's own manager and live as long as the model).
 */
final class Nn {
    private Nn() {}

    /**
     * {@code y = x W^T + b} with {@code W} stored {@code [out, in]} as in PyTorch, plus the output of the
     * adapter an open {@link AdapterScope} holds for this layer, if any. Each layer registers itself
     * with its {@link Weights} under its Hugging Face module name, so every model built through
     * {@code Weights} can be adapted without model-specific code.
     */
    static final class Linear implements AdaptableLinear {
        final Parameter weight;
        final Parameter bias;
        private final String moduleName;

        Linear(Weights w, long in, long out, boolean bias) {
            this.weight = w.normal("weight", out, in);
            this.bias = bias ? w.zeros("bias", out) : null;
            this.moduleName = w.register(this);
        }

        NDArray apply(NDArray x) {
            NDArray y = x.getNDArrayInternal().linear(x, weight.getArray(), bias == null ? null : bias.getArray()).singletonOrThrow();
            LinearAdapter adapter = AdapterScope.current(this);
            return adapter == null ? y : y.add(adapter.delta(x));
        }

        @Override
        public String moduleName() { return moduleName; }

        @Override
        public long inFeatures() { return weight.getShape().get(1); }

        @Override
        public long outFeatures() { return weight.getShape().get(0); }

        @Override
        public Parameter weight() { return weight; }

        @Override
        public Optional<Parameter> bias() { return Optional.ofNullable(bias); }

        @Override
        public String toString() { return "Linear(" + moduleName + ", " + inFeatures() + " -> " + outFeatures() + ")"; }
    }

    static final class LayerNorm {
        final Parameter weight;
        final Parameter bias;
        final float eps;

        LayerNorm(Weights w, long size, double eps) {
            this.weight = w.ones("weight", size);
            this.bias = w.zeros("bias", size);
            this.eps = (float) eps;
        }

        NDArray apply(NDArray x) {
            return x.getNDArrayInternal().layerNorm(x, new Shape(weight.getShape().get(0)), weight.getArray(), bias.getArray(), eps)
                    .singletonOrThrow();
        }
    }

    /** Qwen2's RMSNorm: {@code w * x / sqrt(mean(x^2) + eps)} over the last axis. */
    static final class RmsNorm {
        final Parameter weight;
        final float eps;

        RmsNorm(Weights w, long size, double eps) {
            this.weight = w.ones("weight", size);
            this.eps = (float) eps;
        }

        NDArray apply(NDArray x) {
            NDArray inverseRms = Scalar.pow(x.square().mean(new int[] {-1}, true).add(eps), -0.5);
            return x.mul(inverseRms).mul(weight.getArray());
        }
    }

    /**
     * Scaled dot-product attention over {@code [N, heads, Lq, d]} queries and {@code [N, heads, Lk, d]}
     * keys/values; {@code mask} is additive ({@code 0} or a large negative), broadcastable to
     * {@code [N, heads, Lq, Lk]}, or {@code null}.
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask) {
        long d = q.getShape().get(3);
        // scale the queries rather than the scores: [.., L, d] is smaller than [.., L, L]
        NDArray scores = Scalar.mul(q, 1 / Math.sqrt(d)).matMul(k.transpose(0, 1, 3, 2));
        if (mask != null) {
            scores = scores.add(mask);
        }
        return scores.softmax(-1).matMul(v);
    }

    /** {@code [N, L, heads*d]} to {@code [N, heads, L, d]}. */
    static NDArray splitHeads(NDArray x, long heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** {@code [N, heads, L, d]} back to {@code [N, L, heads*d]}. */
    static NDArray mergeHeads(NDArray x) {
        Shape s = x.getShape();
        return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }
}
