package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Optional;
import java.util.function.IntFunction;
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
            NDArray y = linear(x, weight.getArray(), bias == null ? null : bias.getArray());
            LinearAdapter adapter = AdapterScope.current(this);
            return adapter == null ? y : addInPlace(y, adapter.delta(x));
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
            // x * (...)^-0.5 with the power on the small [.., 1] array: dividing x instead measured slower,
            // forward and (DivBackward) backward
            NDArray inverseRms = Scalar.pow(x.square().mean(new int[] {-1}, true).add(eps), -0.5);
            NDArray normalized = x.mul(inverseRms);
            // a frozen weight (LoRA, a reference) scales in place: its gradient would need the normalized
            // input kept as it is, but nothing asks for it, so one activation-sized array less per norm
            return weight.getArray().hasGradient() ? normalized.mul(weight.getArray()) : normalized.muli(weight.getArray());
        }
    }

    /**
     * {@code x W^T + b}, {@code W} stored {@code [out, in]}. For inputs of rank 3 and more libtorch computes
     * the product and adds the bias in place after it. (Flattening to 2-d would let it use {@code addmm},
     * but on CPU that first copies the broadcast bias into the whole output, which measured several
     * times slower than the in-place add.)
     */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * {@code y += term} in place, for a {@code y} that a product has just made: no output-sized array is
     * allocated for the sum (a fresh array costs a page fault per 4 KiB once the allocator maps large blocks
     * on their own, see {@code NativeHeap}). Autograd allows it: the backward of a product reads the
     * product's inputs, never its output.
     */
    static NDArray addInPlace(NDArray y, NDArray term) {
        return y.addi(term);
    }

    /**
     * Scaled dot-product attention per batch entry: {@code softmax(q k^T + mask) v} for queries
     * {@code [B, Lq, d]} that already carry the {@code d^-0.5} scale (the callers fold it into the query
     * projection's weights, a smaller array than the queries) and keys/values {@code [B, Lk, d]};
     * {@code mask} is additive ({@code 0} or a large negative), broadcastable to {@code [B, Lq, Lk]}, or
     * {@code null}. Batched products of 3-d arrays take the transposed keys as a view: no copies.
     */
    static NDArray attention(NDArray scaledQueries, NDArray keys, NDArray values, NDArray mask) {
        NDArray scores = scaledQueries.batchMatMul(keys.transpose(0, 2, 1));
        if (mask != null) {
            // in place: the scores are the product's fresh output, which its backward does not read
            scores = mask.getShape().dimension() < 3 ? scores.addi(mask) : scores.add(mask);
        }
        return scores.softmax(-1).batchMatMul(values);
    }

    /**
     * {@code [N, L, heads*d]} (any strides) to head-major {@code [heads*N, L, d]}: entry {@code h*N + n}
     * holds head {@code h} of row {@code n}. One copy, after which every head's queries, keys or values
     * are a contiguous block that batched products read without further copies.
     */
    static NDArray headsFirst(NDArray x, long heads) {
        Shape s = x.getShape();
        long d = s.get(2) / heads;
        return x.reshape(s.get(0), s.get(1), heads, d).transpose(2, 0, 1, 3).reshape(heads * s.get(0), s.get(1), d);
    }

    /** The inverse of {@link #headsFirst}: {@code [heads*N, L, d]} to {@code [N, L, heads*d]} (one copy). */
    static NDArray headsLast(NDArray x, long rows) {
        Shape s = x.getShape();
        long heads = s.get(0) / rows;
        return x.reshape(heads, rows, s.get(1), s.get(2)).transpose(1, 2, 0, 3).reshape(rows, s.get(1), heads * s.get(2));
    }

    /**
     * Several linear layers that read the same input, computed as ONE matrix product with their weights
     * (and biases) concatenated at run time: {@code [.., in]} to {@code [.., out_1 + out_2 + ...]}. The
     * checkpoint keeps the layers' own parameters (and names); the concatenation is a cheap op in the
     * graph, so gradients reach each of them. The first {@code scaledRows} output rows can be scaled:
     * attention folds the queries' {@code d^-0.5} into their weights this way, a smaller array than the
     * queries (for {@code d = 64} the scale is a power of two, so the queries are exactly the same).
     * Adapters of the parts (LoRA) are added to their slices of the output, scaled alike.
     *
     * <p>Nothing is cached in the model's manager (what it holds is what the checkpoint holds): the
     * joined weights are built per call in the caller's scope.
     */
    static final class FusedLinear {
        /** Input rows per input feature from which the weights are joined (see {@link #apply}). */
        static final long MIN_ROWS_PER_FEATURE = 2;

        private final Linear[] parts;
        private final long scaledRows;
        private final double scale;

        private FusedLinear(Linear[] parts, long scaledRows, double scale) {
            this.parts = parts.clone();
            this.scaledRows = scale == 1 ? 0 : scaledRows;
            this.scale = scale;
        }

        /** The parts' outputs side by side. */
        static FusedLinear of(Linear... parts) {
            return new FusedLinear(parts, 0, 1);
        }

        /**
         * The parts' outputs side by side, the first {@code queryRows} of them (the queries of {@code heads}
         * heads) times {@code (queryRows / heads)^-0.5}.
         */
        static FusedLinear queryScaled(long queryRows, int heads, Linear... parts) {
            return new FusedLinear(parts, queryRows, 1 / Math.sqrt((double) queryRows / heads));
        }

        /**
         * The concatenated output, in the manager of {@code x}. The weights are joined only when the input
         * has at least {@link #MIN_ROWS_PER_FEATURE} rows per input feature: the joined copy is kept for the
         * backward pass, which costs memory of the order of the output only when the rows are few (real-size
         * checkpoints with short batches); then each part runs alone and the outputs are joined instead.
         */
        NDArray apply(NDArray x) {
            NDManager scope = x.getManager();
            NDArray factor = scaledRows == 0 ? null : Scalar.of(x, scale);
            long in = parts[0].inFeatures();
            if (x.size() / in < MIN_ROWS_PER_FEATURE * in) {
                return separately(x, factor);
            }
            NDArray weight = joined(scope, factor, i -> parts[i].weight.getArray());
            NDArray bias = parts[0].bias == null ? null : joined(scope, factor, i -> parts[i].bias.getArray());
            NDArray y = linear(x, weight, bias);
            NDArray adapters = adapterOutputs(x);
            if (adapters == null) {
                return y;
            }
            return addInPlace(y, factor == null ? adapters : scaleLeading(adapters, factor));
        }

        /** Each part on its own (with its adapter), the leading rows scaled, the outputs joined along the last axis. */
        private NDArray separately(NDArray x, NDArray factor) {
            NDList outputs = new NDList(parts.length);
            for (Linear part : parts) {
                outputs.add(part.apply(x));
            }
            if (factor != null && parts[0].outFeatures() == scaledRows) {
                // the first part's output is fresh and read by no backward: scaled in place, then ONE concatenation
                outputs.get(0).muli(factor);
                factor = null;
            }
            NDArray y = outputs.size() == 1 ? outputs.get(0) : NDArrays.concat(outputs, -1);
            return factor == null ? y : scaleLeading(y, factor);
        }

        /** {@code y} with its first {@code scaledRows} output features times {@code factor}. */
        private NDArray scaleLeading(NDArray y, NDArray factor) {
            int last = y.getShape().dimension() - 1;
            if (y.getShape().get(last) == scaledRows) {
                return y.mul(factor);
            }
            NDList split = y.split(new long[] {scaledRows}, last);
            return split.get(0).mul(factor).concat(split.get(1), last);
        }

        /** The parts' arrays joined along axis 0, the first {@code scaledRows} rows times {@code factor}, in {@code scope}. */
        private NDArray joined(NDManager scope, NDArray factor, IntFunction<NDArray> array) {
            // the parameters are the receivers here, so every result lands in the model's manager: each is
            // moved into the caller's scope at once
            NDList blocks = new NDList(parts.length + 1);
            for (int i = 0; i < parts.length; i++) {
                NDArray a = array.apply(i);
                if (i > 0 || factor == null) {
                    blocks.add(a);
                } else if (scaledRows == a.getShape().get(0)) {
                    blocks.add(inScope(a.mul(factor), scope));
                } else {
                    NDList split = a.split(new long[] {scaledRows}, 0);
                    split.attach(scope);
                    blocks.add(split.get(0).mul(factor));
                    blocks.add(split.get(1));
                }
            }
            return blocks.size() == 1 ? blocks.get(0) : inScope(NDArrays.concat(blocks, 0), scope);
        }

        private static NDArray inScope(NDArray a, NDManager scope) {
            a.attach(scope);
            return a;
        }

        /** The active adapters' outputs, concatenated like the parts (zeros where a part has none), or null. */
        private NDArray adapterOutputs(NDArray x) {
            LinearAdapter[] adapters = new LinearAdapter[parts.length];
            boolean any = false;
            for (int i = 0; i < parts.length; i++) {
                adapters[i] = AdapterScope.current(parts[i]);
                any |= adapters[i] != null;
            }
            if (!any) {
                return null;
            }
            if (parts.length == 1) {
                return adapters[0].delta(x);
            }
            Shape s = x.getShape();
            NDList deltas = new NDList(parts.length);
            for (int i = 0; i < parts.length; i++) {
                long[] dims = s.getShape().clone();
                dims[dims.length - 1] = parts[i].outFeatures();
                deltas.add(adapters[i] == null ? x.getManager().zeros(new Shape(dims), x.getDataType()) : adapters[i].delta(x));
            }
            return NDArrays.concat(deltas, -1);
        }
    }
}
