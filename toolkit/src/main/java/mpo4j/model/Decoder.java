package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import mpo4j.model.Nn.Linear;
import mpo4j.model.Nn.RmsNorm;

/** The Qwen2-style language model ({@code model.*}), with the output head tied to the input embedding. */
final class Decoder {
    final TinyVlmConfig.Text config;
    final Parameter embedTokens;
    final List<Layer> layers = new ArrayList<>();
    final RmsNorm norm;

    Decoder(Weights root, TinyVlmConfig.Text config) {
        this.config = config;
        Weights w = root.at("model");
        embedTokens = w.normal("embed_tokens.weight", config.vocabSize(), config.hidden());
        for (int i = 0; i < config.layers(); i++) {
            layers.add(new Layer(w.at("layers." + i), config));
        }
        norm = new RmsNorm(w.at("norm"), config.hidden(), config.rmsNormEps());
    }

    /** {@code [N, L]} int64 ids to {@code [N, L, H]} embeddings. */
    NDArray embed(NDArray ids) {
        return ids.getNDArrayInternal().embedding(ids, embedTokens.getArray(), SparseFormat.DENSE).singletonOrThrow();
    }

    /** Runs the layers and the final norm. {@code cache} may be null (no caching). */
    NDArray run(NDArray x, Rotary rotary, NDArray mask, KvCache cache) {
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).apply(x, rotary, mask, cache, i);
        }
        if (cache != null) {
            cache.advance(x.getShape().get(1));
        }
        return norm.apply(x);
    }

    /** Tied output head: {@code hidden · embed_tokens^T}. */
    NDArray logits(NDArray hidden) {
        return hidden.getNDArrayInternal().linear(hidden, embedTokens.getArray(), null).singletonOrThrow();
    }

    static final class Layer {
        final RmsNorm inputNorm;
        final Attention attention;
        final RmsNorm postAttentionNorm;
        final Mlp mlp;

        Layer(Weights w, TinyVlmConfig.Text c) {
            inputNorm = new RmsNorm(w.at("input_layernorm"), c.hidden(), c.rmsNormEps());
            attention = new Attention(w.at("self_attn"), c);
            postAttentionNorm = new RmsNorm(w.at("post_attention_layernorm"), c.hidden(), c.rmsNormEps());
            mlp = new Mlp(w.at("mlp"), c);
        }

        NDArray apply(NDArray x, Rotary rotary, NDArray mask, KvCache cache, int index) {
            NDArray h = x.add(attention.apply(inputNorm.apply(x), rotary, mask, cache, index));
            return h.add(mlp.apply(postAttentionNorm.apply(h)));
        }
    }

    /** Multi-head attention with q/k/v bias, rotary positions and grouped key/value heads. */
    static final class Attention {
        final Linear q;
        final Linear k;
        final Linear v;
        final Linear o;
        final int heads;
        final int kvHeads;

        Attention(Weights w, TinyVlmConfig.Text c) {
            int d = c.headDim();
            heads = c.heads();
            kvHeads = c.numKeyValueHeads();
            q = new Linear(w.at("q_proj"), c.hidden(), (long) heads * d, true);
            k = new Linear(w.at("k_proj"), c.hidden(), (long) kvHeads * d, true);
            v = new Linear(w.at("v_proj"), c.hidden(), (long) kvHeads * d, true);
            o = new Linear(w.at("o_proj"), (long) heads * d, c.hidden(), false);
        }

        NDArray apply(NDArray x, Rotary rotary, NDArray mask, KvCache cache, int index) {
            NDArray queries = rotary.apply(Nn.splitHeads(q.apply(x), heads));
            NDArray keys = rotary.apply(Nn.splitHeads(k.apply(x), kvHeads));
            NDArray values = Nn.splitHeads(v.apply(x), kvHeads);
            if (cache != null) {
                keys = cache.appendKeys(index, keys);
                values = cache.appendValues(index, values);
            }
            NDArray out = Nn.attention(queries, repeatKv(keys), repeatKv(values), mask);
            return o.apply(Nn.mergeHeads(out));
        }

        /** Hugging Face {@code repeat_kv}: each key/value head serves {@code heads / kvHeads} consecutive query heads. */
        private NDArray repeatKv(NDArray kv) {
            int groups = heads / kvHeads;
            if (groups == 1) {
                return kv;
            }
            Shape s = kv.getShape();
            return kv.expandDims(2).broadcast(s.get(0), s.get(1), groups, s.get(2), s.get(3))
                    .reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
        }
    }

    /** SwiGLU: {@code down(silu(gate(x)) * up(x))}. */
    static final class Mlp {
        final Linear gate;
        final Linear up;
        final Linear down;

        Mlp(Weights w, TinyVlmConfig.Text c) {
            gate = new Linear(w.at("gate_proj"), c.hidden(), c.intermediate(), false);
            up = new Linear(w.at("up_proj"), c.hidden(), c.intermediate(), false);
            down = new Linear(w.at("down_proj"), c.intermediate(), c.hidden(), false);
        }

        NDArray apply(NDArray x) {
            NDArray g = gate.apply(x);
            return down.apply(g.mul(Activation.sigmoid(g)).mul(up.apply(x)));
        }
    }

    /**
     * Rotary position tables (Hugging Face Qwen2 convention: frequencies repeated over both halves,
     * {@code rotate_half(x) = [-x2, x1]}), built once per forward pass and shared by all layers.
     */
    static final class Rotary {
        final NDArray cos;
        final NDArray sin;
        final int half;

        /** Positions {@code start .. start+length-1} for every row: tables {@code [L, d]}. */
        Rotary(NDManager scope, int start, int length, int headDim, double theta) {
            this(scope, new int[] {start}, length, headDim, theta, new Shape(length, headDim));
        }

        /**
         * Row {@code r} at positions {@code max(0, rowStarts[r] + t)}: tables {@code [N, 1, L, d]} (left-padded
         * rows start at minus their padding, so their first real token is at position 0).
         */
        Rotary(NDManager scope, int[] rowStarts, int length, int headDim, double theta) {
            this(scope, rowStarts, length, headDim, theta, new Shape(rowStarts.length, 1, length, headDim));
        }

        private Rotary(NDManager scope, int[] rowStarts, int length, int headDim, double theta, Shape shape) {
            half = headDim / 2;
            double[] inverseFrequency = new double[half];
            for (int i = 0; i < half; i++) {
                inverseFrequency[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            }
            float[] c = new float[rowStarts.length * length * headDim];
            float[] s = new float[c.length];
            for (int r = 0; r < rowStarts.length; r++) {
                for (int t = 0; t < length; t++) {
                    int base = (r * length + t) * headDim;
                    int position = Math.max(0, rowStarts[r] + t);
                    for (int i = 0; i < half; i++) {
                        double angle = position * inverseFrequency[i];
                        c[base + i] = c[base + i + half] = (float) Math.cos(angle);
                        s[base + i] = s[base + i + half] = (float) Math.sin(angle);
                    }
                }
            }
            cos = scope.create(c, shape);
            sin = scope.create(s, shape);
        }

        /** {@code x * cos + rotate_half(x) * sin} for {@code x} of shape {@code [N, heads, L, d]}. */
        NDArray apply(NDArray x) {
            NDArray x1 = x.get(new NDIndex("..., :{}", half));
            NDArray x2 = x.get(new NDIndex("..., {}:", half));
            NDArray rotated = NDArrays.concat(new ai.djl.ndarray.NDList(x2.neg(), x1), -1);
            return x.mul(cos).add(rotated.mul(sin));
        }
    }
}
