package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntBinaryOperator;
import mpo4j.engine.Scalar;
import mpo4j.model.Nn.Linear;
import mpo4j.model.Nn.RmsNorm;

/**
 * The Qwen-family language model ({@code model.*} plus the output head): Qwen2/Qwen2.5, Qwen3 and
 * TinyVlm's decoder are this one class with different {@link DecoderConfig}s. Pre-norm layers
 * {@code x += o_proj(attention(input_layernorm(x)))}, {@code x += down(silu(gate(h)) * up(h))} with
 * {@code h = post_attention_layernorm(x)}, then {@code model.norm} and {@code lm_head} (or the tied embedding).
 */
final class Decoder {
    /** Large negative added to masked attention scores (finite, so a fully masked row cannot produce NaN). */
    static final float MASKED = -1e9f;

    final DecoderConfig config;
    final Parameter embedTokens;
    final List<Layer> layers = new ArrayList<>();
    final RmsNorm norm;
    /** The untied output head, or {@code null} when the head is {@code embed_tokens}. */
    final Linear lmHead;

    /** TinyVlm's decoder. */
    Decoder(Weights root, TinyVlmConfig.Text config) {
        this(root, config.decoderConfig());
    }

    /** Creates {@code model.*} and, when untied, {@code lm_head} under {@code root}, in transformers' order. */
    Decoder(Weights root, DecoderConfig config) {
        this.config = config;
        Weights w = root.at("model");
        embedTokens = w.normal("embed_tokens.weight", config.vocabSize(), config.hiddenSize());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new Layer(w.at("layers." + i), config));
        }
        norm = new RmsNorm(w.at("norm"), config.hiddenSize(), config.rmsNormEps());
        lmHead = config.tieWordEmbeddings() ? null : new Linear(root.at("lm_head"), config.hiddenSize(), config.vocabSize(), false);
    }

    /** {@code [N, L]} int64 ids to {@code [N, L, H]} embeddings. */
    NDArray embed(NDArray ids) {
        return ids.getNDArrayInternal().embedding(ids, embedTokens.getArray(), SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * A full pass over right-padded rows (real tokens first): positions {@code 0..L-1}, each query sees
     * the keys at or before it. Returns the final hidden states.
     *
     * <p>The mask is causal only: with padding on the right, a real query never reaches a padding key
     * (every key before it is real), so a real position's output is exactly what it would be with
     * padding masked too; padding positions' outputs are unspecified (nothing reads them). So one
     * {@code [L, L]} mask serves every row and head, instead of {@code N·L²} values per pass.
     *
     * <p>Packed rows ({@link TokenRows#packing()}) take their positions from the packing and an
     * {@code [N, L, L]} mask that also hides the first sequence's tail from the second sequence.
     */
    NDArray forward(NDArray embeddings, TokenRows rows, NDManager scope) {
        if (rows.isPacked()) {
            return run(embeddings, new Rotary(scope, rows, config), packedMask(rows, scope), null);
        }
        Rotary rotary = new Rotary(scope, 0, rows.length(), config);
        return run(embeddings, rotary, causalMask(rows.length(), scope), null);
    }

    /** Incremental decoding takes one sequence per row: packed rows would be decoded as if unpacked. */
    static void requireUnpacked(TokenRows rows) {
        if (rows.isPacked()) {
            throw new IllegalArgumentException("incremental decoding takes one sequence per row, but the rows are packed ("
                    + rows.packing() + "): pass packed rows to hidden() only");
        }
    }

    /**
     * Incremental decoding of left-padded rows: appends the new positions to {@code cache}. Row {@code r}'s
     * first real token is at position 0, so a padded row decodes as it would alone.
     */
    NDArray decode(NDArray embeddings, int[] leftPadding, KvCache cache, NDManager scope) {
        int past = (int) cache.length();
        int width = Math.toIntExact(embeddings.getShape().get(1));
        int[] starts = new int[leftPadding.length];
        for (int r = 0; r < starts.length; r++) {
            starts[r] = past - leftPadding[r];
        }
        Rotary rotary = new Rotary(scope, starts, width, config);
        return run(embeddings, rotary, leftPaddedMask(leftPadding, width, past, past + width, scope), cache);
    }

    /** Runs the layers and the final norm. {@code cache} may be null (no caching). */
    NDArray run(NDArray x, Rotary rotary, NDArray mask, KvCache cache) {
        NDManager outer = x.getManager();
        for (int i = 0; i < layers.size(); i++) {
            // Each layer's intermediates live in a scope of their own that closes when the layer returns:
            // autograd keeps what backward needs, everything else is freed now instead of at the end of the
            // step. At Qwen2.5-0.5B's sizes (1024 tokens) this took the step's peak from 14.1 to 6.4 GiB.
            try (NDManager layerScope = outer.newSubManager()) {
                layerScope.tempAttachAll(x);
                NDArray y = layers.get(i).apply(x, rotary, mask, cache, i);
                y.attach(outer);
                x = y;
            }
        }
        if (cache != null) {
            cache.advance(x.getShape().get(1));
        }
        return norm.apply(x);
    }

    /** The output head: {@code lm_head(hidden)}, or {@code hidden · embed_tokens^T} when tied. */
    NDArray logits(NDArray hidden) {
        if (lmHead != null) {
            return lmHead.apply(hidden);
        }
        return hidden.getNDArrayInternal().linear(hidden, embedTokens.getArray(), null).singletonOrThrow();
    }

    /** Additive causal mask {@code [L, L]}: query {@code i} sees key {@code j} iff {@code j <= i}. */
    static NDArray causalMask(int len, NDManager scope) {
        float[] mask = new float[len * len];
        for (int i = 0; i < len; i++) {
            java.util.Arrays.fill(mask, i * len + i + 1, (i + 1) * len, MASKED);
        }
        return scope.create(mask, new Shape(len, len));
    }

    /**
     * Additive mask {@code [N, L, L]} for packed rows, built on the device from the per-row bounds: query
     * {@code i} sees key {@code j} iff {@code j <= i}, unless {@code i} is in the second sequence
     * ({@code i >= secondStart}) and {@code j} in the first sequence's tail ({@code shared <= j < secondStart}).
     * Right padding needs no masking, as in {@link #forward}.
     */
    static NDArray packedMask(TokenRows rows, NDManager scope) {
        PrefixPacking packing = rows.packing();
        int n = rows.rows();
        long len = rows.length();
        try (NDManager temp = scope.newSubManager()) {
            NDArray keys = temp.arange(0, (int) len, 1, DataType.INT32).reshape(1, 1, len);
            NDArray queries = keys.reshape(1, len, 1);
            NDArray shared = temp.create(packing.shared(), new Shape(n, 1, 1));
            NDArray secondStart = temp.create(packing.secondStart(), new Shape(n, 1, 1));
            NDArray hiddenTail = queries.gte(secondStart).logicalAnd(keys.gte(shared)).logicalAnd(keys.lt(secondStart));
            NDArray masked = keys.gt(queries).logicalOr(hiddenTail);                   // [N, L, L]
            // a select rather than masked · MASKED, which would give -0 where nothing is masked
            NDArray mask = NDArrays.where(masked, temp.full(masked.getShape(), MASKED), temp.zeros(masked.getShape()));
            mask.attach(scope);
            return mask;
        }
    }

    /**
     * Additive mask {@code [N, queries, keys]} for left-padded rows: query {@code i} (absolute position
     * {@code past + i}) sees key {@code j} iff {@code j <= past + i} and {@code j} is not padding.
     */
    static NDArray leftPaddedMask(int[] padding, int queries, int past, int keys, NDManager scope) {
        float[] mask = new float[padding.length * queries * keys];
        for (int r = 0; r < padding.length; r++) {
            for (int i = 0; i < queries; i++) {
                int base = (r * queries + i) * keys;
                for (int j = 0; j < keys; j++) {
                    mask[base + j] = j <= past + i && j >= padding[r] ? 0f : MASKED;
                }
            }
        }
        return scope.create(mask, new Shape(padding.length, queries, keys));
    }

    static final class Layer {
        final RmsNorm inputNorm;
        final Attention attention;
        final RmsNorm postAttentionNorm;
        final Mlp mlp;

        Layer(Weights w, DecoderConfig c) {
            inputNorm = new RmsNorm(w.at("input_layernorm"), c.hiddenSize(), c.rmsNormEps());
            attention = new Attention(w.at("self_attn"), c);
            postAttentionNorm = new RmsNorm(w.at("post_attention_layernorm"), c.hiddenSize(), c.rmsNormEps());
            mlp = new Mlp(w.at("mlp"), c);
        }

        NDArray apply(NDArray x, Rotary rotary, NDArray mask, KvCache cache, int index) {
            NDArray h = x.add(attention.apply(inputNorm.apply(x), rotary, mask, cache, index));
            return h.add(mlp.apply(postAttentionNorm.apply(h)));
        }
    }

    /**
     * Multi-head attention with optional q/k/v (and o) biases, optional per-head q/k RMSNorm (Qwen3:
     * after the head split, before RoPE), rotary positions and grouped key/value heads; scores scaled by
     * {@code head_dim^-0.5}.
     *
     * <p>Computed head-major ({@link Nn#headsFirst}): q, k and v come out of ONE matrix product (the three
     * projections' weights concatenated at run time, the queries' rows scaled by {@code head_dim^-0.5}
     * unless a q-norm must see them unscaled), one copy puts every head in a contiguous block, the rotary
     * embedding turns queries and keys in one pass, and batched products need no further copies.
     */
    static final class Attention {
        final Linear q;
        final Linear k;
        final Linear v;
        final Linear o;
        final RmsNorm qNorm;
        final RmsNorm kNorm;
        final int heads;
        final int kvHeads;
        private final Nn.FusedLinear qkv;
        private final double scale;

        Attention(Weights w, DecoderConfig c) {
            int d = c.headDim();
            heads = c.numAttentionHeads();
            kvHeads = c.numKeyValueHeads();
            q = new Linear(w.at("q_proj"), c.hiddenSize(), (long) heads * d, c.attentionBias());
            k = new Linear(w.at("k_proj"), c.hiddenSize(), (long) kvHeads * d, c.attentionBias());
            v = new Linear(w.at("v_proj"), c.hiddenSize(), (long) kvHeads * d, c.attentionBias());
            o = new Linear(w.at("o_proj"), (long) heads * d, c.hiddenSize(), c.outputBias());
            qNorm = c.qkNorm() ? new RmsNorm(w.at("q_norm"), d, c.rmsNormEps()) : null;
            kNorm = c.qkNorm() ? new RmsNorm(w.at("k_norm"), d, c.rmsNormEps()) : null;
            scale = 1 / Math.sqrt(d);
            // a q-norm must see the queries unscaled: then they are scaled after it
            qkv = qNorm == null ? Nn.FusedLinear.queryScaled((long) heads * d, heads, q, k, v) : Nn.FusedLinear.of(q, k, v);
        }

        /** {@code mask}: additive, broadcastable to {@code [N, Lq, Lk]}. */
        NDArray apply(NDArray x, Rotary rotary, NDArray mask, KvCache cache, int index) {
            long n = x.getShape().get(0);
            long len = x.getShape().get(1);
            NDArray all = Nn.headsFirst(qkv.apply(x), heads + 2L * kvHeads);           // [(h + 2kv)·N, L, d]
            NDList qkAndV = all.split(new long[] {(heads + kvHeads) * n}, 0);
            NDArray qk = qkAndV.get(0);
            if (qNorm != null) {
                NDList parts = qk.split(new long[] {heads * n}, 0);
                qk = Scalar.mul(qNorm.apply(parts.get(0)), scale).concat(kNorm.apply(parts.get(1)), 0);
            }
            long d = qk.getShape().get(2);
            qk = rotary.apply(qk.reshape(heads + kvHeads, n, len, d)).reshape((heads + kvHeads) * n, len, d);
            NDList qAndK = qk.split(new long[] {heads * n}, 0);
            NDArray queries = qAndK.get(0);
            NDArray keys = qAndK.get(1);
            NDArray values = qkAndV.get(1);
            if (cache != null) {
                keys = cache.appendKeys(index, keys);
                values = cache.appendValues(index, values);
            }
            if (kvHeads == heads) {
                return o.apply(Nn.headsLast(attention(queries, keys, values, mask, n), n));
            }
            return o.apply(groupedAttention(queries, keys, values, mask, n));
        }

        /** Scaled dot-product attention of head-major {@code [h·N, Lq, d]} with a per-row (or shared) mask. */
        private static NDArray attention(NDArray queries, NDArray keys, NDArray values, NDArray mask, long rows) {
            if (mask.getShape().dimension() == 2) {
                return Nn.attention(queries, keys, values, mask);
            }
            // [N, Lq, Lk] per-row masks: view the scores as [h, N, Lq, Lk] so the mask broadcasts over heads
            NDArray scores = queries.batchMatMul(keys.transpose(0, 2, 1));
            Shape s = scores.getShape();
            scores = scores.reshape(s.get(0) / rows, rows, s.get(1), s.get(2)).add(mask).reshape(s);
            return scores.softmax(-1).batchMatMul(values);
        }

        /**
         * Grouped-query attention without repeating keys and values: the {@code g = heads / kvHeads} query
         * heads that share a key/value head (Hugging Face {@code repeat_kv}: consecutive query heads) are
         * stacked along the sequence axis, so each key/value head of each row is ONE product
         * {@code [g·Lq, d] × [d, Lk]} (and {@code [g·Lq, Lk] × [Lk, d]}) of a batch of {@code kv·N}. The
         * repeated formulation copies keys and values {@code g} times forward and sums their gradients back
         * in the backward pass, and runs {@code h·N} products {@code g} times smaller (they measured 36 to 46
         * GFLOP/s at Qwen2.5-0.5B's sizes, single thread, against a peak near 95). Queries arrive head-major
         * {@code [h·N, Lq, d]} ({@code [kv, g, N, Lq, d]}); one copy puts them in {@code [kv, N, g, Lq, d]}
         * (a view for one row). Returns {@code [N, Lq, h·d]}, the input of {@code o_proj}.
         */
        private NDArray groupedAttention(NDArray queries, NDArray keys, NDArray values, NDArray mask, long rows) {
            long groups = heads / kvHeads;
            Shape qs = queries.getShape();
            long lq = qs.get(1);
            long d = qs.get(2);
            NDArray grouped = queries.reshape(kvHeads, groups, rows, lq, d).transpose(0, 2, 1, 3, 4)
                    .reshape(kvHeads * rows, groups * lq, d);
            NDArray scores = grouped.batchMatMul(keys.transpose(0, 2, 1));                 // [kv·N, g·Lq, Lk]
            long lk = scores.getShape().get(2);
            if (mask.getShape().dimension() == 2) {
                // the shared [Lq, Lk] mask once per query head of the group: [g·Lq, Lk] broadcasts over kv·N. Added
                // in place: the scores are a product's fresh output, which its backward does not read
                // (the tiled copy is moved to the scores' scope: the mask's outlives the layer)
                NDArray tiled = mask.tile(new long[] {groups, 1});
                tiled.attach(scores.getManager());
                scores.addi(tiled);
            } else {
                // [N, Lq, Lk] per-row masks: the scores viewed as [kv, N, g, Lq, Lk], the mask as [N, 1, Lq, Lk]
                scores = scores.reshape(kvHeads, rows, groups, lq, lk).add(mask.reshape(rows, 1, lq, lk))
                        .reshape(kvHeads * rows, groups * lq, lk);
            }
            NDArray out = scores.softmax(-1).batchMatMul(values);                            // [kv·N, g·Lq, d]
            // [kv, N, g, Lq, d] to [N, Lq, kv, g, d] = [N, Lq, h·d]: head kv·g + j, as o_proj expects
            return out.reshape(kvHeads, rows, groups, lq, d).transpose(1, 3, 0, 2, 4).reshape(rows, lq, (long) heads * d);
        }
    }

    /**
     * SwiGLU: {@code down(silu(gate(x)) * up(x))}. Gate and up stay two products: joined into one
     * {@code [tokens, 2·intermediate]} product they measured 15-20% fewer FLOP/s on this CPU (a 1792 x 256 x
     * 1376 product at 66-78 GFLOP/s against 82-92 for 1792 x 256 x 688, single thread), forward and backward.
     */
    static final class Mlp {
        final Linear gate;
        final Linear up;
        final Linear down;

        Mlp(Weights w, DecoderConfig c) {
            gate = new Linear(w.at("gate_proj"), c.hiddenSize(), c.intermediateSize(), false);
            up = new Linear(w.at("up_proj"), c.hiddenSize(), c.intermediateSize(), false);
            down = new Linear(w.at("down_proj"), c.intermediateSize(), c.hiddenSize(), false);
        }

        NDArray apply(NDArray x) {
            NDArray g = gate.apply(x);
            return down.apply(g.mul(Activation.sigmoid(g)).mul(up.apply(x)));
        }
    }

    /**
     * Rotary position tables (Hugging Face Qwen2 convention: frequencies repeated over both halves,
     * {@code rotate_half(x) = [-x2, x1]}), shared by all layers of a pass. The angles are computed in
     * double and rounded once (transformers computes them in float32).
     */
    static final class Rotary {
        final NDArray cos;
        /** {@code [-sin, sin]} over the two halves: {@code rotate_half(x) * sin = swap_halves(x) * signedSin}. */
        final NDArray signedSin;
        final int half;

        /** Positions {@code start .. start+length-1} for every row: tables {@code [L, d]}, plain RoPE. */
        Rotary(NDManager scope, int start, int length, int headDim, double theta) {
            this(scope, new int[] {start}, length, plain(headDim, theta), new Shape(length, headDim));
        }

        /** As {@link #Rotary(NDManager, int, int, int, double)}, with the config's frequencies for this length. */
        Rotary(NDManager scope, int start, int length, DecoderConfig c) {
            this(scope, new int[] {start}, length, c.inverseFrequencies(start + length), new Shape(length, c.headDim()));
        }

        /**
         * Row {@code r} at positions {@code max(0, rowStarts[r] + t)}: tables {@code [N, L, d]} (left-padded
         * rows start at minus their padding, so their first real token is at position 0), with the config's
         * frequencies for the largest position of the pass (dynamic scaling sees {@code max position + 1}, as transformers does).
         */
        Rotary(NDManager scope, int[] rowStarts, int length, DecoderConfig c) {
            this(scope, rowStarts, length, c.inverseFrequencies(java.util.Arrays.stream(rowStarts).max().orElse(0) + length),
                    new Shape(rowStarts.length, length, c.headDim()));
        }

        /**
         * The positions of packed rows ({@link PrefixPacking#position}): tables {@code [N, L, d]}, with the
         * config's frequencies for the largest real position + 1 (the length of the longest unpacked sequence).
         */
        Rotary(NDManager scope, TokenRows packed, DecoderConfig c) {
            this(scope, packed.rows(), packed.length(), packed.packing()::position,
                    c.inverseFrequencies(longestSequence(packed)), new Shape(packed.rows(), packed.length(), c.headDim()));
        }

        private Rotary(NDManager scope, int[] rowStarts, int length, double[] inverseFrequency, Shape shape) {
            this(scope, rowStarts.length, length, (r, t) -> Math.max(0, rowStarts[r] + t), inverseFrequency, shape);
        }

        private Rotary(NDManager scope, int rows, int length, IntBinaryOperator positions,
                       double[] inverseFrequency, Shape shape) {
            half = inverseFrequency.length;
            int headDim = 2 * half;
            float[] c = new float[rows * length * headDim];
            float[] s = new float[c.length];
            // rows share positions (packed rows repeat their prompt's; every unpacked row has 0..L-1): each
            // position's angles are computed once, at its first occurrence, and copied after that
            java.util.Map<Integer, Integer> firstAt = new java.util.HashMap<>();
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < length; t++) {
                    int base = (r * length + t) * headDim;
                    int position = positions.applyAsInt(r, t);
                    Integer seen = firstAt.putIfAbsent(position, base);
                    if (seen != null) {
                        System.arraycopy(c, seen, c, base, headDim);
                        System.arraycopy(s, seen, s, base, headDim);
                        continue;
                    }
                    for (int i = 0; i < half; i++) {
                        double angle = position * inverseFrequency[i];
                        c[base + i] = c[base + i + half] = (float) Math.cos(angle);
                        float sin = (float) Math.sin(angle);
                        s[base + i] = -sin;
                        s[base + i + half] = sin;
                    }
                }
            }
            // autograd saves the tables for backward; their Java memory stays alive with them in the pass's
            // scope, which outlives the backward pass
            cos = scope.create(c, shape);
            signedSin = scope.create(s, shape);
        }

        /** The largest real position of packed rows + 1. */
        private static int longestSequence(TokenRows packed) {
            int longest = 0;
            for (int r = 0; r < packed.rows(); r++) {
                int len = packed.lengths()[r];
                if (len > 0) {
                    longest = Math.max(longest, Math.max(packed.packing().position(r, len - 1) + 1, packed.packing().secondStart()[r]));
                }
            }
            return longest;
        }

        private static double[] plain(int headDim, double theta) {
            double[] inverseFrequency = new double[headDim / 2];
            for (int i = 0; i < inverseFrequency.length; i++) {
                inverseFrequency[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            }
            return inverseFrequency;
        }

        /**
         * {@code x * cos + rotate_half(x) * sin} for {@code x} of shape {@code [..., L, d]} that the tables
         * broadcast against: the halves are swapped by one flip of {@code [.., 2, d/2]}, the sign is in the table.
         */
        NDArray apply(NDArray x) {
            Shape s = x.getShape();
            long[] halves = new long[s.dimension() + 1];
            System.arraycopy(s.getShape(), 0, halves, 0, s.dimension() - 1);
            halves[s.dimension() - 1] = 2;
            halves[s.dimension()] = half;
            NDArray swapped = x.reshape(new Shape(halves)).flip(s.dimension() - 1).reshape(s);
            return x.mul(cos).add(swapped.mul(signedSin));
        }
    }
}
